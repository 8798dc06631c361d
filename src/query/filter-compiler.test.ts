import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FilterError } from "./errors.ts";
import { buildFilter, compileFilter } from "./filter-compiler.ts";
import { parseFilter } from "./parser.ts";
import { ItemsResolver, createFixtureDb, itemsQuery, queryIds } from "./query-fixtures.ts";
import type { SqlValue } from "./sql.ts";

const NOW = new Date("2024-02-10T12:34:56.789Z"); // a Saturday
const db = createFixtureDb();
const ALL = ["i1", "i2", "i3", "i4", "i5", "i6"];

const t = "`items`.`t`";
const n = "`items`.`n`";
const jA =
  "(CASE WHEN json_valid(`items`.`j`) THEN JSON_EXTRACT(`items`.`j`, ?) ELSE JSON_EXTRACT(json_object('pb', `items`.`j`), ?) END)";

interface Case {
  readonly filter: string;
  readonly ids: readonly string[];
  readonly sql?: string;
  readonly params?: readonly SqlValue[];
}

function run(
  filter: string,
  resolver = new ItemsResolver(),
): { sql: string; params: SqlValue[]; ids: string[] } {
  const where = buildFilter(filter, { resolver, now: NOW });
  const ids = queryIds(db, itemsQuery(resolver, where)).sort();
  return { sql: where.sql, params: [...where.params], ids };
}

function check(cases: readonly Case[]): void {
  for (const c of cases) {
    test(`${c.filter} → ${c.ids.join(",") || "(none)"}`, () => {
      const result = run(c.filter);
      if (c.sql !== undefined) assert.equal(result.sql, c.sql);
      if (c.params !== undefined) assert.deepEqual(result.params, c.params);
      assert.deepEqual(result.ids, [...c.ids].sort());
    });
  }
}

describe("= and != normalise NULL and ''", () => {
  check([
    { filter: "t = 'alpha'", sql: `${t} = ?`, params: ["alpha"], ids: ["i1"] },
    { filter: "t = ''", sql: `(${t} = '' OR ${t} IS NULL)`, params: [], ids: ["i2", "i3"] },
    { filter: "t = null", sql: `(${t} = '' OR ${t} IS NULL)`, params: [], ids: ["i2", "i3"] },
    { filter: "'' = t", sql: `('' = ${t} OR ${t} IS NULL)`, params: [], ids: ["i2", "i3"] },
    { filter: "t != ''", sql: `(${t} IS NOT '' AND ${t} IS NOT NULL)`, ids: ["i1", "i4", "i5", "i6"] },
    { filter: "null != t", sql: `('' IS NOT ${t} AND ${t} IS NOT NULL)`, ids: ["i1", "i4", "i5", "i6"] },
    { filter: "n = 0", sql: `${n} = ?`, params: [0], ids: ["i2"] },
    { filter: "n != 0", sql: `${n} IS NOT ?`, params: [0], ids: ["i1", "i3", "i4", "i5", "i6"] },
    { filter: "t = n", sql: `COALESCE(${t}, '') = COALESCE(${n}, '')`, params: [], ids: ["i3"] },
    {
      filter: "t != n",
      sql: `COALESCE(${t}, '') IS NOT COALESCE(${n}, '')`,
      ids: ["i1", "i2", "i4", "i5", "i6"],
    },
    { filter: "null = ''", sql: "'' = ''", params: [], ids: ALL },
    { filter: "'' != NULL", sql: "'' IS NOT ''", params: [], ids: [] },
    { filter: "n = true", sql: `${n} = 1`, params: [], ids: ["i1"] },
    { filter: "n = FALSE", sql: `${n} = 0`, params: [], ids: ["i2"] },
    { filter: "true = ''", sql: "1 = ''", params: [], ids: [] },
    { filter: "'a' = 'a'", sql: "? = ?", params: ["a", "a"], ids: ALL },
  ]);
});

describe("comparisons", () => {
  check([
    { filter: "n > 1", sql: `${n} > ?`, params: [1], ids: ["i5", "i6"] },
    {
      filter: "n >= -1.5 && n < 2",
      sql: `(${n} >= ? AND ${n} < ?)`,
      params: [-1.5, 2],
      ids: ["i1", "i2", "i4"],
    },
    { filter: "n <= 0", ids: ["i2", "i4"] },
    { filter: "t > 'b'", ids: ["i5"] },
    { filter: "t ?> 'b'", ids: ["i5"] },
  ]);
});

describe("~ and !~ mean contains", () => {
  check([
    { filter: "t ~ 'alpha'", sql: `${t} LIKE ? ESCAPE '\\'`, params: ["%alpha%"], ids: ["i1", "i6"] },
    {
      filter: "t !~ 'alpha'",
      sql: `${t} NOT LIKE ? ESCAPE '\\'`,
      params: ["%alpha%"],
      ids: ["i2", "i4", "i5"],
    },
    { filter: "t ~ '50%'", params: ["50%"], ids: ["i4"] },
    { filter: "t ~ '%'", params: ["%"], ids: ["i1", "i2", "i4", "i5", "i6"] },
    { filter: "t ~ '_'", params: ["%\\_%"], ids: ["i4"] },
    { filter: "t ~ '\\%'", params: ["%\\%%"], ids: ["i4"] },
    { filter: "t ~ 'back\\slash'", params: ["%back\\\\slash%"], ids: ["i5"] },
    { filter: "t ~ 1", params: ["%1%"], ids: [] },
    {
      filter: "t ~ t",
      sql: `${t} LIKE ('%' || ${t} || '%') ESCAPE '\\'`,
      params: [],
      ids: ["i1", "i2", "i4", "i6"],
    },
    { filter: "t ~ null", sql: `${t} LIKE ('%' || NULL || '%') ESCAPE '\\'`, ids: [] },
  ]);
});

describe("JSON paths compare with IS / IS NOT", () => {
  check([
    { filter: "j.a = 1", sql: `${jA} IS ?`, params: ["$.a", "$.pb.a", 1], ids: ["i1"] },
    { filter: "j.a = null", sql: `${jA} IS NULL`, params: ["$.a", "$.pb.a"], ids: ["i2", "i3", "i4", "i6"] },
    { filter: "j.a != ''", sql: `${jA} IS NOT ?`, params: ["$.a", "$.pb.a", ""], ids: ALL },
    { filter: "j.a = '1'", ids: ["i5"] },
    { filter: "j.arr.1.c = 'deep'", params: ["$.arr[1].c", "$.pb.arr[1].c", "deep"], ids: ["i1"] },
    { filter: "j.0 = 1", params: ["$[0]", "$.pb[0]", 1], ids: ["i6"] },
    { filter: "j.b ~ 'X'", ids: ["i1"] },
  ]);
});

describe("multi-valued operands: plain operators need all values, ?-operators any", () => {
  const each = "`__tags_each`.`value`";
  const sub =
    "SELECT `__mm_tags`.`value` AS `multiMatchValue` FROM json_each((CASE WHEN json_valid(`items`.`tags`) THEN (CASE WHEN json_type(`items`.`tags`) = 'array' THEN `items`.`tags` ELSE json_array(`items`.`tags`) END) ELSE json_array(`items`.`tags`) END)) `__mm_tags`";
  check([
    { filter: "tags:each ?= 'a'", sql: `${each} = ?`, params: ["a"], ids: ["i1", "i5", "i6"] },
    {
      filter: "tags:each = 'a'",
      sql: `(${each} = ? AND NOT EXISTS (SELECT 1 FROM (${sub}) \`__sm1\` WHERE NOT (\`__sm1\`.\`multiMatchValue\` = ?)))`,
      params: ["a", "a"],
      ids: ["i5", "i6"],
    },
    {
      filter: "tags:each != 'a'",
      sql: `(${each} IS NOT ? AND NOT EXISTS (SELECT 1 FROM (${sub}) \`__sm1\` WHERE (NOT (\`__sm1\`.\`multiMatchValue\` IS NOT ?) OR \`__sm1\`.\`multiMatchValue\` IS NULL)))`,
      ids: ["i2", "i4"],
    },
    { filter: "tags:each ?!= 'a'", ids: ["i1", "i2", "i3", "i4"] },
    { filter: "'a' = tags:each", ids: ["i5", "i6"] },
    { filter: "tags:length = 2", ids: ["i1"] },
    { filter: "tags:length = 0", ids: ["i2"] },
    { filter: "rel.name ?= 'Ann'", ids: ["i1", "i5", "i6"] },
    { filter: "rel.name = 'Ann'", ids: ["i5", "i6"] },
    { filter: "rel.age > 35", ids: ["i4"] },
    { filter: "rel.age ?> 35", ids: ["i1", "i4"] },
    { filter: "rel.name != ''", ids: ["i1", "i4", "i6"] },
    { filter: "rel.name ~ 'b'", ids: ["i4"] },
    { filter: "rel.name ?~ 'b'", ids: ["i1", "i4"] },
    { filter: "tags:each = tags:each", ids: ["i2", "i3", "i4", "i5", "i6"] },
    { filter: "tags:each ?= 'a' && rel.name ?= 'Bob'", ids: ["i1"] },
  ]);

  test("joins are collected by the resolver and make the query DISTINCT", () => {
    const resolver = new ItemsResolver();
    buildFilter("tags:each ?= 'a' || rel.name ?= 'Ann' || rel.age > 1", { resolver });
    assert.equal(resolver.joins().length, 3);
    const query = itemsQuery(resolver, { sql: "1", params: [] });
    assert.match(query.sql, /^SELECT DISTINCT /);
  });
});

describe("constants, macros and functions", () => {
  check([
    { filter: "@request.method = 'GET'", sql: "? = ?", params: ["GET", "GET"], ids: ALL },
    { filter: "@request.auth.id = ''", sql: "'' = ''", params: [], ids: ALL },
    { filter: "@request.auth.id != '' && t = 'alpha'", sql: `('' IS NOT '' AND ${t} = ?)`, ids: [] },
    { filter: "t = @request.auth.id", sql: `(${t} = '' OR ${t} IS NULL)`, ids: ["i2", "i3"] },
    { filter: "n = @request.auth.verified", sql: `${n} = ?`, params: [1], ids: ["i1"] },
    {
      filter: "@now = '2024-02-10 12:34:56.789Z'",
      params: ["2024-02-10 12:34:56.789Z", "2024-02-10 12:34:56.789Z"],
      ids: ALL,
    },
    {
      filter: "@todayStart = '2024-02-10 00:00:00.000Z' && @todayEnd = '2024-02-10 23:59:59.999Z'",
      ids: ALL,
    },
    { filter: "@monthEnd = '2024-02-29 23:59:59.999Z' && @yearStart = '2024-01-01 00:00:00.000Z'", ids: ALL },
    { filter: "@yesterday < @now && @tomorrow > @now && @yearEnd = '2024-12-31 23:59:59.999Z'", ids: ALL },
    { filter: "@weekday = 6 && @year = 2024 && @month = 2 && @day = 10", ids: ALL },
    { filter: "@hour = 12 && @minute = 34 && @second = 56", ids: ALL },
    {
      filter: "strftime('%Y', '2024-02-10 12:00:00.000Z') = '2024'",
      sql: "strftime(?, ?) IS ?",
      params: ["%Y", "2024-02-10 12:00:00.000Z", "2024"],
      ids: ALL,
    },
    { filter: "strftime('%Y-%m-%d', '2024-02-10', '+1 day', 'start of month') = '2024-02-01'", ids: ALL },
    { filter: "strftime('%d', strftime('%Y-%m-%d', '2024-02-10')) = '10'", ids: ALL },
    { filter: "strftime('%Y', j.b) = null", ids: ALL },
    { filter: "geoDistance(0, 0, n, 0) < 200", ids: ["i1", "i2", "i4"] },
    { filter: "geoDistance(n, 0, n, 0) = 0", ids: ["i1", "i2", "i4", "i5", "i6"] },
  ]);

  test("macros are computed from the injected now", () => {
    const where = compileFilter(parseFilter("@now > t"), { resolver: new ItemsResolver(), now: NOW });
    assert.deepEqual(where.params, ["2024-02-10 12:34:56.789Z"]);
  });
});

describe("resolver hooks", () => {
  /** ItemsResolver plus `t:changed` (a compiled sub-condition) and `t:guarded` (wrapCondition). */
  class HookedResolver extends ItemsResolver {
    override resolve(identifier: string) {
      if (identifier === "t:changed") {
        const condition = compileFilter(parseFilter("t != '' && t != 'alpha'"), {
          resolver: new ItemsResolver(),
        });
        return { sql: `(${condition.sql})`, params: condition.params };
      }
      if (identifier === "t:guarded") {
        return {
          sql: t,
          wrapCondition: (condition: { sql: string; params: readonly SqlValue[] }) => ({
            sql: `(${condition.sql} AND ${n} > ?)`,
            params: [...condition.params, 1],
          }),
        };
      }
      return super.resolve(identifier);
    }
  }

  test("a resolver can return a compiled condition that compares like a value", () => {
    const resolver = new HookedResolver();
    const where = buildFilter("t:changed = true", { resolver });
    assert.equal(where.sql, `(((${t} IS NOT '' AND ${t} IS NOT NULL) AND ${t} IS NOT ?)) = 1`);
    assert.deepEqual(where.params, ["alpha"]);
    assert.deepEqual(queryIds(db, itemsQuery(resolver, where)).sort(), ["i4", "i5", "i6"]);
    const negated = buildFilter("t:changed = false", { resolver });
    assert.deepEqual(queryIds(db, itemsQuery(resolver, negated)).sort(), ["i1", "i2", "i3"]);
  });

  test("wrapCondition post-processes every comparison the operand takes part in", () => {
    const resolver = new HookedResolver();
    const where = buildFilter("t:guarded ~ 'a' || strftime('%Y', t:guarded) = null", { resolver });
    assert.equal(
      where.sql,
      `((${t} LIKE ? ESCAPE '\\' AND ${n} > ?) OR (strftime(?, ${t}) IS NULL AND ${n} > ?))`,
    );
    assert.deepEqual(where.params, ["%a%", 1, "%Y", 1]);
    assert.deepEqual(queryIds(db, itemsQuery(resolver, where)).sort(), ["i5", "i6"]);
  });
});

describe("precedence, groups and comments", () => {
  check([
    { filter: "t = 'alpha' || n = 0 && t = 'x'", sql: `(${t} = ? OR (${n} = ? AND ${t} = ?))`, ids: ["i1"] },
    {
      filter: "(t = 'alpha' || n = 0) && t = ''",
      sql: `((${t} = ? OR ${n} = ?) AND (${t} = '' OR ${t} IS NULL))`,
      ids: ["i2"],
    },
    { filter: "t = 'alpha' // the first\n|| n = 0 // and the second", ids: ["i1", "i2"] },
    { filter: "((((t = 'alpha'))))", sql: `${t} = ?`, ids: ["i1"] },
    { filter: "n = 1 && n = 1 || n = 2 && n = 2 || n = 10", ids: ["i1", "i5", "i6"] },
  ]);
});

describe("errors", () => {
  const cases: readonly { filter: string; code: FilterError["code"]; position: number }[] = [
    { filter: "nope = 1", code: "unknown_field", position: 0 },
    { filter: "t = 1 && @request.nope = 1", code: "unknown_field", position: 9 },
    { filter: "t = secret", code: "forbidden", position: 4 },
    { filter: "unknownFn(1) = 1", code: "invalid_function", position: 0 },
    { filter: "constructor(1) = 1", code: "invalid_function", position: 0 },
    { filter: "geoDistance(1, 2, 3) = 1", code: "invalid_function", position: 0 },
    { filter: "geoDistance(1, 2, 3, 'x') = 1", code: "invalid_function", position: 0 },
    { filter: "t = strftime(t)", code: "invalid_function", position: 4 },
    { filter: "t = strftime('%Y', t, 1)", code: "invalid_function", position: 4 },
    { filter: "t = strftime()", code: "invalid_function", position: 4 },
    {
      filter: "t = strftime('a', t, 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j')",
      code: "invalid_function",
      position: 4,
    },
    { filter: "toString = 1", code: "unknown_field", position: 0 },
  ];
  for (const c of cases) {
    test(`${c.filter} is rejected with ${c.code}`, () => {
      assert.throws(
        () => run(c.filter),
        (error: unknown) =>
          error instanceof FilterError && error.code === c.code && error.position === c.position,
      );
    });
  }
});
