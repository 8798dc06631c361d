import { test } from "node:test";
import assert from "node:assert/strict";
import { App } from "../src/core/app.ts";
import { newCollection, makeField } from "../src/core/collections/collection-defaults.ts";
import { saveCollection } from "../src/core/collections/collection-save.ts";
import { RecordQueryBuilder, recordSelectSql } from "../src/core/records/record-rule.ts";
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
