import { test } from "node:test";
import assert from "node:assert/strict";
import { App } from "../src/core/app.ts";
import { newCollection, makeField } from "../src/core/collections/collection-defaults.ts";
import { saveCollection } from "../src/core/collections/collection-save.ts";
import { RecordQueryBuilder, recordCountSql, recordSelectSql } from "../src/core/records/record-rule.ts";
import { sqliteDialect } from "../src/query/dialect.ts";
import { toStatement } from "../src/query/sql.ts";
import type { RequestInfo } from "../src/core/hook-events.ts";
import { tempDir } from "./helpers/server.ts";

// Issue 4's performance property, checked on the query plan rather than by timing: a filtered
// page on an indexed field is answered from the index, and a rule adds one join per hop.
test("a filter on an indexed field is answered from its index, and rules add one join per relation hop", async (t) => {
  const app = new App({ dataDir: tempDir(t) });
  await app.bootstrap();
  t.after(() => app.terminate());
  const users = app.findCollectionByNameOrId("users")!;
  const posts = newCollection("base", "posts");
  posts.fields.push(
    makeField("text", "title"),
    makeField("relation", "author", { collectionId: users.id, maxSelect: 1 }),
  );
  posts.indexes = ["CREATE INDEX idx_posts_author ON posts (author)"];
  posts.listRule = "author.verified = true";
  await saveCollection(app, posts);
  const saved = app.findCollectionByNameOrId("posts")!;

  const info: RequestInfo = {
    query: {},
    headers: {},
    body: {},
    auth: null,
    method: "GET",
    context: "default",
  };
  const query = new RecordQueryBuilder({
    findCollection: (n) => app.findCollectionByNameOrId(n),
    collection: saved,
    requestInfo: info,
    isSuperuser: false,
  })
    .rule(saved.listRule!)
    .filter("author = 'abc123abc123abc'")
    .build();
  assert.equal(query.joins.length, 1, "one join for the one relation hop of the rule");
  const stmt = toStatement(recordSelectSql(saved, query, { limit: 20, offset: 0 }));
  const plan = (await app.db.all(`EXPLAIN QUERY PLAN ${stmt.sql}`, stmt.params as never[]))
    .map((r) => String(r.detail))
    .join("\n");
  assert.match(plan, /USING INDEX idx_posts_author/);
  assert.doesNotMatch(plan, /SCAN posts\b(?! USING)/);
});

// A list's total without rule or filter: SQLite counts a bare `COUNT(*)` from the b-tree's page
// counts (its `Count` opcode, ~15 µs for 50k rows) but steps through every row as soon as there
// is a WHERE clause, even `WHERE 1` (~650 µs). Checked on the bytecode, not by timing.
test("the total of a list without rule or filter is a bare COUNT(*), answered by SQLite's Count opcode", async (t) => {
  const app = new App({ dataDir: tempDir(t) });
  await app.bootstrap();
  t.after(() => app.terminate());
  const posts = newCollection("base", "posts");
  posts.fields.push(makeField("text", "title"));
  await saveCollection(app, posts);
  const saved = app.findCollectionByNameOrId("posts")!;
  const info: RequestInfo = {
    query: {},
    headers: {},
    body: {},
    auth: null,
    method: "GET",
    context: "default",
  };
  const build = (filter: string) =>
    new RecordQueryBuilder({
      findCollection: (n) => app.findCollectionByNameOrId(n),
      collection: saved,
      requestInfo: info,
      isSuperuser: false,
    })
      .rule("")
      .filter(filter)
      .build();
  const opcodes = async (filter: string) => {
    const stmt = toStatement(recordCountSql(saved, build(filter), sqliteDialect, { distinct: false }));
    const rows = await app.db.all(`EXPLAIN ${stmt.sql}`, stmt.params);
    return { sql: stmt.sql, ops: rows.map((r) => String(r.opcode)) };
  };
  const bare = await opcodes("");
  assert.equal(bare.sql, "SELECT COUNT(*) AS `total` FROM `posts`");
  assert.ok(bare.ops.includes("Count"), `expected the Count opcode in ${bare.ops.join(" ")}`);
  const filtered = await opcodes("title = 'x'");
  assert.match(filtered.sql, /WHERE/);
  assert.ok(!filtered.ops.includes("Count"), "a filtered count steps through its rows");
  // The page's SELECT of the same query has no WHERE either.
  const page = toStatement(recordSelectSql(saved, build(""), { limit: 20, offset: 0 }));
  assert.equal(page.sql, "SELECT `posts`.* FROM `posts` LIMIT ? OFFSET ?");
});
