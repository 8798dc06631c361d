import { test } from "node:test";
import assert from "node:assert/strict";
import {
  RawJson,
  compactJson,
  encodeJson,
  encodeJsonBody,
  jsonTooDeep,
  sortKeys,
  sortKeysDeep,
} from "./json.ts";

test("HTML characters are escaped like Go's encoder", () => {
  assert.equal(encodeJson({ a: "<b>&</b>\u2028" }), '{"a":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e\\u2028"}');
});

test("response bodies end with one newline", () => {
  assert.equal(
    encodeJsonBody({ data: {}, message: "x", status: 400 }),
    '{"data":{},"message":"x","status":400}\n',
  );
});

test("raw JSON is spliced verbatim, compacted, keeping key order and number spelling", () => {
  const raw = new RawJson('{ "b": 1.50, "a": [1, 2, {"z": "<x>", "1": true}] }');
  assert.equal(
    encodeJson({ json: raw, n: null }),
    '{"json":{"b":1.50,"a":[1,2,{"z":"\\u003cx\\u003e","1":true}]},"n":null}',
  );
});

test("a string that looks like the raw placeholder stays a string", () => {
  assert.equal(encodeJson({ s: "\u0000raw:0" }), '{"s":"\\u0000raw:0"}');
});

test("compactJson keeps whitespace inside strings and escaped quotes", () => {
  assert.equal(compactJson('{ "a b" : "c \\" d" ,\n "e":[ 1 ] }'), '{"a b":"c \\" d","e":[1]}');
});

test("sortKeys orders keys alphabetically", () => {
  assert.deepEqual(Object.keys(sortKeys({ b: 1, a: 2, C: 3 })), ["C", "a", "b"]);
});

test("sortKeysDeep orders keys at every level, inside arrays too, and leaves scalars alone", () => {
  const sorted = sortKeysDeep({ b: { d: 1, c: [{ z: 1, y: 2 }] }, a: null });
  assert.equal(JSON.stringify(sorted), '{"a":null,"b":{"c":[{"y":2,"z":1}],"d":1}}');
  assert.equal(sortKeysDeep("x"), "x");
});

test("jsonTooDeep counts nesting outside strings only", () => {
  assert.equal(jsonTooDeep("[".repeat(3) + "]".repeat(3), 3), false);
  assert.equal(jsonTooDeep("[".repeat(4) + "]".repeat(4), 3), true);
  assert.equal(jsonTooDeep('{"a":[{"b":[]}]}', 4), false);
  assert.equal(jsonTooDeep('{"a":[{"b":[]}]}', 3), true);
  // Brackets inside strings, escaped quotes included, are text.
  assert.equal(jsonTooDeep(JSON.stringify({ s: '[[[[[[\\"{{{{{{' }), 2), false);
  assert.equal(jsonTooDeep("[1,[2],[3],[4]]", 2), false);
});
