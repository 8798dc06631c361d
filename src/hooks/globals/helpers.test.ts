import { test } from "node:test";
import assert from "node:assert/strict";
import { GoBytes } from "./bytes.ts";
import { DynamicModel } from "./dynamic-model.ts";
import { arrayOf, arrayOfModel, readerToString, sleep, toBytes, toString, unmarshal } from "./helpers.ts";

test("toString and toBytes convert like PocketBase (jsvm-surface §2.3)", () => {
  assert.equal(toString(null), "");
  assert.equal(toString(undefined), "");
  assert.equal(toString(-12.4), "-12.4");
  assert.equal(toString(true), "true");
  assert.equal(toString([1, 2, 3]), "[1,2,3]");
  assert.equal(toString({ b: 1, a: "<" }), '{"a":"\\u003c","b":1}');
  assert.equal(toString(toBytes("héllo")), "héllo");
  assert.equal(toString({ readAll: (max: number) => "abcdef".slice(0, max) }, 3), "abc");
  assert.deepEqual([...toBytes(null)], []);
  assert.deepEqual([...toBytes("hi")], [104, 105]);
  assert.deepEqual([...toBytes([1, 2])], [1, 2]);
  assert.deepEqual([...toBytes(12)], [49, 50]);
  assert.deepEqual([...toBytes({ a: 1 })], [...Buffer.from('{"a":1}')]);
  const b = toBytes("x");
  assert.ok(b instanceof GoBytes && Array.isArray(b));
  assert.equal(readerToString({ readAll: () => new Uint8Array([111, 107]) }), "ok");
  // the request body reaches scripts as text: readerToString(e.request.body) reads it
  assert.equal(readerToString("body text"), "body text");
  assert.equal(readerToString("body text", 4), "body");
  assert.throws(() => readerToString({}), /not a reader/);
});

test("sleep blocks for the given time; <= 0 returns at once", () => {
  const t0 = performance.now();
  sleep(40);
  assert.ok(performance.now() - t0 >= 39);
  const t1 = performance.now();
  sleep(-1);
  sleep(0);
  assert.ok(performance.now() - t1 < 20);
});

test("arrayOf remembers its model; unmarshal merges into models only", () => {
  const model = new DynamicModel({ id: "", n: 0 });
  const arr = arrayOf(model);
  assert.deepEqual(arr, []);
  assert.equal(arrayOfModel(arr), model);
  unmarshal({ n: 3, other: 1 }, model);
  assert.equal(model.n, 3);
  assert.equal(model.id, "");
  const plain = { a: 1 };
  unmarshal({ a: 2 }, plain);
  assert.deepEqual(plain, { a: 1 });
  class Target {
    nested = { x: 1, y: 2 };
    list = [1];
  }
  const t = new Target();
  unmarshal({ nested: { y: 3 }, list: [5, 6] }, t);
  assert.deepEqual(t.nested, { x: 1, y: 3 });
  assert.deepEqual(t.list, [5, 6]);
});
