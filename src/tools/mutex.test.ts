import assert from "node:assert/strict";
import { test } from "node:test";
import { Mutex } from "./mutex.ts";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("runSync on a free lock runs fn at once and leaves the lock free", async () => {
  const mutex = new Mutex();
  let ran = false;
  const done = mutex.runSync(() => {
    ran = true;
    assert.equal(mutex.isLocked, true);
    return 42;
  });
  assert.equal(ran, true);
  assert.equal(mutex.isLocked, false);
  assert.equal(await done, 42);
  await assert.rejects(
    mutex.runSync(() => {
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(mutex.isLocked, false, "released after a failure");
});

test("runSync waits behind holders and waiters, in arrival order", async () => {
  const mutex = new Mutex();
  const log: string[] = [];
  const job = (name: string, ms: number) =>
    mutex.run(async () => {
      log.push(`${name}+`);
      await tick(ms);
      log.push(`${name}-`);
      return name;
    });
  const sync = (name: string) => mutex.runSync(() => void log.push(name));
  const viaAcquire = async (name: string) => {
    const release = await mutex.acquire();
    log.push(name);
    await tick(1);
    release();
  };
  await Promise.all([job("a", 20), sync("s1"), viaAcquire("q"), job("b", 1), sync("s2")]);
  assert.deepEqual(log, ["a+", "a-", "s1", "q", "b+", "b-", "s2"]);
  assert.equal(mutex.isLocked, false);
});

test("a lock taken inside runSync's fn waits until fn has returned", async () => {
  const mutex = new Mutex();
  const log: string[] = [];
  let nested: Promise<void> | undefined;
  await mutex.runSync(() => {
    nested = mutex.run(() => void log.push("nested"));
    log.push("outer");
  });
  await nested;
  assert.deepEqual(log, ["outer", "nested"]);
});

test("an async fn that fails releases the lock for the ones waiting", async () => {
  const mutex = new Mutex();
  const first = mutex.run(async () => {
    await tick(5);
    throw new Error("first");
  });
  const second = mutex.runSync(() => "second");
  await assert.rejects(first, /first/);
  assert.equal(await second, "second");
  assert.equal(mutex.isLocked, false);
});
