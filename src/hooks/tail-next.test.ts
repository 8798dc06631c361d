import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFER_NAME, rewriteTailNext } from "./tail-next.ts";

const D = DEFER_NAME;

test("a final e.next() is handed to the runtime, keeping the line breaks", () => {
  const cases: [string, string][] = [
    [`(e) => { e.record.set("views", 1); e.next() }`, `(e) => { e.record.set("views", 1); ${D}(e);}`],
    [
      `(e) => {\n  e.record.set("views", 1)\n  e.next()\n}`,
      `(e) => {\n  e.record.set("views", 1)\n  ${D}(e);\n}`,
    ],
    [`function (e) {\n  if (x) { y() }\n  e.next();\n}`, `function (e) {\n  if (x) { y() }\n  ${D}(e);\n}`],
    [`function named(e, b) { return e.next() }`, `function named(e, b) { return ${D}(e);}`],
    [`e => { e.next() }`, `e => { ${D}(e);}`],
    [`(ev) => { ev.next() }`, `(ev) => { ${D}(ev);}`],
    [`(e) => { if (x) e.next() }`, `(e) => { if (x) ${D}(e);}`],
    [`(e) => {\n  if (x)\n    e.next()\n}`, `(e) => {\n  if (x)\n    ${D}(e);\n}`],
    [`(e) => {\n  foo(")")\n  e.next()\n}`, `(e) => {\n  foo(")")\n  ${D}(e);\n}`],
    [`(e) => {\n  x = arr[0]\n  e.next()\n}`, `(e) => {\n  x = arr[0]\n  ${D}(e);\n}`],
    // only the last call: an earlier one stays a synchronous call
    [`(e) => { e.next(); e.next() }`, `(e) => { e.next(); ${D}(e);}`],
  ];
  for (const [source, expected] of cases) assert.equal(rewriteTailNext(source), expected, source);
});

test("anything that could run code after the call keeps the synchronous e.next()", () => {
  for (const source of [
    `(e) => { while (x) e.next() }`,
    `(e) => {\n  for (const r of list)\n    e.next()\n}`,
    `(e) => { try { e.next() } finally { done() } }`,
    `(e) => { e.next() // done\n}`,
    `(e) => { x = a + // }\n e.next() }`,
    `(e) => {\n  $app.save(r) // save\n  e.next()\n}`,
    `(e) => {\n  x = a +\n  e.next()\n}`,
    `(e) => {\n  x = typeof\n  e.next()\n}`,
    `(e) => { var e = z; e.next() }`,
    `(e) => { other.next() }`,
    `(e) => { somee.next() }`,
    `(e) => { a.e.next() }`,
    `async (e) => { e.next() }`,
    `(e) => e.next()`,
    `(e) => { e.next(); log(e.record.id) }`,
    `(e) => { const r = e.next() }`,
  ])
    assert.equal(rewriteTailNext(source), null, source);
});
