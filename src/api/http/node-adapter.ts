/**
 * The router on node:http: one request listener that turns Node's IncomingMessage into the
 * router's request source (no WHATWG objects), runs the pipeline, and writes the response with
 * `writeHead` + `end`. Plain responses (src/api/http/plain-response.ts) are written from their
 * parts; other Responses (files, streams) have their headers copied and their body streamed
 * with backpressure (a body that is already complete gets a Content-Length).
 *
 * The same listener works on Bun's node:http (the single executable).
 */
import type { IncomingMessage, OutgoingHttpHeaders, RequestListener, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { Context, Env } from "./context.ts";
import { NodeRequest } from "./node-request.ts";
import { PlainResponse, type PlainHeaders } from "./plain-response.ts";
import { BadRequestTarget, requestUrl } from "./request-target.ts";
import type { Router } from "./router.ts";

/**
 * A response header by which a handler says it writes the response itself on the Node response
 * (an SSE stream taken over): the adapter then leaves the response alone, except for a HEAD
 * request, whose head it writes (without this header, which is never sent).
 */
export const RESPONSE_WRITTEN_HEADER = "x-satchel-response-written";

/** What handlers that write their response themselves do once the pipeline has finished with it. */
const finishers = new WeakMap<ServerResponse, (final: Response) => void>();

/**
 * Lets a handler that answers with RESPONSE_WRITTEN_HEADER start writing once every middleware
 * and hook has finished with its response: `fn` gets the final response (the marker as they
 * left it, or whatever replaced it) when the adapter would write it. The pipeline can finish
 * long after the handler returned (a pb_hooks handler around it runs on another thread), so
 * nothing that waits a turn of the event loop would do.
 */
export function afterPipeline(outgoing: ServerResponse, fn: (final: Response) => void): void {
  finishers.set(outgoing, fn);
}

/** How long, and how much, an unread request body is drained after its response (else: closed). */
const DRAIN_TIMEOUT_MS = 500;
const MAX_DRAIN_BYTES = 64 << 20;

const TEXT_PLAIN = "text/plain; charset=UTF-8";

/** What the adapter hands the router as `c.env`. */
export interface NodeEnv {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
  /** Headers the response gets unless it sets them itself (setDefaultHeader). */
  defaults: { [name: string]: string | undefined } | undefined;
}

/**
 * Sets a header every response of this request gets unless the response sets the same header
 * itself (CORS and security headers, set by middlewares before the handler runs). Kept here
 * rather than set with Node's `setHeader`: that validates and stores each one per request, then
 * makes `writeHead` merge the handler's headers one `setHeader` at a time (~5 % of a small
 * request); plain responses get them in the one header object `writeHead` takes.
 */
export function setDefaultHeader(env: NodeEnv, name: string, value: string): void {
  (env.defaults ??= {})[name] = value;
}

/** Takes back a header set by setDefaultHeader (a file download allows framing). */
export function removeDefaultHeader(env: NodeEnv, name: string): void {
  if (env.defaults?.[name] !== undefined) env.defaults[name] = undefined;
}

/** Puts the defaults on Node's response, for a response not written from plain parts. */
function applyDefaults(outgoing: ServerResponse, defaults: NodeEnv["defaults"]): void {
  if (!defaults || outgoing.headersSent) return;
  for (const name in defaults) {
    const value = defaults[name];
    if (value !== undefined && !outgoing.hasHeader(name)) outgoing.setHeader(name, value);
  }
}

/** `headers` under the defaults its own names do not override (in the order `writeHead` merged them). */
function withDefaults(
  headers: PlainHeaders | undefined,
  defaults: NodeEnv["defaults"],
): PlainHeaders | undefined {
  if (!defaults) return headers;
  const out: PlainHeaders = {};
  for (const name in defaults) {
    const value = defaults[name];
    if (value !== undefined && !hasHeader(headers, name.toLowerCase())) out[name] = value;
  }
  return headers ? Object.assign(out, headers) : out;
}

/** A node:http request listener serving `router`; `fetch` replaces the router when given (a wrapper). */
export function nodeRequestListener<E extends Env>(
  router: Router<E>,
  fetch?: (request: Request, env: NodeEnv) => Response | Promise<Response>,
): RequestListener {
  return (incoming, outgoing) => {
    let url: string;
    try {
      const encrypted = (incoming.socket as { encrypted?: boolean } | null)?.encrypted === true;
      url = requestUrl(encrypted ? "https" : "http", incoming.headers.host, incoming.url ?? "");
    } catch (err) {
      if (!(err instanceof BadRequestTarget)) throw err;
      outgoing.writeHead(400);
      outgoing.end();
      return;
    }
    const method = incoming.method ?? "GET";
    const env: NodeEnv = { incoming, outgoing, defaults: undefined };
    if (fetch) {
      const request = new NodeRequest(incoming, outgoing, url) as unknown as Request;
      void Promise.resolve()
        .then(() => fetch(request, env))
        .then(
          (res) => writeResponse(res, incoming, outgoing, env.defaults),
          (err: unknown) => failed(err, outgoing),
        );
      return;
    }
    let handled: Context<E> | Promise<Context<E>>;
    try {
      handled = router.handle(
        { method, url, incoming, raw: () => new NodeRequest(incoming, outgoing, url) as unknown as Request },
        env,
      );
    } catch (err) {
      failed(err, outgoing);
      return;
    }
    if (handled instanceof Promise) {
      handled.then(
        (c) => writeResponse(c.res, incoming, outgoing, env.defaults),
        (err: unknown) => failed(err, outgoing),
      );
    } else {
      writeResponse(handled.res, incoming, outgoing, env.defaults);
    }
  };
}

/** A failure past the error handler: a bare 500, as the old adapter answered. */
function failed(err: unknown, outgoing: ServerResponse): void {
  console.error(err);
  if (outgoing.headersSent) {
    outgoing.destroy();
    return;
  }
  outgoing.writeHead(500, { "Content-Type": "text/plain" });
  outgoing.end(`Error: ${err instanceof Error ? err.message : String(err)}`);
}

/**
 * Writes `res` on `outgoing` (nothing when the handler wrote it itself), under the request's
 * default headers (setDefaultHeader).
 */
export function writeResponse(
  res: Response,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  defaults?: NodeEnv["defaults"],
): void {
  const finish = finishers.get(outgoing);
  if (finish) {
    // The handler's own writer reads them from Node's response (realtime.ts).
    applyDefaults(outgoing, defaults);
    defaults = undefined;
    finishers.delete(outgoing);
    // The handler's own writer (when the marker survived) or its clean-up (when it was replaced)
    // runs after whatever the adapter writes for a replaced response or a HEAD request.
    queueMicrotask(() => finish(res));
  }
  if (outgoing.headersSent || outgoing.destroyed) return;
  drainUnreadBody(incoming, outgoing);
  const head = incoming.method === "HEAD";
  const parts = PlainResponse.parts(res);
  if (parts) {
    const { status, body } = parts;
    let plain = withDefaults(parts.headers, defaults);
    if (plain && RESPONSE_WRITTEN_HEADER in plain) {
      // A HEAD request gets the head here (its handler has no body to write).
      if (!head) return;
      plain = { ...plain };
      delete plain[RESPONSE_WRITTEN_HEADER];
    }
    let headers: OutgoingHttpHeaders | undefined = plain;
    if (body !== null && !head) {
      headers = withBodyHeaders(plain, status, body, parts.byteLength);
    } else if (body !== null && !hasHeader(plain, "content-type")) {
      headers = { ...plain, "content-type": TEXT_PLAIN };
    }
    if (headers) outgoing.writeHead(status, headers);
    else outgoing.writeHead(status);
    if (body === null || head) outgoing.end();
    else outgoing.end(body);
    return;
  }
  applyDefaults(outgoing, defaults);
  if (res.headers.has(RESPONSE_WRITTEN_HEADER)) {
    if (!head) return;
    res.headers.delete(RESPONSE_WRITTEN_HEADER);
  }
  void writeNative(res, head, outgoing).catch((err: unknown) => streamFailed(err, outgoing));
}

function hasHeader(headers: PlainHeaders | undefined, lower: string): boolean {
  if (!headers) return false;
  for (const key in headers) if (key.length === lower.length && key.toLowerCase() === lower) return true;
  return false;
}

/** Content-Type (text by default) and Content-Length of a body the handler didn't describe. */
function withBodyHeaders(
  headers: PlainHeaders | undefined,
  status: number,
  body: string | Uint8Array,
  byteLength: number | undefined,
): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = headers ? { ...headers } : {};
  if (!hasHeader(headers, "content-type")) out["content-type"] = TEXT_PLAIN;
  if (
    status !== 204 &&
    status !== 304 &&
    !hasHeader(headers, "content-length") &&
    !hasHeader(headers, "transfer-encoding")
  ) {
    out["content-length"] =
      typeof body === "string" ? (byteLength ?? Buffer.byteLength(body)) : body.byteLength;
  }
  return out;
}

/** Node's header record of a Headers (repeated Set-Cookie kept apart). */
function outgoingHeaders(headers: Headers, hasBody: boolean): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  const cookies = headers.getSetCookie();
  for (const [key, value] of headers) {
    if (key === "set-cookie") continue;
    out[key] = value;
  }
  if (cookies.length > 0) out["set-cookie"] = cookies;
  if (hasBody && out["content-type"] === undefined) out["content-type"] = TEXT_PLAIN;
  return out;
}

/** Reads a chunk if one is ready now (undefined when the stream has nothing yet). */
async function readNow(
  pending: Promise<ReadableStreamReadResult<Uint8Array>>,
): Promise<ReadableStreamReadResult<Uint8Array> | undefined> {
  return Promise.race([pending, Promise.resolve(undefined)]);
}

async function writeNative(res: Response, head: boolean, outgoing: ServerResponse): Promise<void> {
  const body = head ? null : res.body;
  const headers = outgoingHeaders(res.headers, body !== null);
  if (!body) {
    if (head) await res.body?.cancel().catch(() => {});
    outgoing.writeHead(res.status, headers);
    outgoing.end();
    return;
  }
  const reader = body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
  // A body that is complete already (a string, a buffer) is sent with its length.
  const chunks: Uint8Array[] = [];
  let pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined;
  let done = false;
  if (headers["transfer-encoding"] !== "chunked") {
    let tries = 2;
    for (let i = 0; i < tries; i++) {
      pending ??= reader.read();
      const result = await readNow(pending);
      if (!result) {
        if (i === 1) {
          await new Promise((resolve) => setTimeout(resolve));
          tries = 3;
          continue;
        }
        break;
      }
      pending = undefined;
      if (result.value) chunks.push(result.value);
      if (result.done) {
        done = true;
        break;
      }
    }
    if (done && headers["content-length"] === undefined) {
      headers["content-length"] = chunks.reduce((n, c) => n + c.byteLength, 0);
    }
  }
  outgoing.writeHead(res.status, headers);
  for (const chunk of chunks) outgoing.write(chunk);
  if (done) {
    outgoing.end();
    return;
  }
  if (chunks.length === 0) outgoing.flushHeaders();
  await pipeReader(reader, pending, outgoing);
}

/** Streams the rest of a body, waiting for `drain` when Node's buffer is full. */
async function pipeReader(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  pending: Promise<ReadableStreamReadResult<Uint8Array>> | undefined,
  outgoing: ServerResponse,
): Promise<void> {
  const cancel = () => void reader.cancel().catch(() => {});
  outgoing.once("close", cancel);
  try {
    for (;;) {
      const { done, value } = await (pending ?? reader.read());
      pending = undefined;
      if (done) break;
      if (outgoing.destroyed) {
        cancel();
        return;
      }
      if (!outgoing.write(value)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            outgoing.off("drain", go);
            outgoing.off("close", go);
            resolve();
          };
          outgoing.on("drain", go);
          outgoing.on("close", go);
        });
      }
    }
    outgoing.end();
  } finally {
    outgoing.off("close", cancel);
  }
}

function streamFailed(err: unknown, outgoing: ServerResponse): void {
  const error = err instanceof Error ? err : new Error(String(err));
  if ((error as { code?: string }).code === "ERR_STREAM_PREMATURE_CLOSE" || outgoing.destroyed) return;
  if (!outgoing.headersSent) {
    failed(error, outgoing);
    return;
  }
  outgoing.destroy(error);
}

/**
 * A request body the handler didn't read to its end is drained once the response is finished
 * (bounded in time and size; past that the connection is closed), so that a keep-alive
 * connection can serve the next request.
 */
function drainUnreadBody(incoming: IncomingMessage, outgoing: ServerResponse): void {
  if (incoming.readableEnded || incoming.method === "GET" || incoming.method === "HEAD") return;
  // The whole message is in (`complete`, e.g. a DELETE without a body) and none of it waits in
  // the stream: there is nothing to bound, and Node ends the request stream itself once the
  // response is finished. Draining it here cost a timer and four listeners per such request.
  if (incoming.complete && incoming.readableLength === 0) return;
  outgoing.once("finish", () => {
    if (incoming.readableEnded || incoming.destroyed) return;
    let seen = 0;
    const close = () => {
      cleanup();
      const socket = incoming.socket as Socket | null;
      socket?.destroySoon?.();
    };
    const timer = setTimeout(close, DRAIN_TIMEOUT_MS);
    timer.unref();
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > MAX_DRAIN_BYTES) close();
    };
    const cleanup = () => {
      clearTimeout(timer);
      incoming.off("data", onData);
      incoming.off("end", cleanup);
      incoming.off("error", cleanup);
    };
    incoming.on("data", onData);
    incoming.on("end", cleanup);
    incoming.on("error", cleanup);
    incoming.resume();
  });
}
