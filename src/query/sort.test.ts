import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FilterError } from "./errors.ts";
import { buildFilter } from "./filter-compiler.ts";
import { ItemsResolver, createFixtureDb, itemsQuery, queryIds } from "./query-fixtures.ts";
import { buildSort, parseSort } from "./sort.ts";
import { raw } from "./sql.ts";

const db = createFixtureDb();

function sorted(sort: string, filter?: string): { sql: string; ids: string[] } {
  const resolver = new ItemsResolver();
  const where = filter === undefined ? raw("1") : buildFilter(filter, { resolver });
  const orderBy = buildSort(sort, { resolver });
  return { sql: orderBy.sql, ids: queryIds(db, itemsQuery(resolver, where, orderBy)) };
}

describe("parseSort", () => {
  test("reads directions and trims items", () => {
    assert.deepEqual(parseSort(" -created, +title,name ,@random,-@rowid"), [
      { name: "created", direction: "DESC", position: 0 },
      { name: "title", direction: "ASC", position: 10 },
      { name: "name", direction: "ASC", position: 18 },
      { name: "@random", direction: "ASC", position: 24 },
      { name: "@rowid", direction: "DESC", position: 32 },
    ]);
  });

  test("an empty sort is no sort", () => {
    assert.deepEqual(parseSort(""), []);
    assert.deepEqual(parseSort("   "), []);
  });

  const invalid: readonly [string, FilterError["code"], number][] = [
    ["a,", "invalid_sort", 2],
    [",a", "invalid_sort", 0],
    ["a b", "invalid_sort", 0],
    ["- a", "invalid_sort", 0],
    ["--a", "invalid_sort", 0],
    ["a;DROP TABLE items", "invalid_sort", 0],
    ["a,b,c,d,e,f,g,h,i", "limit", 0],
    ["x".repeat(256), "limit", 0],
    ["a," + "b".repeat(256), "limit", 2],
  ];
  for (const [input, code, position] of invalid) {
    test(`${JSON.stringify(input.slice(0, 30))} is rejected (${code})`, () => {
      assert.throws(
        () => parseSort(input),
        (error: unknown) =>
          error instanceof FilterError && error.code === code && error.position === position,
      );
    });
  }

  test("8 fields of 255 characters are allowed", () => {
    assert.equal(parseSort(Array.from({ length: 8 }, () => "a".repeat(255)).join(",")).length, 8);
  });
});

describe("compiled sorts order real rows", () => {
  const cases: readonly [string, string, readonly string[]][] = [
    ["n", "`items`.`n` ASC", ["i3", "i4", "i2", "i1", "i5", "i6"]],
    ["-n", "`items`.`n` DESC", ["i6", "i5", "i1", "i2", "i4", "i3"]],
    ["+t,-id", "`items`.`t` ASC, `items`.`id` DESC", ["i3", "i2", "i4", "i6", "i1", "i5"]],
    ["-@rowid", "`items`.`_rowid_` DESC", ["i6", "i5", "i4", "i3", "i2", "i1"]],
    ["tags:length,id", "json_array_length(", ["i2", "i3", "i4", "i5", "i6", "i1"]],
  ];
  for (const [sort, sql, ids] of cases) {
    test(`${sort} → ${ids.join(",")}`, () => {
      const result = sorted(sort);
      assert.ok(result.sql.startsWith(sql), result.sql);
      assert.deepEqual(result.ids, ids);
    });
  }

  test("JSON paths sort with bound paths", () => {
    const resolver = new ItemsResolver();
    const orderBy = buildSort("-j.a", { resolver });
    assert.deepEqual(orderBy.params, ["$.a", "$.pb.a"]);
    const ids = queryIds(db, itemsQuery(resolver, raw("`items`.`id` IN ('i1', 'i5')"), orderBy));
    assert.deepEqual(ids, ["i5", "i1"]); // text sorts after numbers
  });

  test("@random uses RANDOM() and returns every row", () => {
    const result = sorted("@random");
    assert.equal(result.sql, "RANDOM()");
    assert.deepEqual([...result.ids].sort(), ["i1", "i2", "i3", "i4", "i5", "i6"]);
  });

  test("relation sorts add the resolver's joins", () => {
    const result = sorted("rel.name,id", "rel.name ?!= ''");
    assert.equal(result.sql, "`__rel`.`name` ASC, `items`.`id` ASC");
    assert.ok(result.ids.includes("i1"));
  });

  const rejected: readonly [string, FilterError["code"]][] = [
    ["unknown", "invalid_sort"],
    ["null", "invalid_sort"],
    ["@request.method", "invalid_sort"],
    ["@now", "invalid_sort"],
    ["secret", "forbidden"],
  ];
  for (const [sort, code] of rejected) {
    test(`${sort} cannot be used to sort (${code})`, () => {
      assert.throws(() => sorted(`id,${sort}`), { code, position: 3 });
    });
  }

  test("@rowid needs a resolver that knows the row id", () => {
    const resolver = { resolve: () => undefined, joins: () => [] };
    assert.throws(() => buildSort("@rowid", { resolver }), { code: "invalid_sort" });
  });
});
