/**
 * PocketBase's oauth2-redirect scenarios replayed against its own test data folder: realtime
 * clients (real SSE connections through the SDK) subscribed to various topics, and where the
 * provider's redirect sends its code.
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { EventSource } from "eventsource";
import { getRealtimeBroker } from "../src/api/realtime.ts";
import { takeAppleRedirectName } from "../src/api/oauth2-redirect.ts";
import { runScenario } from "./helpers/scenario.ts";
import { testdataServer } from "./helpers/pb-auth-scenarios.ts";
import type { TestServer } from "./helpers/server.ts";
import type { RawResponse } from "./helpers/http.ts";
import { waitFor } from "./helpers/wait.ts";

// The SDK's realtime client needs an EventSource; Node has none by default.
(globalThis as { EventSource?: unknown }).EventSource ??= EventSource;

/** A realtime client subscribed to `topics`, and the `@oauth2` messages it got. */
async function client(s: TestServer, ...topics: string[]) {
  const pb = s.client();
  const messages: string[] = [];
  for (const topic of topics) {
    await pb.realtime.subscribe(topic, (e: unknown) => void messages.push(JSON.stringify(e)));
  }
  return { pb, id: pb.realtime.clientId, messages };
}

/** The four kinds of client PocketBase's table registers before each request. */
async function clients(t: TestContext, s: TestServer) {
  const all = {
    none: await client(s, "test0"),
    oauth2: await client(s, "@oauth2"),
    both: await client(s, "test1", "@oauth2"),
    other: await client(s, "test1", "test2"),
  };
  t.after(() => {
    for (const c of Object.values(all)) c.pb.realtime.unsubscribe().catch(() => undefined);
  });
  return all;
}

const failed = (res: RawResponse) =>
  assert.match(res.headers.get("location") ?? "", /\/oauth2-redirect-failure$/);
const succeeded = (res: RawResponse) =>
  assert.match(res.headers.get("location") ?? "", /\/oauth2-redirect-success$/);
const subscribed = (s: TestServer, id: string) =>
  getRealtimeBroker(s.app).client(id)?.hasSubscription("@oauth2") ?? false;

/**
 * Runs one GET/POST redirect and returns the response (307 for GET, 303 for POST). No hook
 * fires, except the realtime send when `to` (a client) is handed the code: its SSE connection
 * writes the message (PocketBase's own table uses stub clients without a connection).
 */
async function redirect(
  s: TestServer,
  url: string,
  opts: { form?: URLSearchParams; to?: { messages: string[] } } = {},
): Promise<RawResponse> {
  const { form, to } = opts;
  return runScenario(s, {
    name: url,
    method: form ? "POST" : "GET",
    url,
    body: form?.toString(),
    headers: form ? { "content-type": "application/x-www-form-urlencoded" } : undefined,
    settled: to ? () => to.messages.length > 0 : undefined,
    expectedStatus: form ? 303 : 307,
    expectedEvents: to ? { "*": 0, onRealtimeMessageSend: 1 } : { "*": 0 },
  });
}

test("PocketBase scenarios: oauth2-redirect", async (t) => {
  await t.test("no state", async (t) => {
    const s = await testdataServer(t);
    if (!s) return;
    const c = await clients(t, s);
    failed(await redirect(s, "/api/oauth2-redirect?code=123"));
    assert.deepEqual(
      [...Object.values(c)].flatMap((x) => x.messages),
      [],
    );
  });

  await t.test("a state that is no client", async (t) => {
    const s = await testdataServer(t);
    if (!s) return;
    await clients(t, s);
    failed(await redirect(s, "/api/oauth2-redirect?code=123&state=missing"));
  });

  await t.test("no code: the client is told (empty code) and unsubscribed", async (t) => {
    const s = await testdataServer(t);
    if (!s) return;
    const c = await clients(t, s);
    failed(await redirect(s, `/api/oauth2-redirect?state=${c.both.id}`, { to: c.both }));
    await waitFor(() => c.both.messages.length > 0, "the @oauth2 message");
    assert.ok(c.both.messages[0]!.includes(`"state":"${c.both.id}"`));
    assert.ok(c.both.messages[0]!.includes('"code":""'));
    assert.equal(subscribed(s, c.both.id), false);
  });

  await t.test("a provider error: forwarded, the client unsubscribed", async (t) => {
    const s = await testdataServer(t);
    if (!s) return;
    const c = await clients(t, s);
    failed(
      await redirect(s, `/api/oauth2-redirect?error=example&code=123&state=${c.both.id}`, { to: c.both }),
    );
    await waitFor(() => c.both.messages.length > 0, "the @oauth2 message");
    for (const part of [`"state":"${c.both.id}"`, '"code":"123"', '"error":"example"']) {
      assert.ok(c.both.messages[0]!.includes(part), part);
    }
    assert.equal(subscribed(s, c.both.id), false);
  });

  await t.test("a client gone since it subscribed", async (t) => {
    const s = await testdataServer(t);
    if (!s) return;
    const gone = await client(s, "@oauth2");
    await gone.pb.realtime.unsubscribe();
    await waitFor(() => !getRealtimeBroker(s.app).client(gone.id), "the client to be gone");
    failed(await redirect(s, `/api/oauth2-redirect?code=123&state=${gone.id}`));
  });

  await t.test("a client without the @oauth2 subscription", async (t) => {
    const s = await testdataServer(t);
    if (!s) return;
    const c = await clients(t, s);
    failed(await redirect(s, `/api/oauth2-redirect?code=123&state=${c.other.id}`));
    assert.deepEqual(c.other.messages, []);
  });

  await t.test("a subscribed client gets the code, once; nobody else does", async (t) => {
    const s = await testdataServer(t);
    if (!s) return;
    const c = await clients(t, s);
    succeeded(await redirect(s, `/api/oauth2-redirect?code=123&state=${c.both.id}`, { to: c.both }));
    await waitFor(() => c.both.messages.length > 0, "the @oauth2 message");
    assert.ok(c.both.messages[0]!.includes(`"state":"${c.both.id}"`));
    assert.ok(c.both.messages[0]!.includes('"code":"123"'));
    assert.deepEqual(c.oauth2.messages, []);
    assert.equal(subscribed(s, c.both.id), false);
  });

  await t.test("POST (form_post): the subscribed client gets the code, 303", async (t) => {
    const s = await testdataServer(t);
    if (!s) return;
    const c = await clients(t, s);
    succeeded(
      await redirect(s, "/api/oauth2-redirect", {
        form: new URLSearchParams({ code: "123", state: c.both.id }),
        to: c.both,
      }),
    );
    await waitFor(() => c.both.messages.length > 0, "the @oauth2 message");
    assert.ok(c.both.messages[0]!.includes('"code":"123"'));
    assert.equal(subscribed(s, c.both.id), false);
  });

  await t.test("POST with Apple's user JSON: the name is kept, at most 150 characters", async (t) => {
    const s = await testdataServer(t);
    if (!s) return;
    const c = await clients(t, s);
    const user = JSON.stringify({ name: { firstName: "aaa", lastName: "b".repeat(200) } });
    succeeded(
      await redirect(s, "/api/oauth2-redirect", {
        form: new URLSearchParams({ code: "123", state: c.both.id, user }),
        to: c.both,
      }),
    );
    await waitFor(() => c.both.messages.length > 0, "the @oauth2 message");
    assert.equal(subscribed(s, c.both.id), false);
    assert.equal(takeAppleRedirectName(s.app, "123"), `aaa ${"b".repeat(146)}`);
  });
});
