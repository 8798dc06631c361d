/**
 * Realtime record events end to end: the official SDK (guest, two users, a superuser) and a
 * WebSocket client subscribe to a collection and to records, with filter/expand/fields
 * options, and receive exactly the create/update/delete events their rules allow, in order;
 * rolled-back writes send nothing; auth changes change what a client receives; a client that
 * stops reading holds up nobody.
 */
import assert from "node:assert/strict";
import { connect as netConnect, type Socket } from "node:net";
import { describe, it, type TestContext } from "node:test";
import { EventSource } from "eventsource";
import type PocketBase from "pocketbase";
import type { RecordModel, RecordSubscription } from "pocketbase";
import { configureRealtime, getRealtimeBroker } from "../src/api/realtime.ts";
import { Record } from "../src/core/records/record.ts";
import { deleteRecord, saveRecord } from "../src/core/records/record-save.ts";
import { newAuthToken } from "../src/core/records/record-tokens.ts";
import { request } from "./helpers/http.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";

// The SDK's realtime service needs a global EventSource, which Node does not have.
(globalThis as { EventSource?: unknown }).EventSource ??= EventSource;

/** A user with a token and an SDK client authenticated as them. */
interface Actor {
  name: string;
  pb: PocketBase;
  id: string;
  token: string;
}

interface World {
  srv: TestServer;
  guest: Actor;
  a: Actor;
  b: Actor;
  su: Actor;
  /** The superuser's SDK client for writes (separate from the subscribing ones). */
  writer: PocketBase;
  usersId: string;
  postsId: string;
}

/** An SDK client whose realtime connection is torn down after the test. */
function sdk(srv: TestServer, t: TestContext, token = "", record?: unknown): PocketBase {
  const pb = srv.client();
  if (token) pb.authStore.save(token, record as never);
  t.after(() => (pb.realtime as unknown as { disconnect(): void }).disconnect());
  return pb;
}

async function createUser(srv: TestServer, email: string, name: string): Promise<Record> {
  const users = srv.app.findCollectionByNameOrId("users")!;
  const user = new Record(users);
  user.set("email", email);
  user.set("name", name);
  user.set("password", "$2a$04$notarealhashnotarealhashnotarealhashnotarealhash1234");
  user.refreshTokenKey();
  await saveRecord(srv.app, user, { skipValidation: true });
  return user;
}

/**
 * A server with `posts` (title, author → users, public, hidden secret): listed when public or
 * your own, viewed when your own; users A and B; SDK clients for a guest, A, B, a superuser.
 */
async function world(t: TestContext): Promise<World> {
  const srv = await startTestServer(t);
  const userA = await createUser(srv, "a@example.com", "Alice");
  const userB = await createUser(srv, "b@example.com", "Bob");
  const posts = await srv.pb.collections.create({
    name: "posts",
    type: "base",
    fields: [
      { name: "title", type: "text", max: 100_000 },
      { name: "author", type: "relation", collectionId: "_pb_users_auth_", maxSelect: 1 },
      { name: "public", type: "bool" },
      { name: "secret", type: "text", hidden: true },
      { name: "created", type: "autodate", onCreate: true },
      { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ],
    listRule: "public = true || author = @request.auth.id",
    viewRule: "author = @request.auth.id",
    createRule: "",
    updateRule: "",
    deleteRule: "",
  });
  const actor = (name: string, user: Record | null, token = user ? newAuthToken(user) : ""): Actor => ({
    name,
    pb: sdk(srv, t, token, user?.toPublicJson({ showEmail: true })),
    id: user?.id ?? "",
    token,
  });
  const su = actor("su", null, srv.token);
  return {
    srv,
    guest: actor("guest", null),
    a: actor("a", userA),
    b: actor("b", userB),
    su,
    writer: srv.pb,
    usersId: "_pb_users_auth_",
    postsId: posts.id,
  };
}

/** Events received by one subscription. */
type Events = RecordSubscription<RecordModel>[];

async function listen(
  pb: PocketBase,
  collection: string,
  topic: string,
  options?: { filter?: string; expand?: string; fields?: string },
): Promise<Events> {
  const events: Events = [];
  await pb.collection(collection).subscribe(topic, (e) => events.push(e), options);
  return events;
}

/** `action:title` of each event (the compact form most assertions use). */
const summary = (events: Events): string[] => events.map((e) => `${e.action}:${String(e.record.title)}`);

/**
 * Writes a public post titled "END" (visible to every subscriber of the collection) and waits
 * until each list has it: events arrive in order, so every earlier event is in by then.
 */
async function fence(w: World, lists: Events[]): Promise<void> {
  const end = await w.writer.collection("posts").create({ title: "END", public: true });
  await waitFor(() => lists.every((l) => l.some((e) => e.record.id === end.id)), "the END event");
  for (const l of lists) {
    const i = l.findIndex((e) => e.record.id === end.id);
    l.splice(i, 1);
  }
}

describe("realtime record events", () => {
  it("sends each client exactly the events its rules allow, in order", async (t) => {
    const w = await world(t);
    const posts = () => w.writer.collection("posts");
    const guest = await listen(w.guest.pb, "posts", "*");
    const a = await listen(w.a.pb, "posts", "*");
    const b = await listen(w.b.pb, "posts", "*");
    const su = await listen(w.su.pb, "posts", "*");

    const p1 = await posts().create({ title: "p1", author: w.a.id, public: true, secret: "s1" });
    const p2 = await posts().create({ title: "p2", author: w.a.id, public: false, secret: "s2" });
    const p3 = await posts().create({ title: "p3", author: w.b.id, public: false });
    await posts().update(p2.id, { title: "p2b" });
    await posts().update(p3.id, { title: "p3b" });
    await posts().update(p2.id, { public: true }); // now listed for everyone
    await posts().delete(p3.id); // B's private post: B and the superuser see it go
    await posts().delete(p2.id);
    await posts().update(p1.id, { public: false }); // A's own: only A and the superuser
    await fence(w, [guest, a, b, su]);

    assert.deepEqual(summary(guest), ["create:p1", "update:p2b", "delete:p2b"]);
    assert.deepEqual(summary(a), [
      "create:p1",
      "create:p2",
      "update:p2b",
      "update:p2b",
      "delete:p2b",
      "update:p1",
    ]);
    assert.deepEqual(summary(b), [
      "create:p1",
      "create:p3",
      "update:p3b",
      "update:p2b",
      "delete:p3b",
      "delete:p2b",
    ]);
    assert.deepEqual(summary(su), [
      "create:p1",
      "create:p2",
      "create:p3",
      "update:p2b",
      "update:p3b",
      "update:p2b",
      "delete:p3b",
      "delete:p2b",
      "update:p1",
    ]);

    // The record is the one the API would return to that client: hidden fields for superusers
    // only, the delete carries the record as it was.
    assert.equal(su[0]!.record.secret, "s1");
    assert.equal("secret" in a[0]!.record, false);
    assert.deepEqual(Object.keys(a[0]!.record).sort(), [
      "author",
      "collectionId",
      "collectionName",
      "created",
      "id",
      "public",
      "title",
      "updated",
    ]);
    const deletedP3 = b.find((e) => e.action === "delete")!.record;
    assert.equal(deletedP3.id, p3.id);
    assert.equal(deletedP3.author, w.b.id);
    assert.equal(deletedP3.collectionName, "posts");
    assert.equal(deletedP3.collectionId, w.postsId);
  });

  it("record topics use the viewRule, collection topics the listRule", async (t) => {
    const w = await world(t);
    const posts = () => w.writer.collection("posts");
    const mine = await posts().create({ title: "mine", author: w.a.id, public: true });
    const byId: { [name: string]: Events } = {};
    const fences: Events[] = [];
    for (const actor of [w.guest, w.a, w.b, w.su]) {
      byId[actor.name] = await listen(actor.pb, "posts", mine.id);
      // A collection subscription of the same client: once it has the END event, so have the others.
      fences.push(await listen(actor.pb, "posts", "*"));
    }

    await posts().update(mine.id, { title: "mine2" });
    await posts().create({ title: "other", author: w.a.id, public: true }); // another record
    await posts().update(mine.id, { author: w.b.id }); // now B's
    await posts().delete(mine.id);
    await fence(w, fences);

    assert.deepEqual(summary(byId.guest!), []); // viewRule needs auth
    assert.deepEqual(summary(byId.a!), ["update:mine2"]); // B's from then on
    assert.deepEqual(summary(byId.b!), ["update:mine2", "delete:mine2"]);
    assert.deepEqual(summary(byId.su!), ["update:mine2", "update:mine2", "delete:mine2"]);
    // The collection topic lists it (public) all along.
    for (const list of fences) {
      assert.deepEqual(summary(list), ["update:mine2", "create:other", "update:mine2", "delete:mine2"]);
    }
  });

  it("applies the filter, expand and fields options per subscription", async (t) => {
    const w = await world(t);
    const posts = () => w.writer.collection("posts");
    const filtered = await listen(w.a.pb, "posts", "*", { filter: 'title ~ "news"' });
    const expanded = await listen(w.a.pb, "posts", "*", { expand: "author" });
    const picked = await listen(w.a.pb, "posts", "*", { fields: "id,title:excerpt(4,true)" });
    const authFilter = await listen(w.a.pb, "posts", "*", { filter: "author = @request.auth.id" });
    const hiddenFilter = await listen(w.a.pb, "posts", "*", { filter: 'secret = "x"' });
    const suFilter = await listen(w.su.pb, "posts", "*", {
      filter: `author = "${w.a.id}" && @request.auth.collectionName = "_superusers"`,
    });
    // As PocketBase: hidden fields are not filterable in subscriptions, even by superusers.
    const suHiddenFilter = await listen(w.su.pb, "posts", "*", { filter: 'secret = "x"' });
    const bExpanded = await listen(w.b.pb, "posts", "*", { expand: "author" });

    await posts().create({ title: "news one", author: w.a.id, public: true, secret: "x" });
    await posts().create({ title: "old", author: w.b.id, public: true, secret: "x" });
    await posts().create({ title: "news two", author: w.a.id, public: false });
    const all = await listen(w.a.pb, "posts", "*"); // a fence list for client A
    const bAll = await listen(w.b.pb, "posts", "*");
    const suAll = await listen(w.su.pb, "posts", "*");
    await fence(w, [all, bAll, suAll, expanded, bExpanded, picked]);

    assert.deepEqual(summary(filtered), ["create:news one", "create:news two"]);
    // Non-superusers may not filter by @request or hidden fields: such a subscription gets nothing.
    assert.deepEqual(authFilter, []);
    assert.deepEqual(hiddenFilter, []);
    assert.deepEqual(summary(suFilter), ["create:news one", "create:news two"]);
    assert.deepEqual(suHiddenFilter, []);

    // expand and fields: exactly what the records API answers that client.
    assert.equal(expanded.length, 3);
    for (const e of expanded) {
      const viaApi = await w.a.pb
        .collection("posts")
        .getList(1, 1, { filter: `id = "${e.record.id}"`, expand: "author" });
      assert.deepEqual(e.record, viaApi.items[0]);
    }
    assert.equal(expanded[0]!.record.expand?.author?.email, "a@example.com"); // A's own email
    assert.equal(expanded[1]!.record.expand?.author, undefined); // B is not visible to A
    for (const e of bExpanded) {
      const viaApi = await w.b.pb
        .collection("posts")
        .getList(1, 1, { filter: `id = "${e.record.id}"`, expand: "author" });
      assert.deepEqual(e.record, viaApi.items[0]);
    }
    assert.deepEqual(
      picked.map((e) => e.record),
      expanded.map((e, i) => ({ id: e.record.id, title: ["news...", "old", "news..."][i] })),
    );
  });

  it("names events by the exact subscription string, for names, ids and the legacy topic", async (t) => {
    const w = await world(t);
    const sse = await fetch(`${w.srv.url}/api/realtime`);
    const reader = sse.body!.getReader();
    t.after(() => reader.cancel());
    let text = "";
    const readUntil = async (check: (s: string) => boolean): Promise<void> => {
      while (!check(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error("stream ended");
        text += new TextDecoder().decode(value);
      }
    };
    await readUntil((s) => s.includes("PB_CONNECT"));
    const clientId = /id:(\w+)/.exec(text)![1]!;
    const options = encodeURIComponent(JSON.stringify({ query: { fields: "title" } }));
    const subscriptions = ["posts/*", `${w.postsId}/*`, "posts", `posts/*?options=${options}`];
    const res = await request(w.srv.url, "POST", "/api/realtime", { body: { clientId, subscriptions } });
    assert.equal(res.status, 204);
    const created = await w.writer.collection("posts").create({ title: "<b>", public: true });
    await readUntil((s) => s.split("\n\n").length > 5);
    const frames = text.split("\n\n").slice(1, 5);
    const events = frames.map((f) => {
      const [id, event, data] = f.split("\n");
      assert.equal(id, `id:${clientId}`);
      return { event: event!.slice("event:".length), data: data!.slice("data:".length) };
    });
    assert.deepEqual(events.map((e) => e.event).sort(), [...subscriptions].sort());
    const full = events.find((e) => e.event === "posts/*")!.data;
    assert.ok(full.startsWith(`{"record":{"author":"","collectionId":"${w.postsId}"`), full);
    assert.ok(
      full.endsWith(`"title":"\\u003cb\\u003e","updated":"${created.updated}"},"action":"create"}`),
      full,
    );
    assert.equal(
      events.find((e) => e.event === subscriptions[3])!.data,
      '{"record":{"title":"\\u003cb\\u003e"},"action":"create"}',
    );
  });

  it("sends nothing for rolled-back writes", async (t) => {
    const w = await world(t);
    const posts = () => w.writer.collection("posts");
    const guest = await listen(w.guest.pb, "posts", "*");
    const su = await listen(w.su.pb, "posts", "*");
    const collection = w.srv.app.findCollectionByNameOrId("posts")!;
    // Each write succeeds inside a transaction that then fails and rolls back.
    const rolledBack = (write: (tx: typeof w.srv.app) => Promise<void>) =>
      assert.rejects(
        w.srv.app.runInTransaction(async (tx) => {
          await write(tx);
          throw new Error("boom");
        }),
        /boom/,
      );

    await rolledBack(async (tx) => {
      const r = new Record(collection);
      r.set("title", "rollback");
      r.set("public", true);
      await tx.save(r);
    });
    const keep = await posts().create({ title: "keep", public: true });
    await rolledBack(async (tx) => {
      const r = await tx.findRecordById("posts", keep.id);
      r.set("title", "rollback");
      await tx.save(r);
    });
    await rolledBack(async (tx) => tx.delete(await tx.findRecordById("posts", keep.id)));
    // A hook writing a record inside a transaction that then fails: nothing either.
    await assert.rejects(
      w.srv.app.runInTransaction(async (tx) => {
        const r = new Record(tx.findCollectionByNameOrId("posts")!);
        r.set("title", "inner");
        r.set("public", true);
        await saveRecord(tx, r);
        throw new Error("outer failure");
      }),
    );
    await fence(w, [guest, su]);
    assert.deepEqual(summary(guest), ["create:keep"]);
    assert.deepEqual(summary(su), ["create:keep"]);
    assert.equal((await posts().getOne(keep.id)).title, "keep");
  });

  it("follows the writes of server code and cascades, after the commit", async (t) => {
    const w = await world(t);
    const su = await listen(w.su.pb, "posts", "*");
    const postsCollection = w.srv.app.findCollectionByNameOrId("posts")!;
    await w.srv.app.runInTransaction(async (tx) => {
      for (const title of ["t1", "t2"]) {
        const r = new Record(postsCollection);
        r.set("title", title);
        await saveRecord(tx, r);
      }
      // Nothing is sent before the commit.
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(su, []);
    });
    const r = new Record(postsCollection);
    r.set("title", "t3");
    await saveRecord(w.srv.app, r);
    r.set("title", "t3b");
    await saveRecord(w.srv.app, r);
    // The update event carries the values saved, whatever happens to the object afterwards.
    r.set("title", "t3c");
    await deleteRecord(w.srv.app, r);
    await fence(w, [su]);
    assert.deepEqual(summary(su), ["create:t1", "create:t2", "create:t3", "update:t3b", "delete:t3c"]);
  });

  it("shows emails to the owner, managers and superusers only", async (t) => {
    const w = await world(t);
    await w.writer.collections.update("users", {
      listRule: "",
      viewRule: "",
      manageRule: 'name = "Alice" && @request.auth.name = "Bob"',
    });
    const a = await listen(w.a.pb, "users", "*");
    const b = await listen(w.b.pb, "users", "*");
    const guest = await listen(w.guest.pb, "users", "*");
    const su = await listen(w.su.pb, "users", "*");
    const users = w.writer.collection("users");
    await users.update(w.a.id, { name: "Alice" }); // Bob manages Alice
    await users.update(w.b.id, { name: "Bob" });
    await users.update(w.b.id, { name: "Bob", emailVisibility: true });
    const lists = [a, b, guest, su];
    await waitFor(() => lists.every((l) => l.length === 3), "the users events");
    const emails = (l: Events) => l.map((e) => (e.record.email as string | undefined) ?? "-");
    assert.deepEqual(emails(a), ["a@example.com", "-", "b@example.com"]);
    assert.deepEqual(emails(b), ["a@example.com", "b@example.com", "b@example.com"]);
    assert.deepEqual(emails(guest), ["-", "-", "b@example.com"]);
    assert.deepEqual(emails(su), ["a@example.com", "b@example.com", "b@example.com"]);
    for (const l of lists)
      for (const e of l) assert.equal("tokenKey" in e.record || "password" in e.record, false);
  });

  it("follows auth changes: a revoked or deleted user receives what a guest does", async (t) => {
    const w = await world(t);
    const posts = () => w.writer.collection("posts");
    const a = await listen(w.a.pb, "posts", "*");
    const b = await listen(w.b.pb, "posts", "*");
    await posts().create({ title: "a1", author: w.a.id });
    const b1 = await posts().create({ title: "b1", author: w.b.id });
    await posts().delete(b1.id); // (deleting B would otherwise detach it from b1: an update)
    await fence(w, [a, b]);
    assert.deepEqual(summary(a), ["create:a1"]);
    assert.deepEqual(summary(b), ["create:b1", "delete:b1"]);

    // A's tokens are revoked (new token key); B is deleted. Both stay connected, as guests.
    const users = w.srv.app.findCollectionByNameOrId("users")!;
    const [userA] = await w.srv.app.db.all("SELECT * FROM users WHERE id = ?", [w.a.id]);
    const recordA = Record.fromRow(users, userA!);
    recordA.refreshTokenKey();
    await saveRecord(w.srv.app, recordA);
    const [userB] = await w.srv.app.db.all("SELECT * FROM users WHERE id = ?", [w.b.id]);
    await deleteRecord(w.srv.app, Record.fromRow(users, userB!));
    a.length = 0;
    b.length = 0;
    await posts().create({ title: "a2", author: w.a.id });
    await posts().create({ title: "public", public: true });
    await fence(w, [a, b]);
    assert.deepEqual(summary(a), ["create:public"]);
    assert.deepEqual(summary(b), ["create:public"]);
  });

  it("sends WebSocket clients the same events as SSE clients", async (t) => {
    const w = await world(t);
    const ws = new WebSocket(`${w.srv.url.replace(/^http/, "ws")}/api/realtime/ws`);
    t.after(() => ws.close());
    const frames: { event: string; data: RecordSubscription<RecordModel> }[] = [];
    ws.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data)) as never));
    await new Promise((resolve) => ws.addEventListener("open", resolve));
    const options = encodeURIComponent(JSON.stringify({ query: { expand: "author" } }));
    const subscriptions = ["posts/*", `posts/*?options=${options}`];
    ws.send(JSON.stringify({ type: "subscribe", subscriptions, authorization: w.a.token }));
    await waitFor(() => frames.some((f) => f.event === "PB_SUBSCRIBE"), "PB_SUBSCRIBE");
    const sse = await listen(w.a.pb, "posts", "*");
    const sseExpanded = await listen(w.a.pb, "posts", "*", { expand: "author" });

    const posts = () => w.writer.collection("posts");
    const p = await posts().create({ title: "x", author: w.a.id });
    await posts().create({ title: "not mine", author: w.b.id });
    await posts().update(p.id, { title: "y" });
    await posts().delete(p.id);
    await fence(w, [sse, sseExpanded]);
    await waitFor(
      () => frames.filter((f) => f.event.startsWith("posts/*")).length === 8,
      "the WebSocket events",
    );
    const wsEvents = frames.filter((f) => f.event.startsWith("posts/*") && f.data.record.title !== "END");
    assert.deepEqual(
      wsEvents.filter((f) => f.event === "posts/*").map((f) => f.data),
      sse.map((e) => ({ record: e.record, action: e.action })),
    );
    assert.deepEqual(
      wsEvents.filter((f) => f.event === subscriptions[1]).map((f) => f.data),
      sseExpanded.map((e) => ({ record: e.record, action: e.action })),
    );
    assert.deepEqual(summary(sse), ["create:x", "update:y", "delete:y"]);
  });

  it("a client that stops reading holds up neither the others nor the writes", async (t) => {
    const w = await world(t);
    configureRealtime(w.srv.app, { clientLimits: { maxQueuedMessages: 8, maxQueuedBytes: 1 << 20 } });
    const broker = getRealtimeBroker(w.srv.app);
    // A raw socket that reads PB_CONNECT and then never reads again.
    const { hostname: host, port } = new URL(w.srv.url);
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
    const sub = await request(w.srv.url, "POST", "/api/realtime", {
      body: { clientId: slowId, subscriptions: ["posts/*"] },
    });
    assert.equal(sub.status, 204);
    const fast = await listen(w.guest.pb, "posts", "*");

    const title = "x".repeat(60_000);
    const started = Date.now();
    let n = 0;
    while (broker.client(slowId)) {
      assert.ok(n < 1000, "the slow client should have been dropped");
      await w.writer.collection("posts").create({ title: `${n} ${title}`, public: true });
      n++;
    }
    await waitFor(() => fast.length === n, "every event at the reading client", 20_000);
    assert.deepEqual(
      fast.map((e) => String(e.record.title).split(" ")[0]),
      Array.from({ length: n }, (_, i) => String(i)),
    );
    assert.ok(Date.now() - started < 20_000);
  });
});
