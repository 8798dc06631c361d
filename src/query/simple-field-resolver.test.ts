import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import { FilterError } from "./errors.ts";
import { buildFilter } from "./filter-compiler.ts";
import { SimpleFieldResolver } from "./simple-field-resolver.ts";
import { buildSort } from "./sort.ts";
import type { SqlFragment } from "./sql.ts";

// The shapes of PocketBase's `_collections` and `_logs` tables, reduced to what filters use.
const db = new DatabaseSync(":memory:");
db.exec(`
  CREATE TABLE _collections (id TEXT PRIMARY KEY, created TEXT, updated TEXT, name TEXT, system BOOLEAN, type TEXT);
  INSERT INTO _collections VALUES
    ('c1', '2024-01-01 00:00:00.000Z', '2024-01-02 00:00:00.000Z', 'users', 0, 'auth'),
    ('c2', '2024-02-01 00:00:00.000Z', '2024-02-02 00:00:00.000Z', 'posts', 0, 'base'),
    ('c3', '2023-05-01 00:00:00.000Z', '2023-05-01 00:00:00.000Z', '_superusers', 1, 'auth'),
    ('c4', '2024-03-01 00:00:00.000Z', '2024-03-01 00:00:00.000Z', 'post_stats', 0, 'view');
  CREATE TABLE _logs (id TEXT PRIMARY KEY, created TEXT, level INTEGER, message TEXT, data JSON);
  INSERT INTO _logs VALUES
    ('l1', '2024-01-01 00:00:00.000Z', 0, 'GET /api/health', '{"status":200,"method":"GET","auth":"","details":{"tags":["a","b"]}}'),
    ('l2', '2024-01-01 00:00:01.000Z', 8, 'POST /api/x', '{"status":500,"method":"POST","error":"boom"}'),
    ('l3', '2024-01-01 00:00:02.000Z', 4, 'hello', '{}');
`);

const collections = new SimpleFieldResolver({
  table: "_collections",
  fields: ["id", "created", "updated", "name", "system", "type"],
});
const logs = new SimpleFieldResolver({
  table: "_logs",
  fields: ["id", "created", "level", "message", "data"],
  jsonFields: ["data"],
});

function ids(table: string, where: SqlFragment, orderBy?: SqlFragment): string[] {
  const order = orderBy === undefined ? "id" : orderBy.sql;
  return db
    .prepare(`SELECT id FROM ${table} WHERE ${where.sql} ORDER BY ${order}`)
    .all(...where.params, ...(orderBy?.params ?? []))
    .map((row) => String(row.id));
}

describe("collections list filter", () => {
  const cases: readonly [string, readonly string[]][] = [
    ["type = 'auth'", ["c1", "c3"]],
    ["system = false && name ~ 'post'", ["c2", "c4"]],
    ["name ~ '\\_'", ["c3", "c4"]],
    ["created >= '2024-01-15' || id = 'c3'", ["c2", "c3", "c4"]],
    ["updated > created", ["c1", "c2"]],
  ];
  for (const [filter, expected] of cases) {
    test(`${filter} → ${expected.join(",")}`, () => {
      assert.deepEqual(ids("_collections", buildFilter(filter, { resolver: collections })), expected);
    });
  }

  test("columns are qualified and quoted", () => {
    assert.equal(buildFilter("name = 'x'", { resolver: collections }).sql, "`_collections`.`name` = ?");
  });

  const rejected = [
    "schema = 1",
    "@request.auth.id = ''",
    "@collection.users.id = 1",
    "name:lower = 'x'",
    "name.x = 1",
  ];
  for (const filter of rejected) {
    test(`${filter} is not allowed`, () => {
      assert.throws(() => buildFilter(filter, { resolver: collections }), FilterError);
    });
  }

  test("macros still work without the resolver knowing them", () => {
    assert.deepEqual(ids("_collections", buildFilter("created < @now", { resolver: collections })), [
      "c1",
      "c2",
      "c3",
      "c4",
    ]);
  });

  test("sorting by allowed fields and @rowid", () => {
    assert.deepEqual(
      ids("_collections", { sql: "1", params: [] }, buildSort("-created", { resolver: collections })),
      ["c4", "c2", "c1", "c3"],
    );
    assert.equal(buildSort("-@rowid", { resolver: collections }).sql, "`_collections`.`_rowid_` DESC");
  });
});

describe("logs filter with JSON data paths", () => {
  const cases: readonly [string, readonly string[]][] = [
    ["data.status >= 500", ["l2"]],
    ["data.method = 'GET' || level > 5", ["l1", "l2"]],
    ["data.auth = ''", ["l1"]],
    ["data.auth = null", ["l2", "l3"]],
    ["data.error != ''", ["l1", "l2", "l3"]],
    ["data.details.tags.1 = 'b'", ["l1"]],
    ["data.details.tags ~ '\"a\"'", ["l1"]],
    ["message ~ 'api' && data.status < 300", ["l1"]],
  ];
  for (const [filter, expected] of cases) {
    test(`${filter} → ${expected.join(",")}`, () => {
      assert.deepEqual(ids("_logs", buildFilter(filter, { resolver: logs })), expected);
    });
  }

  test("paths are bound as parameters", () => {
    assert.deepEqual(buildFilter("data.a.0 = 1", { resolver: logs }).params, ["$.a[0]", "$.pb.a[0]", 1]);
  });

  const rejected = ["data..a = 1", "data.a:b = 1", "level.x = 1", "other.x = 1"];
  for (const filter of rejected) {
    test(`${filter} is not allowed`, () => {
      assert.throws(() => buildFilter(filter, { resolver: logs }), FilterError);
    });
  }
});

test("a mapped field list resolves filter names to other columns", () => {
  const resolver = new SimpleFieldResolver({ fields: { title: "name" } });
  assert.equal(buildFilter("title = 'x'", { resolver }).sql, "`name` = ?");
  assert.throws(() => buildFilter("name = 'x'", { resolver }), { code: "unknown_field" });
  assert.throws(() => buildFilter("constructor = 'x'", { resolver }), { code: "unknown_field" });
});
