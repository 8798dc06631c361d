/**
 * The Server-Sent Events transport: turns a Client's queue into a byte stream framed exactly
 * as PocketBase does (§9): `id:<clientId>\nevent:<name>\ndata:<payload>\n\n`, no spaces and no
 * `retry:` field. Multi-line data becomes several `data:` lines; ids and event names with line
 * breaks are refused rather than written as broken frames. The stream pulls one message at a
 * time, so a slow reader leaves messages in the client's bounded queue (never in unbounded
 * buffers), and it ends after an idle period without messages or a maximum lifetime.
 * The writer shape follows Hono's streaming/sse.ts; the field validation tRPC's stream/sse.ts.
 */
import type { Client, Message } from "./client.ts";
import { ClientPump, type Deliver, type PumpTarget } from "./client-pump.ts";

/** Default idle timeout: 5 minutes without a delivered message. */
export const DEFAULT_IDLE_TIMEOUT_MS = 5 * 60_000;
/** Default maximum lifetime of a connection: 30 minutes. */
export const DEFAULT_MAX_TIMEOUT_MS = 30 * 60_000;

/** An id or event name that cannot be written into a frame. */
export class SseFormatError extends Error {
  override name = "SseFormatError";
}

/** One SSE event. */
export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

/** Why a stream ended. */
export type SseCloseReason =
  /** No message was delivered during the idle timeout. */
  | "idle"
  /** The maximum lifetime elapsed. */
  | "max"
  /** The peer went away (the response stream was cancelled). */
  | "disconnected"
  /** The client was discarded (unregistered, overflowing). */
  | "discarded"
  /** Delivering a message failed (e.g. a hook threw). */
  | "error";

const LINE_BREAK = /\r\n|\r|\n/;

function checkField(name: string, value: string): void {
  if (/[\r\n]/.test(value)) throw new SseFormatError(`The SSE ${name} must not contain line breaks.`);
  if (name === "id" && value.includes("\0")) throw new SseFormatError("The SSE id must not contain NUL.");
}

/** The `data:` lines of a payload (one per line of the data). */
function dataLines(data: string): string {
  if (!LINE_BREAK.test(data)) return `data:${data}\n`;
  let out = "";
  for (const line of data.split(LINE_BREAK)) out += `data:${line}\n`;
  return out;
}

/** Formats one event: `id:…\nevent:…\ndata:…\n\n` (id and event only when given). */
export function formatSseEvent(event: SseEvent): string {
  let out = "";
  if (event.id !== undefined) {
    checkField("id", event.id);
    out += `id:${event.id}\n`;
  }
  if (event.event !== undefined) {
    checkField("event", event.event);
    out += `event:${event.event}\n`;
  }
  return `${out}${dataLines(event.data)}\n`;
}

const encoder = new TextEncoder();

/** `event:…\ndata:…\n\n` of a message, encoded once and shared by every client it goes to. */
const tails = new WeakMap<Message, { name: string; data: string; bytes: Uint8Array }>();

function messageTail(message: Message): Uint8Array {
  const cached = tails.get(message);
  if (cached && cached.name === message.name && cached.data === message.data) return cached.bytes;
  const bytes = encoder.encode(formatSseEvent({ event: message.name, data: message.data }));
  tails.set(message, { name: message.name, data: message.data, bytes });
  return bytes;
}

/** The full frame of a message for a client: its `id:` line, then the shared tail. */
export function sseFrame(clientId: string, message: Message): Uint8Array {
  checkField("id", clientId);
  return frameWithPrefix(encoder.encode(`id:${clientId}\n`), message);
}

function frameWithPrefix(prefix: Uint8Array, message: Message): Uint8Array {
  const tail = messageTail(message);
  const frame = new Uint8Array(prefix.length + tail.length);
  frame.set(prefix, 0);
  frame.set(tail, prefix.length);
  return frame;
}

/** The default delivery step: every message as it is. */
const deliverAsIs: Deliver = (message, write) => write(message);

/** A keepalive comment (ignored by EventSource). */
const PING = encoder.encode(":\n\n");

/** Options of `createSseStream`. */
export interface SseStreamOptions {
  /** Close after this many ms without a delivered message (≤ 0: never). */
  idleTimeout?: number;
  /** Close this many ms after opening, whatever happens (≤ 0: never). */
  maxTimeout?: number;
  /** Write a `:` comment every this many ms while idle, for proxies that cut silent streams (0: never, the default, as PocketBase). */
  pingInterval?: number;
  /**
   * Delivers one message taken from the client's queue: calls `write` with the message (or a
   * changed one) to put it on the wire, or doesn't to drop it. The API layer runs the
   * `onRealtimeMessageSend` hook here. Throwing closes the stream.
   */
  deliver?: Deliver;
  /** Called once when the stream ends, with the reason. */
  onClose?: (reason: SseCloseReason) => void;
  /** Called for delivery errors (including messages that cannot be framed, which are skipped). */
  onError?: (err: unknown) => void;
}

/**
 * A byte stream of a client's messages in SSE framing, to be used as a response body. It ends
 * when the client is discarded, after the idle or maximum timeout, or when the reader cancels
 * (peer gone); in every case the client is discarded, so its broker forgets it.
 */
export function createSseStream<A>(
  client: Client<A>,
  options: SseStreamOptions = {},
): ReadableStream<Uint8Array> {
  checkField("id", client.id);
  const prefix = encoder.encode(`id:${client.id}\n`);
  const deliver = options.deliver ?? deliverAsIs;
  const onError = options.onError ?? ((err: unknown) => console.error(err));
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  /** Frames enqueued so far. */
  let written = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  let maxTimer: NodeJS.Timeout | undefined;
  let pingTimer: NodeJS.Timeout | undefined;
  let detach: (() => void) | undefined;

  const finish = (reason: SseCloseReason, cancelled = false): void => {
    if (closed) return;
    closed = true;
    clearTimeout(idleTimer);
    clearTimeout(maxTimer);
    clearInterval(pingTimer);
    detach?.();
    if (!cancelled) {
      try {
        controller.close();
      } catch {
        // already closed or errored
      }
    }
    client.discard("closed");
    options.onClose?.(reason);
  };

  const write = (message: Message): void => {
    if (closed) return;
    let frame: Uint8Array;
    try {
      frame = frameWithPrefix(prefix, message);
    } catch (err) {
      onError(err);
      return;
    }
    controller.enqueue(frame);
    written++;
  };

  return new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
      const idle = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS;
      const max = options.maxTimeout ?? DEFAULT_MAX_TIMEOUT_MS;
      if (idle > 0) idleTimer = setTimeout(() => finish("idle"), idle).unref();
      if (max > 0) maxTimer = setTimeout(() => finish("max"), max).unref();
      const ping = options.pingInterval ?? 0;
      if (ping > 0) {
        pingTimer = setInterval(() => {
          // Only when the reader keeps up: a ping never piles up behind a slow reader.
          if (!closed && (controller.desiredSize ?? 0) > 0) controller.enqueue(PING);
        }, ping).unref();
      }
      detach = client.onDiscard(() => finish("discarded"));
    },
    async pull() {
      // The stream pulls again only after something was enqueued: keep going until then.
      const before = written;
      while (!closed && written === before) {
        const message = await client.next();
        if (message === null) {
          finish("discarded");
          return;
        }
        if (closed) return;
        try {
          await deliver(message, write);
        } catch (err) {
          onError(err);
          finish("error");
          return;
        }
        idleTimer?.refresh();
      }
    },
    cancel() {
      finish("disconnected", true);
    },
  });
}

/**
 * Where the direct SSE writer puts its bytes: a Node `http.ServerResponse`, or a socket taken
 * over from node:http (kept small so tests can pass a fake).
 */
export interface SseSink {
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  destroy(): unknown;
  once(event: "drain" | "close", listener: () => void): unknown;
  off(event: "drain" | "close", listener: () => void): unknown;
}

/** The part of a Node `http.ServerResponse` `pipeSseToResponse` uses. */
export interface SseResponse extends SseSink {
  readonly headersSent: boolean;
  readonly socket?: { setNoDelay(noDelay?: boolean): unknown } | null;
  writeHead(status: number, headers: { [name: string]: string | string[] }): unknown;
}

/** Options of `pipeSseToResponse`: those of `createSseStream`, plus the response headers. */
export interface SsePipeOptions extends SseStreamOptions {
  /** Headers of the 200 response (written unless the response already sent its head). */
  headers?: { [name: string]: string | string[] };
}

/**
 * Writes a client's messages in SSE framing straight to a Node response (which adds the
 * chunked transfer coding itself), without a web stream in between. See `pipeSse`.
 */
export function pipeSseToResponse<A>(
  client: Client<A>,
  res: SseResponse,
  options: SsePipeOptions = {},
): void {
  if (!res.headersSent && !res.destroyed) {
    res.socket?.setNoDelay(true);
    res.writeHead(200, options.headers ?? {});
  }
  pipeSse(client, res, options, false);
}

/**
 * Writes a client's messages in SSE framing to a raw connection whose response head was
 * already written with `transfer-encoding: chunked`: each frame goes out as one chunk, and the
 * end writes the last chunk. See `pipeSse`.
 */
export function pipeSseToChunkedSink<A>(
  client: Client<A>,
  sink: SseSink,
  options: SseStreamOptions = {},
): void {
  pipeSse(client, sink, options, true);
}

/** `0\r\n\r\n`: the last chunk of a chunked body. */
const LAST_CHUNK = encoder.encode("0\r\n\r\n");

/**
 * One client's frame in one (pooled) buffer: `id:<clientId>\n` + the message's shared tail,
 * wrapped as one chunk of the chunked transfer coding when `chunked`.
 */
function frameBuffer(clientId: string, message: Message, chunked: boolean): Buffer {
  const tail = messageTail(message);
  // `id:` + id + `\n`; ids are checked to be single-line when the pipe starts.
  const size = clientId.length + 4 + tail.length;
  const head = chunked ? `${size.toString(16)}\r\n` : "";
  const frame = Buffer.allocUnsafe(head.length + size + (chunked ? 2 : 0));
  let at = frame.write(`${head}id:${clientId}\n`, 0, "utf8");
  frame.set(tail, at);
  at += tail.length;
  if (chunked) {
    frame[at] = 13;
    frame[at + 1] = 10;
  }
  return frame;
}

/**
 * The direct SSE writer: takes messages from the client's bounded queue as they arrive (the
 * client wakes it synchronously, no promise is kept per idle connection) and writes them, and
 * stops taking while `write()` reports a full socket buffer, until `'drain'`, so a slow reader
 * leaves messages in the client's queue (which discards it when it overflows). Ends like
 * `createSseStream` (idle and maximum timeouts, client discarded, delivery error, peer gone:
 * the sink's `'close'`), and in every case discards the client. Keeps only the sink, the
 * client and its timers alive.
 */
function pipeSse<A>(client: Client<A>, sink: SseSink, options: SseStreamOptions, chunked: boolean): void {
  checkField("id", client.id);
  new SsePipe(client, sink, options, chunked).start(options);
}

/**
 * The state of one direct stream: its timers and the sink's backpressure, with a `ClientPump`
 * moving the client's messages. A class rather than closures: thousands of these live for
 * minutes, and a few bound callbacks over one object is the smallest form they take.
 */
class SsePipe<A> implements PumpTarget {
  readonly #client: Client<A>;
  readonly #sink: SseSink;
  readonly #chunked: boolean;
  readonly #pump: ClientPump<A>;
  readonly #onError: (err: unknown) => void;
  readonly #onClose: ((reason: SseCloseReason) => void) | undefined;
  #closed = false;
  /** Set while the sink's buffer is full, until its 'drain'. */
  #full = false;
  #idleTimer: NodeJS.Timeout | undefined;
  #maxTimer: NodeJS.Timeout | undefined;
  #pingTimer: NodeJS.Timeout | undefined;
  #detach: () => void = noop;

  constructor(client: Client<A>, sink: SseSink, options: SseStreamOptions, chunked: boolean) {
    this.#client = client;
    this.#sink = sink;
    this.#chunked = chunked;
    this.#pump = new ClientPump(client, options.deliver ?? deliverAsIs, this);
    this.#onError = options.onError ?? logError;
    this.#onClose = options.onClose;
  }

  start(options: SseStreamOptions): void {
    this.#detach = this.#client.onDiscard(this.#discarded);
    if (this.#closed) return;
    this.#sink.once("close", this.#disconnected);
    if (this.#sink.destroyed) {
      this.finish("disconnected");
      return;
    }
    const idle = options.idleTimeout ?? DEFAULT_IDLE_TIMEOUT_MS;
    const max = options.maxTimeout ?? DEFAULT_MAX_TIMEOUT_MS;
    if (idle > 0) this.#idleTimer = setTimeout(finishPipe, idle, this, "idle" as const).unref();
    if (max > 0) this.#maxTimer = setTimeout(finishPipe, max, this, "max" as const).unref();
    const ping = options.pingInterval ?? 0;
    if (ping > 0) this.#pingTimer = setInterval(pingPipe, ping, this).unref();
    this.#pump.run();
  }

  finish(reason: SseCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#idleTimer);
    clearTimeout(this.#maxTimer);
    clearInterval(this.#pingTimer);
    this.#detach();
    const sink = this.#sink;
    sink.off("close", this.#disconnected);
    sink.off("drain", this.#drained);
    if (reason !== "disconnected" && !sink.destroyed && !sink.writableEnded) {
      try {
        if (this.#chunked) sink.write(LAST_CHUNK);
        sink.end();
      } catch {
        // the socket is already gone
      }
    }
    this.#client.discard("closed");
    this.#onClose?.(reason);
  }

  /** A keepalive comment, only when the socket keeps up: it never piles up behind a slow reader. */
  ping(): void {
    if (this.canWrite()) this.#sent(this.#sink.write(this.#chunked ? CHUNKED_PING : PING));
  }

  // ---- PumpTarget ----

  canWrite(): boolean {
    return !this.#closed && !this.#full;
  }

  write(message: Message): void {
    if (this.#closed) return;
    let frame: Buffer;
    try {
      frame = frameBuffer(this.#client.id, message, this.#chunked);
    } catch (err) {
      this.#onError(err);
      return;
    }
    this.#sent(this.#sink.write(frame));
  }

  delivered(): void {
    this.#idleTimer?.refresh();
  }

  failed(err: unknown): void {
    this.#onError(err);
    this.finish("error");
  }

  // ---- callbacks ----

  readonly #discarded = (): void => this.finish("discarded");
  readonly #disconnected = (): void => this.finish("disconnected");

  readonly #drained = (): void => {
    this.#full = false;
    this.#pump.run();
  };

  /** After a write: a full sink stops the pump until it drains. */
  #sent(accepted: boolean): void {
    if (accepted || this.#full) return;
    this.#full = true;
    this.#sink.once("drain", this.#drained);
  }
}

function noop(): void {}

function logError(err: unknown): void {
  console.error(err);
}

function finishPipe(pipe: { finish(reason: SseCloseReason): void }, reason: SseCloseReason): void {
  pipe.finish(reason);
}

function pingPipe(pipe: { ping(): void }): void {
  pipe.ping();
}

/** A keepalive comment as one chunk. */
const CHUNKED_PING = encoder.encode(`${PING.length.toString(16)}\r\n:\n\n\r\n`);
