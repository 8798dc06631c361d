import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, test } from "node:test";
import { QueryTimeoutError, ReadPool, ReadPoolBusyError } from "./read-pool.ts";

/**
 * One SQLite step that runs for seconds (~11 s on a quiet development machine, longer under the
 * suite's load): an aggregate over a long recursive CTE. It must outlast the "stuck threads"
 * test's two 3 s timeouts, or the first stuck thread is gone before the count (at 30M rows, 3.7 s
 * on a quiet machine, it was). A thread stuck in it delays this test process's exit until it
 * ends, so it is not longer.
 */
const SLOW =
  "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 90000000) SELECT max(x) AS n FROM c";

/** How late a timer set to `ms` fires while `work` runs: the event loop's stall. */
async function loopDelay(ms: number): Promise<number> {
  const start = performance.now();
  await new Promise((resolve) => setTimeout(resolve, ms));
  return performance.now() - start - ms;
}

describe("the read pool", () => {
  let dir = "";
  let path = "";
  const pools: ReadPool[] = [];
  const pool = (options: ConstructorParameters<typeof ReadPool>[0]) => {
    const p = new ReadPool(options);
    pools.push(p);
    return p;
  };

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "satchel-read-pool-"));
    path = join(dir, "data.db");
    const db = new DatabaseSync(path);
    db.exec("PRAGMA journal_mode = WAL; CREATE TABLE t (id TEXT PRIMARY KEY, n NUMERIC)");
    db.prepare("INSERT INTO t VALUES ('a', 1), ('b', 2), ('big', 9007199254740993)").run();
    db.close();
  });
  after(async () => {
    for (const p of pools) await p.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("reads rows off the main thread, like the main connection would", async () => {
    const p = pool({ threads: 1 });
    assert.deepEqual(await p.all(path, "SELECT id, n FROM t WHERE n < ? ORDER BY id", [3], 5_000), [
      { id: "a", n: 1 },
      { id: "b", n: 2 },
    ]);
    assert.deepEqual(await p.get(path, "SELECT id FROM t WHERE id = ?", ["b"], 5_000), { id: "b" });
    assert.equal(await p.get(path, "SELECT id FROM t WHERE id = ?", ["zz"], 5_000), undefined);
    // An integer beyond 2^53 is read as the nearest number, as on the main thread.
    assert.deepEqual(await p.get(path, "SELECT n FROM t WHERE id = 'big'", [], 5_000), {
      n: 9007199254740992,
    });
    await assert.rejects(p.all(path, "SELECT * FROM missing", [], 5_000), /no such table: missing/);
    const traced: string[] = [];
    await p.all(path, "SELECT 1 AS one", [], 5_000, (sql) => traced.push(sql));
    assert.deepEqual(traced, ["SELECT 1 AS one"]);
  });

  test("an idle thread stops after idleMs (its connections with it); the next read starts one again", async () => {
    const p = pool({ threads: 2, idleMs: 50 });
    await Promise.all([
      p.get(path, "SELECT id FROM t WHERE id = ?", ["a"], 5_000),
      p.get(path, "SELECT id FROM t WHERE id = ?", ["b"], 5_000),
    ]);
    assert.ok(p.running >= 1 && p.running <= 2);
    const deadline = Date.now() + 5_000;
    while (p.running > 0) {
      if (Date.now() > deadline) throw new Error("the idle threads did not stop");
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.deepEqual(await p.get(path, "SELECT id FROM t WHERE id = ?", ["b"], 5_000), { id: "b" });
    assert.equal(p.running, 1);
  });

  test("a single step past the timeout is answered at the timeout; the loop and other reads go on", async () => {
    const p = pool({ threads: 1, maxStuck: 1 });
    const started = performance.now();
    const slow = p.get(path, SLOW, [], 1_000).then(
      () => assert.fail("the slow query finished"),
      (err: unknown) => ({ err, ms: performance.now() - started }),
    );
    // While it runs, the event loop is free.
    const stall = await loopDelay(200);
    assert.ok(stall < 150, `the event loop stalled ${stall.toFixed(0)} ms`);
    const { err, ms } = await slow;
    assert.ok(err instanceof QueryTimeoutError, String(err));
    assert.ok(ms >= 950 && ms < 3_000, `answered after ${ms.toFixed(0)} ms`);
    // Its thread is set aside (still inside the step) and a fresh one serves the next read.
    assert.equal(p.stuck, 1);
    assert.deepEqual(await p.get(path, "SELECT count(*) AS n FROM t", [], 5_000), { n: 3 });
  });

  test("stuck threads are bounded: then reads wait in the queue, and a full queue is refused at once", async () => {
    const p = pool({ threads: 1, maxStuck: 1, maxQueue: 1 });
    // (Long enough a timeout for each new thread to be inside the step, not still starting.)
    await assert.rejects(p.get(path, SLOW, [], 3_000), QueryTimeoutError);
    await assert.rejects(p.get(path, SLOW, [], 3_000), QueryTimeoutError);
    assert.equal(p.stuck, 2);
    // No thread may start now: the next read waits (and times out there), the one after is refused.
    const started = performance.now();
    const waiting = p.get(path, "SELECT 1 AS one", [], 500);
    await assert.rejects(p.get(path, "SELECT 1 AS one", [], 500), ReadPoolBusyError);
    assert.ok(performance.now() - started < 100, "the refusal was not immediate");
    await assert.rejects(waiting, QueryTimeoutError);
  });

  test("the SQL console's reads run on a connection of their own, within the timeout", async () => {
    const p = pool({ threads: 1 });
    const result = await p.console(path, "SELECT id, n FROM t ORDER BY id", 2, 5_000);
    assert.deepEqual(result.rows, [
      ["a", "1"],
      ["b", "2"],
    ]);
    assert.deepEqual(
      result.columns.map((c) => c.name),
      ["id", "n"],
    );
    // A PRAGMA changed by one statement is gone for the next one.
    await p.console(path, "PRAGMA cache_size = 7", 10, 5_000);
    const cache = await p.console(path, "PRAGMA cache_size", 10, 5_000);
    assert.notEqual(cache.rows[0]?.[0], "7");
    await assert.rejects(p.console(path, SLOW, 10, 500), QueryTimeoutError);
  });
});
