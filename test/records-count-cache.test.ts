/**
 * A list's total is counted once while nothing may have changed it
 * (src/core/records/record-count-cache.ts): every write that may change it must show in the
 * next total, whoever makes it (the API, raw SQL, a write to a related collection the filter
 * reads, another connection to the file); other requesters, filters and rules get their own.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { before, describe, test } from "node:test";
import type PocketBase from "pocketbase";
import { EXTERNAL_CHECK_MS } from "../src/core/records/record-auth-cache.ts";
import { countCacheStats } from "../src/core/records/record-count-cache.ts";
import { request } from "./helpers/http.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";

describe("list totals between requests", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup);
  });

  /** `authors` (verified or not) and `books` by an author, anyone may list both. */
  async function library(s: TestServer): Promise<{ pb: PocketBase; authors: string[] }> {
    const pb = s.pb;
    const authors = await pb.collections.create({
      name: "authors",
      type: "base",
      listRule: "",
      fields: [
        { name: "name", type: "text" },
        { name: "verified", type: "bool" },
      ],
    });
    await pb.collections.create({
      name: "books",
      type: "base",
      listRule: "",
      fields: [
        { name: "title", type: "text" },
        { name: "author", type: "relation", collectionId: authors.id, maxSelect: 1 },
      ],
    });
    const ids: string[] = [];
    for (const [name, verified] of [
      ["ann", true],
      ["bob", false],
    ] as const) {
      ids.push((await pb.collection("authors").create({ name, verified })).id);
    }
    for (let i = 0; i < 6; i++) {
      await pb.collection("books").create({ title: `book ${i}`, author: ids[i % 2] });
    }
    return { pb, authors: ids };
  }

  async function total(s: TestServer, filter = "", token?: string): Promise<number> {
    const query = filter === "" ? "" : `&filter=${encodeURIComponent(filter)}`;
    const res = await request(s.url, "GET", `/api/collections/books/records?perPage=2${query}`, {
      headers: token === undefined ? {} : { Authorization: token },
    });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    return Number(res.json.totalItems);
  }

  test("a repeated list counts once; a create, an update and a delete show in the next total", async (t) => {
    const s = await startTestServer(t, { template });
    const { pb } = await library(s);
    assert.equal(await total(s, "title ~ 'book'"), 6);
    const { counts, hits } = countCacheStats;
    for (let i = 0; i < 5; i++) assert.equal(await total(s, "title ~ 'book'"), 6);
    // At most one count more: the first check for other processes' writes may start over.
    assert.ok(countCacheStats.counts <= counts + 1, `${countCacheStats.counts - counts} counts`);
    assert.ok(countCacheStats.hits >= hits + 4, `${countCacheStats.hits - hits} hits`);

    const created = await pb.collection("books").create({ title: "book 6" });
    assert.equal(await total(s, "title ~ 'book'"), 7);
    await pb.collection("books").update(created.id, { title: "novel" });
    assert.equal(await total(s, "title ~ 'book'"), 6);
    await pb
      .collection("books")
      .delete((await pb.collection("books").getFirstListItem("title = 'book 0'")).id);
    assert.equal(await total(s, "title ~ 'book'"), 5);
    assert.equal(await total(s), 6);
  });

  test("a write to a related collection the filter reads shows in the next total", async (t) => {
    const s = await startTestServer(t, { template });
    const { pb, authors } = await library(s);
    const filter = "author.verified = true";
    assert.equal(await total(s, filter), 3);
    assert.equal(await total(s, filter), 3);
    await pb.collection("authors").update(authors[1]!, { verified: true });
    assert.equal(await total(s, filter), 6);
    // Raw SQL (a hook's or /api/sql's) counts as a write too.
    await s.app.db.run("UPDATE `authors` SET `verified` = FALSE");
    assert.equal(await total(s, filter), 0);
  });

  test("each requester gets the total its rule allows", async (t) => {
    const s = await startTestServer(t, { template });
    await library(s);
    await s.pb.collections.update("books", { listRule: "@request.auth.id != '' && title != 'book 0'" });
    const guest = await request(s.url, "GET", "/api/collections/books/records");
    assert.equal(guest.json.totalItems, 0);
    assert.equal(await total(s, "", s.userToken), 5);
    assert.equal(await total(s, "", s.token), 6);
    assert.equal(await total(s, "", s.userToken), 5);
    // A rule changed by the API starts over.
    await s.pb.collections.update("books", { listRule: "@request.auth.id != ''" });
    assert.equal(await total(s, "", s.userToken), 6);
  });

  test("another process's write is seen soon after", async (t) => {
    const s = await startTestServer(t, { template });
    await library(s);
    assert.equal(await total(s, "title ~ 'book'"), 6);
    const other = new DatabaseSync(join(s.dir, "data.db"), { timeout: 5000 });
    try {
      other.prepare("DELETE FROM `books` WHERE `title` = 'book 1'").run();
    } finally {
      other.close();
    }
    // Within EXTERNAL_CHECK_MS (this process's own writes are seen on the next request).
    const deadline = Date.now() + EXTERNAL_CHECK_MS + 5_000;
    let seen = 6;
    while (Date.now() < deadline && (seen = await total(s, "title ~ 'book'")) !== 5) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(seen, 5);
  });

  test("concurrent requests for the same total share one count", async (t) => {
    const s = await startTestServer(t, { template });
    await library(s);
    assert.equal(await total(s, "title ~ 'book'"), 6);
    await s.pb.collection("books").create({ title: "book 6" });
    const { counts } = countCacheStats;
    const totals = await Promise.all(Array.from({ length: 8 }, () => total(s, "title ~ 'book'")));
    assert.deepEqual(totals, Array(8).fill(7));
    assert.ok(countCacheStats.counts <= counts + 2, `${countCacheStats.counts - counts} counts`);
  });
});
