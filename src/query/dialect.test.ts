import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { describe, test } from "node:test";
import { sqliteDialect as d } from "./dialect.ts";
import { param, raw, sql } from "./sql.ts";
import type { SqlFragment } from "./sql.ts";

const db = new DatabaseSync(":memory:");
function value(fragment: SqlFragment): unknown {
  return db.prepare(`SELECT ${fragment.sql} AS v`).get(...fragment.params)?.v;
}

describe("sqliteDialect", () => {
  test("quotes identifiers with backticks and doubles embedded ones", () => {
    assert.equal(d.quoteIdentifier("a`b"), "`a``b`");
    assert.equal(d.column("t", "c").sql, "`t`.`c`");
    assert.equal(d.column(undefined, 'we"ird').sql, '`we"ird`');
    db.exec(`CREATE TABLE ${d.quoteIdentifier("x`; DROP TABLE y; --")} (${d.quoteIdentifier("c`c")})`);
    assert.equal(value(sql`(SELECT count(*) FROM ${raw(d.quoteIdentifier("x`; DROP TABLE y; --"))})`), 0);
  });

  test("maps dotted paths to JSON paths", () => {
    assert.equal(d.jsonPath(["a", "b", "0", "c"]), "$.a.b[0].c");
    assert.equal(d.jsonPath([]), "$");
    assert.equal(d.jsonPath(["10"]), "$[10]");
  });

  test("extracts from JSON and yields NULL for plain values", () => {
    const extract = (stored: string | null, path: string[]) => value(d.jsonExtract(param(stored), path));
    assert.equal(extract('{"a":{"b":[1,{"c":"x"}]}}', ["a", "b", "1", "c"]), "x");
    assert.equal(extract("plain text", ["a"]), null);
    assert.equal(extract(null, ["a"]), null);
    assert.equal(extract("", ["a"]), null);
    assert.equal(extract("[5,6]", ["1"]), 6);
  });

  test("normalises any value to a JSON array", () => {
    const array = (stored: string | null) => value(d.jsonArray(param(stored)));
    assert.deepEqual(['["a"]', "a", "", null, '{"a":1}', "5"].map(array), [
      '["a"]',
      '["a"]',
      '[""]',
      "[null]",
      '["{\\"a\\":1}"]',
      '["5"]',
    ]);
    assert.equal(value(d.jsonArrayLength(d.jsonArray(param('["a","b"]')))), 2);
    const each = sql`(SELECT group_concat(${d.jsonEachValue("e")}, '|') FROM ${d.jsonEach(d.jsonArray(param('["x","y"]')))} ${raw("e")})`;
    assert.equal(value(each), "x|y");
  });

  test("LIKE escapes with a backslash", () => {
    assert.equal(value(d.like(param("a_c"), param("%\\_%"), false)), 1);
    assert.equal(value(d.like(param("abc"), param("%\\_%"), false)), 0);
    assert.equal(value(d.like(param("abc"), param("%\\_%"), true)), 1);
    assert.equal(value(d.concat([raw("'%'"), param("x"), raw("'%'")])), "%x%");
  });

  test("random, rowid, booleans, dates, strftime and geoDistance", () => {
    assert.equal(d.random().sql, "RANDOM()");
    assert.equal(d.rowid("t").sql, "`t`.`_rowid_`");
    assert.deepEqual([d.booleanLiteral(true), d.booleanLiteral(false)], ["1", "0"]);
    assert.equal(d.formatDateTime(new Date("2024-02-03T04:05:06.007Z")), "2024-02-03 04:05:06.007Z");
    assert.equal(
      value(d.strftime(param("%Y-%m-%d"), param("2024-02-03 04:05:06.007Z"), [param("+1 day")])),
      "2024-02-04",
    );
    assert.match(String(value(d.strftime(param("%Y"), undefined, []))), /^\d{4}$/);
    const km = Number(value(d.geoDistance(param(23.3219), param(42.6977), param(-0.1276), param(51.5072))));
    assert.ok(Math.abs(km - 2015) < 10, String(km)); // Sofia → London
  });
});
