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
