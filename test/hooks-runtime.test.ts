/**
 * pb_hooks end to end: real script files in a temp hooks folder, loaded by the runtime into
 * worker threads, against a real server; the official SDK and fetch as clients. Covers the
 * seed's two examples and the jsvm-surface §7 examples of routes, hooks and errors.
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { buildTemplate, suiteCleanup } from "./helpers/server.ts";
import { seedPosts, startHooksServer, type HooksServer } from "./helpers/hooks.ts";
import { waitFor } from "./helpers/wait.ts";

const SCRIPTS = {
  "main.pb.js": `
routerAdd("GET", "/hello/{name}", (e) => {
  let name = e.request.pathValue("name")
  return e.json(200, { "message": "Hello " + name })
})

onRecordAfterUpdateSuccess((e) => {
  console.log("user updated...", e.record.get("email"))
  e.next()
}, "users")
`,
  "routes.pb.js": `
routerAdd("GET", "/s1/{name}", (e) => e.json(200, {msg: "hi " + e.request.pathValue("name"), a: 1}))
routerAdd("GET", "/me", (e) => e.json(200, e.auth), $apis.requireAuth("users"))
routerAdd("GET", "/s3", (e) => {
  throw new BadRequestError("invalid data", {title: new ValidationError("too_short", "title is too short")})
})
routerAdd("GET", "/s4", (e) => { throw new Error("boom") })
routerAdd("GET", "/s5", (e) => e.json(200, $app.findRecordById("posts", "missing")))
routerAdd("GET", "/s5caught", (e) => {
  try { $app.findRecordById("posts", "missing") } catch (err) { return e.string(200, err.message) }
})
routerAdd("GET", "/s5save", (e) => { const r = new Record($app.findCollectionByNameOrId("users")); r.set("email", "not-an-email"); $app.save(r); return e.string(200, "saved") })
routerAdd("GET", "/s5filter", (e) => e.json(200, $app.findRecordsByFilter("posts", "title ~~ 1")))
const greeting = "hi"
routerAdd("GET", "/s6", (e) => e.string(200, greeting))
routerAdd("GET", "/s6req", (e) => e.string(200, require(\`\${__hooks}/lib/c.js\`).greeting))
routerAdd("GET", "/nothing", (e) => {})
routerAdd("POST", "/echo", (e) => e.json(200, {body: e.requestInfo().body, q: e.request.url.query().get("q")}))
routerAdd("GET", "/files/{path...}", (e) => e.string(200, e.request.pathValue("path")))
routerAdd("GET", "/post/{id}", (e) => {
  const r = $app.findRecordById("posts", e.request.pathValue("id"))
  return e.json(200, {title: r.getString("title"), views: r.getInt("views")})
})
`,
  "hooks.pb.js": `
onRecordCreate((e) => {
  if (!e.record.getString("title")) e.record.set("title", "Untitled")
  e.next()
}, "posts")

onRecordCreateRequest((e) => {
  e.next()
  // code after e.next() sees the saved record
  e.response.header().set("X-Saved-Id", e.record.id)
}, "posts")

onRecordDeleteRequest((e) => {
  if (e.record.getString("title") === "locked") throw new ForbiddenError("locked")
  if (e.record.getString("title") === "silent") return
  e.next()
}, "posts")
`,
  "lib/c.js": `module.exports = {greeting: "hi"}`,
};

describe("pb_hooks: routes, hooks and errors", () => {
  const cleanup = suiteCleanup();
  let s: HooksServer;
  before(async () => {
    const template = await buildTemplate(cleanup, seedPosts);
    s = await startHooksServer(cleanup, SCRIPTS, { template });
  });

  const get = (path: string, init?: RequestInit) => fetch(s.url + path, init);

  test("the seed's route example works as written", async () => {
    const res = await get("/hello/ann");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.equal(await res.text(), '{"message":"Hello ann"}\n');
  });

  test("the seed's after-update hook runs on users updates", async () => {
    const pb = s.pb;
    const user = await pb.collection("users").getFirstListItem(`email = "user@example.com"`);
    await pb.collection("users").update(user.id, { name: "Ann" });
    await waitFor(() => s.output.join("").includes("user updated... user@example.com"), "the console line");
  });

  test("§7.1 route with a path param: JSON keys sorted", async () => {
    const res = await get("/s1/ann");
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"a":1,"msg":"hi ann"}\n');
    const head = await get("/s1/ann", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
  });

  test("§7.2 $apis.requireAuth", async () => {
    const none = await get("/me");
    assert.equal(none.status, 401);
    assert.deepEqual(await none.json(), {
      data: {},
      message: "The request requires valid record authorization token.",
      status: 401,
    });
    const su = await get("/me", { headers: { authorization: s.token } });
    assert.equal(su.status, 403);
    const user = await get("/me", { headers: { authorization: s.userToken } });
    assert.equal(user.status, 200);
    const body = (await user.json()) as { collectionName: string; email?: string };
    assert.equal(body.collectionName, "users");
    assert.equal(body.email, undefined);
  });

  test("§7.3 thrown ApiError with field errors", async () => {
    const res = await get("/s3");
    assert.equal(res.status, 400);
    assert.equal(
      await res.text(),
      '{"data":{"title":{"code":"too_short","message":"Title is too short."}},"message":"Invalid data.","status":400}\n',
    );
  });

  test("§7.4 plain JS error → 400, logged with the file and line", async () => {
    const res = await get("/s4");
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      data: {},
      message: "Something went wrong while processing your request.",
      status: 400,
    });
    assert.ok(
      s.logs.some((l) => /routes\.pb\.js:\d+/.test(l) && l.includes("boom")),
      s.logs.join("\n"),
    );
  });

  test("§7.5 uncaught not-found → 404; caught → its message", async () => {
    const res = await get("/s5");
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), {
      data: {},
      message: "The requested resource wasn't found.",
      status: 404,
    });
    const caught = await get("/s5caught");
    assert.equal(await caught.text(), "sql: no rows in result set");
  });

  test("uncaught $app errors get PocketBase's generic message (validation data kept)", async () => {
    const save = await get("/s5save");
    assert.equal(save.status, 400);
    const body = (await save.json()) as { message: string; data: Record<string, { code: string }> };
    assert.equal(body.message, "Something went wrong while processing your request.");
    assert.equal(body.data.email?.code, "validation_is_email");
    const filter = await get("/s5filter");
    assert.equal(filter.status, 400);
    assert.deepEqual(await filter.json(), {
      data: {},
      message: "Something went wrong while processing your request.",
      status: 400,
    });
  });

  test("§7.6 handlers don't close over file variables; require(__hooks/...) works", async () => {
    const res = await get("/s6");
    assert.equal(res.status, 400);
    const ok = await get("/s6req");
    assert.equal(ok.status, 200);
    assert.equal(await ok.text(), "hi");
  });

  test("a route that writes nothing answers 200 with an empty body", async () => {
    const res = await get("/nothing");
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "");
  });

  test("request body, query and {path...}", async () => {
    const res = await get("/echo?q=1", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ a: [1, 2] }),
    });
    assert.deepEqual(await res.json(), { body: { a: [1, 2] }, q: "1" });
    const files = await get("/files/a/b/c.txt");
    assert.equal(await files.text(), "a/b/c.txt");
  });

  test("§7.7 onRecordCreate sets a default before validation; code after e.next() sees the saved record", async () => {
    const res = await get("/api/collections/posts/records", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { id: string; title: string };
    assert.equal(body.title, "Untitled");
    assert.equal(res.headers.get("x-saved-id"), null); // written after the response: no effect
    const viaHook = await get(`/post/${body.id}`);
    assert.deepEqual(await viaHook.json(), { title: "Untitled", views: 0 });
  });

  test("§7.8 stopping the chain: a throw keeps the row; returning without next() keeps it too", async () => {
    const locked = await s.pb.collection("posts").create({ title: "locked" });
    const res = await get(`/api/collections/posts/records/${locked.id}`, { method: "DELETE" });
    assert.equal(res.status, 403);
    assert.equal(await res.text(), '{"data":{},"message":"Locked.","status":403}\n');
    assert.equal((await s.pb.collection("posts").getOne(locked.id)).id, locked.id);

    const silent = await s.pb.collection("posts").create({ title: "silent" });
    const res2 = await get(`/api/collections/posts/records/${silent.id}`, { method: "DELETE" });
    assert.equal(res2.status, 200);
    assert.equal(await res2.text(), "");
    assert.equal((await s.pb.collection("posts").getOne(silent.id)).id, silent.id);
  });

  test("§7.8 a request hook that returns without next() answers 200 (not 204)", async () => {
    const silent = await s.pb.collection("posts").create({ title: "silent" });
    const res = await get(`/api/collections/posts/records/${silent.id}`, { method: "DELETE" });
    assert.equal(res.status, 200);
  });
});
