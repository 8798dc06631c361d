/**
 * The write and schema helpers of `$app.db()` in pb_hooks scripts (dbx's `insert`, `upsert`,
 * `update`, `delete`, `createTable`, `addColumn`, `createIndex`, …) run through `execute()`
 * against the server's real database, inside and outside a transaction.
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { buildTemplate, suiteCleanup } from "./helpers/server.ts";
import { seedPosts, startHooksServer, type HooksServer } from "./helpers/hooks.ts";

const SCRIPTS = {
  "schema.pb.js": `
routerAdd("POST", "/dbx/schema", (e) => {
  const db = $app.db()
  const sql = {}
  const create = db.createTable("notes", { id: "TEXT PRIMARY KEY NOT NULL", body: "TEXT DEFAULT ''", n: "INTEGER DEFAULT 0" })
  sql.create = create.sql()
  create.execute()
  const ins = db.insert("notes", { id: "a", body: "first", n: 1 })
  sql.insert = ins.sql()
  const inserted = ins.execute()
  db.insert("notes", { id: "b", body: "second", n: 2 }).execute()
  const up = db.upsert("notes", { id: "a", body: "first again", n: 10 }, "id")
  sql.upsert = up.sql()
  up.execute()
  const upd = db.update("notes", { n: $dbx.exp("n + {:d}", { d: 5 }) }, $dbx.hashExp({ id: "b" }))
  sql.update = upd.sql()
  const updated = upd.execute().rowsAffected()
  db.addColumn("notes", "extra", "TEXT DEFAULT 'x'").execute()
  db.renameColumn("notes", "extra", "more").execute()
  db.createUniqueIndex("notes", "idx_notes_body", "body").execute()
  let dup = ""
  try { db.insert("notes", { id: "c", body: "second" }).execute() } catch (err) { dup = String(err.message) }
  const rows = arrayOf(new DynamicModel({ id: "", body: "", n: 0, more: "" }))
  db.select("id", "body", "n", "more").from("notes").orderBy("id ASC").all(rows)
  const del = db.delete("notes", $dbx.hashExp({ id: "a" }))
  sql.delete = del.sql()
  const deleted = del.execute().rowsAffected()
  db.dropIndex("notes", "idx_notes_body").execute()
  db.renameTable("notes", "notes2").execute()
  db.truncateTable("notes2").execute()
  const left = $app.db().newQuery("SELECT COUNT(*) AS c FROM notes2").rows()[0].c
  db.dropTable("notes2").execute()
  let alter = ""
  try { db.alterColumn("x", "y", "TEXT").execute() } catch (err) { alter = err.message }
  return e.json(200, { sql, lastId: inserted.lastInsertId() > 0, updated, dup: dup.length > 0, rows, deleted, left, exists: $app.hasTable("notes2"), alter })
})

routerAdd("POST", "/dbx/tx", (e) => {
  $app.db().createTable("tx_notes", { id: "TEXT" }).execute()
  try {
    $app.runInTransaction((txApp) => {
      txApp.db().insert("tx_notes", { id: "kept?" }).execute()
      throw new Error("roll back")
    })
  } catch (_) {}
  $app.runInTransaction((txApp) => {
    txApp.db().insert("tx_notes", { id: "kept" }).execute()
  })
  const ids = arrayOf(new DynamicModel({ id: "" }))
  $app.db().select("id").from("tx_notes").all(ids)
  $app.db().dropTable("tx_notes").execute()
  return e.json(200, ids.map((r) => r.id))
})
`,
};

describe("pb_hooks: $app.db() write and schema helpers", () => {
  const cleanup = suiteCleanup();
  let s: HooksServer;
  before(async () => {
    const template = await buildTemplate(cleanup, seedPosts);
    s = await startHooksServer(cleanup, SCRIPTS, { template });
  });

  test("createTable, insert, upsert, update, addColumn, indexes, delete, rename, truncate, drop", async () => {
    const res = await fetch(`${s.url}/dbx/schema`, { method: "POST" });
    assert.equal(res.status, 200, s.logs.join("\n"));
    const body = (await res.json()) as { [k: string]: unknown };
    assert.deepEqual(body.sql, {
      create:
        "CREATE TABLE `notes` (`body` TEXT DEFAULT '', `id` TEXT PRIMARY KEY NOT NULL, `n` INTEGER DEFAULT 0)",
      insert: "INSERT INTO `notes` (`body`, `id`, `n`) VALUES ({:p0}, {:p1}, {:p2})",
      upsert:
        "INSERT INTO `notes` (`body`, `id`, `n`) VALUES ({:p0}, {:p1}, {:p2}) ON CONFLICT (`id`) DO UPDATE SET `body`={:p3}, `id`={:p4}, `n`={:p5}",
      update: "UPDATE `notes` SET `n`=n + {:d} WHERE `id`={:p1}", // dbx names a param by how many there are
      delete: "DELETE FROM `notes` WHERE `id`={:p0}",
    });
    assert.equal(body.lastId, true);
    assert.equal(body.updated, 1);
    assert.equal(body.dup, true, "the unique index rejects a duplicate body");
    assert.deepEqual(body.rows, [
      { body: "first again", id: "a", more: "x", n: 10 },
      { body: "second", id: "b", more: "x", n: 7 },
    ]);
    assert.equal(body.deleted, 1);
    assert.equal(body.left, 0);
    assert.equal(body.exists, false);
    assert.equal(body.alter, "SQLite does not support altering column");
  });

  test("txApp.db() writes join the transaction (rolled back on a throw)", async () => {
    const res = await fetch(`${s.url}/dbx/tx`, { method: "POST" });
    assert.equal(res.status, 200, s.logs.join("\n"));
    assert.deepEqual(await res.json(), ["kept"]);
  });
});
