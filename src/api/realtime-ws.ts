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
import { checkFilteredSubscriptions } from "./realtime-limits.ts";
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import type { RawData, WebSocket, WebSocketServer } from "ws";
import type { App } from "../core/app.ts";
import { RealtimeConnectRequestEvent, RealtimeSubscribeRequestEvent } from "../core/hook-events.ts";
import type { AuthRecord } from "../core/records/record.ts";
import { findAuthRecordByToken } from "../core/records/record-tokens.ts";
import type { Client, Message } from "../realtime/client.ts";
import { ClientPump, type PumpTarget } from "../realtime/client-pump.ts";
import { encodeJson } from "../tools/json.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError, badRequest, toApiError } from "./errors.ts";
import { realIP } from "./real-ip.ts";
import {
  checkAuthChange,
  connectMessage,
  getRealtimeBroker,
  laterRequest,
  lazyRequestInfo,
  messageDeliverer,
  newRealtimeClient,
  readSubscribeForm,
  realtimeConfig,
  sharedAuth,
} from "./realtime.ts";
import { requestEventArgs } from "./request-event.ts";
import type { PendingUpgrade, UpgradeServer } from "./websocket-upgrade.ts";

/** Largest accepted client frame: room for 1000 subscriptions of 2500 characters. */
export const MAX_WS_PAYLOAD = 8 << 20;
/** Stop writing while this many bytes wait in the socket; the client queue absorbs the rest. */
const HIGH_WATER_BYTES = 256 << 10;
/** How long a closing socket may take before it is cut. */
const CLOSE_GRACE_MS = 2_000;

/**
 * The `ws` server the HTTP server hands accepted upgrades to. `ws` (and the `https`/`tls`
 * modules it pulls in, ~10 MB resident) is loaded on the first WebSocket client, not at start.
 */
export function createRealtimeWebSocketServer(): UpgradeServer {
  let loading: Promise<WebSocketServer> | undefined;
  const load = (): Promise<WebSocketServer> =>
    (loading ??= import("ws").then(
      ({ WebSocketServer }) => new WebSocketServer({ noServer: true, maxPayload: MAX_WS_PAYLOAD }),
    ));
  return {
    handleUpgrade(req, socket, head, onOpen) {
      load().then(
        (wss) => {
          if (!socket.destroyed) wss.handleUpgrade(req, socket, head, onOpen);
        },
        () => socket.destroy(),
      );
    },
    close(done) {
      if (loading) void loading.then((wss) => wss.close(done));
      else done?.();
    },
  };
}

/** Registers `GET /api/realtime/ws`. */
export function bindRealtimeWsApi(router: Router<ApiEnv>): void {
  router.get("/api/realtime/ws", realtimeWsConnect);
}

/** The text frame of a message: its data is spliced in when it is JSON, sent as a string otherwise. */
const frames = new WeakMap<Message, { name: string; data: string; frame: Buffer }>();

/** The UTF-8 bytes of a message's frame, encoded once and shared by every client it goes to. */
export function wsFrame(message: Message): Buffer {
  const cached = frames.get(message);
  if (cached && cached.name === message.name && cached.data === message.data) return cached.frame;
  let data = message.data;
  try {
    JSON.parse(data);
  } catch {
    data = encodeJson(data);
  }
  const frame = Buffer.from(`{"event":${encodeJson(message.name)},"data":${data}}`, "utf8");
  frames.set(message, { name: message.name, data: message.data, frame });
  return frame;
}

/** The upgrade of a request routed by `routeWebSocketUpgrades` (absent for plain requests). */
function pendingUpgrade(c: Context<ApiEnv>): PendingUpgrade | undefined {
  return (c.env as { upgrade?: PendingUpgrade } | undefined)?.upgrade;
}

async function realtimeWsConnect(c: Context<ApiEnv>): Promise<Response> {
  const upgrade = pendingUpgrade(c);
  if (!upgrade || c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw badRequest("The request must be a WebSocket upgrade.");
  }
  const app = c.get("app");
  const config = realtimeConfig(app);
  const event = new RealtimeConnectRequestEvent(await requestEventArgs(c), {
    client: newRealtimeClient(app, realIP(c)),
    idleTimeout: config.idleTimeout,
    maxTimeout: config.maxTimeout,
    transport: "websocket",
  });
  let connection: WsConnection | undefined;
  await app.hooks.onRealtimeConnectRequest.trigger(event, (e) => {
    connection = new WsConnection(e, laterRequest(c), c.get("auth"), realIP(c));
  });
  if (event.response) return event.response;
  if (!connection) return new Response(null, { status: 204 });
  return upgrade.accept(connection.open);
}

type CloseReason = "disconnected" | "discarded" | "overflow" | "idle" | "max" | "dead" | "error" | "flood";

/** Requests a connection may have waiting (each is handled in turn). */
const MAX_PENDING_REQUESTS = 32;

/**
 * One WebSocket connection: pumps the client's queue into the socket and handles its requests.
 * It keeps only what later messages need (no request context): the app, the client, the
 * connect request's auth, IP and a way to rebuild its Request for hooks.
 */
class WsConnection implements PumpTarget {
  readonly #app: App;
  readonly #client: Client<AuthRecord>;
  readonly #requestOf: () => Request;
  /** The auth of the upgrade request (its Authorization header). */
  readonly #connectAuth: AuthRecord | null;
  readonly #ip: string;
  readonly #idleTimeout: number;
  readonly #maxTimeout: number;
  readonly #pump: ClientPump<AuthRecord>;
  #ws: WebSocket | undefined;
  #closed = false;
  #alive = true;
  /** Set while the socket holds more than HIGH_WATER_BYTES (until that frame is flushed). */
  #stalled = false;
  #timers: NodeJS.Timeout[] = [];
  #idleTimer: NodeJS.Timeout | undefined;
  /** Requests are handled one at a time, in order. */
  #requests: Promise<void> = Promise.resolve();
  /** Requests received and not handled yet; a peer that floods past MAX_PENDING_REQUESTS is cut off. */
  #pending = 0;

  constructor(e: RealtimeConnectRequestEvent, requestOf: () => Request, auth: AuthRecord | null, ip: string) {
    this.#app = e.app;
    this.#client = e.client;
    this.#requestOf = requestOf;
    this.#connectAuth = auth;
    this.#ip = ip;
    this.#idleTimeout = e.idleTimeout;
    this.#maxTimeout = e.maxTimeout;
    this.#pump = new ClientPump(e.client, messageDeliverer(e.app, e.client, requestOf, auth, ip), this);
  }

  readonly open = (ws: WebSocket): void => {
    this.#ws = ws;
    ws.on("message", (data: RawData, isBinary: boolean) => {
      if (++this.#pending > MAX_PENDING_REQUESTS) {
        this.#finish("flood");
        return;
      }
      const text = isBinary ? null : rawDataText(data);
      this.#requests = this.#requests
        .then(() => this.#handle(text))
        .catch((err: unknown) => this.#fail(err))
        .finally(() => this.#pending--);
    });
    ws.on("close", () => this.#finish("disconnected"));
    ws.on("error", () => this.#finish("disconnected"));
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
    this.#pump.run();
  };

  // ---- PumpTarget ----

  canWrite(): boolean {
    return !this.#closed && !this.#stalled;
  }

  write(message: Message): void {
    const ws = this.#ws;
    if (this.#closed || !ws || ws.readyState !== ws.OPEN) return;
    const frame = wsFrame(message);
    if (ws.bufferedAmount + frame.length <= HIGH_WATER_BYTES) {
      ws.send(frame, { binary: false });
      return;
    }
    // Backpressure: take no more messages until this frame is flushed.
    this.#stalled = true;
    ws.send(frame, { binary: false }, () => {
      this.#stalled = false;
      this.#pump.run();
    });
  }

  delivered(): void {
    this.#idleTimer?.refresh();
  }

  failed(err: unknown): void {
    this.#fail(err);
    this.#finish("error");
  }

  async #handle(data: string | null): Promise<void> {
    if (this.#closed) return;
    let request: unknown;
    try {
      if (data === null) throw new Error("binary frame");
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
    let auth = this.#connectAuth;
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
    checkFilteredSubscriptions(getRealtimeBroker(app).clients(), client, form.subscriptions);
    const request = this.#requestOf();
    const info = lazyRequestInfo(request, this.#connectAuth)();
    const requestInfo = {
      ...info,
      headers: { ...info.headers },
      body: { subscriptions: form.subscriptions },
      auth,
    };
    const event = new RealtimeSubscribeRequestEvent([app, request, auth, () => requestInfo, this.#ip], {
      client,
      subscriptions: form.subscriptions,
    });
    let accepted = false;
    await app.hooks.onRealtimeSubscribeRequest.trigger(event, (e) => {
      e.client.auth = sharedAuth(e.app, e.auth);
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

const CLOSE_CODES: Record<
  "disconnected" | "discarded" | "idle" | "max" | "error" | "flood",
  [number, string]
> = {
  flood: [1008, "Too many requests waiting."],
  disconnected: [1000, ""],
  discarded: [1001, "Going away."],
  idle: [1000, "Idle timeout."],
  max: [1000, "Maximum connection time reached."],
  error: [1011, "Failed to deliver a message."],
};

/** The text of a frame (`ws` hands text frames over as bytes). */
function rawDataText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return (data instanceof ArrayBuffer ? Buffer.from(data) : data).toString("utf8");
}
