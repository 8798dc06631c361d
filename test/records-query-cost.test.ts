/**
 * Which list statements go to the read pool (src/core/records/record-query-cost.ts): on a big
 * table, a filter that an index answers stays on the main thread; one that scans the table, or
 * sorts every match, goes to the pool. Decided from SQLite's own plan of the statement.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { tempDir } from "./helpers/server.ts";
import { App } from "../src/core/app.ts";
import { collectionFromCreateBody } from "../src/core/collections/collection-input.ts";
import { saveCollection } from "../src/core/collections/collection-save.ts";
import { BIG_TABLE_ROWS, listCost } from "../src/core/records/record-query-cost.ts";
import { RecordQueryBuilder, recordCountSql, recordSelectSql } from "../src/core/records/record-rule.ts";
import { toStatement } from "../src/query/sql.ts";

test("on a big table, indexed filters stay on the main thread; scans and full sorts go to the pool", async (t) => {
  const app = new App({ dataDir: tempDir(t) });
  await app.bootstrap();
  t.after(() => app.terminate());
  const { collection } = collectionFromCreateBody({
    name: "big",
    type: "base",
    listRule: "",
    fields: [
      { name: "tag", type: "text" },
      { name: "body", type: "text" },
    ],
    indexes: ["CREATE INDEX `idx_big_tag` ON `big` (`tag`)"],
  });
  await saveCollection(app, collection);
  const rows = BIG_TABLE_ROWS + 5_000;
  await app.db.run(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${rows})
     INSERT INTO big (id, tag, body)
     SELECT printf('r%014d', i), 'tag' || (i % 100), 'text ' || i FROM n`,
  );
  const big = app.findCollectionByNameOrId("big")!;

  const cost = async (filter: string, sort = "", skipTotal = false) => {
    const builder = new RecordQueryBuilder({
      findCollection: (nameOrId: string) => app.findCollectionByNameOrId(nameOrId),
      collection: big,
      requestInfo: { query: {}, headers: {}, body: {}, auth: null, method: "GET", context: "default" },
      isSuperuser: false,
    });
    builder.filter(filter);
    if (sort) builder.sort(sort);
    const query = builder.build();
    const page = toStatement(recordSelectSql(big, query, { limit: 20, offset: 0 }));
    const count = skipTotal ? null : toStatement(recordCountSql(big, query));
    return listCost(app, big, query, 0, { page, count });
  };

  assert.deepEqual(await cost("tag = 'tag7'"), { page: false, count: false }, "an index answers it");
  assert.deepEqual(await cost("body ~ 'text 12'"), { page: true, count: true }, "a LIKE scans the table");
  assert.deepEqual(await cost("tag = 'tag7'", "body"), { page: true, count: false }, "every match is sorted");
  assert.deepEqual(await cost("body ~ 'x'", "", true), { page: true, count: false }, "no count to run");
  // An unfiltered first page of a big table reads 20 rows: it stays on the main thread.
  assert.deepEqual(await cost(""), { page: false, count: false });
});
