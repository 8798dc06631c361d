/**
 * Cascading deletes (§3.3) with and without per-record work: when no hook handler has anything
 * to do and no realtime client is connected, cascaded records are deleted in bulk (one
 * statement per relation and level); the outcome must be the one record-by-record deletion
 * gives — every cascaded row gone, other references detached (and saved, `updated` bumped),
 * auth side rows and stored files removed, a required reference refusing the whole delete —
 * and once a handler is bound, every cascaded record goes through its hooks again.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { request } from "./helpers/http.ts";
import { eventually, file, storedKeys } from "./helpers/files.ts";
import { countEvents } from "./helpers/scenario.ts";
import { startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";
import { Record } from "../src/core/records/record.ts";
import { saveRecord } from "../src/core/records/record-save.ts";

describe("cascading deletes", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  const ids: { [name: string]: string } = {};
  const id = (name: string): string => ids[name] ?? assert.fail(`no record ${name}`);

  const create = async (collection: string, body: { [key: string]: unknown } | FormData): Promise<string> => {
    const record = await s.pb.collection(collection).create(body);
    return record.id;
  };
  const count = (table: string, id: string): number =>
    Number(query(s.dir, `SELECT count(*) AS n FROM ${table} WHERE id = ?`, id)[0]!.n);
  const del = (collection: string, id: string) =>
    request(s.url, "DELETE", `/api/collections/${collection}/records/${id}`, { token: s.token });

  /** An org with members, their posts, and records pointing at those posts. */
  async function seedOrg(name: string): Promise<void> {
    ids[name] = await create("orgs", { name });
    for (const m of [1, 2]) {
      const member = `${name}m${m}`;
      ids[member] = await create("members", {
        email: `${member}@example.com`,
        password: "1234567890",
        passwordConfirm: "1234567890",
        org: id(name),
      });
      for (const p of [1, 2]) {
        const post = `${member}p${p}`;
        const form = new FormData();
        form.set("title", post);
        form.set("author", id(member));
        if (p === 1) form.set("doc", file("hello", "doc.txt"));
        ids[post] = await create("posts", form);
      }
    }
    ids[`${name}note`] = await create("notes", { text: "n", post: id(`${name}m1p1`) });
    ids[`${name}tagged`] = await create("tagged", { posts: [id(`${name}m1p1`), id(`${name}m2p2`)] });
    // an auth side row of the first member
    const origins = s.app.findCollectionByNameOrId("_authOrigins")!;
    const origin = new Record(origins);
    origin.set("collectionRef", s.app.findCollectionByNameOrId("members")!.id);
    origin.set("recordRef", id(`${name}m1`));
    origin.set("fingerprint", `fp-${name}`);
    await saveRecord(s.app, origin);
    ids[`${name}origin`] = origin.id;
  }

  before(async () => {
    s = await startTestServer(cleanup);
    const orgs = await s.pb.collections.create({
      name: "orgs",
      type: "base",
      fields: [{ name: "name", type: "text" }],
    });
    const members = await s.pb.collections.create({
      name: "members",
      type: "auth",
      fields: [{ name: "org", type: "relation", collectionId: orgs.id, cascadeDelete: true, maxSelect: 1 }],
    });
    const posts = await s.pb.collections.create({
      name: "posts",
      type: "base",
      fields: [
        { name: "title", type: "text" },
        { name: "author", type: "relation", collectionId: members.id, cascadeDelete: true, maxSelect: 1 },
        { name: "doc", type: "file", maxSelect: 1, maxSize: 1000 },
      ],
    });
    await s.pb.collections.create({
      name: "notes",
      type: "base",
      fields: [
        { name: "text", type: "text" },
        { name: "post", type: "relation", collectionId: posts.id, maxSelect: 1 },
        { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
      ],
    });
    await s.pb.collections.create({
      name: "tagged",
      type: "base",
      fields: [{ name: "posts", type: "relation", collectionId: posts.id, maxSelect: 5 }],
    });
    await s.pb.collections.create({
      name: "reviews",
      type: "base",
      fields: [{ name: "post", type: "relation", collectionId: posts.id, maxSelect: 1, required: true }],
    });
    for (const org of ["a", "b", "c"]) await seedOrg(org);
  });

  test("without handlers: the whole tree goes, references are detached, side rows and files removed", async () => {
    const postsId = s.app.findCollectionByNameOrId("posts")!.id;
    assert.equal((await storedKeys(s.app, `${postsId}/${id("am1p1")}/`)).length, 1, "the file is stored");
    const noteBefore = query(s.dir, "SELECT updated FROM notes WHERE id = ?", id("anote"))[0]!.updated;
    await new Promise((r) => setTimeout(r, 5)); // a later millisecond for `updated`
    const res = await del("orgs", id("a"));
    assert.equal(res.status, 204, res.text);
    for (const name of ["a", "am1", "am2", "am1p1", "am1p2", "am2p1", "am2p2"]) {
      const table = name.length === 1 ? "orgs" : name.length === 3 ? "members" : "posts";
      assert.equal(count(table, id(name)), 0, `${name} deleted`);
    }
    for (const name of ["b", "bm1", "bm1p1"]) {
      const table = name.length === 1 ? "orgs" : name.length === 3 ? "members" : "posts";
      assert.equal(count(table, id(name)), 1, `${name} kept`);
    }
    const note = query(s.dir, "SELECT post, updated FROM notes WHERE id = ?", id("anote"))[0]!;
    assert.equal(note.post, "", "an optional reference is detached");
    assert.notEqual(note.updated, noteBefore, "the detached record is saved (autodate)");
    const tagged = query(s.dir, "SELECT posts FROM tagged WHERE id = ?", id("atagged"))[0]!;
    assert.equal(tagged.posts, "[]", "deleted ids leave a multiple relation");
    assert.equal(count("_authOrigins", id("aorigin")), 0, "auth side rows go with their record");
    assert.equal(count("_authOrigins", id("borigin")), 1);
    await eventually(async () => {
      assert.deepEqual(
        await storedKeys(s.app, `${postsId}/${id("am1p1")}/`),
        [],
        "files removed after commit",
      );
    });
    assert.equal((await storedKeys(s.app, `${postsId}/${id("bm1p1")}/`)).length, 1);
  });

  test("a required reference anywhere in the tree refuses the delete and nothing changes", async () => {
    const review = await create("reviews", { post: id("cm2p1") });
    const res = await del("orgs", id("c"));
    assert.equal(res.status, 400, res.text);
    assert.equal(
      res.json.message,
      "Failed to delete record. Make sure that the record is not part of a required relation reference.",
    );
    for (const name of ["c", "cm1", "cm2", "cm1p1", "cm2p1"]) {
      const table = name.length === 1 ? "orgs" : name.length === 3 ? "members" : "posts";
      assert.equal(count(table, id(name)), 1, `${name} kept`);
    }
    assert.equal(query(s.dir, "SELECT post FROM notes WHERE id = ?", id("cnote"))[0]!.post, id("cm1p1"));
    assert.equal(count("_authOrigins", id("corigin")), 1);
    await s.pb.collection("reviews").delete(review);
  });

  test("with a handler bound, every cascaded record goes through its hooks", async () => {
    const counts = countEvents(s.app);
    const res = await del("orgs", id("b"));
    assert.equal(res.status, 204, res.text);
    // the org, 2 members, 4 posts and the member's auth origin
    await eventually(() => assert.equal(counts.get("onRecordAfterDeleteSuccess"), 8));
    assert.equal(counts.get("onRecordDelete"), 8);
    // the note detached and the tagged record's list shortened (once per deleted post it held)
    assert.equal(counts.get("onRecordAfterUpdateSuccess"), 3);
    assert.equal(count("members", id("bm2")), 0);
    assert.equal(query(s.dir, "SELECT posts FROM tagged WHERE id = ?", id("btagged"))[0]!.posts, "[]");
  });
});
