import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Client, CLIENT_ID_LENGTH } from "./client.ts";

describe("Client", () => {
  it("has a random 40-character alphanumeric id", () => {
    const a = new Client();
    const b = new Client();
    assert.match(a.id, new RegExp(`^[A-Za-z0-9]{${CLIENT_ID_LENGTH}}$`));
    assert.notEqual(a.id, b.id);
  });

  it("keeps subscriptions verbatim with their options", () => {
    const c = new Client();
    const sub = `posts/*?options=${encodeURIComponent('{"query":{"expand":"author"}}')}`;
    c.subscribe("posts/*", sub, "", "posts/abc");
    assert.ok(c.hasSubscription(sub));
    assert.ok(!c.hasSubscription(""));
    assert.deepEqual(c.subscriptionOptions(sub), { query: { expand: "author" }, headers: {} });
    assert.deepEqual([...c.subscriptions("posts/*?").keys()], ["posts/*", sub]);
    assert.deepEqual([...c.subscriptionsForTopic("posts/*")], ["posts/*", sub]);
    assert.deepEqual(c.topics(), ["posts/*", "posts/abc"]);
    c.unsubscribe("posts/*");
    assert.deepEqual(c.topics(), ["posts/*", "posts/abc"]);
    c.setSubscriptions(["x"]);
    assert.deepEqual(c.topics(), ["x"]);
    c.unsubscribe();
    assert.equal(c.subscriptions().size, 0);
  });

  it("delivers queued messages in order, and directly to a waiting consumer", async () => {
    const c = new Client();
    c.send({ name: "a", data: "1" });
    c.send({ name: "b", data: "2" });
    assert.equal(c.queuedMessages, 2);
    assert.deepEqual(await c.next(), { name: "a", data: "1" });
    assert.deepEqual(await c.next(), { name: "b", data: "2" });
    const waiting = c.next();
    c.send({ name: "c", data: "3" });
    assert.deepEqual(await waiting, { name: "c", data: "3" });
    assert.equal(c.queuedMessages, 0);
  });

  it("wakes its transport synchronously, once, when a message is queued or it is discarded", () => {
    const c = new Client();
    const taken: (string | null)[] = [];
    const wake = (): void => {
      taken.push(c.isDiscarded ? null : (c.take()?.data ?? "none"));
    };
    c.whenQueued(wake);
    assert.deepEqual(taken, [], "nothing queued: the callback waits");
    c.send({ name: "t", data: "1" });
    assert.deepEqual(taken, ["1"], "called inside send()");
    c.send({ name: "t", data: "2" });
    assert.deepEqual(taken, ["1"], "one-shot: the next message stays queued");
    assert.equal(c.queuedMessages, 1);
    c.whenQueued(wake);
    assert.deepEqual(taken, ["1", "2"], "called at once when a message is already queued");
    c.whenQueued(wake);
    c.discard();
    assert.deepEqual(taken, ["1", "2", null], "called on discard");
    c.whenQueued(wake);
    assert.deepEqual(taken, ["1", "2", null, null], "called at once once discarded");
  });

  it("shares one frozen options object between subscriptions without options", () => {
    const a = new Client();
    const b = new Client();
    a.subscribe("posts/*");
    b.subscribe("users/*", "users/x?options=%7B%7D");
    const options = a.subscriptionOptions("posts/*")!;
    assert.deepEqual(options, { query: {}, headers: {} });
    assert.equal(b.subscriptionOptions("users/*"), options);
    assert.equal(b.subscriptionOptions("users/x?options=%7B%7D"), options);
    assert.ok(Object.isFrozen(options.query) && Object.isFrozen(options.headers));
    b.subscribe("users/y?options=" + encodeURIComponent('{"query":{"a":"1"}}'));
    assert.notEqual(
      b.subscriptionOptions("users/y?options=" + encodeURIComponent('{"query":{"a":"1"}}')),
      options,
    );
  });

  it("reports topic changes to its observer only when a topic comes or goes", () => {
    const c = new Client();
    const changes: string[] = [];
    c.observeSubscriptions((_, removed, added) => changes.push(`-${removed.join(",")} +${added.join(",")}`));
    c.subscribe("posts/*", "posts/*?options=%7B%7D", "posts/a");
    c.subscribe("posts/*");
    c.unsubscribe("posts/*");
    c.unsubscribe("posts/*?options=%7B%7D", "posts/a");
    assert.deepEqual(changes, ["- +posts/*,posts/a", "-posts/*,posts/a +"]);
    assert.deepEqual(c.topics(), []);
    assert.deepEqual(c.subscriptionsForTopic("posts/*"), []);
  });

  it("is discarded when its queue overflows, without blocking the sender", async () => {
    const reasons: string[] = [];
    const c = new Client({ limits: { maxQueuedMessages: 3 } });
    c.onDiscard((r) => reasons.push(r));
    for (let i = 0; i < 3; i++) assert.equal(c.send({ name: "t", data: String(i) }), true);
    assert.equal(c.send({ name: "t", data: "overflow" }), false);
    assert.equal(c.discardReason, "overflow");
    assert.deepEqual(reasons, ["overflow"]);
    assert.equal(await c.next(), null);
    assert.equal(c.send({ name: "t", data: "late" }), false);

    const bytes = new Client({ limits: { maxQueuedBytes: 10 } });
    assert.equal(bytes.send({ name: "t", data: "12345" }), true);
    assert.equal(bytes.send({ name: "t", data: "12345" }), false);
    assert.equal(bytes.discardReason, "overflow");
  });

  it("wakes a waiting consumer on discard", async () => {
    const c = new Client();
    const waiting = c.next();
    c.discard();
    assert.equal(await waiting, null);
    let called = "";
    c.onDiscard((r) => (called = r));
    assert.equal(called, "unregistered");
  });

  it("has a per-client store", () => {
    const c = new Client();
    c.set("k", 1);
    assert.equal(c.get("k"), 1);
    c.unset("k");
    assert.equal(c.get("k"), undefined);
  });
});
