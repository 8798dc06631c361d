import assert from "node:assert/strict";
import { test } from "node:test";
import bcrypt from "bcrypt";
import { HashJobAbortedError, HashPool, HashQueueFullError } from "./hash-pool.ts";

test("hashes and compares on its threads, readable by bcrypt both ways", async (t) => {
  const pool = new HashPool({ threads: 2 });
  t.after(() => pool.close());
  const hash = await pool.run("hash", "secret", 4);
  assert.ok(await bcrypt.compare("secret", hash));
  assert.equal(await pool.run("compare", "secret", await bcrypt.hash("secret", 4)), true);
  assert.equal(await pool.run("compare", "wrong", hash), false);
  assert.equal(await pool.run("compare", "x", "not a hash"), false);
});

test("a full queue refuses at once; a queued job whose caller left is dropped", async (t) => {
  const pool = new HashPool({ threads: 1, maxQueue: 2 });
  t.after(() => pool.close());
  const running = pool.run("hash", "a", 12); // occupies the only thread for a while
  const left = new AbortController();
  const dropped = pool.run("hash", "b", 12, left.signal);
  const waiting = pool.run("hash", "c", 4);
  const started = performance.now();
  await assert.rejects(pool.run("hash", "d", 4), HashQueueFullError);
  assert.ok(performance.now() - started < 50, "refused without waiting");
  left.abort();
  await assert.rejects(dropped, HashJobAbortedError);
  assert.equal(pool.queued, 1, "only the live job still waits");
  await Promise.all([running, waiting]);
  assert.equal(pool.queued, 0);
  const aborted = AbortSignal.abort();
  await assert.rejects(pool.run("hash", "e", 4, aborted), HashJobAbortedError);
});

test("an idle thread stops after idleMs; the next job starts one again", async (t) => {
  const pool = new HashPool({ threads: 2, idleMs: 50 });
  t.after(() => pool.close());
  await Promise.all([pool.run("hash", "a", 4), pool.run("hash", "b", 4)]);
  assert.ok(pool.running <= 2, "never more threads than configured");
  const deadline = Date.now() + 5000;
  while (pool.running > 0) {
    if (Date.now() > deadline) throw new Error("the idle threads did not stop");
    await new Promise((r) => setTimeout(r, 10));
  }
  const hash = await pool.run("hash", "again", 4);
  assert.ok(await bcrypt.compare("again", hash));
  assert.equal(pool.running, 1);
});
