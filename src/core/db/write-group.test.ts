/**
 * Group commit (write-group.ts) through Database.run, on real SQLite files: row writes issued in
 * one turn of the event loop share one commit, and each still gets the outcome it would have had
 * alone.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, test } from "node:test";
import { Database } from "./database.ts";

describe("Database.run groups the row writes of one turn into one commit", () => {
  let dir = "";
  let path = "";
  let db: Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "satchel-write-group-"));
    path = join(dir, "data.db");
    db = Database.open(path);
    await db.exec("CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER)");
  });

  afterEach(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The rows of t, read by a connection of its own (what another process would see). */
  const rows = () => {
    const other = new DatabaseSync(path, { readOnly: true });
    try {
      return other
        .prepare("SELECT id, v FROM t ORDER BY id")
        .all()
        .map((r) => `${String(r.id)}=${String(r.v)}`);
    } finally {
      other.close();
    }
  };

  test("20 inserts of one turn append one commit's pages to the WAL, not 20", async () => {
    await db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => db.run("INSERT INTO t (id, v) VALUES (?, ?)", [`r${i}`, i], "t")),
    );
    assert.deepEqual(
      results.map((r) => r.changes),
      Array.from({ length: 20 }, () => 1),
    );
    // One commit writes the table's page once (4 KB frames); 20 commits would write it 20 times.
    const wal = statSync(`${path}-wal`).size;
    assert.ok(wal < 4 * 4120, `the WAL grew by ${wal} bytes`);
    assert.equal(rows().length, 20);
  });

  test("a row write waits for the end of the turn; DDL and other statements run at once", async () => {
    const write = db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["a", 1]);
    assert.deepEqual(rows(), [], "not committed before the turn ends");
    const ddl = db.run("CREATE TABLE u (x)");
    const other = new DatabaseSync(path, { readOnly: true });
    assert.ok(other.prepare("SELECT 1 FROM sqlite_schema WHERE name = 'u'").get(), "the DDL ran at once");
    other.close();
    await Promise.all([write, ddl]);
    assert.deepEqual(rows(), ["a=1"]);
  });

  test("a statement that fails in a group fails alone: the others commit", async () => {
    await db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["taken", 0]);
    const outcomes = await Promise.allSettled([
      db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["x", 1]),
      db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["taken", 2]),
      db.run("UPDATE t SET v = ? WHERE id = ?", [3, "taken"]),
      db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["y", 4]),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "rejected", "fulfilled", "fulfilled"],
    );
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /UNIQUE constraint failed: t\.id/);
    assert.deepEqual(rows(), ["taken=3", "x=1", "y=4"]);
  });

  test("a statement that ends the group's transaction (OR ROLLBACK): every write runs again alone", async () => {
    await db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["taken", 0]);
    const outcomes = await Promise.allSettled([
      db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["x", 1]),
      db.run("INSERT OR ROLLBACK INTO t (id, v) VALUES (?, ?)", ["taken", 2]),
      db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["y", 3]),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ["fulfilled", "rejected", "fulfilled"],
    );
    assert.deepEqual(rows(), ["taken=0", "x=1", "y=3"]);
  });

  test("results are each statement's own: changes and lastInsertRowid", async () => {
    await db.exec("CREATE TABLE n (k INTEGER PRIMARY KEY, v TEXT)");
    await db.run("INSERT INTO t (id, v) VALUES (?, ?), (?, ?)", ["a", 1, "b", 1]);
    const [insert, update, none] = await Promise.all([
      db.run("INSERT INTO n (v) VALUES (?)", ["first"]),
      db.run("UPDATE t SET v = ? WHERE v = ?", [2, 1]),
      db.run("DELETE FROM t WHERE id = ?", ["missing"]),
    ]);
    assert.deepEqual(insert, { changes: 1, lastInsertRowid: 1 });
    assert.equal(update.changes, 2);
    assert.equal(none.changes, 0);
  });

  test("writes issued while a transaction holds the lock commit after it, in their own group", async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const tx = db.transaction(async (t) => {
      await t.run("INSERT INTO t (id, v) VALUES (?, ?)", ["tx", 1]);
      await held;
    });
    // let the transaction take the lock, then queue two writes behind it
    await new Promise((resolve) => setImmediate(resolve));
    const writes = Promise.all([
      db.run("UPDATE t SET v = ? WHERE id = ?", [2, "tx"]),
      db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["after", 3]),
    ]);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(rows(), [], "nothing committed while the transaction is open");
    release();
    await tx;
    const [update] = await writes;
    assert.equal(update.changes, 1, "the update saw the transaction's row");
    assert.deepEqual(rows(), ["after=3", "tx=2"]);
  });

  test("close commits the writes already accepted", async () => {
    const write = db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["last", 1]);
    await db.close();
    await write;
    assert.deepEqual(rows(), ["last=1"]);
    db = Database.open(path); // for afterEach
  });

  test("a write after close is refused, as before", async () => {
    await db.close();
    await assert.rejects(db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["late", 1]), /closed/);
    db = Database.open(path);
  });
});
