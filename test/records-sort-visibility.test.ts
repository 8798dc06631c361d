/**
 * Sorting sees exactly what filtering sees (issue 16 §4): a guest cannot order records by an
 * email it may not read (directly or through a relation) and so cannot binary-search a hidden
 * address; hidden fields are refused in `sort` as in `filter`.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { request } from "./helpers/http.ts";
import { startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";

describe("sort and visibility", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  /** Emails by record id, created out of alphabetical order. */
  const hidden = ["m@x.com", "a@x.com", "z@x.com", "c@x.com"];
  const visible = ["b@x.com", "y@x.com"];
  const ids: Record<string, string> = {};

  before(async () => {
    s = await startTestServer(cleanup);
    const users = await s.pb.collections.getOne("users");
    await s.pb.collections.update(users.id, {
      listRule: "",
      viewRule: "",
      fields: [...users.fields, { name: "secret", type: "text", hidden: true }],
    });
    await s.pb.collections.create({
      name: "notes",
      type: "base",
      listRule: "",
      fields: [
        { name: "title", type: "text" },
        { name: "owner", type: "relation", collectionId: users.id, maxSelect: 1 },
      ],
    });
    for (const email of [...hidden, ...visible]) {
      const user = await s.pb.collection("users").create({
        email,
        emailVisibility: visible.includes(email),
        password: "1234567890",
        passwordConfirm: "1234567890",
        secret: email,
      });
      ids[email] = user.id;
      await s.pb.collection("notes").create({ title: email, owner: user.id });
    }
  });

  async function guestList(collection: string, query: string): Promise<{ status: number; items: string[] }> {
    const res = await request(s.url, "GET", `/api/collections/${collection}/records?perPage=100&${query}`);
    const items = (res.json?.items ?? []) as { id: string; title?: string }[];
    return {
      status: res.status,
      items: items.map((r) => r.title ?? Object.keys(ids).find((e) => ids[e] === r.id) ?? r.id),
    };
  }
  const onlyHidden = (list: string[]) => list.filter((e) => hidden.includes(e));

  test("hidden emails order like empty ones (ascending and descending agree)", async () => {
    const up = await guestList("users", "sort=email,@rowid");
    const down = await guestList("users", "sort=-email,@rowid");
    assert.equal(up.status, 200);
    assert.deepEqual(onlyHidden(up.items), hidden, "hidden emails keep creation order");
    assert.deepEqual(onlyHidden(down.items), hidden);
    // Public emails still sort by their value.
    assert.deepEqual(
      up.items.filter((e) => visible.includes(e)),
      ["b@x.com", "y@x.com"],
    );
  });

  test("a relation path to a hidden email does not order either", async () => {
    const up = await guestList("notes", "sort=owner.email,@rowid");
    const down = await guestList("notes", "sort=-owner.email,@rowid");
    assert.equal(up.status, 200);
    assert.deepEqual(onlyHidden(up.items), hidden);
    assert.deepEqual(onlyHidden(down.items), hidden);
    const lower = await guestList("notes", "sort=-owner.email:lower,@rowid");
    assert.deepEqual(onlyHidden(lower.items), hidden);
  });

  test("filter and sort agree on what a guest sees", async () => {
    const filtered = await guestList("users", "filter=" + encodeURIComponent("email > 'a'"));
    assert.deepEqual(filtered.items.sort(), [...visible].sort());
  });

  test("hidden fields are refused in sort as in filter", async () => {
    for (const query of ["sort=secret", "sort=-secret", "filter=" + encodeURIComponent("secret != ''")]) {
      const res = await guestList("users", query);
      assert.equal(res.status, 400, query);
    }
    const viaRelation = await guestList("notes", "sort=owner.secret");
    assert.equal(viaRelation.status, 400);
  });

  test("superusers still sort by the real email", async () => {
    const res = await request(s.url, "GET", "/api/collections/users/records?perPage=100&sort=email", {
      token: s.token,
    });
    const emails = (res.json.items as { email: string }[]).map((r) => r.email);
    assert.deepEqual(emails, [...hidden, ...visible].sort());
  });
});
