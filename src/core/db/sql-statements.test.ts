import assert from "node:assert/strict";
import { test } from "node:test";
import { splitSqlStatements } from "./sql-statements.ts";

test("splits at top-level semicolons only", () => {
  assert.deepEqual(splitSqlStatements("select 1;select 2"), ["select 1", "select 2"]);
  assert.deepEqual(splitSqlStatements(" select ';' ; select \"a;b\", [c;d], `e;f` ;"), [
    "select ';'",
    'select "a;b", [c;d], `e;f`',
  ]);
  assert.deepEqual(splitSqlStatements("select 'it''s;'; select 2"), ["select 'it''s;'", "select 2"]);
  assert.deepEqual(splitSqlStatements("select 1 -- a;b\n; /* c;d */ select 2; -- end"), [
    "select 1 -- a;b",
    "/* c;d */ select 2",
  ]);
  assert.deepEqual(splitSqlStatements(""), []);
  assert.deepEqual(splitSqlStatements("select 'unterminated;"), ["select 'unterminated;"]);
});
