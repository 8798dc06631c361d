import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MemoryBroker } from "./broker.ts";
import { Client } from "./client.ts";
import { EventEmitter } from "node:events";
import {
  createSseStream,
  formatSseEvent,
  pipeSseToResponse,
  SseFormatError,
  sseFrame,
  type SseCloseReason,
  type SseResponse,
} from "./sse.ts";

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

/** A fake Node response whose socket buffer holds `capacity` writes before asking to wait. */
class FakeResponse extends EventEmitter implements SseResponse {
  headersSent = false;
  destroyed = false;
  writableEnded = false;
  socket = { noDelay: false, setNoDelay: (v = true) => (this.socket.noDelay = v) };
  status = 0;
  head: { [name: string]: string | string[] } = {};
  chunks: string[] = [];
  buffered = 0;
  capacity: number;
  constructor(capacity = Infinity) {
    super();
    this.capacity = capacity;
  }
  writeHead(status: number, headers: { [name: string]: string | string[] }): void {
    this.status = status;
    this.head = headers;
    this.headersSent = true;
  }
  write(chunk: Uint8Array): boolean {
    this.chunks.push(decoder.decode(chunk));
    this.buffered++;
    return this.buffered < this.capacity;
  }
  drain(): void {
    this.buffered = 0;
    this.emit("drain");
  }
  end(): void {
    this.writableEnded = true;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit("close");
  }
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("pipeSseToResponse", () => {
  it("writes the head and frames, then ends when the client is discarded", async () => {
    const client = new Client({ id: "c1" });
    const res = new FakeResponse();
    const reasons: SseCloseReason[] = [];
    client.send({ name: "PB_CONNECT", data: "{}" });
    pipeSseToResponse(client, res, {
      onError: () => {},
      headers: { "content-type": "text/event-stream" },
      onClose: (r) => reasons.push(r),
    });
    assert.equal(res.status, 200);
    assert.equal(res.head["content-type"], "text/event-stream");
    assert.equal(res.socket.noDelay, true);
    client.send({ name: "bad\nname", data: "x" });
    client.send({ name: "a", data: "1\n2" });
    await tick();
    assert.deepEqual(res.chunks, [
      "id:c1\nevent:PB_CONNECT\ndata:{}\n\n",
      "id:c1\nevent:a\ndata:1\ndata:2\n\n",
    ]);
    client.discard();
    await tick();
    assert.equal(res.writableEnded, true);
    assert.deepEqual(reasons, ["discarded"]);
  });

  it("waits for 'drain' when the socket buffer is full, leaving messages in the queue", async () => {
    const client = new Client({ id: "c", limits: { maxQueuedMessages: 5 } });
    const res = new FakeResponse(2);
    pipeSseToResponse(client, res);
    for (let i = 0; i < 4; i++) client.send({ name: "m", data: String(i) });
    await tick();
    assert.equal(res.chunks.length, 2);
    assert.equal(client.queuedMessages, 2);
    res.drain();
    await tick();
    assert.equal(res.chunks.length, 4);
    for (let i = 0; i < 10; i++) client.send({ name: "m", data: "x" });
    await tick();
    assert.equal(client.discardReason, "overflow");
    assert.equal(res.writableEnded, true);
  });

  it("discards the client when the peer goes away, and on the idle timeout", async () => {
    const gone = new Client({ id: "g" });
    const res = new FakeResponse();
    const reasons: SseCloseReason[] = [];
    pipeSseToResponse(gone, res, { onClose: (r) => reasons.push(r) });
    res.destroy();
    assert.equal(gone.isDiscarded, true);
    const idle = new Client({ id: "i" });
    const res2 = new FakeResponse();
    pipeSseToResponse(idle, res2, { idleTimeout: 20, onClose: (r) => reasons.push(r) });
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(idle.isDiscarded, true);
    assert.equal(res2.writableEnded, true);
    assert.deepEqual(reasons, ["disconnected", "idle"]);
  });
});
