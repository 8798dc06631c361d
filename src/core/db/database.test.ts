import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Database } from "./database.ts";

/**
 * Which connection serves `all`/`get`: plain reads run on the writer while it is idle (its page
 * cache survives its own commits), everything else on the read-only reader. What callers see
 * must not depend on it: committed data only, and writes through a read refused.
 */
describe("Database reads", () => {
  let dir = "";
  let db: Database;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "satchel-db-"));
    db = Database.open(join(dir, "data.db"));
    await db.exec("CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER)");
  });

  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a read right after a write sees it", async () => {
    await db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["a", 1]);
    assert.deepEqual({ ...(await db.get("SELECT v FROM t WHERE id = ?", ["a"])) }, { v: 1 });
    await db.run("UPDATE t SET v = ? WHERE id = ?", [2, "a"]);
    assert.deepEqual({ ...(await db.get("SELECT v FROM t WHERE id = ?", ["a"])) }, { v: 2 });
    const rows = await db.all("WITH x AS (SELECT v FROM t) SELECT v FROM x");
    assert.deepEqual(
      rows.map((r) => r.v),
      [2],
    );
  });

  test("statements keep working after releaseMemory drops the caches, inside a transaction too", async () => {
    await db.run("INSERT INTO t (id, v) VALUES (?, ?)", ["r1", 1]);
    assert.equal((await db.get("SELECT v FROM t WHERE id = ?", ["r1"]))?.v, 1);
    db.releaseMemory();
    assert.equal((await db.get("SELECT v FROM t WHERE id = ?", ["r1"]))?.v, 1);
    await db.transaction(async (t) => {
      await t.run("INSERT INTO t (id, v) VALUES (?, ?)", ["r2", 2]);
      db.releaseMemory(); // the idle reclaimer may run while a transaction waits on I/O
      await t.run("INSERT INTO t (id, v) VALUES (?, ?)", ["r3", 3]);
      assert.equal((await t.get("SELECT COUNT(*) AS n FROM t WHERE id IN ('r2', 'r3')"))?.n, 2);
    });
    const rows = await db.all("SELECT id FROM t WHERE id LIKE 'r%' ORDER BY id");
    assert.deepEqual(
      rows.map((r) => r.id),
      ["r1", "r2", "r3"],
    );
  });

  test("a read while another path's transaction is open does not see its uncommitted rows", async () => {
    let inside!: () => void;
    const written = new Promise<void>((resolve) => (inside = resolve));
    let finish!: () => void;
    const hold = new Promise<void>((resolve) => (finish = resolve));
    const tx = db.transaction(async (t) => {
      await t.run("INSERT INTO t (id, v) VALUES (?, ?)", ["b", 1]);
      inside();
      await hold;
    });
    await written;
    try {
      assert.equal(await db.get("SELECT v FROM t WHERE id = ?", ["b"]), undefined);
      assert.equal((await db.all("SELECT id FROM t WHERE id = ?", ["b"])).length, 0);
    } finally {
      finish();
      await tx;
    }
    assert.deepEqual({ ...(await db.get("SELECT v FROM t WHERE id = ?", ["b"])) }, { v: 1 });
  });

  test("a write sent through all/get is refused and changes nothing", async () => {
    const count = async () => Number((await db.get("SELECT COUNT(*) AS n FROM t"))?.n);
    const before = await count();
    await assert.rejects(db.all("INSERT INTO t (id, v) VALUES ('c', 1) RETURNING id"), /readonly/i);
    await assert.rejects(db.get("DELETE FROM t RETURNING id"), /readonly/i);
    await assert.rejects(
      db.all("WITH x AS (SELECT 'd' AS id) INSERT INTO t (id, v) SELECT id, 1 FROM x RETURNING id"),
      /readonly/i,
    );
    await assert.rejects(db.get("PRAGMA user_version = 7"), /readonly/i);
    assert.equal(await count(), before);
  });
});

/**
 * `writesTo(table)`: what a cache of one table's rows (the auth records) checks. A statement run
 * with its table moves only that table's count, unless the schema lets it reach other tables;
 * anything of unknown reach moves every count.
 */
describe("Database writes by table", () => {
  let dir = "";
  let db: Database;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "satchel-db-"));
    db = Database.open(join(dir, "data.db"));
    await db.exec("CREATE TABLE a (id TEXT PRIMARY KEY); CREATE TABLE b (id TEXT PRIMARY KEY, ref TEXT)");
  });

  after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Which of a and b the write moved. */
  async function moved(write: () => Promise<unknown>): Promise<string[]> {
    const before = { a: db.writesTo("a"), b: db.writesTo("b") };
    await write();
    return (["a", "b"] as const).filter((t) => db.writesTo(t) !== before[t]);
  }

  test("a statement run with its table moves that table's count only", async () => {
    assert.deepEqual(await moved(() => db.run("INSERT INTO a (id) VALUES (?)", ["1"], "a")), ["a"]);
    assert.deepEqual(await moved(() => db.run("DELETE FROM b WHERE id = ?", ["x"], "B")), ["b"]);
  });

  test("statements without a table, scripts and transactions move every count", async () => {
    assert.deepEqual(await moved(() => db.run("INSERT INTO a (id) VALUES (?)", ["2"])), ["a", "b"]);
    assert.deepEqual(await moved(() => db.exec("DELETE FROM a WHERE id = '2'")), ["a", "b"]);
    const tx = () => db.transaction((t) => t.run("INSERT INTO b (id) VALUES (?)", ["3"], "b"));
    assert.deepEqual(await moved(tx), ["a", "b"]);
  });

  test("with a trigger or a foreign key in the schema, every write moves every count", async () => {
    await db.exec("CREATE TRIGGER touch AFTER INSERT ON a BEGIN UPDATE b SET ref = NEW.id; END");
    assert.deepEqual(await moved(() => db.run("INSERT INTO a (id) VALUES (?)", ["4"], "a")), ["a", "b"]);
    await db.exec("DROP TRIGGER touch");
    assert.deepEqual(await moved(() => db.run("INSERT INTO a (id) VALUES (?)", ["5"], "a")), ["a"]);
    await db.exec("CREATE TEMP TRIGGER touch AFTER DELETE ON a BEGIN DELETE FROM b; END");
    assert.deepEqual(await moved(() => db.run("DELETE FROM a WHERE id = ?", ["5"], "a")), ["a", "b"]);
    await db.exec("DROP TRIGGER temp.touch");
    await db.exec("CREATE TABLE c (id TEXT PRIMARY KEY, a TEXT REFERENCES a (id) ON DELETE CASCADE)");
    assert.deepEqual(await moved(() => db.run("DELETE FROM a WHERE id = ?", ["4"], "a")), ["a", "b"]);
    await db.exec("DROP TABLE c");
    assert.deepEqual(await moved(() => db.run("DELETE FROM a WHERE id = ?", ["1"], "a")), ["a"]);
  });
});
