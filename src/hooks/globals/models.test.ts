import { test } from "node:test";
import assert from "node:assert/strict";
import { DateTime } from "./datetime.ts";
import { DynamicModel, JSONMap, fillDynamicModel, nullMarkers } from "./dynamic-model.ts";
import { goNameToJs } from "./go-names.ts";
import {
  Command,
  Context,
  Cookie,
  FormData,
  MailerMessage,
  Middleware,
  RequestInfo,
  SubscriptionMessage,
} from "./models.ts";
import { toString } from "./helpers.ts";

test("Cookie.string() is Go's Set-Cookie text (jsvm-surface §2.4)", () => {
  const c = new Cookie({
    name: "n",
    value: "v",
    path: "/p",
    domain: "example.com",
    maxAge: 10,
    httpOnly: true,
    secure: true,
    sameSite: 3,
  });
  assert.equal(c.string(), "n=v; Path=/p; Domain=example.com; Max-Age=10; HttpOnly; Secure; SameSite=Strict");
  assert.equal(new Cookie({ name: "a", value: "b c", sameSite: 2 }).string(), 'a="b c"; SameSite=Lax');
  assert.equal(new Cookie({ name: "a", value: "b", maxAge: -1, sameSite: 1 }).string(), "a=b; Max-Age=0");
  assert.equal(
    new Cookie({ name: "a", value: "b", expires: new DateTime("2030-01-02 03:04:05Z") }).string(),
    "a=b; Expires=Wed, 02 Jan 2030 03:04:05 GMT",
  );
  assert.equal(new Cookie({ name: "bad name", value: "x" }).string(), "");
  assert.equal(
    new Cookie({ name: "q", value: "x", quoted: true, partitioned: true, sameSite: 4 }).string(),
    'q="x"; SameSite=None; Partitioned',
  );
});

test("DynamicModel: types from defaults, mapped names, JSON with the shape keys", () => {
  assert.throws(() => new DynamicModel({}), /missing shape data/);
  const m = new DynamicModel({
    Total: 0,
    name: "",
    ratio: -0,
    ok: false,
    tags: [],
    meta: {},
    note: nullMarkers.nullString(),
  });
  assert.deepEqual(Object.keys(m).sort(), ["meta", "name", "note", "ok", "ratio", "tags", "total"]);
  fillDynamicModel(m, {
    Total: "7.9",
    name: 5,
    ratio: 1.5,
    ok: 1,
    tags: '["a"]',
    meta: '{"k":1}',
    note: null,
    extra: 1,
  });
  assert.equal(m.total, 7);
  assert.equal(m.name, "5");
  assert.equal(m.ratio, 1.5);
  assert.equal(m.ok, true);
  assert.deepEqual(m.tags, ["a"]);
  assert.ok(m.meta instanceof JSONMap);
  assert.equal(m.meta.get("k"), 1);
  assert.equal(m.note, null);
  assert.equal(
    JSON.stringify(m),
    '{"Total":7,"meta":{"k":1},"name":"5","note":null,"ok":true,"ratio":1.5,"tags":["a"]}',
  );
  const copy = Object.create(Object.getPrototypeOf(m) as object) as DynamicModel;
  Object.assign(copy, structuredClone({ ...m, meta: { k: 2 } }));
  assert.ok(copy instanceof DynamicModel);
  assert.equal(JSON.stringify(copy).slice(0, 10), '{"Total":7');
  const cases: [string, string][] = [
    ["JSON", "json"],
    ["JSONField", "jsonField"],
    ["RequestInfo", "requestInfo"],
    ["OAuth2", "oauth2"],
    ["OAuth2User", "oAuth2User"],
    ["miXeD", "miXeD"],
    ["ID", "id"],
    ["S3Config", "s3Config"],
  ];
  for (const [go, js] of cases) assert.equal(goNameToJs(go), js);
});

test("plain data classes keep PocketBase's property names and defaults", () => {
  const info = new RequestInfo({ query: { a: "1" }, method: "GET" });
  assert.equal(info.context, "default");
  assert.equal(info.hasSuperuserAuth(), false);
  const mw = new Middleware((e: { next(): void }) => e.next(), -5, "x");
  assert.equal(mw.priority, -5);
  assert.equal(mw.id, "x");
  assert.match(mw.source, /e\.next\(\)/);
  assert.equal(new Middleware("requireAuth").handler, "requireAuth");
  assert.throws(() => new Middleware(null), /must be a function/);
  const msg = new SubscriptionMessage({ name: "n", data: '{"a":1}' });
  assert.equal(toString(msg.data), '{"a":1}');
  const mail = new MailerMessage({
    from: { address: "a@b.c", name: "A" },
    to: [{ address: "x@y.z" }],
    subject: "s",
    headers: { X: 1 },
  });
  assert.deepEqual(mail.to, [{ address: "x@y.z", name: "" }]);
  assert.deepEqual(mail.headers, { X: "1" });
  const fd = new FormData();
  fd.append("a", 1);
  fd.append("a", "2");
  fd.set("b", { x: 1 });
  assert.deepEqual(fd.getAll("a"), ["1", "2"]);
  assert.equal(fd.get("b"), '{"x":1}');
  assert.equal(fd.get("zz"), null);
  fd.delete("b");
  assert.deepEqual(fd.entries(), [
    ["a", "1"],
    ["a", "2"],
  ]);
  const ctx = new Context(new Context(null, "k", "v"), "k2", 2);
  assert.equal(ctx.value("k"), "v");
  assert.equal(ctx.value("k2"), 2);
  assert.equal(ctx.value("none"), null);
  const cmd = new Command({ use: "hello [name]", short: "says hi", run: () => {} });
  assert.equal(cmd.name(), "hello");
  cmd.addCommand(new Command({ use: "sub" }));
  assert.equal(cmd.commands().length, 1);
});
