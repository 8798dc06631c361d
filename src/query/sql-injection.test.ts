import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FilterError } from "./errors.ts";
import { buildFilter } from "./filter-compiler.ts";
import { ItemsResolver, createFixtureDb, itemsQuery, queryIds } from "./query-fixtures.ts";
import { SimpleFieldResolver } from "./simple-field-resolver.ts";
import { buildSort } from "./sort.ts";

const HOSTILE = [
  "'; DROP TABLE items; --",
  '"; DROP TABLE items; --',
  "') OR 1=1 --",
  "' OR '1'='1",
  "`; DROP TABLE items; --",
  "x` = 1 OR `t",
  "%",
  "_",
  "%_%",
  "\\",
  "\\%",
  "a\\_b",
  "’ OR ‘1’=‘1", // unicode quotes
  "＇; DROP TABLE items; --", // fullwidth apostrophe
  "\u0000'; DROP TABLE items; --",
  "line1\nline2\r\n",
  "?",
  "?1",
  ":name",
  "$1",
  "@now",
  "NULL",
  "🙂 emoji",
  "*/ DROP TABLE items; /*",
];

/** Writes `value` as a filter text literal (fexpr: only the quote character is escapable). */
function textLiteral(value: string): string {
  return "'" + value.replaceAll("'", "\\'") + "'";
}

function tablesIntact(db: ReturnType<typeof createFixtureDb>): void {
  const tables = db
    .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((row) => row.name);
  assert.deepEqual(tables, ["items", "users"]);
  assert.equal(db.prepare("SELECT count(*) AS c FROM items").get()?.c, HOSTILE.length);
}

describe("hostile values stay data", () => {
  // one row per hostile string, stored in `t`, so every value must match exactly its own row
  const db = createFixtureDb(HOSTILE.map((value, i) => ({ id: `h${i}`, t: value })));

  HOSTILE.forEach((value, i) => {
    if (value.endsWith("\\")) return; // not expressible as an fexpr text literal (see printer.ts)
    test(`= ${JSON.stringify(value)} matches only its row and is bound`, () => {
      const resolver = new ItemsResolver();
      const where = buildFilter(`t = ${textLiteral(value)}`, { resolver });
      assert.equal(where.sql, "`items`.`t` = ?");
      assert.deepEqual(where.params, [value]);
      assert.deepEqual(queryIds(db, itemsQuery(resolver, where)), [`h${i}`]);
      tablesIntact(db);
    });

    test(`~ ${JSON.stringify(value)} is a bound LIKE pattern`, () => {
      const resolver = new ItemsResolver();
      const where = buildFilter(`t ~ ${textLiteral(value)} || t !~ ${textLiteral(value)}`, { resolver });
      assert.ok(!where.sql.includes(value) || value.length < 2, where.sql);
      assert.deepEqual(
        queryIds(db, itemsQuery(resolver, where)).sort(),
        HOSTILE.map((_, j) => `h${j}`).sort(),
      );
      tablesIntact(db);
    });
  });

  test("wildcards in a contains search match literally", () => {
    const resolver = new ItemsResolver();
    const ids = queryIds(db, itemsQuery(resolver, buildFilter("t ~ '_'", { resolver }))).sort();
    const expected = HOSTILE.flatMap((value, i) => (value.includes("_") ? [`h${i}`] : [])).sort();
    assert.deepEqual(ids, expected);
  });

  test("double-quoted texts with escaped quotes stay data", () => {
    const resolver = new ItemsResolver();
    const where = buildFilter('t = "\\"; DROP TABLE items; --"', { resolver });
    assert.deepEqual(where.params, ['"; DROP TABLE items; --']);
    assert.deepEqual(queryIds(db, itemsQuery(resolver, where)), ["h1"]);
    tablesIntact(db);
  });
});

describe("hostile identifiers are rejected, never quoted into SQL", () => {
  const resolver = new SimpleFieldResolver({ table: "items", fields: ["id", "t"], jsonFields: ["t"] });
  const filters = [
    "id = 1; DROP TABLE items",
    "id` = 1 OR `t = 1",
    "items.id = 1",
    "sqlite_master.name = 1",
    "__proto__ = 1",
    "constructor = 1",
    "hasOwnProperty = 1",
    "@collection.items.id = 1",
    "@request.auth.id = 1",
    "id:lower = 1",
    "t.a:b = 1",
    "t..a = 1",
    "id = 1 || x = (SELECT 1)",
    "load_extension('x') = 1",
    "sqlite_version() = 1",
    "RANDOM() = 1",
    "id = 1 /* comment */",
    "id = 1 -- comment",
    "id = 1 /",
  ];
  for (const filter of filters) {
    test(`${JSON.stringify(filter)} → FilterError`, () => {
      assert.throws(() => buildFilter(filter, { resolver }), FilterError);
    });
  }

  const sorts = ["id;DROP TABLE items", "id DESC", "(SELECT 1)", "RANDOM()", "id`", "__proto__", "t.a.b--"];
  for (const sort of sorts) {
    test(`sort ${JSON.stringify(sort)} → FilterError`, () => {
      assert.throws(() => buildSort(sort, { resolver }), FilterError);
    });
  }
});
