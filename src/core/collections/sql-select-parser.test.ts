import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  checkSingleStatement,
  parseSelect,
  SqlParseError,
  tokenizeSql,
  type ParsedSelect,
} from "./sql-select-parser.ts";

function columns(p: ParsedSelect) {
  return p.columns.map((c) => ({ name: c.name, alias: c.alias, expr: c.expr, ref: c.ref }));
}

describe("tokenizeSql", () => {
  test("splits words, quoted identifiers, strings, numbers and operators", () => {
    const { tokens } = tokenizeSql(
      "select `a``b`, \"c\"\"d\", [e f], 'g''h', x'00', 1.5e+3, a->>'$.x' -- c\n/* d */",
    );
    assert.deepEqual(
      tokens.map((t) => [t.kind, t.value]),
      [
        ["word", "select"],
        ["quoted", "a`b"],
        ["punct", ","],
        ["quoted", 'c"d'],
        ["punct", ","],
        ["quoted", "e f"],
        ["punct", ","],
        ["string", "g'h"],
        ["punct", ","],
        ["blob", "x'00'"],
        ["punct", ","],
        ["number", "1.5e+3"],
        ["punct", ","],
        ["word", "a"],
        ["punct", "->>"],
        ["string", "$.x"],
      ],
    );
  });

  test("reports a trailing line comment", () => {
    assert.equal(tokenizeSql("select 1 -- x").endsWithLineComment, true);
    assert.equal(tokenizeSql("select 1 -- x\n").endsWithLineComment, false);
    assert.equal(tokenizeSql("select '--'").endsWithLineComment, false);
  });

  for (const [sql, message] of [
    ["select 'abc", /unterminated string/],
    ['select "abc', /unterminated quoted identifier/],
    ["select `abc", /unterminated quoted identifier/],
    ["select [abc", /unterminated quoted identifier/],
    ["select 1 /* abc", /unterminated \/\* comment/],
    ["select x'00", /unterminated blob/],
    ["select \0", /NUL/],
    ["select ?", /parameters/],
    ["select :a", /parameters/],
    ["select @a", /parameters/],
    ["select $a('x)", /parameters/],
    ["select #a", /parameters/],
  ] as const) {
    test(`rejects ${JSON.stringify(sql)}`, () => {
      assert.throws(
        () => tokenizeSql(sql),
        (err) => err instanceof SqlParseError && message.test(err.message),
      );
    });
  }
});

describe("checkSingleStatement", () => {
  for (const [sql, message] of [
    ["select 1; select 2", /multiple statements/],
    ["select (1;2)", /multiple statements/],
    ["select 1)", /unbalanced/],
    ["select (1", /unbalanced/],
    ["select 1) union select (2", /unbalanced/],
    ["(".repeat(1001) + ")".repeat(1001), /nested too deeply/],
  ] as const) {
    test(`rejects ${JSON.stringify(sql.slice(0, 40))}`, () => {
      assert.throws(
        () => checkSingleStatement(sql),
        (err) => err instanceof SqlParseError && message.test(err.message),
      );
    });
  }

  test("accepts semicolons inside strings, identifiers and comments", () => {
    assert.doesNotThrow(() => checkSingleStatement("select ';' \";\" -- ;\n /* ; */"));
  });
});

describe("parseSelect", () => {
  test("finds aliases with and without AS, qualified and quoted references", () => {
    const p = parseSelect(
      "SELECT a.id, a.text AS t, `b`.\"num\" n, [c], 'x' 'lit', count(*) c2, (a.bool), main.a.url u FROM demo1 a",
    );
    assert.deepEqual(columns(p), [
      { name: "id", alias: null, expr: "a.id", ref: { schema: null, table: "a", column: "id" } },
      { name: "t", alias: "t", expr: "a.text", ref: { schema: null, table: "a", column: "text" } },
      { name: "n", alias: "n", expr: '`b`."num"', ref: { schema: null, table: "b", column: "num" } },
      { name: "c", alias: null, expr: "[c]", ref: { schema: null, table: null, column: "c" } },
      { name: "lit", alias: "lit", expr: "'x'", ref: null },
      { name: "c2", alias: "c2", expr: "count(*)", ref: null },
      { name: "bool", alias: null, expr: "(a.bool)", ref: { schema: null, table: "a", column: "bool" } },
      { name: "u", alias: "u", expr: "main.a.url", ref: { schema: "main", table: "a", column: "url" } },
    ]);
    assert.deepEqual(p.sources, [{ kind: "table", schema: null, name: "demo1", alias: "a" }]);
  });

  test("does not take expression keywords for aliases", () => {
    const p = parseSelect(
      "select x is not null, y collate nocase, case when 1 then 2 end, case when 1 then 2 end e, count(*) over w, (row_number() over()) as id, a - b, f(x) filter (where x) from t window w as ()",
    );
    assert.deepEqual(
      p.columns.map((c) => c.alias),
      [null, null, null, "e", null, "id", null, null],
    );
  });

  test("finds the sources of joins, subqueries and table-valued functions", () => {
    const p = parseSelect(`
      select a.id from demo1 a, demo2 as b
      left join demo3 lj on lj.id = left(1) and 1 = 1
      inner join "demo4" as ij on ij.id = 123
      natural join main.demo5
      cross join (select 1) s
      join (demo6 d6 join demo7 using (id)) on 1
      join json_each(a.json) je
      join _superusers INDEXED BY idx on 1
      where 1 = 1 group by a.id order by 1 limit 10`);
    assert.deepEqual(p.sources, [
      { kind: "table", schema: null, name: "demo1", alias: "a" },
      { kind: "table", schema: null, name: "demo2", alias: "b" },
      { kind: "table", schema: null, name: "demo3", alias: "lj" },
      { kind: "table", schema: null, name: "demo4", alias: "ij" },
      { kind: "table", schema: "main", name: "demo5", alias: null },
      { kind: "subquery", schema: null, name: null, alias: "s" },
      { kind: "table", schema: null, name: "demo6", alias: "d6" },
      { kind: "table", schema: null, name: "demo7", alias: null },
      { kind: "function", schema: null, name: "json_each", alias: "je" },
      { kind: "table", schema: null, name: "_superusers", alias: null },
    ]);
  });

  test("handles WITH, DISTINCT, compounds, comments and wrapping parentheses", () => {
    const p = parseSelect(`((
      with recursive x(n) as (select 1 union all select n + 1 from x), y as materialized (select 2)
      select distinct /* c */ x.n as id, -- comment
      y.* from x, y union select 1, 2))`);
    assert.deepEqual(p.cteNames, ["x", "y"]);
    assert.equal(p.compound, true);
    assert.deepEqual(
      p.columns.map((c) => [c.name, c.star]),
      [
        ["id", false],
        ["y.*", true],
      ],
    );
  });

  for (const [sql, message] of [
    ["", /empty/],
    ["()", /empty/],
    ["drop table demo1", /only SELECT/],
    ["insert into t values (1)", /only SELECT/],
    ["values (1)", /only SELECT/],
    ["with x as (select 1) delete from t", /only SELECT/],
    ["with x (select 1) select 1", /expected AS/],
    ["select from t", /empty column/],
    ["select 1,, 2", /empty column/],
    ["select as x", /missing expression/],
    ["select 1 from", /missing table/],
    ["select 1 from 5", /table name was expected/],
  ] as const) {
    test(`rejects ${JSON.stringify(sql)}`, () => {
      assert.throws(
        () => parseSelect(sql),
        (err) => err instanceof SqlParseError && message.test(err.message),
      );
    });
  }

  test("deeply nested joins stay within the nesting limit", () => {
    const sql = "select 1 from " + "(".repeat(900) + "t" + ")".repeat(900);
    assert.deepEqual(parseSelect(sql).sources, [{ kind: "table", schema: null, name: "t", alias: null }]);
  });
});
