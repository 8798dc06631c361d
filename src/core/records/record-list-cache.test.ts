import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { App } from "../app.ts";
import { makeField, newCollection } from "../collections/collection-defaults.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { RequestInfo } from "../hook-events.ts";
import {
  InvalidFilterError,
  listRecordRows,
  type RecordListQuery,
  type RuleContext,
} from "./record-access.ts";
import { MAX_LISTS, cachedListCount, listCacheStats } from "./record-list-cache.ts";
import { Record } from "./record.ts";

let dir: string;
let app: App;
let alice: Record;
let bob: Record;

function notes(): Collection {
  return app.findCollectionByNameOrId("notes")!;
}

function as(auth: Record | null, query: { [key: string]: string } = {}): RuleContext {
  const requestInfo: RequestInfo = { query, headers: {}, body: {}, auth, method: "GET", context: "default" };
  return { requestInfo, isSuperuser: false };
}

function asSuperuser(query: { [key: string]: string } = {}): RuleContext {
  return { ...as(null, query), isSuperuser: true };
}

function list(filter = "", options: Partial<RecordListQuery> = {}): RecordListQuery {
  return { filter, sort: "title", page: 1, perPage: 30, skipTotal: false, ...options };
}

async function titles(q: RecordListQuery, ctx: RuleContext): Promise<{ titles: string[]; total: number }> {
  const { rows, total } = await listRecordRows(app, notes(), q, ctx);
  return { titles: rows.map((row) => String(row.title)), total };
}

/** Runs `fn` and says how many lists it compiled and answered from the cache. */
async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; compiles: number; hits: number }> {
  const compiles = listCacheStats.compiles;
  const hits = listCacheStats.hits;
  const result = await fn();
  return { result, compiles: listCacheStats.compiles - compiles, hits: listCacheStats.hits - hits };
}

async function saveUser(name: string): Promise<Record> {
  const user = new Record(app.findCollectionByNameOrId("users")!);
  user.set("email", `${name}@example.com`);
  user.set("password", "1234567890");
  user.set("name", name);
  await app.save(user);
  return user;
}

async function setListRule(rule: string): Promise<void> {
  const collection = structuredClone(notes());
  collection.listRule = rule;
  await app.save(collection);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "satchel-list-cache-"));
  app = new App({ dataDir: dir });
  await app.bootstrap();
  alice = await saveUser("alice");
  bob = await saveUser("bob");
  const collection = newCollection("base", "notes");
  collection.listRule = "owner = @request.auth.id";
  collection.fields.push(
    makeField("text", "title"),
    makeField("number", "rank"),
    makeField("relation", "owner", { collectionId: alice.collection.id, maxSelect: 1 }),
  );
  await app.save(collection);
  const rows: [string, number, Record][] = [
    ["a1", 1, alice],
    ["a2", 2, alice],
    ["a3", 3, alice],
    ["b1", 1, bob],
    ["b2", 2, bob],
  ];
  for (const [title, rank, owner] of rows) {
    const note = new Record(notes());
    note.set("title", title);
    note.set("rank", rank);
    note.set("owner", owner.id);
    await app.save(note);
  }
});

after(async () => {
  await app.terminate();
  rmSync(dir, { recursive: true, force: true });
});

describe("records list statements cache", () => {
  test("a repeated list is answered from the cache with the rows and total of the first compile", async () => {
    const first = await counted(() => titles(list("rank >= 2"), as(alice)));
    const again = await counted(() => titles(list("rank >= 2"), as(alice)));
    assert.deepEqual(first.result, { titles: ["a2", "a3"], total: 2 });
    assert.deepEqual(again.result, first.result);
    assert.deepEqual([again.compiles, again.hits], [0, 1]);
  });

  test("the rule's @request.auth.id is bound per request: two users, one cached statement", async () => {
    await titles(list("", { sort: "-rank" }), as(alice));
    const forBob = await counted(() => titles(list("", { sort: "-rank" }), as(bob)));
    assert.deepEqual(forBob.result, { titles: ["b2", "b1"], total: 2 });
    assert.deepEqual([forBob.compiles, forBob.hits], [0, 1]);
    const forAlice = await counted(() => titles(list("", { sort: "-rank" }), as(alice)));
    assert.deepEqual(forAlice.result, { titles: ["a3", "a2", "a1"], total: 3 });
    assert.equal(forAlice.hits, 1);
  });

  test("a guest (no auth id) gets its own shape and sees nothing", async () => {
    const guest = await counted(() => titles(list("", { sort: "-rank" }), as(null)));
    assert.deepEqual(guest.result, { titles: [], total: 0 });
    assert.equal(guest.compiles, 1);
  });

  test("filters of the same shape with other literals get their own statements and rows", async () => {
    assert.deepEqual((await titles(list("title = 'a1'"), as(alice))).titles, ["a1"]);
    assert.deepEqual((await titles(list("title = 'a2'"), as(alice))).titles, ["a2"]);
    assert.deepEqual((await titles(list("title = 'a1'"), as(alice))).titles, ["a1"]);
    assert.deepEqual((await titles(list("title = 'b1'"), as(alice))).titles, []);
    assert.deepEqual((await titles(list("title = 'b1'"), as(bob))).titles, ["b1"]);
  });

  test("paging is bound per request", async () => {
    const page1 = await titles(list("", { perPage: 2, page: 1 }), as(alice));
    const page2 = await counted(() => titles(list("", { perPage: 2, page: 2 }), as(alice)));
    const small = await counted(() => titles(list("", { perPage: 1, page: 3, skipTotal: true }), as(alice)));
    assert.deepEqual(page1, { titles: ["a1", "a2"], total: 3 });
    assert.deepEqual(page2.result, { titles: ["a3"], total: 3 });
    assert.deepEqual(small.result, { titles: ["a3"], total: -1 });
    assert.deepEqual([page2.hits, small.hits], [1, 1]);
  });

  test("a superuser's @request.query.* in a filter is re-bound on every request", async () => {
    const one = await titles(list("title = @request.query.t"), asSuperuser({ t: "b2" }));
    const two = await counted(() => titles(list("title = @request.query.t"), asSuperuser({ t: "a1" })));
    const none = await counted(() => titles(list("title = @request.query.t"), asSuperuser({})));
    assert.deepEqual(one.titles, ["b2"]);
    assert.deepEqual(two.result.titles, ["a1"]);
    assert.equal(two.hits, 1);
    assert.deepEqual(none.result.titles, []);
    assert.equal(none.compiles, 1, "an empty value is another shape");
  });

  test("a filter with @now is compiled on every request", async () => {
    const filter = "@now != '' && rank = 1";
    const first = await counted(() => titles(list(filter), as(alice)));
    const again = await counted(() => titles(list(filter), as(alice)));
    assert.deepEqual(again.result.titles, ["a1"]);
    assert.deepEqual([first.hits, again.hits, again.compiles], [0, 0, 1]);
  });

  test("a client filter through a relation whose listRule reads the request is not cached", async () => {
    await setListRule("");
    try {
      // users' listRule is `id = @request.auth.id`: each user sees only its own owner's name.
      const forAlice = await titles(list("owner.name != ''"), as(alice));
      const forBob = await counted(() => titles(list("owner.name != ''"), as(bob)));
      assert.deepEqual(forAlice.titles, ["a1", "a2", "a3"]);
      assert.deepEqual(forBob.result.titles, ["b1", "b2"]);
      assert.equal(forBob.hits, 0);
    } finally {
      await setListRule("owner = @request.auth.id");
    }
  });

  test("a changed collection is a new object: the new rule applies at once", async () => {
    const old = notes();
    await titles(list("rank = 1"), as(alice));
    assert.ok(cachedListCount(old) > 0);
    await setListRule("rank = 1");
    try {
      assert.notEqual(notes(), old);
      assert.equal(cachedListCount(notes()), 0);
      const opened = await counted(() => titles(list("rank = 1"), as(alice)));
      assert.deepEqual(opened.result.titles, ["a1", "b1"]);
      assert.equal(opened.compiles, 1);
    } finally {
      await setListRule("owner = @request.auth.id");
    }
  });

  test("a bad filter fails every time with the same error and is not kept", async () => {
    const held = cachedListCount(notes());
    for (let i = 0; i < 2; i++) {
      await assert.rejects(() => titles(list("title = "), as(alice)), InvalidFilterError);
      await assert.rejects(() => titles(list("nope = 1"), as(alice)), InvalidFilterError);
    }
    assert.equal(
      cachedListCount(notes()),
      held + 1,
      "the unknown field parses: its key is kept, not its error",
    );
  });

  test("a filter text per request stays within the bound and keeps the hot list cached", async () => {
    await titles(list("rank >= 2"), as(bob));
    for (let i = 0; i < MAX_LISTS * 2; i++) {
      const hot = await counted(() => titles(list("rank >= 2"), as(bob)));
      assert.equal(hot.hits, 1);
      await titles(list(`title = 'x${i}'`), as(bob));
      assert.ok(cachedListCount(notes()) <= MAX_LISTS);
    }
    assert.equal(cachedListCount(notes()), MAX_LISTS);
  });
});
