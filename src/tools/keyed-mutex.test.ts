import assert from "node:assert/strict";
import { test } from "node:test";
import { KeyedMutex } from "./keyed-mutex.ts";

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("KeyedMutex serialises runs of one key, not of different keys, and forgets idle keys", async () => {
  const locks = new KeyedMutex();
  const log: string[] = [];
  const job = (key: string, name: string, ms: number) =>
    locks.run(key, async () => {
      log.push(`${name}+`);
      await tick(ms);
      log.push(`${name}-`);
      return name;
    });
  const results = await Promise.all([job("a", "a1", 20), job("a", "a2", 1), job("b", "b1", 5)]);
  assert.deepEqual(results, ["a1", "a2", "b1"]);
  assert.deepEqual(log, ["a1+", "b1+", "b1-", "a1-", "a2+", "a2-"]);
  assert.equal(locks.size, 0);
  await assert.rejects(
    locks.run("a", () => {
      throw new Error("boom");
    }),
    /boom/,
  );
  assert.equal(locks.size, 0, "released after a failure too");
});
