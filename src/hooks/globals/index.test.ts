import { test } from "node:test";
import assert from "node:assert/strict";
import { MessageChannel, Worker } from "node:worker_threads";
import { installGlobals, libraryGlobals } from "./index.ts";

// A worker that installs the library on its global scope, answers bridge calls through a real
// Atomics-based channel to this thread, and runs a PocketBase-style script.
const WORKER_SOURCE = `
import { parentPort, workerData, receiveMessageOnPort } from "node:worker_threads";
import vm from "node:vm";
const { installGlobals } = await import(workerData.indexUrl);
const flag = new Int32Array(workerData.sab);
const port = workerData.port;
const bridge = {
  call(op, args) {
    Atomics.store(flag, 0, 0);
    port.postMessage({ op, args });
    Atomics.wait(flag, 0, 0);
    const reply = receiveMessageOnPort(port).message;
    if (reply.error) throw new Error(reply.error);
    return reply.result;
  },
};
installGlobals(globalThis, bridge);
let result;
try {
  result = { ok: vm.runInThisContext(workerData.script) };
} catch (err) {
  result = { error: String(err) };
}
parentPort.postMessage(result);
`;

const SCRIPT = `(() => {
  const out = {};
  const users = new Collection({ type: "auth", name: "users" });
  const posts = new Collection({ name: "posts", fields: [{ name: "title", type: "text" }, { name: "views", type: "number" }] });
  const r = new Record(posts, { title: "hello", views: 2 });
  r.set("views+", 3);
  out.views = r.getInt("views");
  out.json = JSON.stringify(r);
  const u = new Record(users, { id: "u1", email: "a@b.c", password: "secret123" });
  out.valid = u.validatePassword("secret123");
  out.token = u.newAuthToken();
  out.md5 = $security.md5("123");
  out.hs256 = $security.hs256("hello", "test");
  out.jwt = $security.createJWT({ exp: 123 }, "test", 0);
  const t0 = Date.now();
  sleep(30);
  out.slept = Date.now() - t0 >= 29;
  const e = $dbx.and($dbx.hashExp({ a: 1 }), $dbx.in("b", 1, 2));
  const params = {};
  out.sql = e.build(null, params);
  out.params = params;
  try { throw new BadRequestError("invalid data", { title: new ValidationError("too_short", "title is too short") }); }
  catch (err) { out.err = [err instanceof ApiError, err.status, JSON.stringify(err.data)]; }
  out.tpl = $template.loadString("<p>{{.name}}</p>").render({ name: "<b>" });
  out.cookie = new Cookie({ name: "n", value: "v", path: "/p", domain: "example.com", maxAge: 10, httpOnly: true, secure: true, sameSite: 3 }).string();
  out.str = toString(toBytes("héllo"));
  out.path = $filepath.join("a", "", "../b", "c.txt");
  out.env = typeof $os.getenv("PATH");
  out.dt = new DateTime("2024-01-02 03:04:05Z").string();
  out.dm = JSON.stringify(new DynamicModel({ Total: 0, name: "" }));
  return out;
})()`;

test("the library runs in a real worker realm, with bridge calls answered by the main thread", async () => {
  const sab = new SharedArrayBuffer(4);
  const flag = new Int32Array(sab);
  const { port1, port2 } = new MessageChannel();
  const calls: { op: string; args: unknown[] }[] = [];
  port1.on("message", (msg: { op: string; args: unknown[] }) => {
    calls.push(msg);
    const result = msg.op === "record.newToken" ? `token-for-${(msg.args[0] as { id: string }).id}` : null;
    port1.postMessage({ result });
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  });
  const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(WORKER_SOURCE)}`), {
    workerData: { sab, port: port2, script: SCRIPT, indexUrl: new URL("./index.ts", import.meta.url).href },
    transferList: [port2],
  });
  const result = await new Promise<{ ok?: { [k: string]: unknown }; error?: string }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  port1.close();
  await worker.terminate();
  assert.equal(result.error, undefined);
  const out = result.ok!;
  assert.equal(out.views, 5);
  assert.deepEqual(JSON.parse(out.json as string), {
    collectionId: JSON.parse(out.json as string).collectionId,
    collectionName: "posts",
    title: "hello",
    views: 5,
  });
  assert.equal(out.valid, true);
  assert.equal(out.token, "token-for-u1");
  assert.equal(calls[0]?.op, "record.newToken");
  assert.equal(calls[0]?.args[1], "auth");
  assert.equal(out.md5, "202cb962ac59075b964b07152d234b70");
  assert.equal(out.hs256, "f151ea24bda91a18e89b8bb5793ef324b2a02133cce15a28a719acbd2e58a986");
  assert.equal(
    out.jwt,
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjEyM30.7gbv7w672gApdBRASI6OniCtKwkKjhieSxsr6vxSrtw",
  );
  assert.equal(out.slept, true);
  assert.equal(out.sql, "(`a`={:p0}) AND (`b` IN ({:p1}, {:p2}))");
  assert.deepEqual(out.params, { p0: 1, p1: 1, p2: 2 });
  assert.deepEqual(out.err, [true, 400, '{"title":{"code":"too_short","message":"Title is too short."}}']);
  assert.equal(out.tpl, "<p>&lt;b&gt;</p>");
  assert.equal(out.cookie, "n=v; Path=/p; Domain=example.com; Max-Age=10; HttpOnly; Secure; SameSite=Strict");
  assert.equal(out.str, "héllo");
  assert.equal(out.path, "b/c.txt");
  assert.equal(out.env, "string");
  assert.equal(out.dt, "2024-01-02 03:04:05.000Z");
  assert.equal(out.dm, '{"Total":0,"name":""}');
});

test("installGlobals puts every documented global on the scope", () => {
  const scope: { [name: string]: unknown } = {};
  installGlobals(scope, { call: () => null });
  const expected = [
    "toString",
    "toBytes",
    "readerToString",
    "sleep",
    "arrayOf",
    "unmarshal",
    "nullString",
    "nullInt",
    "nullFloat",
    "nullBool",
    "nullArray",
    "nullObject",
    "DynamicModel",
    "Context",
    "Record",
    "Collection",
    "FieldsList",
    "Field",
    "NumberField",
    "BoolField",
    "TextField",
    "URLField",
    "EmailField",
    "EditorField",
    "PasswordField",
    "DateField",
    "AutodateField",
    "JSONField",
    "RelationField",
    "SelectField",
    "FileField",
    "GeoPointField",
    "MailerMessage",
    "Command",
    "RequestInfo",
    "Middleware",
    "Timezone",
    "DateTime",
    "ValidationError",
    "Cookie",
    "SubscriptionMessage",
    "FormData",
    "AppleClientSecretCreateForm",
    "RecordUpsertForm",
    "TestEmailSendForm",
    "TestS3FilesystemForm",
    "ApiError",
    "BadRequestError",
    "UnauthorizedError",
    "ForbiddenError",
    "NotFoundError",
    "TooManyRequestsError",
    "InternalServerError",
    "$security",
    "$os",
    "$filepath",
    "$template",
    "$dbx",
  ];
  for (const name of expected) assert.ok(scope[name] !== undefined, `missing global ${name}`);
  const lib = libraryGlobals(null);
  assert.equal(Object.keys(lib.namespaces.$security as object).length, 16);
  assert.equal(Object.keys(lib.namespaces.$filepath as object).length, 15);
  assert.equal(Object.keys(lib.namespaces.$dbx as object).length, 15);
  assert.equal(Object.keys(lib.namespaces.$os as object).length, 20);
});
