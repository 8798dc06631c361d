/**
 * The SSE connection below the SDK: an HTTP/1.1 stream is taken over from node:http
 * (src/api/connection-takeover.ts) and written as a chunked body on the raw socket, so these
 * tests read the bytes themselves: the head (with the headers middlewares add), the chunk
 * framing, the last chunk and the close when the server ends the stream, bytes a client sends
 * after its request, and the HTTP/1.0 fallback through node:http.
 */
import assert from "node:assert/strict";
import { connect as netConnect, type Socket } from "node:net";
import { describe, it } from "node:test";
import { configureRealtime, getRealtimeBroker, sendToClient } from "../src/api/realtime.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";

/** A raw TCP connection to the server, with everything it received so far. */
interface RawConnection {
  socket: Socket;
  /** The bytes received, as latin1 text. */
  received(): string;
  /** Resolves once the received text matches, with the match. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves when the server closed the connection. */
  closed: Promise<void>;
}

function rawConnection(srv: TestServer, request: string): RawConnection {
  const url = new URL(srv.url);
  const socket = netConnect(Number(url.port), url.hostname);
  let text = "";
  const waiters = new Set<() => void>();
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString("latin1");
    for (const waiter of [...waiters]) waiter();
  });
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.write(request);
  return {
    socket,
    received: () => text,
    closed,
    waitFor(pattern, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(text);
          if (!match) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(match);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in ${JSON.stringify(text)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** The body of a chunked message: the chunks' data joined, and whether the last chunk came. */
function dechunk(body: string): { data: string; complete: boolean } {
  let data = "";
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf("\r\n", at);
    if (lineEnd < 0) return { data, complete: false };
    const size = Number.parseInt(body.slice(at, lineEnd), 16);
    assert.ok(Number.isInteger(size), `bad chunk size line ${JSON.stringify(body.slice(at, lineEnd))}`);
    if (size === 0) return { data, complete: body.slice(lineEnd + 2, lineEnd + 4) === "\r\n" };
    const start = lineEnd + 2;
    if (body.length < start + size + 2) return { data, complete: false };
    data += body.slice(start, start + size);
    assert.equal(body.slice(start + size, start + size + 2), "\r\n", "a chunk ends with CRLF");
    at = start + size + 2;
  }
}

const GET = (headers = ""): string => `GET /api/realtime HTTP/1.1\r\nHost: localhost\r\n${headers}\r\n`;

describe("SSE connections", () => {
  it("writes the head with the middlewares' headers, then one chunk per frame", async (t) => {
    const srv = await startTestServer(t, { superuser: false, origins: ["https://app.example.com"] });
    const conn = rawConnection(srv, GET("Origin: https://app.example.com\r\n"));
    t.after(() => conn.socket.destroy());
    const [, clientId] = await conn.waitFor(/id:([A-Za-z0-9]{40})\nevent:PB_CONNECT\n[^\n]*\n\n\r\n/);
    const text = conn.received();
    const headEnd = text.indexOf("\r\n\r\n");
    const [status, ...lines] = text.slice(0, headEnd).split("\r\n");
    assert.equal(status, "HTTP/1.1 200 OK");
    const headers = new Map(
      lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 2)]),
    );
    assert.equal(headers.get("content-type"), "text/event-stream");
    assert.equal(headers.get("cache-control"), "no-store");
    assert.equal(headers.get("x-accel-buffering"), "no");
    assert.equal(headers.get("transfer-encoding"), "chunked");
    assert.equal(headers.get("connection"), "close");
    assert.equal(headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.equal(headers.get("x-content-type-options"), "nosniff");
    assert.ok(!Number.isNaN(Date.parse(headers.get("date") ?? "")), "a Date header");
    assert.ok(!headers.has("x-hono-already-sent"), "the internal marker header stays internal");

    assert.ok(sendToClient(srv.app, clientId!, "custom", { n: 1 }));
    assert.ok(sendToClient(srv.app, clientId!, "custom", { n: "é" }));
    // Each frame is its own chunk, sized in bytes (the é is two).
    const frames = [
      `id:${clientId}\nevent:PB_CONNECT\ndata:{"clientId":"${clientId}"}\n\n`,
      `id:${clientId}\nevent:custom\ndata:{"n":1}\n\n`,
      `id:${clientId}\nevent:custom\ndata:{"n":"é"}\n\n`,
    ];
    const expected = frames
      .map((f) => `${Buffer.byteLength(f).toString(16)}\r\n${Buffer.from(f).toString("latin1")}\r\n`)
      .join("");
    await waitFor(() => conn.received().length >= headEnd + 4 + expected.length, "the two frames", 5000);
    assert.equal(conn.received().slice(headEnd + 4), expected);
    assert.equal(dechunk(expected).complete, false, "the stream stays open");
  });

  it("ends the body with the last chunk and closes the connection when the stream ends", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    configureRealtime(srv.app, { idleTimeout: 150 });
    const conn = rawConnection(srv, GET());
    t.after(() => conn.socket.destroy());
    await conn.waitFor(/PB_CONNECT/);
    assert.equal(getRealtimeBroker(srv.app).size, 1);
    await conn.closed;
    const text = conn.received();
    const body = dechunk(text.slice(text.indexOf("\r\n\r\n") + 4));
    assert.equal(body.complete, true, "the last chunk was written");
    assert.match(body.data, /^id:[A-Za-z0-9]{40}\nevent:PB_CONNECT\n/);
    assert.equal(getRealtimeBroker(srv.app).size, 0);
  });

  it("ignores bytes sent after the request, and forgets the client when the peer goes", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    // A pipelined second request: node:http would answer it after the stream; it is dropped.
    const conn = rawConnection(srv, GET() + "GET /api/health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    t.after(() => conn.socket.destroy());
    const [, clientId] = await conn.waitFor(/id:([A-Za-z0-9]{40})\n/);
    conn.socket.write("garbage that is not HTTP\r\n\r\n");
    assert.ok(sendToClient(srv.app, clientId!, "custom", { still: "open" }));
    await conn.waitFor(/"still":"open"/);
    assert.doesNotMatch(conn.received(), /"code":200/, "the pipelined request got no answer");
    assert.equal(getRealtimeBroker(srv.app).size, 1);

    // Half-closing counts as leaving.
    conn.socket.end();
    await conn.closed;
    await waitFor(() => getRealtimeBroker(srv.app).size === 0, "the client to be forgotten", 2000);
    assert.equal(getRealtimeBroker(srv.app).size, 0);
  });

  it("serves HTTP/1.0 clients through node:http", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const conn = rawConnection(srv, "GET /api/realtime HTTP/1.0\r\nHost: localhost\r\n\r\n");
    t.after(() => conn.socket.destroy());
    const [, clientId] = await conn.waitFor(/id:([A-Za-z0-9]{40})\nevent:PB_CONNECT\n[^\n]*\n\n/);
    const text = conn.received();
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.doesNotMatch(
      text.slice(0, text.indexOf("\r\n\r\n")),
      /transfer-encoding/i,
      "no chunked body for 1.0",
    );
    assert.ok(sendToClient(srv.app, clientId!, "custom", { v: "1.0" }));
    await conn.waitFor(new RegExp(`id:${clientId}\\nevent:custom\\ndata:\\{"v":"1\\.0"\\}\\n\\n`));
    getRealtimeBroker(srv.app).unregister(clientId!);
    await conn.closed;
  });

  it("answers HEAD with the head only", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const conn = rawConnection(srv, "HEAD /api/realtime HTTP/1.1\r\nHost: localhost\r\n\r\n");
    t.after(() => conn.socket.destroy());
    await conn.waitFor(/\r\n\r\n/);
    await new Promise((r) => setTimeout(r, 100));
    const text = conn.received();
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
    assert.match(text, /content-type: text\/event-stream/i);
    assert.equal(text.slice(text.indexOf("\r\n\r\n") + 4), "", "no body bytes after the head");
  });

  it("closes open streams when the server stops", async (t) => {
    const srv = await startTestServer(t, { superuser: false });
    const conns = [rawConnection(srv, GET()), rawConnection(srv, GET())];
    t.after(() => conns.forEach((c) => c.socket.destroy()));
    await Promise.all(conns.map((c) => c.waitFor(/PB_CONNECT/)));
    const started = Date.now();
    await srv.close();
    await Promise.all(conns.map((c) => c.closed));
    assert.ok(Date.now() - started < 5000, "the server stopped without waiting for the streams' peers");
    for (const c of conns)
      assert.equal(dechunk(c.received().slice(c.received().indexOf("\r\n\r\n") + 4)).complete, true);
  });
});
