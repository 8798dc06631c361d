/**
 * The `e` a script handler receives: the event's fields rebuilt as script objects, `e.next()` as
 * a synchronous call that ships the mutated state to the main thread and takes the result back,
 * and, for routes, middlewares and request hooks, PocketBase's request, response and writers.
 */
import { str } from "./text.ts";
import { encodeJsonBody, sortKeysDeep } from "../tools/json.ts";
import { pickFields, validatePickFields } from "../tools/picker.ts";
import type { EventState, EventWire, RequestWire, ResponseState } from "./protocol.ts";
import type { WorkerChannel } from "./worker-channel.ts";
import type { RecordWire } from "./wire.ts";
import { appIdOf, decode, encode, type ScriptModels } from "./worker-codec.ts";
import { fileFromDirFS } from "./globals/file-fs.ts";

type Obj = { [key: string]: unknown };
type ErrorClass = new (...args: unknown[]) => Error;

/** What an event builder needs from the worker. */
export interface EventContext {
  channel: WorkerChannel;
  models: ScriptModels;
  /** The installed script globals (error classes…). */
  scope: { [name: string]: unknown };
}

/** Internal accessors of a script event, used by the runtime only. */
export interface ScriptEventHandle {
  event: Obj;
  state(): EventState;
  /** Whether the handler left its final `e.next()` to the main thread. */
  deferredNext(): boolean;
}

function headerMap(pairs: [string, string][]) {
  const find = (k: string) => pairs.findIndex(([n]) => n.toLowerCase() === k.toLowerCase());
  return {
    get(k: string): string {
      const i = find(k);
      return i >= 0 ? pairs[i]![1] : "";
    },
    set(k: string, v: string): void {
      const kept = pairs.filter(([n]) => n.toLowerCase() !== k.toLowerCase());
      pairs.length = 0;
      pairs.push(...kept, [k, String(v)]);
    },
    add(k: string, v: string): void {
      pairs.push([k, String(v)]);
    },
    del(k: string): void {
      const kept = pairs.filter(([n]) => n.toLowerCase() !== k.toLowerCase());
      pairs.length = 0;
      pairs.push(...kept);
    },
    values(k: string): string[] {
      return pairs.filter(([n]) => n.toLowerCase() === k.toLowerCase()).map(([, v]) => v);
    },
  };
}

function toBytes(data: unknown): string | Uint8Array {
  if (typeof data === "string") return data;
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) return Uint8Array.from(data as number[]);
  return str(data);
}

interface UpdatableRecord {
  setRaw(key: string, value: unknown): void;
  markAsNew(): void;
  markAsNotNew(): void;
  collection(): { id?: unknown };
}

/**
 * Takes a record's new state (after the main thread saved it) into the script's own object, so
 * a handler's variables see the saved id and values. False when `current` is not such a record.
 */
export function updateRecord(current: unknown, w: RecordWire): boolean {
  const r = current as UpdatableRecord | null;
  if (!r || typeof r !== "object" || typeof r.setRaw !== "function" || typeof r.markAsNotNew !== "function")
    return false;
  if (r.collection().id !== w.collection.id) return false;
  for (const [key, value] of Object.entries(w.data)) r.setRaw(key, value);
  r.setRaw("id", w.id);
  if (w.isNew) r.markAsNew();
  else r.markAsNotNew();
  return true;
}

/**
 * Event fields that are Go `time.Duration`s: scripts see nanoseconds (jsvm-surface §1.9), the
 * server's events hold milliseconds.
 */
const DURATION_FIELDS = new Set(["idleTimeout", "maxTimeout"]);

const fieldIn = (key: string, v: unknown, models: ScriptModels): unknown =>
  DURATION_FIELDS.has(key) && typeof v === "number" ? v * 1e6 : decode(v, models);

const fieldOut = (key: string, v: unknown): unknown =>
  DURATION_FIELDS.has(key) && typeof v === "number" ? Math.round(v / 1e6) : encode(v);

/** Where an event keeps what its methods need (a symbol: scripts see only PocketBase's names). */
const INTERNAL = Symbol("satchel.event");

/** The per-run state behind a script event. */
interface EventInternals {
  run: number;
  ctx: EventContext;
  fieldKeys: string[];
  req: RequestWire | null;
  response: ResponseState | null;
  /** Built on first use: most handlers never touch the request or the response writer. */
  url?: URL;
  request?: unknown;
  responseWriter?: unknown;
  info?: unknown;
  bodyText?: string;
  /** The handler ended with `e.next()`, left to the main thread (tail-next.ts). */
  deferredNext?: boolean;
}

type Internal = { [INTERNAL]: EventInternals };

function internals(e: unknown): EventInternals {
  return (e as Internal)[INTERNAL];
}

/**
 * The `e` of a non-request event. Its fields are own properties; `next()` is on the prototype,
 * so building an event per run allocates one object and the decoded fields, nothing more.
 */
class ScriptEvent {
  readonly [INTERNAL]: EventInternals;

  constructor(i: EventInternals) {
    this[INTERNAL] = i;
  }

  get __run(): number {
    return this[INTERNAL].run;
  }

  next(): void {
    const i = this[INTERNAL];
    applyState(this, i, i.ctx.channel.call("next", [i.run, eventState(this, i)]) as EventState);
  }
}

/**
 * A handler's final `e.next()` (rewritten by tail-next.ts): the run ends, and the main thread
 * continues the chain after applying the event's state.
 */
export function deferNext(e: unknown): void {
  const i = e && typeof e === "object" ? internals(e) : undefined;
  if (!i || i.deferredNext) return void (e as { next(): void }).next();
  i.deferredNext = true;
}

function eventState(e: object, i: EventInternals): EventState {
  const fields: Obj = {};
  for (const key of i.fieldKeys) fields[key] = fieldOut(key, (e as Obj)[key]);
  // `e.app = txApp` before `e.next()` makes the rest of the chain write inside that transaction
  const appId = appIdOf((e as Obj).app);
  return {
    fields,
    store: i.req ? i.req.store : null,
    response: i.response,
    ...(appId !== undefined ? { appId } : {}),
  };
}

function applyState(e: object, i: EventInternals, back: EventState): void {
  const models = i.ctx.models;
  for (const key of Object.keys(back.fields)) {
    const incoming = back.fields[key];
    const current = (e as Obj)[key];
    const wireOf = incoming && typeof incoming === "object" ? (incoming as Obj).$record : undefined;
    if (wireOf && updateRecord(current, wireOf as RecordWire)) continue;
    (e as Obj)[key] = fieldIn(key, incoming, models);
  }
  if (i.req && back.store) i.req.store = back.store;
  if (back.response) i.response = back.response;
}

/** Builds the script event of one run. */
export function buildScriptEvent(run: number, wire: EventWire, ctx: EventContext): ScriptEventHandle {
  const fieldKeys = Object.keys(wire.fields);
  const i: EventInternals = { run, ctx, fieldKeys, req: wire.request, response: wire.response };
  const e = (wire.request ? new ScriptRequestEvent(i) : new ScriptEvent(i)) as ScriptEvent & Obj;
  for (const key of fieldKeys) e[key] = fieldIn(key, wire.fields[key], ctx.models);
  e.app = ctx.models.appFor(wire.appId);
  if (wire.request) e.auth = e.auth ?? null;
  return { event: e, state: () => eventState(e, i), deferredNext: () => i.deferredNext === true };
}

function urlOf(i: EventInternals): URL {
  return (i.url ??= new URL(i.req!.url));
}

function resHeaders(i: EventInternals) {
  return headerMap(i.response!.headers);
}

function setType(i: EventInternals, type: string): void {
  const h = resHeaders(i);
  if (!h.get("content-type")) h.set("Content-Type", type);
}

function write(i: EventInternals, status: number, body: string | Uint8Array | null): void {
  const r = i.response!;
  if (r.written) return;
  r.status = status;
  r.body = i.req!.method === "HEAD" ? null : body;
  r.written = true;
}

function errorFactory(name: string, status: number) {
  return function (this: unknown, message?: string, data?: unknown): Error {
    const scope = internals(this).ctx.scope;
    const Err = scope[name] as ErrorClass | undefined;
    if (Err) return new Err(message, data);
    const ApiErr = scope.ApiError as ErrorClass;
    return new ApiErr(status, message, data);
  };
}

/** The request as a script sees it (`e.request`). */
function buildRequest(e: object, i: EventInternals): Obj {
  const { channel } = i.ctx;
  const req = i.req!;
  const url = urlOf(i);
  const reqHeaders = headerMap(req.headers);
  return {
    method: req.method,
    host: url.host,
    remoteAddr: req.remoteIP,
    requestURI: url.pathname + url.search,
    header: reqHeaders,
    url: {
      path: url.pathname,
      rawQuery: url.search.slice(1),
      host: url.host,
      scheme: url.protocol.replace(":", ""),
      query: () => {
        const p = url.searchParams;
        return {
          get: (k: string) => p.get(k) ?? "",
          has: (k: string) => p.has(k),
          getAll: (k: string) => p.getAll(k),
        };
      },
      string: () => url.toString(),
    },
    get contentLength(): number {
      return Number(reqHeaders.get("content-length")) || 0;
    },
    get body(): string {
      i.bodyText ??= channel.call("request.body", [i.run]) as string;
      return i.bodyText;
    },
    pathValue: (name: string) => req.pathParams[name] ?? "",
    formValue: (k: string) => {
      const q = url.searchParams.get(k);
      if (q !== null) return q;
      const body = (e as ScriptRequestEvent).requestInfo() as { body: Obj };
      const v = body.body[k];
      return Array.isArray(v) ? str(v[0]) : str(v);
    },
    cookie: (name: string) => {
      const found = parseCookies(reqHeaders.get("cookie")).find((c) => c.name === name);
      if (!found) throw new Error("http: named cookie not present");
      return found;
    },
    // Go's FormFile: [file, header]; the header goes to $filesystem.fileFromMultipart/uploadMultipart
    formFile: (key: string) => {
      const [first] = channel.call("request.files", [i.run, key]) as Obj[];
      return [first, { filename: first!.originalName, size: first!.size, header: {}, $file: first }];
    },
    cookies: () => parseCookies(reqHeaders.get("cookie")),
    userAgent: () => reqHeaders.get("user-agent"),
    referer: () => reqHeaders.get("referer"),
    basicAuth: () => {
      const m = /^Basic\s+(.+)$/i.exec(reqHeaders.get("authorization"));
      if (!m) return ["", "", false];
      const text = Buffer.from(m[1]!, "base64").toString("utf8");
      const at = text.indexOf(":");
      return at < 0 ? ["", "", false] : [text.slice(0, at), text.slice(at + 1), true];
    },
    context: () => null,
  };
}

/** The response writer as a script sees it (`e.response`). */
function buildResponseWriter(i: EventInternals): Obj {
  return {
    header: () => resHeaders(i),
    writeHeader: (status: number) => write(i, status, null),
    write: (data: unknown) => {
      const r = i.response!;
      const chunk = toBytes(data);
      if (!r.written) write(i, 200, chunk);
      else r.body = concatBody(r.body, chunk);
    },
  };
}

/**
 * The `e` of a route, a middleware or a request hook: PocketBase's request, response and
 * writers, as prototype methods (`e.request` and `e.response` are built on first access).
 */
class ScriptRequestEvent extends ScriptEvent {
  get request(): unknown {
    const i = this[INTERNAL];
    return (i.request ??= buildRequest(this, i));
  }
  set request(v: unknown) {
    this[INTERNAL].request = v;
  }
  get response(): unknown {
    const i = this[INTERNAL];
    return (i.responseWriter ??= buildResponseWriter(i));
  }
  set response(v: unknown) {
    this[INTERNAL].responseWriter = v;
  }
  requestInfo(): unknown {
    const i = this[INTERNAL];
    if (i.info === undefined) {
      const shipped = i.req!.info;
      i.info =
        shipped === null || shipped === undefined
          ? decode(i.ctx.channel.call("request.info", [i.run]), i.ctx.models)
          : decode(shipped, i.ctx.models);
    }
    return i.info;
  }
  realIP(): string {
    return this[INTERNAL].req!.realIP;
  }
  remoteIP(): string {
    return this[INTERNAL].req!.remoteIP;
  }
  isTLS(): boolean {
    return this[INTERNAL].req!.isTLS;
  }
  hasSuperuserAuth(): boolean {
    const auth = (this as unknown as Obj).auth as { collection?: () => { name?: string } } | null;
    return auth?.collection?.().name === "_superusers";
  }
  get(k: string): unknown {
    return this[INTERNAL].req!.store[k];
  }
  set(k: string, v: unknown): void {
    this[INTERNAL].req!.store[k] = encode(v);
  }
  getAll(): Obj {
    return { ...this[INTERNAL].req!.store };
  }
  setAll(o: Obj): void {
    const store = this[INTERNAL].req!.store;
    for (const [k, v] of Object.entries(o ?? {})) store[k] = encode(v);
  }
  written(): boolean {
    return this[INTERNAL].response!.written;
  }
  status(): number {
    const r = this[INTERNAL].response!;
    return r.written ? r.status : 0;
  }
  flush(): void {
    return undefined;
  }
  setCookie(cookie: { string?: () => string } & Obj): void {
    const text = typeof cookie.string === "function" ? cookie.string() : cookieString(cookie);
    resHeaders(this[INTERNAL]).add("Set-Cookie", text);
  }
  json(status: number, data: unknown): void {
    const i = this[INTERNAL];
    setType(i, "application/json");
    let value = JSON.parse(JSON.stringify(data === undefined ? null : data)) as unknown;
    const fields = i.req!.url.includes("fields=") ? urlOf(i).searchParams.get("fields") : null;
    if (fields && status >= 200 && status < 300) {
      validatePickFields(fields);
      value = pickFields(value, fields);
    }
    write(i, status, encodeJsonBody(sortKeysDeep(value)));
  }
  string(status: number, text: unknown): void {
    const i = this[INTERNAL];
    setType(i, "text/plain; charset=utf-8");
    write(i, status, str(text));
  }
  html(status: number, text: unknown): void {
    const i = this[INTERNAL];
    setType(i, "text/html; charset=utf-8");
    write(i, status, str(text));
  }
  xml(status: number, data: unknown): void {
    const i = this[INTERNAL];
    setType(i, "application/xml; charset=utf-8");
    write(i, status, `<?xml version="1.0" encoding="UTF-8"?>\n${str(data)}`);
  }
  blob(status: number, contentType: string, bytes: unknown): void {
    const i = this[INTERNAL];
    setType(i, contentType);
    write(i, status, toBytes(bytes));
  }
  stream(status: number, contentType: string, reader: unknown): void {
    const i = this[INTERNAL];
    resHeaders(i).set("Content-Type", contentType);
    write(i, status, toBytes(reader));
  }
  fileFS(fsys: unknown, name: unknown): void {
    const i = this[INTERNAL];
    const file = fileFromDirFS(fsys, name);
    if (!file) {
      const Err = i.ctx.scope.NotFoundError as ErrorClass;
      throw new Err("File not found.");
    }
    setType(i, file.contentType);
    write(i, 200, new Uint8Array(file.body));
  }

  noContent(status: number): void {
    write(this[INTERNAL], status, null);
  }
  redirect(status: number, location: string): void {
    const i = this[INTERNAL];
    if (status < 300 || status > 399) {
      const Err = i.ctx.scope.InternalServerError as ErrorClass;
      throw new Err("Invalid redirect status code.");
    }
    resHeaders(i).set("Location", location);
    write(i, status, null);
  }
  bindBody(dst: Obj): void {
    const i = this[INTERNAL];
    const body = i.ctx.channel.call("request.bindBody", [i.run]) as Obj;
    if (dst && typeof dst === "object") {
      for (const [k, v] of Object.entries(body)) {
        const setter = (dst as { set?: (k: string, v: unknown) => void }).set;
        if (k in dst) dst[k] = v;
        else if (typeof setter === "function" && typeof (dst as { load?: unknown }).load === "function")
          setter.call(dst, k, v);
      }
    }
  }
  findUploadedFiles(key: string): unknown {
    const i = this[INTERNAL];
    return i.ctx.channel.call("request.files", [i.run, key]);
  }
  error(status: number, message?: string, data?: unknown): Error {
    return new (this[INTERNAL].ctx.scope.ApiError as ErrorClass)(status, message, data);
  }
  declare badRequestError: (message?: string, data?: unknown) => Error;
  declare unauthorizedError: (message?: string, data?: unknown) => Error;
  declare forbiddenError: (message?: string, data?: unknown) => Error;
  declare notFoundError: (message?: string, data?: unknown) => Error;
  declare tooManyRequestsError: (message?: string, data?: unknown) => Error;
  declare internalServerError: (message?: string, data?: unknown) => Error;
}

Object.assign(ScriptRequestEvent.prototype, {
  badRequestError: errorFactory("BadRequestError", 400),
  unauthorizedError: errorFactory("UnauthorizedError", 401),
  forbiddenError: errorFactory("ForbiddenError", 403),
  notFoundError: errorFactory("NotFoundError", 404),
  tooManyRequestsError: errorFactory("TooManyRequestsError", 429),
  internalServerError: errorFactory("InternalServerError", 500),
});

function concatBody(a: string | Uint8Array | null, b: string | Uint8Array): string | Uint8Array {
  if (a === null) return b;
  if (typeof a === "string" && typeof b === "string") return a + b;
  const enc = new TextEncoder();
  const x = typeof a === "string" ? enc.encode(a) : a;
  const y = typeof b === "string" ? enc.encode(b) : b;
  const out = new Uint8Array(x.length + y.length);
  out.set(x);
  out.set(y, x.length);
  return out;
}

function parseCookies(header: string): { name: string; value: string }[] {
  if (!header) return [];
  return header
    .split(";")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const i = part.indexOf("=");
      return i < 0 ? { name: part, value: "" } : { name: part.slice(0, i), value: part.slice(i + 1) };
    });
}

function cookieString(c: Obj): string {
  const parts = [`${String(c.name)}=${str(c.value)}`];
  if (c.path) parts.push(`Path=${str(c.path)}`);
  if (c.domain) parts.push(`Domain=${str(c.domain)}`);
  if (typeof c.maxAge === "number" && c.maxAge > 0) parts.push(`Max-Age=${c.maxAge}`);
  if (c.httpOnly) parts.push("HttpOnly");
  if (c.secure) parts.push("Secure");
  const sameSite = { 2: "Lax", 3: "Strict", 4: "None" }[Number(c.sameSite)];
  if (sameSite) parts.push(`SameSite=${sameSite}`);
  return parts.join("; ");
}
