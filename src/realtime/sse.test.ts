import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryBroker } from "./broker.ts";
import { Client } from "./client.ts";
import { createSseStream, formatSseEvent, SseFormatError, sseFrame, type SseCloseReason } from "./sse.ts";

const decoder = new TextDecoder();

async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string | null> {
  const { done, value } = await reader.read();
  return done ? null : decoder.decode(value);
}

describe("formatSseEvent", () => {
  it("writes PocketBase's framing: no spaces, no retry", () => {
    assert.equal(
      formatSseEvent({ id: "abc", event: "PB_CONNECT", data: '{"clientId":"abc"}' }),
      'id:abc\nevent:PB_CONNECT\ndata:{"clientId":"abc"}\n\n',
    );
    assert.equal(formatSseEvent({ data: "x" }), "data:x\n\n");
  });

  it("splits multi-line data into several data: lines", () => {
    assert.equal(
      formatSseEvent({ event: "e", data: "a\nb\r\nc\rd" }),
      "event:e\ndata:a\ndata:b\ndata:c\ndata:d\n\n",
    );
  });

  it("refuses ids and event names that would break the frame", () => {
    assert.throws(() => formatSseEvent({ event: "a\nevent:b", data: "" }), SseFormatError);
    assert.throws(() => formatSseEvent({ id: "a\rb", data: "" }), SseFormatError);
    assert.throws(() => formatSseEvent({ id: "a\0b", data: "" }), SseFormatError);
  });

  it("frames a message for a client", () => {
    assert.equal(
      decoder.decode(sseFrame("c1", { name: "custom", data: "{}" })),
      "id:c1\nevent:custom\ndata:{}\n\n",
    );
  });
});

describe("createSseStream", () => {
  it("streams the client's messages and skips unframeable ones", async () => {
    const client = new Client({ id: "client1" });
    const errors: unknown[] = [];
    const reader = createSseStream(client, { onError: (e) => errors.push(e) }).getReader();
    client.send({ name: "bad\nname", data: "1" });
    client.send({ name: "ok", data: "2" });
    assert.equal(await readChunk(reader), "id:client1\nevent:ok\ndata:2\n\n");
    assert.equal(errors.length, 1);
    client.discard();
    assert.equal(await readChunk(reader), null);
  });

  it("lets a deliver step change or drop messages", async () => {
    const client = new Client({ id: "c" });
    const reader = createSseStream(client, {
      deliver: (m, write) => {
        if (m.name !== "drop") write({ name: m.name, data: m.data.toUpperCase() });
      },
    }).getReader();
    client.send({ name: "drop", data: "x" });
    client.send({ name: "keep", data: "y" });
    assert.equal(await readChunk(reader), "id:c\nevent:keep\ndata:Y\n\n");
    await reader.cancel();
  });

  it("closes after the idle timeout and discards the client", async () => {
    const broker = new MemoryBroker();
    const client = new Client();
    broker.register(client);
    let reason: SseCloseReason | undefined;
    const reader = createSseStream(client, {
      idleTimeout: 30,
      maxTimeout: 0,
      onClose: (r) => (reason = r),
    }).getReader();
    assert.equal(await readChunk(reader), null);
    assert.equal(reason, "idle");
    assert.ok(client.isDiscarded);
    assert.equal(broker.size, 0);
  });

  it("closes after the maximum lifetime even while messages flow", async () => {
    const client = new Client();
    let reason: SseCloseReason | undefined;
    const reader = createSseStream(client, {
      idleTimeout: 1000,
      maxTimeout: 80,
      onClose: (r) => (reason = r),
    }).getReader();
    const timer = setInterval(() => client.send({ name: "tick", data: "1" }), 10);
    let chunks = 0;
    while ((await readChunk(reader)) !== null) chunks++;
    clearInterval(timer);
    assert.equal(reason, "max");
    assert.ok(chunks > 0);
  });

  it("ends when the reader cancels (peer gone)", async () => {
    const client = new Client();
    let reason: SseCloseReason | undefined;
    const reader = createSseStream(client, { onClose: (r) => (reason = r) }).getReader();
    await reader.cancel();
    assert.equal(reason, "disconnected");
    assert.ok(client.isDiscarded);
  });

  it("writes keepalive comments when asked", async () => {
    const client = new Client();
    const reader = createSseStream(client, { pingInterval: 10 }).getReader();
    assert.equal(await readChunk(reader), ":\n\n");
    await reader.cancel();
  });

  it("closes when a delivery fails", async () => {
    const client = new Client();
    let reason: SseCloseReason | undefined;
    const reader = createSseStream(client, {
      deliver: () => {
        throw new Error("hook failed");
      },
      onError: () => {},
      onClose: (r) => (reason = r),
    }).getReader();
    client.send({ name: "x", data: "1" });
    assert.equal(await readChunk(reader), null);
    assert.equal(reason, "error");
  });
});
