import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryBroker } from "./broker.ts";
import { Client, type Message } from "./client.ts";

function drain(c: Client): Message[] {
  const out: Message[] = [];
  for (let m = c.take(); m; m = c.take()) out.push(m);
  return out;
}

describe("MemoryBroker", () => {
  it("registers, finds and unregisters clients", () => {
    const broker = new MemoryBroker();
    const a = new Client();
    broker.register(a);
    assert.equal(broker.size, 1);
    assert.equal(broker.client(a.id), a);
    assert.deepEqual(broker.clients(), [a]);
    broker.unregister(a.id);
    assert.equal(broker.size, 0);
    assert.ok(a.isDiscarded);
    broker.unregister("missing");
  });

  it("forgets a client however it is discarded", () => {
    const broker = new MemoryBroker();
    const a = new Client();
    a.subscribe("t");
    broker.register(a);
    a.discard("overflow");
    assert.equal(broker.size, 0);
    assert.deepEqual(broker.clientsForTopic("t"), []);
  });

  it("indexes clients by topic, following subscription changes", () => {
    const broker = new MemoryBroker();
    const a = new Client();
    const b = new Client();
    a.subscribe("posts/*");
    broker.register(a);
    broker.register(b);
    b.subscribe("posts/*?options=%7B%7D", "other");
    assert.deepEqual(broker.clientsForTopic("posts/*"), [a, b]);
    b.setSubscriptions(["other"]);
    assert.deepEqual(broker.clientsForTopic("posts/*"), [a]);
    assert.deepEqual(broker.clientsForTopic("other"), [b]);
  });

  it("broadcasts one message per matching subscription, named by the exact string", () => {
    const broker = new MemoryBroker();
    const a = new Client();
    const b = new Client();
    broker.register(a);
    broker.register(b);
    a.subscribe("custom", "custom?options=%7B%22query%22%3A%7B%22x%22%3A%221%22%7D%7D", "custom/other");
    b.subscribe("nope");
    assert.equal(broker.broadcast("custom", '{"v":1}'), 2);
    assert.deepEqual(drain(a), [
      { name: "custom", data: '{"v":1}' },
      { name: "custom?options=%7B%22query%22%3A%7B%22x%22%3A%221%22%7D%7D", data: '{"v":1}' },
    ]);
    assert.deepEqual(drain(b), []);
    const sent = broker.broadcast("custom", "2", (_c, _s, options) => options.query.x === "1");
    assert.equal(sent, 1);
    assert.deepEqual(
      drain(a).map((m) => m.name),
      ["custom?options=%7B%22query%22%3A%7B%22x%22%3A%221%22%7D%7D"],
    );
  });

  it("keeps delivering to others when one client overflows", () => {
    const broker = new MemoryBroker();
    const slow = new Client({ limits: { maxQueuedMessages: 2 } });
    const fast = new Client();
    broker.register(slow);
    broker.register(fast);
    slow.subscribe("t");
    fast.subscribe("t");
    for (let i = 0; i < 5; i++) {
      broker.broadcast("t", String(i));
      assert.equal(drain(fast).length, 1);
    }
    assert.equal(slow.discardReason, "overflow");
    assert.equal(broker.client(slow.id), undefined);
  });

  it("sends to one client and closes all", () => {
    const broker = new MemoryBroker();
    const a = new Client();
    broker.register(a);
    assert.equal(broker.send(a.id, { name: "x", data: "1" }), true);
    assert.equal(broker.send("missing", { name: "x", data: "1" }), false);
    assert.equal(broker.chunkedClients(1).length, 1);
    broker.closeAll();
    assert.equal(broker.size, 0);
    assert.ok(a.isDiscarded);
  });
});
