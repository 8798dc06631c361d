import { test } from "node:test";
import assert from "node:assert/strict";
import { pack, survivesJson, unpack } from "./message-pack.ts";

test("messages JSON carries exactly go as text, and come back equal", () => {
  const messages = [
    { t: "run", run: 1, target: { kind: "handler", handler: 0 }, event: null, args: [] },
    { t: "done", run: 2, ok: true, value: null, state: { fields: { a: [1, "x", true, null, { b: 2.5 }] } } },
    { t: "reply", id: 3, ok: true, value: Object.assign(Object.create(null), { n: -1 }) },
  ];
  for (const m of messages) {
    const packed = pack(m);
    assert.equal(typeof packed, "string");
    assert.deepEqual(unpack(packed), JSON.parse(JSON.stringify(m)));
  }
});

test("anything JSON would change keeps the structured clone", () => {
  const cyclic: { [k: string]: unknown } = {};
  cyclic.self = cyclic;
  const odd: unknown[] = [
    undefined,
    { a: undefined },
    [1, , 3],
    NaN,
    Infinity,
    -0,
    new Uint8Array([1, 2]),
    new Date(0),
    new Map(),
    new Error("x"),
    10n,
    cyclic,
    { nested: { deeper: [new Uint8Array(1)] } },
  ];
  for (const v of odd) {
    assert.equal(survivesJson(v), false, String(v));
    const m = { t: "reply", id: 1, ok: true, value: v };
    assert.equal(pack(m), m, "sent as it is");
    assert.equal(unpack(m), m);
  }
});
