/**
 * More of the pb_hooks surface end to end (jsvm-surface §7): the logger into `_logs` (§7.10),
 * `e.bindBody` (§7.15), JWT helpers (§7.17), validation errors from `$app.save`, tokens minted
 * by a script and accepted by the API, settings, and a hook's throw answering the API request.
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { buildTemplate, suiteCleanup } from "./helpers/server.ts";
import { seedPosts, startHooksServer, type HooksServer } from "./helpers/hooks.ts";
import { waitFor } from "./helpers/wait.ts";

const SCRIPTS = {
  "surface.pb.js": `
onRecordAfterCreateSuccess((e) => {
  $app.logger().info("created", "id", e.record.id)
  e.next()
}, "posts")

onRecordUpdate((e) => {
  if (e.record.getInt("views") < 0) throw new BadRequestError("no negative views")
  e.next()
}, "posts")

routerAdd("POST", "/bind", (e) => {
  const d = new DynamicModel({title: "", n: 0})
  e.bindBody(d)
  return e.json(200, {t: d.title, n: d.n, ct: e.requestInfo().headers["content_type"]})
})
routerAdd("GET", "/jwt", (e) => {
  const t = $security.createJWT({sub: "u1"}, "k", 60)
  let wrong = "no throw"
  try { $security.parseJWT(t, "wrong") } catch (_) { wrong = "threw" }
  return e.json(200, {sub: $security.parseJWT(t, "k").sub, wrong})
})
routerAdd("GET", "/invalid", (e) => {
  const r = new Record($app.findCollectionByNameOrId("posts"))
  try { $app.save(r) } catch (err) { return e.json(200, {message: err.message}) }
})
routerAdd("GET", "/invalid-uncaught", (e) => {
  $app.save(new Record($app.findCollectionByNameOrId("posts")))
})
routerAdd("GET", "/token", (e) => {
  const user = $app.findAuthRecordByEmail("users", "user@example.com")
  return e.json(200, {token: user.newAuthToken()})
})
routerAdd("GET", "/settings", (e) => e.json(200, {name: $app.settings().meta.appName}))
routerAdd("GET", "/redirect", (e) => e.redirect(302, "/somewhere"))
routerAdd("GET", "/html", (e) => e.html(201, "<b>hi</b>"))
`,
};

describe("pb_hooks: surface", () => {
  const cleanup = suiteCleanup();
  let s: HooksServer;
  before(async () => {
    const template = await buildTemplate(cleanup, seedPosts);
    s = await startHooksServer(cleanup, SCRIPTS, { template });
  });
  const get = (path: string, init?: RequestInit) => fetch(s.url + path, init);

  test("§7.10 $app.logger() writes a _logs row with its attributes", async () => {
    const post = await s.pb.collection("posts").create({ title: "logged" });
    let row: { data?: unknown } | undefined;
    await waitFor(() => row !== undefined, "the _logs row", 15_000, 50).catch(() => undefined);
    for (const end = Date.now() + 15_000; !row && Date.now() < end;) {
      row = await s.app.auxDb.get("SELECT data FROM _logs WHERE message = 'created' ORDER BY created DESC");
      if (!row) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(row, "no _logs row");
    assert.equal((JSON.parse(String(row.data)) as { id: string }).id, post.id);
  });

  test("a hook's ApiError answers the API request", async () => {
    const post = await s.pb.collection("posts").create({ title: "v" });
    const res = await get(`/api/collections/posts/records/${post.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ views: -1 }),
    });
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), { data: {}, message: "No negative views.", status: 400 });
  });

  test("§7.15 e.bindBody into a DynamicModel; unsupported content type → 400", async () => {
    const res = await get("/bind", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "x", n: 3 }),
    });
    assert.deepEqual(await res.json(), { ct: "application/json", n: 3, t: "x" });
    const bad = await get("/bind", { method: "POST", headers: { "content-type": "text/plain" }, body: "hi" });
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { message: string }).message, "Unsupported Content-Type.");
  });

  test("§7.17 $security JWT helpers", async () => {
    assert.deepEqual(await (await get("/jwt")).json(), { sub: "u1", wrong: "threw" });
  });

  test("$app.save validation errors: caught as a message, uncaught as a 400 with the field tree", async () => {
    const caught = (await (await get("/invalid")).json()) as { message: string };
    assert.match(caught.message, /title/);
    const res = await get("/invalid-uncaught");
    assert.equal(res.status, 400);
    const body = (await res.json()) as { data: { title?: { code: string } } };
    assert.equal(body.data.title?.code, "validation_required");
  });

  test("a token minted by a script authenticates API requests", async () => {
    const { token } = (await (await get("/token")).json()) as { token: string };
    const res = await get("/api/collections/users/auth-refresh", {
      method: "POST",
      headers: { authorization: token },
    });
    assert.equal(res.status, 200);
  });

  test("settings, redirect and html writers", async () => {
    assert.deepEqual(await (await get("/settings")).json(), { name: s.app.settings().meta.appName });
    const redirect = await get("/redirect", { redirect: "manual" });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get("location"), "/somewhere");
    const html = await get("/html");
    assert.equal(html.status, 201);
    assert.equal(html.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await html.text(), "<b>hi</b>");
  });
});
