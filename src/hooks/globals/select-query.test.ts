import { test } from "node:test";
import assert from "node:assert/strict";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { dbx } from "./dbx.ts";
import { DynamicModel } from "./dynamic-model.ts";
import { arrayOf } from "./helpers.ts";
import { queryBuilder, type QueryRunner } from "./select-query.ts";

type Obj = { [key: string]: unknown };

/** A runner over a real in-memory SQLite database, binding `{:name}` as named parameters. */
function sqlite(): { run: QueryRunner; seen: string[] } {
  const db = new DatabaseSync(":memory:");
  db.exec("CREATE TABLE posts (id TEXT, title TEXT, views INTEGER, author TEXT)");
  const insert = db.prepare("INSERT INTO posts VALUES (?, ?, ?, ?)");
  insert.run("p1", "alpha", 5, "u1");
  insert.run("p2", "beta", 10, "u1");
  insert.run("p3", "gamma", 1, "u2");
  insert.run("p4", "delta", 7, null);
  const seen: string[] = [];
  const run: QueryRunner = (mode, sql, params) => {
    seen.push(sql);
    const stmt = db.prepare(sql.replace(/\{:(\w+)\}/g, ":$1"));
    const bound = params as { [k: string]: SQLInputValue };
    if (mode === "execute") return stmt.run(bound);
    const rows = stmt.all(bound) as Obj[];
    if (mode === "one") {
      if (!rows[0]) throw new Error("sql: no rows in result set");
      return rows[0];
    }
    return rows;
  };
  return { run, seen };
}

test("select builder: where/andWhere with $dbx, orderBy, limit → dbx's SQL, values bound", () => {
  const { run, seen } = sqlite();
  const db = queryBuilder(run);
  const rows = arrayOf(new DynamicModel({ id: "", title: "" }));
  const q = db
    .select("id", "title")
    .from("posts")
    .where(dbx.exp("views > {:min}", { min: 2 }))
    .andWhere(dbx.hashExp({ author: "u1" }))
    .orderBy("views DESC")
    .limit(10);
  assert.equal(
    q.build().sql(),
    "SELECT `id`, `title` FROM `posts` WHERE (views > {:min}) AND (`author`={:p1}) ORDER BY `views` DESC LIMIT 10",
  );
  assert.deepEqual(q.build().params(), { min: 2, p1: "u1" });
  q.all(rows);
  assert.deepEqual(
    rows.map((r) => (r as unknown as Obj).id),
    ["p2", "p1"],
  );
  assert.equal(seen.length, 1);
});

test("select builder: column, row, one, offset, groupBy/having, orWhere and aliases", () => {
  const { run } = sqlite();
  const db = queryBuilder(run);
  const ids: unknown[] = [];
  db.select("id").from("posts").orderBy("id").offset(2).column(ids);
  assert.deepEqual(ids, ["p3", "p4"]);
  const [title, views] = db
    .select("title", "views")
    .from("posts")
    .where(dbx.hashExp({ id: "p3" }))
    .row("", 0);
  assert.deepEqual([title, views], ["gamma", 1]);
  const one = new DynamicModel({ author: "", total: 0 });
  db.select("author", "COUNT(*) AS total")
    .from("posts p")
    .where(dbx.exp("p.author IS NOT NULL"))
    .groupBy("author")
    .having(dbx.exp("COUNT(*) > 1"))
    .one(one);
  assert.deepEqual({ ...one }, { author: "u1", total: 2 });
  const either: unknown[] = [];
  db.select("id")
    .from("posts")
    .where(dbx.hashExp({ id: "p1" }))
    .orWhere(dbx.in("id", "p4"))
    .orderBy("id ASC")
    .column(either);
  assert.deepEqual(either, ["p1", "p4"]);
  assert.throws(
    () =>
      db
        .select("id")
        .from("posts")
        .where(dbx.hashExp({ id: "none" }))
        .one({}),
    /no rows/,
  );
});

test("a hostile value stays a bound value", () => {
  const { run } = sqlite();
  const db = queryBuilder(run);
  const out: unknown[] = [];
  db.select("id")
    .from("posts")
    .where(dbx.hashExp({ title: "x' OR 1=1 --" }))
    .column(out);
  assert.deepEqual(out, []);
});
