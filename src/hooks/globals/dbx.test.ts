import { test } from "node:test";
import assert from "node:assert/strict";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { compileExpression, dbx } from "./dbx.ts";

function rows(where: unknown): string[] {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE t (id TEXT, a INTEGER, b TEXT)");
  const insert = db.prepare("INSERT INTO t VALUES (?, ?, ?)");
  insert.run("r1", 1, "go lang");
  insert.run("r2", 2, "50% off");
  insert.run("r3", 3, null);
  const { sql, params } = compileExpression(where);
  const bound = sql.replace(/\{:(\w+)\}/g, ":$1");
  const result = db
    .prepare(`SELECT id FROM t WHERE ${bound} ORDER BY id`)
    .all(params as { [k: string]: SQLInputValue });
  db.close();
  return result.map((r) => String(r.id));
}

test("reference outputs of jsvm-surface §3.10", () => {
  assert.deepEqual(compileExpression(dbx.in("a", 1, 2, 3)), {
    sql: "`a` IN ({:p0}, {:p1}, {:p2})",
    params: { p0: 1, p1: 2, p2: 3 },
  });
  assert.equal(compileExpression(dbx.not(dbx.exp("a = 1"))).sql, "NOT (a = 1)");
  assert.equal(compileExpression(dbx.and(dbx.exp("a = 1"), dbx.exp("b = 2"))).sql, "(a = 1) AND (b = 2)");
  assert.equal(compileExpression(dbx.or(dbx.exp("a = 1"))).sql, "a = 1");
  assert.deepEqual(compileExpression(dbx.hashExp({ b: null, a: 1, c: [1, 2] })), {
    sql: "(`a`={:p0}) AND (`b` IS NULL) AND (`c` IN ({:p1}, {:p2}))",
    params: { p0: 1, p1: 1, p2: 2 },
  });
  assert.equal(compileExpression(dbx.in("t.a", 5)).sql, "`t`.`a`={:p0}");
  assert.equal(compileExpression(dbx.notIn("a", 5)).sql, "`a`<>{:p0}");
  assert.equal(compileExpression(dbx.in("a")).sql, "0=1");
  assert.deepEqual(compileExpression(dbx.like("b", "a%b", "c")), {
    sql: "`b` LIKE {:p0} AND `b` LIKE {:p1}",
    params: { p0: "%a\\%b%", p1: "%c%" },
  });
  assert.equal(
    compileExpression(dbx.orNotLike("b", "x", "y")).sql,
    "`b` NOT LIKE {:p0} OR `b` NOT LIKE {:p1}",
  );
  assert.deepEqual(compileExpression(dbx.like("b", "x").match(false, true)).params, { p0: "x%" });
  assert.deepEqual(compileExpression(dbx.like("b", "x_").escape("_", "-")).params, { p0: "%x-%" });
  assert.equal(compileExpression(dbx.between("a", 1, 2)).sql, "`a` BETWEEN {:p0} AND {:p1}");
  assert.equal(compileExpression(dbx.notExists(dbx.exp("SELECT 1"))).sql, "NOT EXISTS (SELECT 1)");
  assert.deepEqual(compileExpression(dbx.exp("a > {:min}", { min: 1 })).params, { min: 1 });
  const params: { [k: string]: unknown } = { p0: "taken" };
  assert.equal(dbx.hashExp({ a: 1 }).build(null, params), "`a`={:p1}");
  assert.throws(() => dbx.not("a = 1"), /expected an expression/);
});

test("compiled expressions select the right rows on a real SQLite database", () => {
  assert.deepEqual(rows(dbx.hashExp({ a: 2 })), ["r2"]);
  assert.deepEqual(rows(dbx.hashExp({ b: null })), ["r3"]);
  assert.deepEqual(rows(dbx.in("a", 1, 3)), ["r1", "r3"]);
  assert.deepEqual(rows(dbx.notIn("a", 1, 3)), ["r2"]);
  assert.deepEqual(rows(dbx.or(dbx.hashExp({ a: 1 }), dbx.between("a", 3, 9))), ["r1", "r3"]);
  assert.deepEqual(rows(dbx.like("b", "go")), ["r1"]);
  assert.deepEqual(rows(dbx.orLike("b", "go", "off")), ["r1", "r2"]);
  assert.deepEqual(rows(dbx.not(dbx.exp("a < {:x}", { x: 3 }))), ["r3"]);
  assert.deepEqual(rows(dbx.exists(dbx.exp("SELECT 1 FROM t WHERE a = {:v}", { v: 2 }))), ["r1", "r2", "r3"]);
  assert.deepEqual(rows(dbx.and(dbx.in("a"), dbx.exp("1=1"))), []);
});
