/**
 * Plain responses and node request views link to the platform's Response/Request only on first
 * use (delegate-native.ts): a process that builds and awaits them loads no undici, and whatever
 * first looks past their own members (`instanceof`, a body read, `in`) sees a real one. Each
 * case runs in a fresh Node process, since undici, once loaded, stays loaded.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { describe, it } from "node:test";

const PLAIN = new URL("./plain-response.ts", import.meta.url).href;
const REQUEST = new URL("./node-request.ts", import.meta.url).href;

/** Runs `body` as an ES module in a new Node process; returns what it printed as JSON. */
function run(body: string): unknown {
  const script = `
    const undici = () => process.moduleLoadList.some((m) => m.includes("internal/deps/undici"));
    const out = {};
    ${body}
    console.log(JSON.stringify(out));`;
  const stdout = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
  return JSON.parse(stdout);
}

describe("plain response, linked on first use", () => {
  it("is built, awaited and taken apart without loading undici", () => {
    const out = run(`
      const { plainResponse, PlainResponse } = await import(${JSON.stringify(PLAIN)});
      const handler = async () => plainResponse("hi", 201, { "x-a": "1" });
      const res = await handler();
      out.parts = PlainResponse.parts(res);
      out.status = res.status;
      out.ok = res.ok;
      out.undici = undici();`);
    assert.deepEqual(out, {
      parts: { status: 201, body: "hi", headers: { "x-a": "1" } },
      status: 201,
      ok: true,
      undici: false,
    });
  });

  it("is a Response to instanceof, made before the global was read", () => {
    const out = run(`
      const { plainResponse } = await import(${JSON.stringify(PLAIN)});
      const res = plainResponse("hi");
      out.before = undici();
      out.isResponse = res instanceof Response;
      out.tag = Object.prototype.toString.call(plainResponse("x"));
      out.notRequest = res instanceof Request;`);
    assert.deepEqual(out, { before: false, isResponse: true, tag: "[object Response]", notRequest: false });
  });

  it("reads as a Response whatever is read first", () => {
    const out = run(`
      const { plainResponse, PlainResponse } = await import(${JSON.stringify(PLAIN)});
      const res = plainResponse('{"a":1}', 200, { "content-type": "application/json" });
      out.hasBody = "body" in res;
      out.json = await res.clone().json();
      out.text = await res.text();
      out.used = res.bodyUsed;
      out.type = res.headers.get("content-type");
      out.parts = PlainResponse.parts(res);
      out.other = PlainResponse.parts(new Response("x"));`);
    assert.deepEqual(out, {
      hasBody: true,
      json: { a: 1 },
      text: '{"a":1}',
      used: true,
      type: "application/json",
      parts: null,
      other: null,
    });
  });

  it("is no longer taken apart once its headers were read as Headers", () => {
    const out = run(`
      const { plainResponse, PlainResponse } = await import(${JSON.stringify(PLAIN)});
      const res = plainResponse("hi");
      res.headers.set("x-late", "1");
      out.parts = PlainResponse.parts(res);
      out.late = res.headers.get("x-late");`);
    assert.deepEqual(out, { parts: null, late: "1" });
  });
});

describe("node request view, linked on first use", () => {
  it("is a Request to instanceof and reads its body as one", async () => {
    const out = run(`
      // not import(): node:http's module facade reads its WebSocket export, which loads undici
      const { createServer, request } = process.getBuiltinModule("node:http");
      const { NodeRequest, nativeRequest } = await import(${JSON.stringify(REQUEST)});
      const seen = await new Promise((resolve, reject) => {
        const server = createServer(async (incoming, outgoing) => {
          const req = new NodeRequest(incoming, outgoing, "http://x/p");
          const row = { method: req.method, url: req.url, undici: undici(), is: NodeRequest.is(req) };
          row.isRequest = req instanceof Request;
          row.native = nativeRequest(req) instanceof Request;
          row.text = await req.text();
          outgoing.end();
          server.close();
          resolve(row);
        }).listen(0, "127.0.0.1", () => {
          const r = request({ port: server.address().port, method: "POST", path: "/p" });
          r.on("error", reject);
          r.on("response", (res) => res.resume());
          r.end("body!");
        });
      });
      Object.assign(out, seen);
      out.notView = NodeRequest.is(new Request("http://x/"));`);
    assert.deepEqual(out, {
      method: "POST",
      url: "http://x/p",
      undici: false,
      is: true,
      isRequest: true,
      native: true,
      text: "body!",
      notView: false,
    });
  });
});
