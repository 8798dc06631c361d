import assert from "node:assert/strict";
import { test } from "node:test";
import { Mutex } from "./mutex.ts";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("a free lock runs fn at once; a synchronous fn leaves it free", async () => {
  const mutex = new Mutex();
  let ran = false;
  const done = mutex.run(() => {
    ran = true;
    assert.equal(mutex.isLocked, true);
    return 42;
  });
  assert.equal(ran, true);
  assert.equal(mutex.isLocked, false);
  assert.equal(await done, 42);
  await assert.rejects(
    mutex.run(() => {
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(mutex.isLocked, false, "released after a failure");
});

test("holders run one at a time in arrival order, whichever way they took the lock", async () => {
  const mutex = new Mutex();
  const log: string[] = [];
  const job = (name: string, ms: number) =>
    mutex.run(async () => {
      log.push(`${name}+`);
      await tick(ms);
      log.push(`${name}-`);
      return name;
    });
  const sync = (name: string) => mutex.run(() => void log.push(name));
  const viaAcquire = async (name: string) => {
    const release = await mutex.acquire();
    log.push(name);
    await tick(1);
    release();
  };
  const all = Promise.all([job("a", 20), sync("s1"), viaAcquire("q"), job("b", 1), sync("s2")]);
  await all;
  assert.deepEqual(log, ["a+", "a-", "s1", "q", "b+", "b-", "s2"]);
  assert.equal(mutex.isLocked, false);
  // free again: the next runs at once
  let ran = false;
  const done = mutex.run(() => (ran = true));
  assert.equal(ran, true);
  await done;
});

test("an async fn that fails releases the lock for the ones waiting", async () => {
  const mutex = new Mutex();
  const first = mutex.run(async () => {
    await tick(5);
    throw new Error("first");
  });
  const second = mutex.run(() => "second");
  await assert.rejects(first, /first/);
  assert.equal(await second, "second");
  assert.equal(mutex.isLocked, false);
});
