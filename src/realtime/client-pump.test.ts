import assert from "node:assert/strict";
import { test } from "node:test";
import { Client, type Message } from "./client.ts";
import { ClientPump, type Deliver } from "./client-pump.ts";

function target(room: number) {
  const written: string[] = [];
  const failures: unknown[] = [];
  return {
    written,
    failures,
    deliveries: 0,
    room,
    canWrite() {
      return this.room > 0 && failures.length === 0;
    },
    write(message: Message) {
      written.push(message.data);
      this.room--;
    },
    delivered() {
      this.deliveries++;
    },
    failed(err: unknown) {
      failures.push(err);
    },
  };
}

const asIs: Deliver = (message, write) => write(message);

test("a pump writes what is queued, then what arrives, and stops while the target is full", () => {
  const client = new Client();
  const t = target(2);
  const pump = new ClientPump(client, asIs, t);
  client.send({ name: "e", data: "1" });
  pump.run();
  assert.deepEqual(t.written, ["1"]);
  client.send({ name: "e", data: "2" });
  assert.deepEqual(t.written, ["1", "2"], "woken synchronously by send()");
  client.send({ name: "e", data: "3" });
  assert.deepEqual(t.written, ["1", "2"], "full: the message waits in the queue");
  assert.equal(client.queuedMessages, 1);
  t.room = 5;
  pump.run();
  assert.deepEqual(t.written, ["1", "2", "3"]);
  assert.equal(t.deliveries, 3);
});

test("an async delivery holds the pump until it settles; a failure reaches the target", async () => {
  const client = new Client();
  const t = target(10);
  let release!: () => void;
  const deliver: Deliver = (message, write) => {
    if (message.data === "boom") throw new Error("boom");
    return new Promise<void>((resolve) => {
      release = () => {
        write(message);
        resolve();
      };
    });
  };
  const pump = new ClientPump(client, deliver, t);
  pump.run();
  client.send({ name: "e", data: "1" });
  client.send({ name: "e", data: "2" });
  assert.deepEqual(t.written, []);
  release();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(t.written, ["1"], "the next one waits for its own delivery");
  release();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(t.written, ["1", "2"]);
  client.send({ name: "e", data: "boom" });
  assert.equal((t.failures[0] as Error).message, "boom");
});
