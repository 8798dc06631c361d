import { test } from "node:test";
import assert from "node:assert/strict";
import { excerpt, pickFields } from "./picker.ts";

test("listed paths are kept, others dropped, nested paths reach into objects", () => {
  const v = { id: "1", title: "t", expand: { author: { id: "a", name: "n", email: "e" } } };
  assert.deepEqual(pickFields(v, "id,expand.author.name"), { id: "1", expand: { author: { name: "n" } } });
});

test("a star keeps a whole level and can be combined with nested paths", () => {
  const v = { a: 1, b: 2, expand: { rel: { id: "x", c: 3 } } };
  assert.deepEqual(pickFields(v, "*,expand.rel.id"), { a: 1, b: 2, expand: { rel: { id: "x" } } });
});

test("list results are picked item by item and keep the envelope", () => {
  const v = { items: [{ id: "1", x: 1 }], page: 1, perPage: 30, totalItems: 1, totalPages: 1 };
  assert.deepEqual(pickFields(v, "id"), {
    items: [{ id: "1" }],
    page: 1,
    perPage: 30,
    totalItems: 1,
    totalPages: 1,
  });
});

test("excerpt strips markup and cuts with an optional ellipsis", () => {
  assert.equal(excerpt("<p>Hello <b>big</b></p><script>x()</script><p>world</p>", 9, true), "Hello big...");
  assert.deepEqual(pickFields({ d: "<p>abc def</p>" }, "d:excerpt(3)"), { d: "abc" });
  assert.deepEqual(pickFields({ d: "<p>abc def</p>" }, "d:excerpt(3,true)"), { d: "abc..." });
});
