/**
 * Taking a connection over from node:http, for responses that live for minutes (SSE).
 *
 * An HTTP/1.1 connection served by node:http keeps its request, its response and an HTTP
 * parser alive until the response ends: about 15 KB per connection, most of it native. A
 * realtime server holds thousands of such responses open, so once the SSE head is decided the
 * connection is detached the way node:http detaches an upgraded one: the parser is returned
 * to its pool, the server's socket listeners are removed, and the response head and the chunked
 * body are written to the socket directly. What stays is the socket (about 2 KB).
 *
 * This reaches one step into node:http: `freeParser` of the `_http_common` module, the same
 * call node:http makes on upgrade. It is an optimisation for Node's own node:http only: other
 * runtimes (Bun, which runs the single executable) emulate node:http with other internals, so
 * there nothing is taken over and the stream goes through the public response API, which
 * works everywhere. When `freeParser` is missing, or the connection is not a plain
 * HTTP/1.1 GET whose current response is this one (a HEAD response has no body, which
 * node:http takes care of), nothing is taken over and the caller keeps writing through the
 * response.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { Socket } from "node:net";
import { isBun } from "../tools/runtime.ts";

// Not an ES import of node:http: see src/api/server.ts.
const { STATUS_CODES } = process.getBuiltinModule("node:http");

type FreeParser = (parser: unknown, req: IncomingMessage | null, socket: Socket | null) => void;

const freeParser: FreeParser | undefined = (() => {
  if (isBun()) return undefined;
  try {
    const common = createRequire(import.meta.url)("_http_common") as { freeParser?: unknown };
    return typeof common.freeParser === "function" ? (common.freeParser as FreeParser) : undefined;
  } catch {
    return undefined;
  }
})();

/** The events node:http listens to on a connection's socket. */
const SERVER_SOCKET_EVENTS = ["data", "end", "close", "drain", "error", "timeout", "resume", "pause"];

/** The listeners a socket has of its own (net.Socket's internals), which must stay. */
const OWN_LISTENERS: ReadonlySet<unknown> = (() => {
  const probe = new Socket();
  const own = new Set<unknown>(SERVER_SOCKET_EVENTS.flatMap((event) => probe.listeners(event)));
  probe.destroy();
  return own;
})();

/** node:http's private bookkeeping on a socket, read to decide whether a takeover is safe. */
interface HttpSocket extends Socket {
  parser?: unknown;
  _httpMessage?: unknown;
}

/**
 * Detaches the connection of `req`/`res` from node:http and writes the response head
 * (`status`, `headers`, `transfer-encoding: chunked`, `connection: close`) on it. Returns the
 * socket, now the caller's alone (its body must be chunked, and ending it closes the
 * connection), or null when the connection can't be taken over (the response is then
 * untouched).
 */
export function takeOverConnection(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  headers: Iterable<[string, string]>,
): Socket | null {
  const socket = req.socket as HttpSocket | null;
  if (
    !freeParser ||
    !socket ||
    !(socket instanceof Socket) ||
    socket.destroyed ||
    !socket.parser ||
    socket._httpMessage !== res ||
    res.headersSent ||
    req.httpVersion !== "1.1" ||
    req.method !== "GET" ||
    !req.complete
  ) {
    return null;
  }
  freeParser(socket.parser, req, socket);
  res.detachSocket(socket);
  for (const event of SERVER_SOCKET_EVENTS) {
    for (const listener of socket.listeners(event)) {
      if (!OWN_LISTENERS.has(listener)) socket.off(event, listener as (...args: unknown[]) => void);
    }
  }
  socket.setTimeout(0);
  socket.setNoDelay(true);
  socket.on("error", ignoreError);
  // The peer may not send anything more; whatever it does send is dropped. Its end closes the
  // connection, and so does ours once what we wrote is flushed.
  socket.on("end", destroySocket);
  socket.on("finish", destroySocket);
  socket.resume();
  socket.write(responseHead(status, headers));
  return socket;
}

function ignoreError(): void {}

function destroySocket(this: Socket): void {
  this.destroy();
}

/** The status line and headers of a chunked response that closes its connection. */
function responseHead(status: number, headers: Iterable<[string, string]>): string {
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}\r\n`;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (lower === "connection" || lower === "transfer-encoding" || lower === "content-length") continue;
    head += `${name}: ${value}\r\n`;
  }
  return `${head}date: ${new Date().toUTCString()}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n`;
}
