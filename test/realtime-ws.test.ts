/**
 * The WebSocket transport, end to end with Node's global WebSocket client: the same broker,
 * messages and auth rules as SSE, errors as PB_ERROR frames, backpressure and shutdown.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { configureRealtime, getRealtimeBroker, sendToTopic } from "../src/api/realtime.ts";
import { request } from "./helpers/http.ts";
import { startTestServer } from "./helpers/server.ts";

interface Frame {
  event: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- frames are checked field by field
  data: any;
}

/** A WebSocket client that queues incoming frames. */
interface WsClient {
  ws: WebSocket;
  clientId: string;
  next(): Promise<Frame | null>;
  send(message: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
}

async function openWs(base: string, protocols?: string[]): Promise<WsClient> {
  const ws = new WebSocket(`${base.replace(/^http/, "ws")}/api/realtime/ws`, protocols);
  const frames: (Frame | null)[] = [];
  const waiters: ((f: Frame | null) => void)[] = [];
  const push = (f: Frame | null) => {
    const waiter = waiters.shift();
    if (waiter) waiter(f);
    else frames.push(f);
  };
  ws.addEventListener("message", (e) => push(JSON.parse(String(e.data)) as Frame));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.addEventListener("close", (e) => {
      push(null);
      resolve({ code: e.code, reason: e.reason });
    });
  });
  const next = (): Promise<Frame | null> => {
    if (frames.length > 0) return Promise.resolve(frames.shift()!);
    return new Promise((resolve) => waiters.push(resolve));
  };
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", () => reject(new Error("WebSocket failed to open")));
  });
  const first = (await next())!;
  assert.equal(first.event, "PB_CONNECT");
  return {
    ws,
    clientId: first.data.clientId as string,
    next,
    send: (m) => ws.send(JSON.stringify(m)),
    closed,
  };
}

describe("realtime over WebSocket", () => {
  it("connects, subscribes and receives the same message as an SSE client", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const ws = await openWs(srv.url);
    t.after(() => ws.ws.close());
    assert.match(ws.clientId, /^[A-Za-z0-9]{40}$/);
    const client = getRealtimeBroker(srv.app).client(ws.clientId);
    assert.ok(client);

    const sub = `custom-topic?options=${encodeURIComponent('{"query":{"fields":"a"}}')}`;
    ws.send({ type: "subscribe", id: "r1", subscriptions: ["custom-topic", sub] });
    assert.deepEqual(await ws.next(), {
      event: "PB_SUBSCRIBE",
      data: { id: "r1", subscriptions: ["custom-topic", sub] },
    });
    assert.deepEqual(client.subscriptionOptions(sub), { query: { fields: "a" }, headers: {} });

    // An SSE client on the same topic.
    const res = await fetch(`${srv.url}/api/realtime`);
    const reader = res.body!.getReader();
    t.after(() => reader.cancel());
    const decoder = new TextDecoder();
    const connect = decoder.decode((await reader.read()).value);
    const sseId = /^id:(\w+)/.exec(connect)![1]!;
    const posted = await request(srv.url, "POST", "/api/realtime", {
      body: { clientId: sseId, subscriptions: ["custom-topic"] },
    });
    assert.equal(posted.status, 204);

    assert.equal(sendToTopic(srv.app, "custom-topic", { hello: "<both>" }), 3);
    const frames = [await ws.next(), await ws.next()];
    assert.deepEqual(
      frames.sort((a, b) => a!.event.length - b!.event.length),
      [
        { event: "custom-topic", data: { hello: "<both>" } },
        { event: sub, data: { hello: "<both>" } },
      ],
    );
    assert.equal(
      decoder.decode((await reader.read()).value),
      `id:${sseId}\nevent:custom-topic\ndata:{"hello":"\\u003cboth\\u003e"}\n\n`,
    );
  });

  it("authenticates by token with the SSE rules", async (t) => {
    const srv = await startTestServer(t, { user: true });
    const ws = await openWs(srv.url);
    t.after(() => ws.ws.close());
    const client = getRealtimeBroker(srv.app).client(ws.clientId)!;

    ws.send({ type: "subscribe", subscriptions: ["a"] });
    assert.equal((await ws.next())?.event, "PB_SUBSCRIBE");
    assert.equal(client.auth === null, true);

    ws.send({ type: "subscribe", subscriptions: ["a"], authorization: `Bearer ${srv.userToken}` });
    assert.equal((await ws.next())?.event, "PB_SUBSCRIBE");
    assert.equal(client.auth?.collection.name, "users");

    ws.send({ type: "subscribe", id: 7, subscriptions: ["b"], authorization: srv.token });
    assert.deepEqual(await ws.next(), {
      event: "PB_ERROR",
      data: {
        id: 7,
        data: {},
        message: "The current and the previous request authorization don't match.",
        status: 403,
      },
    });
    ws.send({ type: "subscribe", subscriptions: ["b"] });
    assert.equal((await ws.next())?.data.status, 403);
    assert.deepEqual([...client.subscriptions().keys()], ["a"]);
  });

  it("answers bad requests with PB_ERROR and stays open", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const ws = await openWs(srv.url);
    t.after(() => ws.ws.close());
    ws.ws.send("not json");
    assert.deepEqual((await ws.next())?.data, {
      data: {},
      message: "Invalid message: expected a JSON object.",
      status: 400,
    });
    ws.send({ type: "nope", id: "x" });
    assert.equal((await ws.next())?.data.status, 400);
    ws.send({ type: "subscribe", id: "long", subscriptions: ["x".repeat(2501)] });
    assert.deepEqual(await ws.next(), {
      event: "PB_ERROR",
      data: {
        id: "long",
        data: {
          subscriptions: {
            "0": {
              code: "validation_length_too_long",
              message: "The length must be no more than 2500.",
              params: { max: 2500 },
            },
          },
        },
        message: "Something went wrong while processing your request.",
        status: 400,
      },
    });
    ws.send({ type: "subscribe", subscriptions: Array.from({ length: 1001 }, (_, i) => `t${i}`) });
    assert.equal((await ws.next())?.data.data.subscriptions.code, "validation_length_too_long");
    ws.send({ type: "subscribe", subscriptions: ["ok"] });
    assert.equal((await ws.next())?.event, "PB_SUBSCRIBE");
  });

  it("refuses plain GET requests", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const res = await request(srv.url, "GET", "/api/realtime/ws");
    assert.equal(res.status, 400);
  });

  it("closes idle connections and unregisters the client", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    configureRealtime(srv.app, { idleTimeout: 100 });
    const ws = await openWs(srv.url);
    const closed = await ws.closed;
    assert.equal(closed.code, 1000);
    assert.equal(getRealtimeBroker(srv.app).client(ws.clientId), undefined);
  });

  it("forgets the client when the peer disconnects, and closes on server stop", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const broker = getRealtimeBroker(srv.app);
    const gone = await openWs(srv.url);
    gone.ws.close();
    await gone.closed;
    for (let i = 0; broker.client(gone.clientId) && i < 500; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(broker.client(gone.clientId), undefined);

    const stays = await openWs(srv.url);
    await srv.close();
    assert.equal((await stays.closed).code, 1001);
  });
});
