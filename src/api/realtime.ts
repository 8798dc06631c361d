/**
 * Realtime API (§1.9, §9): `GET /api/realtime` opens an SSE stream whose first event is
 * `PB_CONNECT`, `POST /api/realtime` replaces a client's subscriptions and binds its auth, and
 * the WebSocket transport sits beside them (realtime-ws.ts). Both transports share one broker
 * per app; this module also exports the small API the rest of Satchel uses to send messages
 * (`getRealtimeBroker`, `sendToTopic`, `sendToClient`) and keeps clients' auth in step with
 * auth record updates and deletions.
 */
import { checkFilteredSubscriptions } from "./realtime-limits.ts";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import type { App } from "../core/app.ts";
import { isAuthCollection, type Collection } from "../core/collections/collection-model.ts";
import {
  RealtimeConnectRequestEvent,
  RealtimeMessageEvent,
  RealtimeSubscribeRequestEvent,
  type ModelEvent,
  type RequestInfo,
} from "../core/hook-events.ts";
import { Record as RecordModel, type AuthRecord } from "../core/records/record.ts";
import { MemoryBroker, type BroadcastFilter, type Broker } from "../realtime/broker.ts";
import { Client, DEFAULT_CLIENT_LIMITS, type ClientLimits, type Message } from "../realtime/client.ts";
import {
  createSseStream,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_MAX_TIMEOUT_MS,
  pipeSseToChunkedSink,
  pipeSseToResponse,
  type SseStreamOptions,
} from "../realtime/sse.ts";
import {
  bindSubscribeForm,
  SubscribeFormBindError,
  validateSubscribeForm,
  type SubscribeForm,
} from "../realtime/subscription.ts";
import { encodeJson } from "../tools/json.ts";
import { ValidationErrors } from "../tools/validation.ts";
import type { ApiEnv } from "./env.ts";
import { takeOverConnection } from "./connection-takeover.ts";
import { headersFromRaw } from "./raw-headers.ts";
import { ApiError, badRequest, forbidden, notFound } from "./errors.ts";
import { realIP } from "./real-ip.ts";
import { readBody } from "./request-body.ts";
import { queryAndHeaders, requestEventArgs } from "./request-event.ts";
import { bindRealtimeWsApi } from "./realtime-ws.ts";
import { bindRealtimeRecordEvents } from "./realtime-records.ts";
import { nodeExchange } from "./node-exchange.ts";
import { afterPipeline, RESPONSE_WRITTEN_HEADER } from "./http/node-adapter.ts";
import { plainResponse } from "./http/plain-response.ts";

/** Tunables of the realtime layer (per app). */
export interface RealtimeConfig {
  /** Default idle timeout of a connection, ms (hooks may change it per connection). */
  idleTimeout: number;
  /** Default maximum lifetime of a connection, ms (hooks may change it per connection). */
  maxTimeout: number;
  /** SSE keepalive comment interval, ms (0: none, as PocketBase). */
  ssePingInterval: number;
  /** WebSocket ping interval, ms; a peer that misses a pong is dropped (0: no pings). */
  wsPingInterval: number;
  /** Bounds of each client's outgoing queue; a client that exceeds them is disconnected. */
  clientLimits: ClientLimits;
}

/** The defaults: PocketBase's timeouts, 30 s WebSocket pings, no SSE comments. */
export const DEFAULT_REALTIME_CONFIG: Readonly<RealtimeConfig> = {
  idleTimeout: DEFAULT_IDLE_TIMEOUT_MS,
  maxTimeout: DEFAULT_MAX_TIMEOUT_MS,
  ssePingInterval: 0,
  wsPingInterval: 30_000,
  clientLimits: DEFAULT_CLIENT_LIMITS,
};

interface RealtimeState {
  broker: Broker<AuthRecord>;
  config: RealtimeConfig;
  /** The auth records clients hold, by collection and id (see `sharedAuth`). */
  auths: Map<string, WeakRef<AuthRecord>>;
  /** `auths` is swept of collected entries when it reaches this size. */
  authsSweepAt: number;
  /** Logs a transport's delivery error (in dev mode); one function for all connections. */
  logError: (err: unknown) => void;
}

// One state per app, in `app.store()`, which transaction apps share with their parent, so
// `getRealtimeBroker(txApp)` is the same broker as `getRealtimeBroker(app)`.

function realtimeState(app: App): RealtimeState {
  let state = app.store().get("@realtime") as RealtimeState | undefined;
  if (!state) {
    state = {
      broker: new MemoryBroker<AuthRecord>(),
      config: { ...DEFAULT_REALTIME_CONFIG, clientLimits: { ...DEFAULT_REALTIME_CONFIG.clientLimits } },
      auths: new Map(),
      authsSweepAt: 1024,
      logError: (err: unknown) => {
        if (app.isDev) console.error("realtime:", err);
      },
    };
    app.store().set("@realtime", state);
    bindRealtimeAuthSync(app);
    bindRealtimeRecordEvents(app);
  }
  return state;
}

/** The app's realtime broker (created on first use). */
export function getRealtimeBroker(app: App): Broker<AuthRecord> {
  return realtimeState(app).broker;
}

/**
 * Replaces the app's broker (e.g. with one that fans out across processes). Call it before
 * serving: the clients of the previous broker are disconnected.
 */
export function setRealtimeBroker(app: App, broker: Broker<AuthRecord>): void {
  const state = realtimeState(app);
  if (state.broker !== broker) state.broker.closeAll();
  state.broker = broker;
}

/** Changes the app's realtime tunables (new connections pick them up). */
export function configureRealtime(app: App, config: Partial<RealtimeConfig>): void {
  const state = realtimeState(app);
  state.config = { ...state.config, ...config };
}

/** The app's realtime tunables. */
export function realtimeConfig(app: App): Readonly<RealtimeConfig> {
  return realtimeState(app).config;
}

/**
 * Sends `data` (JSON-encoded the Go way) to every client subscribed to `topic` (exact topic,
 * before any `?options=`), one message per matching subscription named by the subscription
 * string as the client submitted it. `filter` can skip clients or subscriptions. Returns the
 * number of messages queued. Custom topics and `@oauth2` go through here.
 */
export function sendToTopic(
  app: App,
  topic: string,
  data: unknown,
  filter?: BroadcastFilter<AuthRecord>,
): number {
  return getRealtimeBroker(app).broadcast(topic, encodeJson(data), filter);
}

/** Sends one message named `name` with `data` (JSON-encoded) to one client; false when it is gone. */
export function sendToClient(app: App, clientId: string, name: string, data: unknown): boolean {
  return getRealtimeBroker(app).send(clientId, { name, data: encodeJson(data) });
}

/** Disconnects every realtime client of the app (server shutdown). */
export function shutdownRealtime(app: App): void {
  const state = app.store().get("@realtime") as RealtimeState | undefined;
  state?.broker.closeAll();
}

/**
 * The auth a client keeps: `auth` itself, or an equal copy another client already holds. Every
 * subscribe request loads its auth record anew, so without this 10,000 tabs of one user (or
 * clients of one service account) would keep 10,000 copies of the same record. Records are
 * equal when they are of the same collection definition and have the same values.
 */
export function sharedAuth(app: App, auth: AuthRecord | null): AuthRecord | null {
  if (!auth) return null;
  const state = realtimeState(app);
  const key = `${auth.collection.id}/${auth.id}`;
  const held = state.auths.get(key)?.deref();
  if (held && held !== auth && sameRecordValues(held, auth)) return held;
  state.auths.set(key, new WeakRef(auth));
  if (state.auths.size >= state.authsSweepAt) {
    for (const [k, ref] of state.auths) if (!ref.deref()) state.auths.delete(k);
    state.authsSweepAt = Math.max(1024, state.auths.size * 2);
  }
  return auth;
}

function sameRecordValues(a: RecordModel, b: RecordModel): boolean {
  if (a.collection !== b.collection) return false;
  for (const [field, value] of a.entries()) {
    const other = b.get(field.name);
    if (value === other) continue;
    if (typeof value !== "object" || typeof other !== "object" || value === null || other === null)
      return false;
    if (JSON.stringify(value) !== JSON.stringify(other)) return false;
  }
  return true;
}

/** Whether two auth states are the same record (both guests counts as the same). */
export function isSameAuth(a: AuthRecord | null, b: AuthRecord | null): boolean {
  if (!a || !b) return a === b;
  return a.id === b.id && a.collection.id === b.collection.id;
}

/** Builds a new client for a connecting request. */
export function newRealtimeClient(app: App, ip: string): Client<AuthRecord> {
  return new Client<AuthRecord>({ ip, limits: realtimeConfig(app).clientLimits });
}

/** The `PB_CONNECT` message of a client. */
export function connectMessage(client: Client<AuthRecord>): Message {
  return { name: "PB_CONNECT", data: encodeJson({ clientId: client.id }) };
}

/**
 * The delivery step of a transport: runs `onRealtimeMessageSend` (when it has handlers) with
 * the connection's request, and writes the event's message as its default behaviour.
 */
export function messageDeliverer(
  app: App,
  client: Client<AuthRecord>,
  requestOf: () => Request,
  auth: AuthRecord | null,
  ip: string,
): (message: Message, write: (message: Message) => void) => Promise<void> | void {
  return (message, write) => {
    const hook = app.hooks.onRealtimeMessageSend;
    if (hook.length === 0) {
      write(message);
      return;
    }
    const request = requestOf();
    const event = new RealtimeMessageEvent([app, request, client.auth, lazyRequestInfo(request, auth), ip], {
      client,
      // A copy: the same message object may be on its way to other clients too.
      message: { name: message.name, data: message.data },
    });
    return hook.trigger(event, (e) => {
      write(e.message);
    });
  };
}

/** Registers the realtime routes (SSE and WebSocket). */
export function bindRealtimeApi(router: Router<ApiEnv>): void {
  router.get("/api/realtime", realtimeConnect);
  router.post("/api/realtime", realtimeSetSubscriptions);
  bindRealtimeWsApi(router);
}

const SSE_HEADERS = {
  "content-type": "text/event-stream",
  "cache-control": "no-store",
  "x-accel-buffering": "no",
} as const;

/** The headers of a response as a plain object for `writeHead` (Set-Cookie kept apart). */
function plainHeaders(headers: Headers): { [name: string]: string | string[] } {
  const out: { [name: string]: string | string[] } = {};
  for (const [key, value] of headers) {
    if (key === "set-cookie" || key === ALREADY_SENT_HEADER) continue;
    out[key] = value;
  }
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  return out;
}

async function realtimeConnect(c: Context<ApiEnv>): Promise<Response> {
  const app = c.get("app");
  const state = realtimeState(app);
  const request = c.req.raw;
  const auth = c.get("auth");
  const ip = realIP(c);
  const event = new RealtimeConnectRequestEvent([app, request, auth, lazyRequestInfo(request, auth), ip], {
    client: newRealtimeClient(app, ip),
    idleTimeout: state.config.idleTimeout,
    maxTimeout: state.config.maxTimeout,
    transport: "sse",
  });
  const exchange = nodeExchange(c);
  await app.hooks.onRealtimeConnectRequest.trigger(event, (e) => {
    const client = e.client;
    const broker = getRealtimeBroker(e.app);
    broker.register(client);
    client.send(connectMessage(client));
    const options = sseOptions(e.app, client, laterRequest(c), auth, ip, e.idleTimeout, e.maxTimeout);
    options.pingInterval = state.config.ssePingInterval;
    if (exchange) {
      e.response = directSse(exchange, client, broker, options);
      return;
    }
    e.response = streamedSse(c, client, broker, options);
  });
  return event.response ?? new Response(null, { status: 204 });
}

/**
 * The request of a connection as the message hooks see it later. Only what the connection
 * needs is kept (its URL, method and raw headers), not the Node request, which can go once
 * the connection is taken over; the Request is built when a hook first asks for it.
 */
export function laterRequest(c: Context<ApiEnv>): () => Request {
  const raw = c.req.raw;
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming ? rebuiltRequest(raw.url, raw.method, incoming.rawHeaders) : () => raw;
}

/** A Request rebuilt on first call from a URL, a method and Node's raw header list. */
function rebuiltRequest(url: string, method: string, rawHeaders: string[]): () => Request {
  let request: Request | undefined;
  return () => {
    request ??= new Request(url, { method, headers: headersFromRaw(rawHeaders) });
    return request;
  };
}

/**
 * `{query, headers, body, auth, method, context}` of a realtime GET request, built on first
 * call (and only then: nothing is kept per connection until a hook asks for it).
 */
export function lazyRequestInfo(request: Request, auth: AuthRecord | null): () => RequestInfo {
  let info: RequestInfo | undefined;
  return () => (info ??= realtimeRequestInfo(request, auth));
}

function realtimeRequestInfo(request: Request, auth: AuthRecord | null): RequestInfo {
  // Copies: each message event's info is its own, as when it was built per event.
  const { query, headers } = queryAndHeaders(request);
  return {
    query: { ...query },
    headers: { ...headers },
    body: {},
    auth,
    method: request.method,
    context: "default",
  };
}

/**
 * The options of one SSE connection. Built outside the request handler's scope so that its
 * callbacks keep no Hono context, connect event or response alive, only what they use.
 */
function sseOptions(
  app: App,
  client: Client<AuthRecord>,
  requestOf: () => Request,
  auth: AuthRecord | null,
  ip: string,
  idleTimeout: number,
  maxTimeout: number,
): SseStreamOptions {
  return {
    idleTimeout,
    maxTimeout,
    pingInterval: 0,
    deliver: messageDeliverer(app, client, requestOf, auth, ip),
    onError: realtimeState(app).logError,
  };
}

/** The SSE stream as a web stream response (no Node response: `app.request`, tests). */
function streamedSse(
  c: Context<ApiEnv>,
  client: Client<AuthRecord>,
  broker: Broker<AuthRecord>,
  options: SseStreamOptions,
): Response {
  const stream = createSseStream(client, {
    ...options,
    onClose: () => {
      broker.unregister(client.id);
      // A consumer that stopped reading cannot be closed politely: drop its socket.
      if (client.discardReason === "overflow") destroySocket(c);
    },
  });
  // The peer going away aborts the request: end the stream (and free the socket) right away.
  c.req.raw.signal.addEventListener("abort", () => broker.unregister(client.id), { once: true });
  return new Response(stream, { status: 200, headers: SSE_HEADERS });
}

/** The header by which the node adapter leaves a response alone (the handler wrote it). */
const ALREADY_SENT_HEADER = RESPONSE_WRITTEN_HEADER;

/**
 * The SSE stream written straight to the connection (no web stream, no request context kept
 * alive): returns a marker response that the node adapter leaves alone. The head is written
 * once the pipeline has finished with the marker (`afterPipeline`: pb_hooks handlers around
 * this one may still be running on their thread when it returns), so the headers middlewares
 * add after `next()` (CORS, security headers) are sent too. The connection is then taken over from node:http, so that an open
 * stream costs little more than its socket; when it can't be, the stream goes through the
 * Node response.
 */
function directSse(
  exchange: { req: IncomingMessage; res: ServerResponse },
  client: Client<AuthRecord>,
  broker: Broker<AuthRecord>,
  options: SseStreamOptions,
): Response {
  const marker = plainResponse(null, 200, { ...SSE_HEADERS, [ALREADY_SENT_HEADER]: "true" });
  const early = (): void => {
    broker.unregister(client.id);
  };
  exchange.res.once("close", early);
  afterPipeline(exchange.res, (final) => {
    exchange.res.off("close", early);
    startSse(exchange, final, client, broker, options);
  });
  return marker;
}

/**
 * Starts writing the stream once the final response is known. A function of its own (as
 * `closeHandler`), so that the closures living as long as the stream keep none of the
 * connect request's objects alive: V8 keeps a closure's whole scope chain.
 */
function startSse(
  { req, res }: { req: IncomingMessage; res: ServerResponse },
  final: Response,
  client: Client<AuthRecord>,
  broker: Broker<AuthRecord>,
  options: SseStreamOptions,
): void {
  if (!final.headers.has(ALREADY_SENT_HEADER) || res.headersSent || res.destroyed) {
    // A hook or middleware replaced the response: this stream is not wanted.
    broker.unregister(client.id);
    return;
  }
  const socket = takeOverConnection(req, res, final.status, responseHeaders(res, final.headers));
  if (socket) {
    pipeSseToChunkedSink(client, socket, { ...options, onClose: closeHandler(client, broker, socket) });
  } else {
    const headers = plainHeaders(final.headers);
    pipeSseToResponse(client, res, { ...options, headers, onClose: closeHandler(client, broker, res) });
  }
}

/** What happens when a stream ends: the broker forgets the client, an overflowing peer is cut off. */
function closeHandler(
  client: Client<AuthRecord>,
  broker: Broker<AuthRecord>,
  sink: { destroy(): unknown },
): () => void {
  return () => {
    broker.unregister(client.id);
    // A consumer that stopped reading cannot be closed politely: drop its socket.
    if (client.discardReason === "overflow") sink.destroy();
  };
}

/**
 * The head of a taken-over stream: the request's default headers (CORS, security headers: see
 * setDefaultHeader, which the node adapter puts on Node's response before this writer runs) under
 * the final response's own headers, merged as `writeHead` would, without the marker of a response
 * written by its handler.
 */
function* responseHeaders(res: ServerResponse, headers: Headers): Generator<[string, string]> {
  for (const [name, value] of Object.entries(res.getHeaders())) {
    if (value === undefined || headers.has(name)) continue;
    if (Array.isArray(value)) for (const v of value) yield [name, v];
    else yield [name, String(value)];
  }
  for (const entry of headers) if (entry[0] !== ALREADY_SENT_HEADER) yield entry;
}

function destroySocket(c: Context<ApiEnv>): void {
  const env = c.env as { incoming?: { socket?: { destroy(): void } } } | undefined;
  env?.incoming?.socket?.destroy();
}

function isJsonRequest(c: Context<ApiEnv>): boolean {
  return (c.req.header("content-type") ?? "").toLowerCase().startsWith("application/json");
}

/** Binds and validates a subscribe body; 400 with PocketBase's error body when it is wrong. */
export function readSubscribeForm(body: unknown, fromForm: boolean, requireClientId = true): SubscribeForm {
  let form: SubscribeForm;
  try {
    form = bindSubscribeForm(body, fromForm);
  } catch (err) {
    if (err instanceof SubscribeFormBindError) throw new ApiError(400, "", {}, err);
    throw err;
  }
  try {
    validateSubscribeForm(form, requireClientId);
  } catch (err) {
    if (err instanceof ValidationErrors) throw badRequest("", err);
    throw err;
  }
  return form;
}

/** The auth rule of a subscribe request: keep the same auth, or go from guest to auth. */
export function checkAuthChange(client: Client<AuthRecord>, auth: AuthRecord | null): void {
  if (client.auth && !isSameAuth(client.auth, auth)) {
    throw forbidden("The current and the previous request authorization don't match.");
  }
}

async function realtimeSetSubscriptions(c: Context<ApiEnv>): Promise<Response> {
  const app = c.get("app");
  const body = await readBody(c);
  const form = readSubscribeForm(body, !isJsonRequest(c));
  const client = getRealtimeBroker(app).client(form.clientId);
  if (!client) throw notFound("Missing or invalid client id.");
  if (client.ip !== realIP(c)) throw badRequest("The current and the previous request IP don't match.");
  checkAuthChange(client, c.get("auth"));
  checkFilteredSubscriptions(getRealtimeBroker(app).clients(), client, form.subscriptions);
  const event = new RealtimeSubscribeRequestEvent(await requestEventArgs(c), {
    client,
    subscriptions: form.subscriptions,
  });
  await app.hooks.onRealtimeSubscribeRequest.trigger(event, (e) => {
    e.client.auth = sharedAuth(e.app, e.auth);
    e.client.setSubscriptions(e.subscriptions);
    e.response = new Response(null, { status: 204 });
  });
  return event.response ?? new Response(null, { status: 204 });
}

/** The request info of a realtime subscription (rules see `@request.context = "realtime"`). */
export function subscriptionRequestInfo(
  client: Client<AuthRecord>,
  subscription: string,
): RequestInfo | null {
  const options = client.subscriptionOptions(subscription);
  if (!options) return null;
  return {
    query: { ...options.query },
    headers: { ...options.headers },
    body: {},
    auth: client.auth,
    method: "GET",
    context: "realtime",
  };
}

// ---- keeping clients' auth in step with auth records and collections ----------------------

function forEachClientOf(app: App, fn: (client: Client<AuthRecord>, auth: AuthRecord) => void): void {
  for (const client of getRealtimeBroker(app).clients()) {
    const auth = client.auth;
    if (auth) fn(client, auth);
  }
}

/**
 * After an auth record is updated its clients get the fresh record, or become guests when its
 * tokenKey changed (tokens revoked); after it is deleted they become guests. Changing an auth
 * collection's token secret or deleting the collection turns its clients into guests. Clients
 * stay connected either way.
 */
function bindRealtimeAuthSync(app: App): void {
  app.hooks.onModelAfterUpdateSuccess.bind({
    id: "__pbRealtimeAuthUpdate__",
    priority: -99,
    func: async (e: ModelEvent) => {
      const model = e.model;
      if (model instanceof RecordModel && model.collection.type === "auth") {
        // One copy of the updated record for all its clients.
        let updated: RecordModel | undefined;
        forEachClientOf(e.app, (client, auth) => {
          if (auth.id !== model.id || auth.collection.id !== model.collection.id) return;
          client.auth = auth.tokenKey === model.tokenKey ? (updated ??= snapshot(model)) : null;
        });
      } else if (isCollectionModel(model) && isAuthCollection(model)) {
        const secret = model.auth.authToken.secret;
        forEachClientOf(e.app, (client, auth) => {
          if (auth.collection.id !== model.id) return;
          if (auth.collection.auth?.authToken.secret !== secret) client.auth = null;
        });
      }
      await e.next();
    },
  });
  app.hooks.onModelAfterDeleteSuccess.bind({
    id: "__pbRealtimeAuthDelete__",
    priority: -99,
    idle: () => getRealtimeBroker(app).size === 0,
    func: async (e: ModelEvent) => {
      const model = e.model;
      if (model instanceof RecordModel && model.collection.type === "auth") {
        forEachClientOf(e.app, (client, auth) => {
          if (auth.id === model.id && auth.collection.id === model.collection.id) client.auth = null;
        });
      } else if (isCollectionModel(model) && model.type === "auth") {
        forEachClientOf(e.app, (client, auth) => {
          if (auth.collection.id === model.id) client.auth = null;
        });
      }
      await e.next();
    },
  });
}

/** A detached copy of a record, so later in-memory changes to the saved object don't leak into clients. */
function snapshot(record: RecordModel): RecordModel {
  const copy = new RecordModel(record.collection);
  for (const [field, value] of record.entries()) copy.set(field.name, value);
  copy.markAsStored();
  return copy;
}

function isCollectionModel(model: ModelEvent["model"]): model is Collection {
  return !(model instanceof RecordModel) && "fields" in model && "type" in model;
}
