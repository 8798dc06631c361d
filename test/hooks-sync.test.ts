/**
 * pb_hooks' synchronous semantics without blocking the server: nested `$app` writes from a hook
 * inside a transaction, `$http.send` to this same server, `sleep` in one handler while others are
 * served, a handler that never ends (time limit → 500, the server keeps serving), and
 * transaction rollback (§7.11), filter queries (§7.12), raw SQL (§7.13), middlewares (§7.18).
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { buildTemplate, suiteCleanup } from "./helpers/server.ts";
import { seedPosts, startHooksServer, type HooksServer } from "./helpers/hooks.ts";

const SCRIPTS = {
  "sync.pb.js": `
// every new post gets a "log" post written through e.app inside the save's transaction
onRecordAfterCreateSuccess((e) => {
  if (e.record.getString("title").startsWith("audit:")) return e.next()
  const c = $app.findCollectionByNameOrId("posts")
  const r = new Record(c)
  r.set("title", "audit:" + e.record.id)
  $app.save(r)
  e.next()
}, "posts")

onRecordCreate((e) => {
  if (e.record.getString("title") === "nested") {
    // a write through the transactional app inside the create's own transaction
    const c = e.app.findCollectionByNameOrId("posts")
    const r = new Record(c)
    r.set("title", "inner")
    e.app.save(r)
  }
  e.next()
}, "posts")

routerAdd("GET", "/self", (e) => {
  const res = $http.send({url: "http://" + e.request.host + "/hello"})
  return e.json(200, {status: res.statusCode, body: res.json})
})
routerAdd("GET", "/hello", (e) => e.json(200, {hello: true}))
routerAdd("GET", "/http404", (e) => {
  const res = $http.send({url: "http://" + e.request.host + "/api/nope"})
  return e.json(200, {status: res.statusCode, msg: res.json.message, text: toString(res.body).length > 0})
})
routerAdd("GET", "/httpfail", (e) => {
  try { $http.send({url: "http://127.0.0.1:9/x", timeout: 1}); return e.string(200, "no throw") }
  catch (err) { return e.string(200, "threw") }
})
// sleeps in steps until /fast-mark was served meanwhile (or gives up well within the time limit)
routerAdd("GET", "/sleep", (e) => {
  const until = Date.now() + Number(e.request.url.query().get("ms"))
  $app.store().set("sleeping", true)
  while (!$app.store().get("fastServed") && Date.now() < until) sleep(20)
  return e.string(200, $app.store().get("fastServed") ? "served meanwhile" : "not served")
})
routerAdd("GET", "/fast-mark", (e) => {
  if (!$app.store().get("sleeping")) return e.string(200, "not sleeping yet")
  $app.store().set("fastServed", true)
  return e.string(200, "fast")
})
routerAdd("GET", "/fast", (e) => e.string(200, "fast"))
routerAdd("GET", "/loop", (e) => { while (true) {} })

routerAdd("GET", "/tx", (e) => {
  try {
    $app.runInTransaction((tx) => {
      const c = tx.findCollectionByNameOrId("posts")
      const r = new Record(c)
      r.set("title", "t1")
      tx.save(r)
      throw new Error("stop")
    })
  } catch (_) {}
  return e.json(200, {count: $app.countRecords("posts", $dbx.hashExp({title: "t1"}))})
})
routerAdd("GET", "/txok", (e) => {
  $app.runInTransaction((tx) => {
    const c = tx.findCollectionByNameOrId("posts")
    for (const t of ["go one", "go two"]) { const r = new Record(c); r.set("title", t); r.set("views", 10); tx.save(r) }
  })
  return e.json(200, {count: $app.countRecords("posts", $dbx.hashExp({views: 10}))})
})
routerAdd("GET", "/filter", (e) => {
  const list = $app.findRecordsByFilter("posts", "views >= {:min} && title ~ {:q}", "-views", 2, 0, {min: 10, q: "go"})
  return e.json(200, list.map((r) => r.getString("title")))
})
routerAdd("GET", "/sql", (e) => {
  const rows = arrayOf(new DynamicModel({title: "", total: 0}))
  $app.db().newQuery("SELECT title, COUNT(*) AS total FROM posts WHERE views = {:v} GROUP BY title ORDER BY title").bind({v: 10}).all(rows)
  let missing = ""
  try { $app.db().newQuery("SELECT 1 AS x FROM posts WHERE 0").one(new DynamicModel({x: 0})) } catch (err) { missing = err.message }
  return e.json(200, {n: rows.length, first: rows[0].title, total: rows[0].total, missing})
})
routerAdd("GET", "/store", (e) => {
  $app.store().set("k", {a: 1})
  return e.json(200, $app.store().get("k"))
})

routerUse(new Middleware((e) => { e.response.header().set("X-A", "1"); return e.next() }, -5))
routerUse((e) => { e.response.header().set("X-A", "2"); return e.next() })
`,
};

/**
 * The per-handler time limit of this server. Generous: on a loaded machine a handler that waits
 * for a second worker to start (a nested `$http.send`) can take seconds; only the endless
 * handler is meant to reach it.
 */
const LIMIT_MS = 8000;

describe("pb_hooks: synchronous calls", () => {
  const cleanup = suiteCleanup();
  let s: HooksServer;
  before(async () => {
    const template = await buildTemplate(cleanup, seedPosts);
    s = await startHooksServer(cleanup, SCRIPTS, { template, timeoutMs: LIMIT_MS, poolSize: 2 });
  });
  const get = (path: string) => fetch(s.url + path);

  test("a hook's $app.save after a create, and e.app.save inside the create's transaction", async () => {
    const created = await s.pb.collection("posts").create({ title: "nested" });
    const audit = await s.pb.collection("posts").getFirstListItem(`title = "audit:${created.id}"`);
    assert.ok(audit.id);
    const inner = await s.pb.collection("posts").getFirstListItem(`title = "inner"`);
    assert.ok(inner.id);
  });

  test("$http.send to this same server", async () => {
    const res = await get("/self");
    assert.deepEqual(await res.json(), { status: 200, body: { hello: true } });
    const nf = await get("/http404");
    assert.deepEqual(await nf.json(), {
      status: 404,
      msg: "The requested resource wasn't found.",
      text: true,
    });
    assert.equal(await (await get("/httpfail")).text(), "threw");
  });

  test("sleep blocks only its handler: other requests are served meanwhile", async () => {
    // once the handler sleeps, another request is answered and the sleeper sees its mark
    const slow = get(`/sleep?ms=${LIMIT_MS / 2}`);
    const deadline = Date.now() + LIMIT_MS / 2;
    let fast = "";
    while (fast !== "fast" && Date.now() < deadline) {
      fast = await (await get("/fast-mark")).text();
      if (fast !== "fast") await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(fast, "fast");
    assert.equal(await (await slow).text(), "served meanwhile");
  });

  test("an endless handler times out with a 500 and the server keeps serving", async () => {
    const res = await get("/loop");
    assert.equal(res.status, 500);
    assert.deepEqual(await res.json(), {
      data: {},
      message: "Something went wrong while processing your request.",
      status: 500,
    });
    assert.ok(
      s.logs.some((l) => l.includes(`ran longer than ${LIMIT_MS} ms`)),
      s.logs.join("\n"),
    );
    assert.equal(await (await get("/fast")).text(), "fast");
    assert.equal((await get("/hello")).status, 200);
  });

  test("§7.11 a throw inside runInTransaction rolls the save back", async () => {
    const res = await get("/tx");
    assert.deepEqual(await res.json(), { count: 0 });
    const ok = await get("/txok");
    assert.deepEqual(await ok.json(), { count: 2 });
  });

  test("§7.12 findRecordsByFilter with params, sort and limit", async () => {
    await s.pb.collection("posts").create({ title: "go high", views: 50 });
    await s.pb.collection("posts").create({ title: "nope", views: 99 });
    const res = await get("/filter");
    const titles = (await res.json()) as string[];
    assert.equal(titles.length, 2);
    assert.equal(titles[0], "go high");
  });

  test("§7.13 raw SQL into DynamicModel rows; one() with no row throws", async () => {
    const res = await get("/sql");
    assert.deepEqual(await res.json(), {
      n: 2,
      first: "go one",
      total: 1,
      missing: "sql: no rows in result set",
    });
  });

  test("$app.store() is shared", async () => {
    assert.deepEqual(await (await get("/store")).json(), { a: 1 });
  });

  test("§7.18 routerUse middlewares by priority, on built-in routes too", async () => {
    const hello = await get("/hello");
    assert.equal(hello.headers.get("x-a"), "2", JSON.stringify([...hello.headers]) + s.logs.join("\n"));
    assert.equal((await get("/api/health")).headers.get("x-a"), "2");
  });
});
