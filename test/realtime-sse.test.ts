/**
 * Realtime over SSE, end to end on a real server: the official SDK (subscribe, unsubscribe,
 * reconnect and resubscribe), the exact bytes of the stream, the subscribe endpoint's errors,
 * the realtime hooks, timeouts and a consumer that stops reading.
 */
import assert from "node:assert/strict";
import { connect as netConnect, type Socket } from "node:net";
import { describe, it, type TestContext } from "node:test";
import { EventSource } from "eventsource";
import type PocketBase from "pocketbase";
import { configureRealtime, getRealtimeBroker, sendToClient, sendToTopic } from "../src/api/realtime.ts";
import { request } from "./helpers/http.ts";
import { deleteRecord, saveRecord } from "../src/core/records/record-save.ts";
import { findAuthRecordByEmail } from "../src/core/records/record-query.ts";
import { newAuthToken } from "../src/core/records/record-tokens.ts";
import { startTestServer, USER, type TestServer } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";

// The SDK's realtime service needs a global EventSource, which Node does not have.
(globalThis as { EventSource?: unknown }).EventSource ??= EventSource;

/** A raw SSE connection read frame by frame. */
interface RawSse {
  response: Response;
  clientId: string;
  /** The first frame, verbatim. */
  first: string;
  /** The next complete frame (`…\n\n`), or null when the stream ended. */
  next(): Promise<string | null>;
  close(): Promise<void>;
}

async function openSse(base: string, headers: Record<string, string> = {}): Promise<RawSse> {
  const response = await fetch(`${base}/api/realtime`, { headers });
  assert.equal(response.status, 200);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const next = async (): Promise<string | null> => {
    for (;;) {
      const end = buffer.indexOf("\n\n");
      if (end >= 0) {
        const frame = buffer.slice(0, end + 2);
        buffer = buffer.slice(end + 2);
        return frame;
      }
      const { done, value } = await reader.read();
      if (done) return null;
      buffer += decoder.decode(value, { stream: true });
    }
  };
  const first = (await next())!;
  const clientId = /^id:([A-Za-z0-9]+)\n/.exec(first)?.[1] ?? "";
  return { response, clientId, first, next, close: () => reader.cancel() };
}

/** An SDK client whose realtime connection is torn down after the test, whatever happens. */
function sdkClient(srv: TestServer, t: TestContext): PocketBase {
  const pb = srv.client();
  // `unsubscribe()` alone does not stop a reconnect loop already under way (e.g. once the
  // server has stopped): the service's `disconnect` does.
  t.after(() => (pb.realtime as unknown as { disconnect(): void }).disconnect());
  return pb;
}

function subscribe(
  base: string,
  clientId: string,
  subscriptions: unknown,
  token?: string,
  headers: Record<string, string> = {},
) {
  return request(base, "POST", "/api/realtime", { body: { clientId, subscriptions }, token, headers });
}

describe("realtime SSE with the official SDK", () => {
  it("subscribes, receives custom messages, unsubscribes", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const pb = sdkClient(srv, t);
    const received: unknown[] = [];
    const other: unknown[] = [];
    const unsubscribe = await pb.realtime.subscribe("custom", (data) => received.push(data));
    await pb.realtime.subscribe("other", (data) => other.push(data));
    assert.match(pb.realtime.clientId, /^[A-Za-z0-9]{40}$/);

    const broker = getRealtimeBroker(srv.app);
    const client = broker.client(pb.realtime.clientId)!;
    assert.ok(client.hasSubscription("custom") && client.hasSubscription("other"));

    assert.equal(sendToTopic(srv.app, "custom", { hello: "<world>", n: 1 }), 1);
    await waitFor(() => received.length === 1, "the custom message");
    assert.deepEqual(received, [{ hello: "<world>", n: 1 }]);

    await unsubscribe();
    await waitFor(() => !client.hasSubscription("custom"), "the unsubscribe to reach the server");
    assert.ok(client.hasSubscription("other"));
    assert.equal(sendToTopic(srv.app, "custom", { hello: "again" }), 0);
    sendToTopic(srv.app, "other", "still here");
    await waitFor(() => other.length === 1, "the other message");
    assert.deepEqual(received, [{ hello: "<world>", n: 1 }]);

    // No subscription left: the SDK closes its stream and the server forgets the client.
    await pb.realtime.unsubscribe();
    await waitFor(() => broker.client(client.id) === undefined, "the client to be unregistered");
  });

  it("names events by the subscription string, options included", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const pb = sdkClient(srv, t);
    const plain: unknown[] = [];
    const withOptions: unknown[] = [];
    await pb.realtime.subscribe("custom", (d) => plain.push(d));
    await pb.realtime.subscribe("custom", (d) => withOptions.push(d), {
      query: { expand: "x" },
      headers: { "X-Token": "t" },
    });
    const client = getRealtimeBroker(srv.app).client(pb.realtime.clientId)!;
    const subs = [...client.subscriptions().entries()];
    assert.equal(subs.length, 2);
    const [name, options] = subs.find(([s]) => s !== "custom")!;
    assert.match(name, /^custom\?options=/);
    assert.deepEqual(options, { query: { expand: "x" }, headers: { x_token: "t" } });
    assert.equal(sendToTopic(srv.app, "custom", { v: 1 }), 2);
    await waitFor(() => plain.length === 1 && withOptions.length === 1, "both messages");
    await pb.realtime.unsubscribe();
  });

  it("reconnects and resubscribes after the server drops the connection", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const pb = sdkClient(srv, t);
    const received: unknown[] = [];
    await pb.realtime.subscribe("custom", (d) => received.push(d));
    const broker = getRealtimeBroker(srv.app);
    const firstId = pb.realtime.clientId;
    broker.unregister(firstId);
    await waitFor(
      () => broker.clientsForTopic("custom").some((c) => c.id !== firstId),
      "the SDK to reconnect and resubmit its subscriptions",
    );
    assert.notEqual(pb.realtime.clientId, firstId);
    sendToTopic(srv.app, "custom", { after: "reconnect" });
    await waitFor(() => received.length === 1, "the message after reconnecting");
    assert.deepEqual(received, [{ after: "reconnect" }]);
    await pb.realtime.unsubscribe();
  });
});

describe("realtime SSE on the wire", () => {
  it("sends PocketBase's headers and exact framing", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const sse = await openSse(srv.url);
    t.after(() => sse.close());
    assert.equal(sse.response.headers.get("content-type"), "text/event-stream");
    assert.equal(sse.response.headers.get("cache-control"), "no-store");
    assert.equal(sse.response.headers.get("x-accel-buffering"), "no");
    assert.match(sse.clientId, /^[A-Za-z0-9]{40}$/);
    assert.equal(sse.first, `id:${sse.clientId}\nevent:PB_CONNECT\ndata:{"clientId":"${sse.clientId}"}\n\n`);

    const sub = `custom?options=${encodeURIComponent('{"query":{"a":"1"}}')}`;
    const res = await subscribe(srv.url, sse.clientId, ["custom", sub]);
    assert.equal(res.status, 204);
    assert.equal(res.text, "");
    sendToTopic(srv.app, "custom", { html: "<b>&</b>" });
    const data = '{"html":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e"}';
    const frames = [await sse.next(), await sse.next()].sort();
    assert.deepEqual(
      frames,
      [
        `id:${sse.clientId}\nevent:${sub}\ndata:${data}\n\n`,
        `id:${sse.clientId}\nevent:custom\ndata:${data}\n\n`,
      ].sort(),
    );
    assert.ok(sendToClient(srv.app, sse.clientId, "@oauth2", { state: sse.clientId, code: "c" }));
    assert.equal(
      await sse.next(),
      `id:${sse.clientId}\nevent:@oauth2\ndata:{"state":"${sse.clientId}","code":"c"}\n\n`,
    );
  });

  it("answers subscribe errors like PocketBase", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const sse = await openSse(srv.url);
    t.after(() => sse.close());

    const unknown = await subscribe(srv.url, "x".repeat(40), []);
    assert.equal(unknown.status, 404);
    assert.deepEqual(unknown.json, { data: {}, message: "Missing or invalid client id.", status: 404 });

    const malformed = await request(srv.url, "POST", "/api/realtime", {
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    assert.equal(malformed.status, 400);
    const wrongType = await subscribe(srv.url, sse.clientId, "custom");
    assert.equal(wrongType.status, 400);
    assert.deepEqual(wrongType.json.data, {});

    const missing = await request(srv.url, "POST", "/api/realtime", { body: { subscriptions: [] } });
    assert.equal(missing.status, 400);
    assert.deepEqual(missing.json, {
      data: { clientId: { code: "validation_required", message: "Cannot be blank." } },
      message: "Something went wrong while processing your request.",
      status: 400,
    });

    const tooMany = await subscribe(
      srv.url,
      sse.clientId,
      Array.from({ length: 1001 }, (_, i) => `t${i}`),
    );
    assert.equal(tooMany.status, 400);
    assert.deepEqual(tooMany.json.data, {
      subscriptions: {
        code: "validation_length_too_long",
        message: "The length must be no more than 1000.",
        params: { max: 1000 },
      },
    });

    const tooLong = await subscribe(srv.url, sse.clientId, ["ok", "x".repeat(2501)]);
    assert.equal(tooLong.status, 400);
    assert.deepEqual(tooLong.json.data, {
      subscriptions: {
        "1": {
          code: "validation_length_too_long",
          message: "The length must be no more than 2500.",
          params: { max: 2500 },
        },
      },
    });

    // Nothing was applied.
    assert.equal(getRealtimeBroker(srv.app).client(sse.clientId)!.subscriptions().size, 0);
  });

  it("binds the auth of the subscribe request: same auth or guest to auth only", async (t) => {
    const srv = await startTestServer(t, { user: true });
    const sse = await openSse(srv.url);
    t.after(() => sse.close());
    const client = getRealtimeBroker(srv.app).client(sse.clientId)!;

    assert.equal((await subscribe(srv.url, sse.clientId, ["a"])).status, 204);
    assert.equal(client.auth === null, true);
    assert.equal((await subscribe(srv.url, sse.clientId, ["a"], srv.userToken)).status, 204);
    assert.equal(client.auth?.collection.name, "users");
    assert.equal((await subscribe(srv.url, sse.clientId, ["b"], srv.userToken)).status, 204);

    const other = await subscribe(srv.url, sse.clientId, ["c"], srv.token);
    assert.equal(other.status, 403);
    assert.deepEqual(other.json, {
      data: {},
      message: "The current and the previous request authorization don't match.",
      status: 403,
    });
    assert.equal((await subscribe(srv.url, sse.clientId, ["c"])).status, 403);
    assert.deepEqual([...client.subscriptions().keys()], ["b"]);
    assert.equal(client.auth?.collection.name, "users");
  });

  it("keeps the client's auth in step with its auth record", async (t) => {
    const srv = await startTestServer(t, { user: true });
    const sse = await openSse(srv.url);
    t.after(() => sse.close());
    assert.equal((await subscribe(srv.url, sse.clientId, ["a"], srv.userToken)).status, 204);
    const client = getRealtimeBroker(srv.app).client(sse.clientId)!;
    const users = srv.app.findCollectionByNameOrId("users")!;
    const user = (await findAuthRecordByEmail(srv.app, users, USER.email))!;

    // A plain update refreshes the cached record…
    user.set("name", "Renamed");
    await saveRecord(srv.app, user);
    await waitFor(() => client.auth?.get("name") === "Renamed", "the refreshed auth record");
    // …a new tokenKey (tokens revoked) makes the client a guest, still connected…
    user.refreshTokenKey();
    await saveRecord(srv.app, user);
    await waitFor(() => client.auth === null, "the revoked auth");
    assert.ok(!client.isDiscarded);

    // …and so does deleting the record.
    const fresh = (await findAuthRecordByEmail(srv.app, users, USER.email))!;
    const token = newAuthToken(fresh);
    const sse2 = await openSse(srv.url);
    t.after(() => sse2.close());
    assert.equal((await subscribe(srv.url, sse2.clientId, ["a"], token)).status, 204);
    const client2 = getRealtimeBroker(srv.app).client(sse2.clientId)!;
    assert.equal(client2.auth?.id, fresh.id);
    await deleteRecord(srv.app, fresh);
    await waitFor(() => client2.auth === null, "the deleted auth");
  });

  it("lets clients of one auth record share one copy of it", async (t) => {
    const srv = await startTestServer(t, { user: true });
    const [a, b, admin] = await Promise.all([openSse(srv.url), openSse(srv.url), openSse(srv.url)]);
    t.after(() => Promise.all([a.close(), b.close(), admin.close()]));
    assert.equal((await subscribe(srv.url, a.clientId, ["x"], srv.userToken)).status, 204);
    assert.equal((await subscribe(srv.url, b.clientId, ["x"], srv.userToken)).status, 204);
    assert.equal((await subscribe(srv.url, admin.clientId, ["x"], srv.token)).status, 204);
    const broker = getRealtimeBroker(srv.app);
    const [ca, cb, cadmin] = [a, b, admin].map((s) => broker.client(s.clientId)!);
    assert.equal(ca!.auth?.email, USER.email);
    assert.equal(ca!.auth, cb!.auth, "two subscribe requests of one user: one record object");
    assert.notEqual(cadmin!.auth, ca!.auth);

    // A change to the record: a later subscribe doesn't reuse the stale copy…
    const users = srv.app.findCollectionByNameOrId("users")!;
    const user = (await findAuthRecordByEmail(srv.app, users, USER.email))!;
    user.set("name", "Changed");
    await saveRecord(srv.app, user);
    // …and the clients that held the old one get one fresh copy between them.
    await waitFor(
      () => ca!.auth?.get("name") === "Changed" && cb!.auth?.get("name") === "Changed",
      "the refresh",
    );
    assert.equal(ca!.auth, cb!.auth);
    const c = await openSse(srv.url);
    t.after(() => c.close());
    assert.equal((await subscribe(srv.url, c.clientId, ["x"], srv.userToken)).status, 204);
    assert.equal(broker.client(c.clientId)!.auth?.get("name"), "Changed");
  });

  it("refuses a subscribe request from another IP than the connection", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const settings = structuredClone(srv.app.settings());
    settings.trustedProxy.headers = ["X-Forwarded-For"];
    await srv.app.saveSettings(settings);
    const sse = await openSse(srv.url, { "x-forwarded-for": "10.0.0.1" });
    t.after(() => sse.close());
    assert.equal(getRealtimeBroker(srv.app).client(sse.clientId)!.ip, "10.0.0.1");
    const other = await subscribe(srv.url, sse.clientId, ["a"], undefined, { "x-forwarded-for": "10.0.0.2" });
    assert.equal(other.status, 400);
    const same = await subscribe(srv.url, sse.clientId, ["a"], undefined, { "x-forwarded-for": "10.0.0.1" });
    assert.equal(same.status, 204);
  });

  it("runs the realtime hooks", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const fired: string[] = [];
    srv.app.onRealtimeConnectRequest().bindFunc(async (e) => {
      fired.push(`connect:${e.transport}`);
      await e.next();
    });
    srv.app.onRealtimeSubscribeRequest().bindFunc(async (e) => {
      fired.push(`subscribe:${e.subscriptions.join(",")}`);
      e.subscriptions = [...e.subscriptions, "added-by-hook"];
      await e.next();
    });
    srv.app.onRealtimeMessageSend().bindFunc(async (e) => {
      fired.push(`send:${e.message.name}`);
      if (e.message.name === "custom") e.message = { name: e.message.name, data: '"changed"' };
      await e.next();
    });
    const sse = await openSse(srv.url);
    t.after(() => sse.close());
    assert.equal((await subscribe(srv.url, sse.clientId, ["custom"])).status, 204);
    assert.ok(getRealtimeBroker(srv.app).client(sse.clientId)!.hasSubscription("added-by-hook"));
    sendToTopic(srv.app, "custom", "original");
    assert.equal(await sse.next(), `id:${sse.clientId}\nevent:custom\ndata:"changed"\n\n`);
    assert.deepEqual(fired, ["connect:sse", "send:PB_CONNECT", "subscribe:custom", "send:custom"]);
  });

  it("closes idle streams and streams past their maximum lifetime", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    configureRealtime(srv.app, { idleTimeout: 100, maxTimeout: 0 });
    const idle = await openSse(srv.url);
    assert.equal(await idle.next(), null);
    assert.equal(getRealtimeBroker(srv.app).client(idle.clientId), undefined);

    // A hook can change the timeouts per connection.
    srv.app.onRealtimeConnectRequest().bindFunc(async (e) => {
      e.idleTimeout = 0;
      e.maxTimeout = 150;
      await e.next();
    });
    const busy = await openSse(srv.url);
    await subscribe(srv.url, busy.clientId, ["tick"]);
    const timer = setInterval(() => sendToTopic(srv.app, "tick", 1), 20);
    t.after(() => clearInterval(timer));
    let frames = 0;
    while ((await busy.next()) !== null) frames++;
    clearInterval(timer);
    assert.ok(frames > 0);
    assert.equal(getRealtimeBroker(srv.app).client(busy.clientId), undefined);
  });

  it("a consumer that stops reading never blocks delivery to others", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    configureRealtime(srv.app, { clientLimits: { maxQueuedMessages: 8, maxQueuedBytes: 1 << 20 } });
    const broker = getRealtimeBroker(srv.app);

    // The slow client: a raw socket that reads PB_CONNECT and then never reads again.
    const { hostname: host, port } = new URL(srv.url);
    const socket: Socket = netConnect(Number(port), host);
    t.after(() => socket.destroy());
    const slowId = await new Promise<string>((resolve, reject) => {
      let text = "";
      socket.on("error", reject);
      socket.on("data", (chunk: Buffer) => {
        text += chunk.toString();
        const m = /id:([A-Za-z0-9]{40})\n/.exec(text);
        if (m) {
          socket.pause();
          socket.removeAllListeners("data");
          resolve(m[1]!);
        }
      });
      socket.write(`GET /api/realtime HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
    });
    assert.equal((await subscribe(srv.url, slowId, ["big"])).status, 204);

    const fast = await openSse(srv.url);
    t.after(() => fast.close());
    assert.equal((await subscribe(srv.url, fast.clientId, ["big"])).status, 204);

    // Each message waits for the fast client only; the slow one's socket buffers fill up, then
    // its queue, and it is dropped.
    const payload = "x".repeat(64 * 1024);
    let sent = 0;
    while (broker.client(slowId)) {
      assert.ok(sent < 2000, "the slow client should have been dropped");
      sendToTopic(srv.app, "big", { n: sent, payload });
      const frame = await fast.next();
      assert.ok(frame?.includes(`"n":${sent},`), "the fast client gets every message, in order");
      sent++;
    }
    assert.ok(broker.client(fast.clientId));
    sendToTopic(srv.app, "big", { n: "last" });
    assert.match((await fast.next())!, /"n":"last"/);
  });

  it("disconnects realtime clients when the server stops", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const sse = await openSse(srv.url);
    await srv.close();
    assert.equal(await sse.next(), null);
  });
});
