import assert from "node:assert/strict";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { nodeRequestListener } from "./node-adapter.ts";
import { RouteTable } from "./route-table.ts";
import { Router } from "./router.ts";

interface TestEnv {
  Variables: { trail: string[] };
}

describe("route table", () => {
  const table = new RouteTable<string>();
  table.add("GET", "/api/collections/meta/scaffolds", "scaffolds");
  table.add("GET", "/api/collections/:collection", "collection");
  table.add("GET", "/api/collections/:collection/records/:id", "record");
  table.add("GET", "/_", "redirect");
  table.add("GET", "/_/*", "dashboard");
  table.add("GET", "/a/:x", "first");
  table.add("GET", "/a/b", "later static");
  table.add("*", "/any", "any method");

  it("matches static paths, parameters and wildcards", () => {
    assert.equal(table.match("GET", "/api/collections/meta/scaffolds")?.value, "scaffolds");
    assert.deepEqual(table.match("GET", "/api/collections/posts/records/r1"), {
      value: "record",
      params: { collection: "posts", id: "r1" },
    });
    assert.equal(table.match("GET", "/_")?.value, "redirect");
    assert.equal(table.match("GET", "/_/")?.value, "dashboard");
    assert.equal(table.match("GET", "/_/assets/app.js")?.value, "dashboard");
    assert.equal(table.match("DELETE", "/any")?.value, "any method");
  });

  it("the route registered first wins; trailing slashes and empty segments don't match", () => {
    assert.equal(table.match("GET", "/a/b")?.value, "first");
    assert.equal(table.match("GET", "/api/collections/posts/")?.value, undefined);
    assert.equal(table.match("GET", "/api/collections//records/x"), null);
    assert.equal(table.match("POST", "/api/collections/posts"), null);
  });
});

describe("router pipeline", () => {
  function router(): Router<TestEnv> {
    const r = new Router<TestEnv>();
    r.use("*", async (c, next) => {
      c.set("trail", ["outer"]);
      await next();
      c.get("trail").push(c.error ? `outer saw ${c.error.message}` : "outer after");
      c.res.headers.set("x-trail", c.get("trail").join(","));
    });
    r.use("*", (c, next) => {
      if (c.req.query("stop") !== undefined) return c.text("stopped", 418);
      if (c.req.query("fail") !== undefined) throw new Error("middleware failed");
      return next();
    });
    r.get("/items/:id", (c) => c.json({ id: c.req.param("id"), q: c.req.query("q") ?? null }));
    r.post("/throw", () => {
      throw new Error("handler failed");
    });
    r.notFound((c) => c.json({ missing: c.req.path }, 404));
    r.onError((err, c) => c.json({ error: err.message }, 500));
    return r;
  }

  it("runs middlewares around the route; parameters and queries are decoded", async () => {
    const res = await router().request("/items/a%20b?q=x+y%21");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json");
    assert.deepEqual(await res.json(), { id: "a b", q: "x y!" });
    assert.equal(res.headers.get("x-trail"), "outer,outer after");
  });

  it("answers errors at the step that threw; the middlewares around it carry on", async () => {
    const thrown = await router().request("/throw", { method: "POST" });
    assert.equal(thrown.status, 500);
    assert.deepEqual(await thrown.json(), { error: "handler failed" });
    assert.equal(thrown.headers.get("x-trail"), "outer,outer saw handler failed");
    const failed = await router().request("/items/1?fail");
    assert.equal(failed.headers.get("x-trail"), "outer,outer saw middleware failed");
  });

  it("a middleware may answer; no route is not found; HEAD takes GET routes without a body", async () => {
    const stopped = await router().request("/items/1?stop");
    assert.equal(stopped.status, 418);
    assert.equal(await stopped.text(), "stopped");
    const missing = await router().request("/nowhere");
    assert.equal(missing.status, 404);
    assert.deepEqual(await missing.json(), { missing: "/nowhere" });
    const head = await router().request("/items/7", { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-type"), "application/json");
    assert.equal(await head.text(), "");
  });

  it("is served on node:http: bodies with their length, native Responses, HEAD, a bad Host", async (t) => {
    const r = router();
    r.post("/echo", async (c) => new Response(await c.req.raw.text(), { headers: { "x-kind": "native" } }));
    const server = createServer(nodeRequestListener(r));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    t.after(() => server.close());
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const plain = await fetch(`${base}/items/9`);
    assert.equal(plain.headers.get("content-length"), String(Buffer.byteLength('{"id":"9","q":null}')));
    assert.deepEqual(await plain.json(), { id: "9", q: null });
    const echoed = await fetch(`${base}/echo`, { method: "POST", body: "hello" });
    assert.equal(echoed.headers.get("x-kind"), "native");
    assert.equal(echoed.headers.get("content-length"), "5");
    assert.equal(await echoed.text(), "hello");
    const head = await new Promise<{ status?: number; length?: string; body: string }>((resolve, reject) => {
      const req = httpRequest(`${base}/items/9`, { method: "HEAD" }, (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode, length: res.headers["content-length"], body }));
      });
      req.on("error", reject);
      req.end();
    });
    assert.deepEqual(head, { status: 200, length: undefined, body: "" });
    const bad = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest(`${base}/items/1`, { headers: { host: "bad host!" } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", reject);
      req.end();
    });
    assert.equal(bad, 400);
  });
});
