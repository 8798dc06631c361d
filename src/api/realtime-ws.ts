/**
 * The WebSocket transport of the realtime API (PocketBase has none): `GET /api/realtime/ws`.
 * Same broker, same Client, same topics, options, auth rules and hooks as the SSE transport;
 * only the framing differs (see docs/realtime.md):
 *
 *   server → client  {"event":"PB_CONNECT","data":{"clientId":"…"}}
 *   client → server  {"type":"subscribe","id"?:…,"subscriptions":[…],"authorization"?:"<token>"}
 *   server → client  {"event":"PB_SUBSCRIBE","data":{"id"?:…,"subscriptions":[…]}}   (accepted)
 *                    {"event":"PB_ERROR","data":{"id"?:…,"data":{…},"message":"…","status":N}}
 *                    {"event":"<subscription string>","data":<message data>}
 *
 * Liveness by ping/pong; outgoing frames are paced by the socket's `bufferedAmount`, so a slow
 * peer leaves messages in its bounded client queue and is dropped when that overflows.
 */
import { upgradeWebSocket } from "@hono/node-server";
import type { Context, Hono } from "hono";
import type { WSContext, WSEvents } from "hono/ws";
import { WebSocketServer, type WebSocket } from "ws";
import { RealtimeConnectRequestEvent, RealtimeSubscribeRequestEvent } from "../core/hook-events.ts";
import type { AuthRecord } from "../core/records/record.ts";
import { findAuthRecordByToken } from "../core/records/record-tokens.ts";
import type { Client, Message } from "../realtime/client.ts";
import { encodeJson } from "../tools/json.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError, badRequest, toApiError } from "./errors.ts";
import { realIP } from "./real-ip.ts";
import {
  checkAuthChange,
  connectMessage,
  getRealtimeBroker,
  messageDeliverer,
  newRealtimeClient,
  readSubscribeForm,
  realtimeConfig,
} from "./realtime.ts";
import { requestEventArgs } from "./request-event.ts";

/** Largest accepted client frame: room for 1000 subscriptions of 2500 characters. */
export const MAX_WS_PAYLOAD = 8 << 20;
/** Stop writing while this many bytes wait in the socket; the client queue absorbs the rest. */
const HIGH_WATER_BYTES = 256 << 10;
/** How long a closing socket may take before it is cut. */
const CLOSE_GRACE_MS = 2_000;

/** The `ws` server the HTTP server hands upgrades to (pass it to `serve({websocket: {server}})`). */
export function createRealtimeWebSocketServer(): WebSocketServer {
  return new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD });
}

/** Registers `GET /api/realtime/ws`. */
export function bindRealtimeWsApi(router: Hono<ApiEnv>): void {
  router.get("/api/realtime/ws", realtimeWsConnect);
}

/** The text frame of a message: its data is spliced in when it is JSON, sent as a string otherwise. */
const frames = new WeakMap<Message, { name: string; data: string; frame: string }>();

export function wsFrame(message: Message): string {
  const cached = frames.get(message);
  if (cached && cached.name === message.name && cached.data === message.data) return cached.frame;
  let data = message.data;
  try {
    JSON.parse(data);
  } catch {
    data = encodeJson(data);
  }
  const frame = `{"event":${encodeJson(message.name)},"data":${data}}`;
  frames.set(message, { name: message.name, data: message.data, frame });
  return frame;
}

async function realtimeWsConnect(c: Context<ApiEnv>): Promise<Response> {
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw badRequest("The request must be a WebSocket upgrade.");
  }
  const app = c.var.app;
  const config = realtimeConfig(app);
  const args = await requestEventArgs(c);
  const event = new RealtimeConnectRequestEvent(...args);
  event.client = newRealtimeClient(app, realIP(c));
  event.idleTimeout = config.idleTimeout;
  event.maxTimeout = config.maxTimeout;
  event.transport = "websocket";
  let events: WSEvents<WebSocket> | undefined;
  await app.hooks.onRealtimeConnectRequest.trigger(event, (e) => {
    events = new WsConnection(c, e, args).events();
  });
  if (event.response) return event.response;
  if (!events) return new Response(null, { status: 204 });
  return upgradeWebSocket(c, events as WSEvents<unknown> as never);
}

type CloseReason = "disconnected" | "discarded" | "overflow" | "idle" | "max" | "dead" | "error";

type Args = Awaited<ReturnType<typeof requestEventArgs>>;

/** One WebSocket connection: pumps the client's queue into the socket and handles its requests. */
class WsConnection {
  readonly #c: Context<ApiEnv>;
  readonly #app: RealtimeConnectRequestEvent["app"];
  readonly #client: Client<AuthRecord>;
  readonly #args: Args;
  readonly #idleTimeout: number;
  readonly #maxTimeout: number;
  #ws: WebSocket | undefined;
  #closed = false;
  #alive = true;
  #timers: NodeJS.Timeout[] = [];
  #idleTimer: NodeJS.Timeout | undefined;
  /** Requests are handled one at a time, in order. */
  #requests: Promise<void> = Promise.resolve();

  constructor(c: Context<ApiEnv>, e: RealtimeConnectRequestEvent, args: Args) {
    this.#c = c;
    this.#app = e.app;
    this.#client = e.client;
    this.#args = args;
    this.#idleTimeout = e.idleTimeout;
    this.#maxTimeout = e.maxTimeout;
  }

  events(): WSEvents<WebSocket> {
    return {
      onOpen: (_evt, ws) => this.#open(ws),
      onMessage: (evt) => {
        const data = evt.data;
        this.#requests = this.#requests
          .then(() => this.#handle(data))
          .catch((err: unknown) => this.#fail(err));
      },
      onClose: () => this.#finish("disconnected"),
      onError: () => this.#finish("disconnected"),
    };
  }

  #open(ctx: WSContext<WebSocket>): void {
    const ws = ctx.raw;
    if (!ws) return;
    this.#ws = ws;
    const client = this.#client;
    const broker = getRealtimeBroker(this.#app);
    broker.register(client);
    client.send(connectMessage(client));
    client.onDiscard(() => this.#finish(client.discardReason === "overflow" ? "overflow" : "discarded"));
    ws.on("pong", () => {
      this.#alive = true;
    });
    const ping = realtimeConfig(this.#app).wsPingInterval;
    if (ping > 0) {
      this.#timers.push(
        setInterval(() => {
          if (!this.#alive) {
            this.#finish("dead");
            return;
          }
          this.#alive = false;
          ws.ping();
        }, ping).unref(),
      );
    }
    if (this.#idleTimeout > 0) {
      this.#idleTimer = setTimeout(() => this.#finish("idle"), this.#idleTimeout).unref();
      this.#timers.push(this.#idleTimer);
    }
    if (this.#maxTimeout > 0) {
      this.#timers.push(setTimeout(() => this.#finish("max"), this.#maxTimeout).unref());
    }
    void this.#pump();
  }

  async #pump(): Promise<void> {
    const client = this.#client;
    const deliver = messageDeliverer(this.#app, client, this.#args);
    let written: Promise<void> = Promise.resolve();
    const write = (message: Message): void => {
      const ws = this.#ws;
      if (this.#closed || !ws || ws.readyState !== ws.OPEN) return;
      written = new Promise((resolve) => ws.send(wsFrame(message), () => resolve()));
    };
    for (;;) {
      const message = await client.next();
      if (message === null || this.#closed) return;
      try {
        await deliver(message, write);
      } catch (err) {
        this.#fail(err);
        this.#finish("error");
        return;
      }
      this.#idleTimer?.refresh();
      // Backpressure: wait for the socket to take the last frame before writing more.
      if ((this.#ws?.bufferedAmount ?? 0) > HIGH_WATER_BYTES) await written;
    }
  }

  async #handle(data: unknown): Promise<void> {
    if (this.#closed) return;
    let request: unknown;
    try {
      if (typeof data !== "string") throw new Error("binary frame");
      request = JSON.parse(data);
    } catch {
      this.#reply(undefined, badRequest("Invalid message: expected a JSON object."));
      return;
    }
    if (request === null || typeof request !== "object" || Array.isArray(request)) {
      this.#reply(undefined, badRequest("Invalid message: expected a JSON object."));
      return;
    }
    const body = request as { [key: string]: unknown };
    const id = typeof body.id === "string" || typeof body.id === "number" ? body.id : undefined;
    try {
      if (body.type !== "subscribe") throw badRequest('Unknown message type (expected "subscribe").');
      await this.#subscribe(body, id);
    } catch (err) {
      this.#reply(id, toApiError(err));
    }
  }

  async #subscribe(body: { [key: string]: unknown }, id: string | number | undefined): Promise<void> {
    const app = this.#app;
    const client = this.#client;
    const form = readSubscribeForm({ clientId: client.id, subscriptions: body.subscriptions }, false, false);
    let auth = this.#c.var.auth;
    if ("authorization" in body) {
      const raw = body.authorization;
      if (raw !== null && raw !== undefined && typeof raw !== "string") {
        throw badRequest("Invalid message: authorization must be a string.");
      }
      const token = (raw ?? "").replace(/^bearer\s+/i, "").trim();
      auth = token
        ? ((await findAuthRecordByToken(app, token, "auth").catch(() => null))?.record ?? null)
        : null;
    }
    checkAuthChange(client, auth);
    const [, request, , , ip] = this.#args;
    const info = this.#args[3]();
    const requestInfo = {
      ...info,
      headers: { ...info.headers },
      body: { subscriptions: form.subscriptions },
      auth,
    };
    const event = new RealtimeSubscribeRequestEvent(app, request, auth, () => requestInfo, ip);
    event.client = client;
    event.subscriptions = form.subscriptions;
    let accepted = false;
    await app.hooks.onRealtimeSubscribeRequest.trigger(event, (e) => {
      e.client.auth = e.auth;
      e.client.setSubscriptions(e.subscriptions);
      accepted = true;
    });
    if (event.response && event.response.status >= 400) {
      throw new ApiError(event.response.status, "", {});
    }
    if (accepted || event.response) {
      const data: { [key: string]: unknown } = {};
      if (id !== undefined) data.id = id;
      data.subscriptions = event.subscriptions;
      client.send({ name: "PB_SUBSCRIBE", data: encodeJson(data) });
    }
  }

  #reply(id: string | number | undefined, err: ApiError): void {
    const data: { [key: string]: unknown } = {};
    if (id !== undefined) data.id = id;
    Object.assign(data, err.toJSON());
    this.#client.send({ name: "PB_ERROR", data: encodeJson(data) });
  }

  #fail(err: unknown): void {
    if (this.#app.isDev) console.error("realtime (websocket):", err);
  }

  /** Closes the connection once, unregisters the client. */
  #finish(reason: CloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers = [];
    getRealtimeBroker(this.#app).unregister(this.#client.id);
    this.#client.discard("closed");
    const ws = this.#ws;
    if (!ws || ws.readyState === ws.CLOSED) return;
    if (reason === "overflow" || reason === "dead") {
      ws.terminate();
      return;
    }
    if (ws.readyState === ws.OPEN) {
      const [code, text] = CLOSE_CODES[reason];
      ws.close(code, text);
    }
    setTimeout(() => ws.terminate(), CLOSE_GRACE_MS).unref();
  }
}

const CLOSE_CODES: Record<"disconnected" | "discarded" | "idle" | "max" | "error", [number, string]> = {
  disconnected: [1000, ""],
  discarded: [1001, "Going away."],
  idle: [1000, "Idle timeout."],
  max: [1000, "Maximum connection time reached."],
  error: [1011, "Failed to deliver a message."],
};
