/**
 * Realtime on a copy of PocketBase's test data folder, scenario by scenario (the requests of
 * PocketBase's apis/realtime_test.go): the SSE connect request with its PB_CONNECT message and
 * the message hook interrupting or skipping it, then the subscribe request against a client
 * registered in the broker (limits, replacing subscriptions, the auth a client may take), and
 * the broker following its clients' auth records when they change or are deleted.
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { getRealtimeBroker } from "../src/api/realtime.ts";
import { Client } from "../src/realtime/client.ts";
import { findAuthRecordByEmail } from "../src/core/records/record-query.ts";
import { deleteRecord, saveRecord } from "../src/core/records/record-save.ts";
import type { Record } from "../src/core/records/record.ts";
import { countEvents } from "./helpers/scenario.ts";
import {
  as,
  runTestdataScenarios,
  startOnTestdata,
  TOKENS,
  type RecordScenario,
} from "./helpers/records-testdata.ts";
import type { TestServer } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";

// ---- connect -----------------------------------------------------------------------------

/** Opens the SSE stream, reads what arrives within `ms`, then hangs up. */
async function connectFor(s: TestServer, ms: number): Promise<{ status: number; text: string }> {
  const controller = new AbortController();
  const res = await fetch(`${s.url}/api/realtime`, { signal: controller.signal });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = setTimeout(() => controller.abort(), ms);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    // aborted at the deadline: what arrived so far is the answer
  } finally {
    clearTimeout(deadline);
  }
  return { status: res.status, text };
}

interface ConnectScenario {
  name: string;
  before?: (s: TestServer) => void;
  expectedContent: string[];
}

const CONNECTED = { onRealtimeConnectRequest: 1, onRealtimeMessageSend: 1 };

const connects: ConnectScenario[] = [
  {
    name: "connect: PB_CONNECT with the client id",
    expectedContent: ["id:", "event:PB_CONNECT", `data:{"clientId":`],
  },
  {
    name: "connect: a message hook failing on PB_CONNECT ends the stream",
    before: (s) => {
      s.app.hooks.onRealtimeMessageSend.bindFunc((e) =>
        e.message.name === "PB_CONNECT" ? Promise.reject(new Error("PB_CONNECT error")) : e.next(),
      );
    },
    expectedContent: [],
  },
  {
    name: "connect: a message hook that does not continue skips the message",
    before: (s) => {
      s.app.hooks.onRealtimeMessageSend.bindFunc(() => Promise.resolve());
    },
    expectedContent: [],
  },
];

async function runConnect(t: TestContext, row: ConnectScenario): Promise<void> {
  const s = await startOnTestdata(t);
  if (!s) return;
  row.before?.(s);
  const counts = countEvents(s.app);
  const res = await connectFor(s, 300);
  assert.equal(res.status, 200);
  for (const fragment of row.expectedContent)
    assert.ok(res.text.includes(fragment), `${fragment} in ${res.text}`);
  // The client leaves the broker once the connection is gone.
  await waitFor(() => getRealtimeBroker(s.app).clients().length === 0, "the client to be unregistered");
  assert.deepEqual(Object.fromEntries(counts), CONNECTED);
}

test("realtime connect (PocketBase scenarios)", async (t) => {
  for (const row of connects) await t.test(row.name, (t) => runConnect(t, row));
});

// ---- subscribe ---------------------------------------------------------------------------

const CLIENT_ID = "scenarioclient0000000000000000000000000a";

/** Registers the scenario's client in the broker (from loopback, with `subs` and `auth`). */
const registered =
  (opts: { subs?: string[]; authEmail?: string } = {}) =>
  async (s: TestServer) => {
    const client = new Client<Record>({ id: CLIENT_ID, ip: "127.0.0.1" });
    if (opts.subs) client.subscribe(...opts.subs);
    if (opts.authEmail) {
      const users = s.app.findCollectionByNameOrId("users")!;
      client.auth = await findAuthRecordByEmail(s.app, users, opts.authEmail);
    }
    getRealtimeBroker(s.app).register(client);
  };

const clientOf = (s: TestServer) => getRealtimeBroker(s.app).client(CLIENT_ID)!;

const subscriptionsAre = (expected: string[]) => (s: TestServer) =>
  assert.deepEqual([...clientOf(s).subscriptions().keys()].sort(), [...expected].sort());

const SUBSCRIBED = { "*": 0, onRealtimeSubscribeRequest: 1 };
const numbered = (n: number) => Array.from({ length: n }, (_, i) => String(i));

const subscribes: RecordScenario[] = [
  {
    name: "subscribe: unknown client",
    method: "POST",
    url: "/api/realtime",
    body: { clientId: "missing", subscriptions: ["test1", "test2"] },
    expectedStatus: 404,
    expectedContent: [`"data":{}`],
    expectedEvents: { "*": 0 },
  },
  {
    name: "subscribe: empty body",
    method: "POST",
    url: "/api/realtime",
    body: {},
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"clientId":{"code":"validation_required`],
    notExpectedContent: [`"subscriptions"`],
    expectedEvents: { "*": 0 },
  },
  {
    name: "subscribe: more than 1000 subscriptions",
    method: "POST",
    url: "/api/realtime",
    body: { clientId: CLIENT_ID, subscriptions: numbered(1001) },
    before: registered(),
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"subscriptions":{"code":"validation_length_too_long"`],
    expectedEvents: { "*": 0 },
  },
  {
    name: "subscribe: 1000 subscriptions replace the old ones",
    method: "POST",
    url: "/api/realtime",
    body: { clientId: CLIENT_ID, subscriptions: numbered(1000) },
    before: registered({ subs: ["test0"] }),
    expectedStatus: 204,
    expectedEvents: SUBSCRIBED,
    after: subscriptionsAre(numbered(1000)),
  },
  {
    name: "subscribe: a topic over 2500 characters",
    method: "POST",
    url: "/api/realtime",
    body: { clientId: CLIENT_ID, subscriptions: ["abc", "a".repeat(2501)] },
    before: registered(),
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"subscriptions":{"1":{"code":"validation_length_too_long"`],
    expectedEvents: { "*": 0 },
  },
  {
    name: "subscribe: a topic of 2500 characters",
    method: "POST",
    url: "/api/realtime",
    body: { clientId: CLIENT_ID, subscriptions: ["abc", "a".repeat(2500)] },
    before: registered({ subs: ["test0"] }),
    expectedStatus: 204,
    expectedEvents: SUBSCRIBED,
    after: subscriptionsAre(["abc", "a".repeat(2500)]),
  },
  {
    name: "subscribe: an empty list clears them",
    method: "POST",
    url: "/api/realtime",
    body: { clientId: CLIENT_ID, subscriptions: [] },
    before: registered({ subs: ["test0"] }),
    expectedStatus: 204,
    expectedEvents: SUBSCRIBED,
    after: subscriptionsAre([]),
  },
  {
    name: "subscribe: two new subscriptions",
    method: "POST",
    url: "/api/realtime",
    body: { clientId: CLIENT_ID, subscriptions: ["test1", "test2"] },
    before: registered({ subs: ["test0"] }),
    expectedStatus: 204,
    expectedEvents: SUBSCRIBED,
    after: subscriptionsAre(["test1", "test2"]),
  },
  {
    name: "subscribe: a guest client becomes a superuser",
    method: "POST",
    url: "/api/realtime",
    auth: as("superuser"),
    body: { clientId: CLIENT_ID, subscriptions: ["test1", "test2"] },
    before: registered(),
    expectedStatus: 204,
    expectedEvents: SUBSCRIBED,
    after: (s) => assert.equal(clientOf(s).auth?.collection.name, "_superusers"),
  },
  {
    name: "subscribe: a guest client becomes a user",
    method: "POST",
    url: "/api/realtime",
    auth: as("user"),
    body: { clientId: CLIENT_ID, subscriptions: ["test1", "test2"] },
    before: registered(),
    expectedStatus: 204,
    expectedEvents: SUBSCRIBED,
    after: (s) => assert.equal(clientOf(s).auth?.id, "4q1xlclmfloku33"),
  },
  {
    name: "subscribe: the same user again",
    method: "POST",
    url: "/api/realtime",
    auth: as("user"),
    body: { clientId: CLIENT_ID, subscriptions: ["test1", "test2"] },
    before: registered({ authEmail: "test@example.com" }),
    expectedStatus: 204,
    expectedEvents: SUBSCRIBED,
    after: (s) => assert.equal(clientOf(s).auth?.id, "4q1xlclmfloku33"),
  },
  {
    name: "subscribe: another user than the client's",
    method: "POST",
    url: "/api/realtime",
    auth: as("user"),
    body: { clientId: CLIENT_ID, subscriptions: ["test1", "test2"] },
    before: registered({ authEmail: "test2@example.com" }),
    expectedStatus: 403,
    expectedContent: [`"data":{}`],
    after: (s) => assert.equal(clientOf(s).auth?.id, "oap640cot4yru2s"),
  },
  {
    name: "subscribe: a guest request for an authenticated client",
    method: "POST",
    url: "/api/realtime",
    body: { clientId: CLIENT_ID, subscriptions: ["test1", "test2"] },
    before: registered({ authEmail: "test2@example.com" }),
    expectedStatus: 403,
    expectedContent: [`"data":{}`],
    after: (s) => assert.equal(clientOf(s).auth?.id, "oap640cot4yru2s"),
  },
];

test("realtime subscribe (PocketBase scenarios)", (t) => runTestdataScenarios(t, subscribes));

// ---- the clients' auth follows its record ------------------------------------------------

/** Three clients: two as test@example.com, one as test2@example.com. */
async function threeClients(
  s: TestServer,
): Promise<{ clients: Client<Record>[]; user1: Record; user2: Record }> {
  const users = s.app.findCollectionByNameOrId("users")!;
  const user1 = (await findAuthRecordByEmail(s.app, users, "test@example.com"))!;
  const user2 = (await findAuthRecordByEmail(s.app, users, "test2@example.com"))!;
  const clients = [user1, user1, user2].map((auth) => {
    const client = new Client<Record>({ ip: "127.0.0.1" });
    client.auth = auth;
    getRealtimeBroker(s.app).register(client);
    return client;
  });
  return { clients, user1, user2 };
}

test("realtime: deleting an auth record signs its clients out", async (t) => {
  const s = await startOnTestdata(t);
  if (!s) return;
  const { clients, user1, user2 } = await threeClients(s);
  await deleteRecord(s.app, user1);
  await waitFor(() => clients[0]!.auth === null && clients[1]!.auth === null, "the auth to be unset");
  assert.equal(getRealtimeBroker(s.app).clients().length, 3, "the clients stay connected");
  assert.equal(clients[2]!.auth?.id, user2.id, "other users' clients are left alone");
});

test("realtime: updating an auth record refreshes its clients' copy", async (t) => {
  const s = await startOnTestdata(t);
  if (!s) return;
  const { clients, user1 } = await threeClients(s);
  user1.set("email", "new@example.com");
  await saveRecord(s.app, user1);
  await waitFor(() => clients[0]!.auth?.get("email") === "new@example.com", "the client's auth to follow");
  assert.equal(clients[1]!.auth?.get("email"), "new@example.com");
  assert.equal(clients[2]!.auth?.get("email"), "test2@example.com");
});

// ---- record events reach the subscribers of their topics ---------------------------------

test("realtime: record events reach collection and record subscribers only", async (t) => {
  const s = await startOnTestdata(t);
  if (!s) return;
  await s.pb.collections.create({
    name: "realtime_test_collection",
    type: "base",
    listRule: "",
    viewRule: "",
    fields: [{ name: "created", type: "autodate", onCreate: true, onUpdate: true }],
  });
  const recordId = "abcdefghijklmno";
  const broker = getRealtimeBroker(s.app);
  const make = (sub: string) => {
    const client = new Client<Record>({ ip: "127.0.0.1" });
    client.subscribe(sub);
    broker.register(client);
    return client;
  };
  const discarded = make("realtime_test_collection/*");
  broker.unregister(discarded.id);
  const all = make("realtime_test_collection/*");
  const one = make(`realtime_test_collection/${recordId}`);
  const other = make("demo1/*");

  const pb = s.client();
  pb.authStore.save(TOKENS.superuser, null);
  await pb.collection("realtime_test_collection").create({ id: recordId });
  await pb.collection("realtime_test_collection").update(recordId, {});
  await pb.collection("realtime_test_collection").delete(recordId);

  const actions = (c: Client<Record>) => {
    const out: string[] = [];
    for (let m = c.take(); m; m = c.take())
      out.push((JSON.parse(String(m.data)) as { action: string }).action);
    return out;
  };
  const seen = new Map<Client<Record>, string[]>([
    [all, []],
    [one, []],
  ]);
  await waitFor(() => {
    for (const [c, list] of seen) list.push(...actions(c));
    return [...seen.values()].every((l) => l.length >= 3);
  }, "three events for each subscriber");
  assert.deepEqual(seen.get(all), ["create", "update", "delete"]);
  assert.deepEqual(seen.get(one), ["create", "update", "delete"]);
  assert.deepEqual(actions(other), []);
  assert.deepEqual(actions(discarded), []);
});
