import { test } from "node:test";
import assert from "node:assert/strict";
import { Collection } from "./collection.ts";
import { DateTime } from "./datetime.ts";
import { JSONRaw } from "./bytes.ts";
import { DynamicModel } from "./dynamic-model.ts";
import { Record, setRecordBridge } from "./record.ts";

function posts(): Collection {
  return new Collection({
    type: "base",
    name: "posts",
    fields: [
      { name: "id", type: "text", primaryKey: true, system: true, autogeneratePattern: "[a-z0-9]{15}" },
      { name: "title", type: "text", required: true },
      { name: "views", type: "number" },
      { name: "tags", type: "select", maxSelect: 4, values: ["a", "b", "c", "z"] },
      { name: "kind", type: "select", maxSelect: 1, values: ["a", "b"] },
      { name: "meta", type: "json" },
      { name: "when", type: "date" },
      { name: "secret", type: "text", hidden: true },
      { name: "docs", type: "file", maxSelect: 5 },
      { name: "loc", type: "geoPoint" },
      { name: "created", type: "autodate", onCreate: true },
    ],
  });
}

function users(): Collection {
  return new Collection({ type: "auth", name: "users" });
}

test("setter modifiers normalise like PocketBase (jsvm-surface §7.14)", () => {
  const r = new Record(posts(), { views: 5, tags: ["a", "b"] });
  r.set("views+", 2);
  assert.equal(r.getInt("views"), 7);
  r.set("views-", 10);
  assert.equal(r.getFloat("views"), -3);
  r.set("tags+", "c");
  assert.deepEqual(r.get("tags"), ["a", "b", "c"]);
  r.set("+tags", "z");
  assert.deepEqual(r.get("tags"), ["z", "a", "b", "c"]);
  r.set("tags-", ["a", "c"]);
  assert.deepEqual(r.get("tags"), ["z", "b"]);
  r.set("tags+", "b");
  assert.deepEqual(r.get("tags"), ["z", "b"]);
  r.set("kind", ["a", "b"]);
  assert.equal(r.get("kind"), "b");
  r.set("views", "12");
  assert.equal(r.get("views"), 12);
  r.set("title", 123);
  assert.equal(r.get("title"), "123");
  r.set("id:autogenerate", "x");
  assert.match(r.id, /^x[a-z0-9]{15}$/);
});

test("get returns PocketBase's script shapes; unknown keys are custom data", () => {
  const r = new Record(posts(), {
    meta: { a: [1, 2] },
    when: "2024-01-02 03:04:05Z",
    loc: { lon: 1, lat: 2 },
  });
  const meta = r.get("meta");
  assert.ok(meta instanceof JSONRaw && Array.isArray(meta));
  assert.equal(JSON.stringify(meta), '{"a":[1,2]}');
  assert.deepEqual(JSON.parse(r.getString("meta")), { a: [1, 2] });
  r.set("meta", "plain text");
  assert.equal(r.getString("meta"), '"plain text"');
  r.set("meta", "[1]");
  assert.equal(r.getString("meta"), "[1]");
  const when = r.get("when");
  assert.ok(when instanceof DateTime);
  assert.equal(when.string(), "2024-01-02 03:04:05.000Z");
  assert.equal(r.getDateTime("when").unix(), 1704164645);
  r.set("when", new DateTime("2025-05-05 00:00:00.000Z"));
  assert.equal(r.getString("when"), "2025-05-05 00:00:00.000Z");
  assert.deepEqual(r.getGeoPoint("loc"), { lon: 1, lat: 2 });
  assert.ok((r.get("created") as DateTime).isZero());
  r.set("created", "2020-01-01 00:00:00.000Z");
  assert.ok((r.get("created") as DateTime).isZero(), "autodate ignores set");
  r.setRaw("created", "2020-01-01 00:00:00.000Z");
  assert.equal(r.getString("created"), "2020-01-01 00:00:00.000Z");
  r.set("score", 42);
  assert.equal(r.get("score"), 42);
  assert.deepEqual(r.customData(), { score: 42 });
  assert.equal(r.get("nope"), null);
  assert.deepEqual(r.getStringSlice("tags"), []);
  const model = new DynamicModel({ x: 0, y: "" });
  r.set("meta", { x: 5, z: 1 });
  r.unmarshalJSONField("meta", model);
  assert.equal(model.x, 5);
});

test("publicExport: visibility, custom data, expand, key order", () => {
  const r = new Record(posts(), { id: "p1", title: "t", secret: "s", views: 3 });
  r.set("score", 6);
  let out = JSON.parse(JSON.stringify(r)) as { [k: string]: unknown };
  assert.equal(out.secret, undefined);
  assert.equal(out.score, undefined);
  assert.equal(out.collectionName, "posts");
  assert.deepEqual(Object.keys(out), [...Object.keys(out)].sort());
  r.withCustomData(true).hide("views").unhide("secret");
  const child = new Record(posts(), { id: "c1", title: "child" });
  r.set("expand", { rel: child });
  out = JSON.parse(JSON.stringify(r)) as { [k: string]: unknown };
  assert.equal(out.score, 6);
  assert.equal(out.secret, "s");
  assert.equal(out.views, undefined);
  assert.equal((out.expand as { rel: { title: string } }).rel.title, "child");
  assert.equal(r.expandedOne("rel")?.id, "c1");
  assert.equal(r.expandedAll("rel").length, 1);
  r.hide("collectionId", "expand");
  out = JSON.parse(JSON.stringify(r)) as { [k: string]: unknown };
  assert.equal(out.collectionId, undefined);
  assert.equal(out.expand, undefined);
});

test("auth records: password hashing, email visibility, token key", () => {
  const u = new Record(users(), { email: "a@b.c", password: "12345678" });
  assert.equal(u.get("password"), "12345678");
  assert.match(String(u.get("password:hash")), /^\$2[aby]\$10\$/);
  assert.ok(u.validatePassword("12345678"));
  assert.ok(!u.validatePassword("nope"));
  let out = u.publicExport();
  assert.equal(out.email, undefined);
  assert.equal(out.password, undefined);
  assert.equal(out.tokenKey, undefined);
  u.ignoreEmailVisibility(true);
  assert.equal(u.publicExport().email, "a@b.c");
  u.ignoreEmailVisibility(false);
  u.setEmailVisibility(true);
  out = u.publicExport();
  assert.equal(out.email, "a@b.c");
  assert.equal(u.email(), "a@b.c");
  u.refreshTokenKey();
  const key = u.tokenKey();
  assert.equal(key.length, 50);
  const pw = u.setRandomPassword();
  assert.equal(pw.length, 30);
  assert.notEqual(u.tokenKey(), key);
  assert.ok(u.validatePassword(pw));
  assert.ok(!u.isSuperuser());
  assert.throws(() => new Record(posts()).newAuthToken(), /not an auth collection record/);
});

test("token methods go through the bridge with op record.newToken", () => {
  const calls: unknown[][] = [];
  setRecordBridge({
    call(op, args) {
      calls.push([op, ...args]);
      return "tok";
    },
  });
  try {
    const u = new Record(users(), { id: "u1", email: "a@b.c" });
    assert.equal(u.newStaticAuthToken(5e9), "tok");
    assert.equal(u.newEmailChangeToken("x@y.z"), "tok");
    assert.equal(calls[0]?.[0], "record.newToken");
    assert.equal(calls[0]?.[2], "static");
    assert.equal(calls[0]?.[3], 5e9);
    assert.deepEqual(calls[1]?.slice(2), ["emailChange", "x@y.z"]);
  } finally {
    setRecordBridge(null);
  }
});

test("wire round trip keeps values, state and flags", () => {
  const r = new Record(posts(), { id: "p1", title: "t", tags: ["a"], meta: { x: 1 } });
  r.markAsNotNew();
  r.set("title", "changed");
  r.set("custom", { deep: [1] });
  r.hide("views").withCustomData(true);
  r.set("docs", [{ handle: "h1", name: "f_abc.txt", originalName: "f.txt", size: 3 }, "old.txt"]);
  r.set("expand", { rel: [new Record(posts(), { id: "c1" })] });
  const wire = structuredClone(r.toWire());
  assert.equal(wire.isNew, false);
  assert.equal(wire.data.title, "changed");
  assert.equal(wire.original?.title, "t");
  assert.equal(wire.data.meta, '{"x":1}');
  assert.deepEqual(wire.data.docs, ["f_abc.txt", "old.txt"]);
  assert.equal(wire.unsavedFiles?.docs?.[0]?.handle, "h1");
  const back = Record.fromWire(wire);
  assert.equal(back.isNew(), false);
  assert.equal(back.getString("title"), "changed");
  assert.equal(back.original().getString("title"), "t");
  assert.deepEqual(back.customData(), { custom: { deep: [1] } });
  assert.deepEqual(JSON.parse(JSON.stringify(back)), JSON.parse(JSON.stringify(r)));
  assert.equal(back.getUnsavedFiles("docs").length, 1);
  back.set("docs-", "f_abc.txt");
  assert.equal(back.getUnsavedFiles("docs").length, 0);
  assert.deepEqual(back.get("docs"), ["old.txt"]);
  assert.equal(back.expandedAll("rel")[0]?.id, "c1");
});

test("copies: original, fresh, clone", () => {
  const r = new Record(posts(), { id: "p1", title: "a" });
  r.postScan();
  r.set("title", "b");
  r.set("x", 1);
  assert.equal(r.original().getString("title"), "a");
  assert.equal(r.fresh().getString("title"), "b");
  assert.deepEqual(r.fresh().customData(), {});
  assert.deepEqual(r.clone().customData(), { x: 1 });
  assert.equal(r.lastSavedPK(), "p1");
  assert.ok(!r.isNew());
  r.markAsNew();
  assert.ok(r.isNew());
  assert.deepEqual(r.replaceModifiers({ "views+": 2, other: 1 }), { views: 2, other: 1 });
  assert.equal(r.getInt("views"), 0);
});
