import { test } from "node:test";
import assert from "node:assert/strict";
import { Store } from "./store.ts";

test("store: get, set, has, remove, getOk, length, values, getAll", () => {
  const s = new Store<string, number>();
  assert.equal(s.get("a"), undefined);
  assert.deepEqual(s.getOk("a"), [undefined, false]);
  s.set("a", 1);
  s.set("b", 2);
  assert.equal(s.has("a"), true);
  assert.deepEqual(s.getOk("a"), [1, true]);
  assert.equal(s.length(), 2);
  assert.deepEqual(s.values(), [1, 2]);
  assert.deepEqual(s.getAll(), { a: 1, b: 2 });
  s.remove("a");
  assert.equal(s.has("a"), false);
  s.removeAll();
  assert.equal(s.length(), 0);
});

test("store: getOrSet creates once, setFunc sees the old value, limits and reset", () => {
  const s = new Store<string, unknown>();
  let created = 0;
  const first = s.getOrSet("x", () => ({ n: ++created }));
  const second = s.getOrSet("x", () => ({ n: ++created }));
  assert.equal(first, second);
  assert.equal(created, 1);
  s.setFunc("count", (old) => ((old as number | undefined) ?? 0) + 1);
  s.setFunc("count", (old) => ((old as number | undefined) ?? 0) + 1);
  assert.equal(s.get("count"), 2);
  assert.equal(s.setIfLessThanLimit("y", 1, 2), false);
  assert.equal(s.setIfLessThanLimit("x", 1, 2), true, "an existing key may be replaced");
  s.reset({ only: 1 });
  assert.deepEqual(s.getAll(), { only: 1 });
});
