/**
 * WebSocket upgrades routed through the router (src/api/websocket-upgrade.ts): the upgrade
 * request's headers authenticate the connection and reach the hooks later, a hook or an error
 * refuses the upgrade with a plain HTTP answer, and malformed upgrades are answered, never
 * left hanging.
 */
import assert from "node:assert/strict";
import { connect as netConnect } from "node:net";
import { describe, it } from "node:test";
import { WebSocket } from "ws";
import { getRealtimeBroker, sendToClient } from "../src/api/realtime.ts";
import { forbidden } from "../src/api/errors.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";

/** Opens a WebSocket with extra headers; resolves with it and its client id (from PB_CONNECT). */
function open(
  srv: TestServer,
  headers: Record<string, string> = {},
): Promise<{ ws: WebSocket; clientId: string; frames: string[] }> {
  const ws = new WebSocket(`${srv.url.replace(/^http/, "ws")}/api/realtime/ws`, { headers });
  const frames: string[] = [];
  return new Promise((resolve, reject) => {
    ws.on("message", (data: Buffer) => {
      const text = data.toString("utf8");
      frames.push(text);
      const m = /^\{"event":"PB_CONNECT","data":\{"clientId":"([A-Za-z0-9]{40})"\}\}$/.exec(text);
      if (m) resolve({ ws, clientId: m[1]!, frames });
    });
    ws.once("error", reject);
  });
}

/** The HTTP answer to a refused upgrade: status and body. */
function refusal(
  srv: TestServer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(`${srv.url.replace(/^http/, "ws")}/api/realtime/ws`, { headers });
  return new Promise((resolve, reject) => {
    ws.once("open", () => reject(new Error("the upgrade was accepted")));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    ws.once("error", () => {});
  });
}

/** Sends raw bytes and collects the answer until the server closes the connection. */
function rawExchange(srv: TestServer, bytes: string): Promise<string> {
  const url = new URL(srv.url);
  const socket = netConnect(Number(url.port), url.hostname);
  let text = "";
  socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
  socket.write(bytes);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close after ${JSON.stringify(text)}`));
    }, 5000);
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.on("error", () => {});
  });
}

describe("WebSocket upgrades", () => {
  it("authenticates by the upgrade's Authorization header", async (t) => {
    const srv = await startTestServer(t, { superuser: false, user: true });
    const { ws, clientId, frames } = await open(srv, { authorization: srv.userToken });
    t.after(() => ws.terminate());
    ws.send(JSON.stringify({ type: "subscribe", subscriptions: ["custom"] }));
    await waitFor(() => frames.some((f) => f.startsWith('{"event":"PB_SUBSCRIBE"')), "PB_SUBSCRIBE", 5000);
    const client = getRealtimeBroker(srv.app).client(clientId);
    assert.equal(client?.auth?.collection.name, "users");
    assert.ok(client?.hasSubscription("custom"));
  });

  it("gives the message hooks the upgrade request, long after it was answered", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const seen: string[] = [];
    srv.app.hooks.onRealtimeMessageSend.bind({
      id: "trace",
      func: async (e) => {
        seen.push(
          `${e.request.headers.get("x-trace")} ${e.requestInfo().headers.x_trace} ${new URL(e.request.url).pathname}`,
        );
        await e.next();
      },
    });
    const { ws, clientId, frames } = await open(srv, { "x-trace": "abc" });
    t.after(() => ws.terminate());
    assert.ok(sendToClient(srv.app, clientId, "custom", { n: 1 }));
    await waitFor(() => frames.some((f) => f.includes('"event":"custom"')), "the custom message", 5000);
    assert.ok(frames.includes('{"event":"custom","data":{"n":1}}'));
    assert.ok(seen.includes("abc abc /api/realtime/ws"), JSON.stringify(seen));
  });

  it("answers an upgrade a connect hook refuses with the hook's error", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    srv.app.hooks.onRealtimeConnectRequest.bind({
      id: "gate",
      func: async (e) => {
        if (e.request.headers.get("x-blocked")) throw forbidden("Not today.");
        await e.next();
      },
    });
    const refused = await refusal(srv, { "x-blocked": "1" });
    assert.equal(refused.status, 403);
    assert.deepEqual(JSON.parse(refused.body), { data: {}, message: "Not today.", status: 403 });
    assert.equal(getRealtimeBroker(srv.app).size, 0);
    const { ws } = await open(srv);
    ws.terminate();
  });

  it("cuts off a peer that floods it with requests", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const { ws, clientId } = await open(srv);
    t.after(() => ws.terminate());
    const closed = new Promise<number>((resolve) => ws.once("close", (code: number) => resolve(code)));
    const request = JSON.stringify({ type: "subscribe", subscriptions: ["a", "b"] });
    for (let i = 0; i < 200; i++) ws.send(request);
    assert.equal(await closed, 1008);
    assert.equal(getRealtimeBroker(srv.app).client(clientId), undefined);
    // A peer that waits for its answers is fine.
    const calm = await open(srv);
    t.after(() => calm.ws.terminate());
    for (let i = 0; i < 40; i++) {
      calm.ws.send(request);
      const replies = () => calm.frames.filter((f) => f.startsWith('{"event":"PB_SUBSCRIBE"')).length;
      await waitFor(() => replies() > i, "a reply", 5000);
    }
    assert.equal(calm.frames.filter((f) => f.startsWith('{"event":"PB_SUBSCRIBE"')).length, 40);
    assert.equal(calm.ws.readyState, WebSocket.OPEN);
  });

  it("answers malformed or misdirected upgrades and closes them", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n";
    // No Sec-WebSocket-Key: ws refuses the handshake.
    const noKey = await rawExchange(srv, `GET /api/realtime/ws HTTP/1.1\r\nHost: x\r\n${upgrade}\r\n`);
    assert.match(noKey, /^HTTP\/1\.1 400 /);
    // An upgrade to a route that is no WebSocket endpoint gets that route's answer.
    const key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    const health = await rawExchange(srv, `GET /api/health HTTP/1.1\r\nHost: x\r\n${upgrade}${key}\r\n`);
    assert.match(health, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(health, /"message":"API is healthy\."/);
    // A request target that is no path.
    const bad = await rawExchange(srv, `GET http://[::1 HTTP/1.1\r\nHost: x\r\n${upgrade}${key}\r\n`);
    assert.match(bad, /^HTTP\/1\.1 400 /);
    // The SSE endpoint with an Upgrade header: its stream never ends, so it is cancelled (and
    // its client forgotten) and the upgrade refused.
    const sse = await rawExchange(srv, `GET /api/realtime HTTP/1.1\r\nHost: x\r\n${upgrade}${key}\r\n`);
    assert.match(sse, /^HTTP\/1\.1 400 /);
    assert.match(sse, /"status":400/);
    assert.equal(getRealtimeBroker(srv.app).size, 0);
  });
});
