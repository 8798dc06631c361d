/**
 * WebSocket upgrades through the router. node:http hands an upgrade request to its
 * `'upgrade'` listeners with the raw socket; this one runs it through the router like any
 * request (middlewares, hooks, errors), with an `upgrade` in the env. A handler that wants the
 * connection calls `accept(onOpen)` and returns the marker response it gets; the WebSocket
 * handshake is then completed by `ws`. Any other response is written back as a plain HTTP
 * response and the connection closed.
 *
 * Once open, a WebSocket keeps nothing of its upgrade request but what its handler kept: this
 * replaces Hono's former `upgradeWebSocket`, whose per-connection closures hold the whole
 * request context for the connection's lifetime (about 10 KB per connection).
 */
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket, WebSocketServer } from "ws";
import { headersFromRaw } from "./raw-headers.ts";

// Not an ES import of node:http: see src/api/server.ts.
const { STATUS_CODES } = process.getBuiltinModule("node:http");

/** The `upgrade` of a request's env: how its handler takes the connection. */
export interface PendingUpgrade {
  /**
   * Completes the WebSocket handshake once the router's response is back, then calls `onOpen`
   * with the socket. Returns the response the handler must return.
   */
  accept(onOpen: (ws: WebSocket) => void): Response;
}

type Fetch = (
  request: Request,
  env: { incoming: IncomingMessage; upgrade: PendingUpgrade },
) => Promise<Response> | Response;

/** A marker status: the handler accepted the upgrade (never written to the wire). */
const ACCEPTED_STATUS = 299;

/** What completing a handshake needs of the `ws` server (realtime-ws.ts loads `ws` on first use). */
export type UpgradeServer = Pick<WebSocketServer, "handleUpgrade" | "close">;

/** Routes the WebSocket upgrade requests of `server` through `fetch`, completing them with `wss`. */
export function routeWebSocketUpgrades(server: Server, wss: UpgradeServer, fetch: Fetch): void {
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", ignoreError);
    void handleUpgrade(wss, fetch, req, socket, head);
  });
  server.on("close", () => wss.close());
}

async function handleUpgrade(
  wss: UpgradeServer,
  fetch: Fetch,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
): Promise<void> {
  let onOpen: ((ws: WebSocket) => void) | undefined;
  let marker: Response | undefined;
  const upgrade: PendingUpgrade = {
    accept(open) {
      onOpen = open;
      marker = new Response(null, { status: ACCEPTED_STATUS });
      return marker;
    },
  };
  let response: Response;
  try {
    const request = upgradeRequest(req);
    if (!request) {
      reject(socket, 400, null);
      return;
    }
    response = await fetch(request, { incoming: req, upgrade });
  } catch {
    reject(socket, 500, null);
    return;
  }
  if (socket.destroyed) return;
  if (!onOpen || response !== marker) {
    reject(socket, response.status, response);
    return;
  }
  const open = onOpen;
  wss.handleUpgrade(req, socket, head, (ws) => {
    socket.off("error", ignoreError);
    open(ws);
  });
}

/** The upgrade request as a web Request (its URL from the Host header), or null when it has no valid URL. */
function upgradeRequest(req: IncomingMessage): Request | null {
  const scheme = (req.socket as { encrypted?: boolean }).encrypted ? "https" : "http";
  let url: URL;
  try {
    const target = req.url ?? "/";
    if (!target.startsWith("/")) return null;
    url = new URL(target, `${scheme}://${req.headers.host || "localhost"}`);
  } catch {
    return null;
  }
  return new Request(url, { method: req.method, headers: headersFromRaw(req.rawHeaders) });
}

function ignoreError(): void {}

/** The largest response body written back to a refused upgrade. */
const MAX_REFUSAL_BODY = 1 << 20;
/** How long a refused upgrade's response body may take to produce. */
const REFUSAL_BODY_TIMEOUT_MS = 5_000;

/**
 * Answers an upgrade that is not accepted with a plain HTTP response, then closes. A response
 * that can't be written whole (an event stream, which never ends, or a body too large or too
 * slow) is cancelled, which releases whatever produces it, and answered with a 400.
 */
function reject(socket: Duplex, status: number, response: Response | null): void {
  if (socket.destroyed) return;
  void (async () => {
    let code = status >= 200 && status < 600 && status !== 101 && status !== ACCEPTED_STATUS ? status : 400;
    let type = response?.headers.get("content-type") ?? "";
    let body = response ? await boundedBody(response) : new Uint8Array(0);
    if (!body) {
      code = 400;
      type = "application/json";
      body = Buffer.from(
        '{"data":{},"message":"The response to this request can\'t be sent on an upgrade request.","status":400}',
      );
    }
    if (socket.destroyed) return;
    let head = `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? ""}\r\n`;
    if (type) head += `content-type: ${type}\r\n`;
    head += `content-length: ${body.length}\r\nconnection: close\r\n\r\n`;
    socket.end(Buffer.concat([Buffer.from(head, "latin1"), body]));
  })();
}

/** A response's whole body, or null (the body cancelled) when it is an event stream, too large or too slow. */
async function boundedBody(response: Response): Promise<Uint8Array | null> {
  const stream = response.body;
  if (!stream) return new Uint8Array(0);
  if ((response.headers.get("content-type") ?? "").toLowerCase().startsWith("text/event-stream")) {
    await stream.cancel().catch(() => {});
    return null;
  }
  const reader = stream.getReader();
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    void reader.cancel().catch(() => {});
  }, REFUSAL_BODY_TIMEOUT_MS);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return late ? null : Buffer.concat(chunks);
      size += value.length;
      if (size > MAX_REFUSAL_BODY) {
        await reader.cancel().catch(() => {});
        return null;
      }
      chunks.push(value);
    }
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
