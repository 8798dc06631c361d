import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WorkerPool } from "./pool.ts";

test("workers beyond the first are stopped once idle; the pool grows again on demand", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "satchel-pool-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  // each run makes a synchronous call the main thread answers once three are waiting: the three
  // runs are in flight together, on three workers, however long a worker takes to start
  let waiting: (() => void)[] = [];
  const barrier = () =>
    new Promise<null>((resolve) => {
      waiting.push(() => resolve(null));
      if (waiting.length === 3) {
        for (const release of waiting) release();
        waiting = [];
      }
    });
  const pool = new WorkerPool({
    hooksDir: dir,
    handlers: [
      { source: `(ms) => { cronRemove("barrier"); return ms }`, file: join(dir, "x.pb.js"), line: 1 },
    ],
    size: 3,
    timeoutMs: 0,
    idleMs: 300,
    ops: (op) => (op === "cron.remove" ? barrier() : Promise.resolve(null)),
    log: () => undefined,
  });
  t.after(() => pool.close());
  const burst = () =>
    Promise.all([1, 2, 3].map(() => pool.run({ kind: "handler", handler: 0 }, null, [300], {})));
  const results = await burst();
  assert.deepEqual(
    results.map((r) => r.value),
    [300, 300, 300],
  );
  assert.equal(pool.size, 3);
  const deadline = Date.now() + 30_000;
  while (pool.size > 1) {
    assert.ok(Date.now() < deadline, `still ${pool.size} workers`);
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(pool.size, 1, "one worker stays warm");
  await burst();
  assert.equal(pool.size, 3);
});
