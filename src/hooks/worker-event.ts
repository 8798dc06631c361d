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

/** Builds the script event of one run. */
export function buildScriptEvent(run: number, wire: EventWire, ctx: EventContext): ScriptEventHandle {
  const { channel, models } = ctx;
  const e: Obj = {};
  const fieldKeys = Object.keys(wire.fields);
  for (const key of fieldKeys) e[key] = fieldIn(key, wire.fields[key], models);
  e.app = models.appFor(wire.appId);
  Object.defineProperty(e, "__run", { value: run });
  const req: RequestWire | null = wire.request;
  let response: ResponseState | null = wire.response;

  const state = (): EventState => {
    const fields: Obj = {};
    for (const key of fieldKeys) fields[key] = fieldOut(key, e[key]);
    // `e.app = txApp` before `e.next()` makes the rest of the chain write inside that transaction
    const appId = appIdOf(e.app);
    return { fields, store: req ? req.store : null, response, ...(appId !== undefined ? { appId } : {}) };
  };
  const apply = (back: EventState) => {
    for (const key of Object.keys(back.fields)) {
      const incoming = back.fields[key];
      const current = e[key];
      const wireOf = incoming && typeof incoming === "object" ? (incoming as Obj).$record : undefined;
      if (wireOf && updateRecord(current, wireOf as RecordWire)) continue;
      e[key] = fieldIn(key, incoming, models);
    }
    if (req && back.store) req.store = back.store;
    if (back.response) response = back.response;
  };

  e.next = () => {
    apply(channel.call("next", [run, state()]) as EventState);
  };

  if (req) installRequest(e, run, req, () => response!, ctx);
  return { event: e, state };
}

function installRequest(
  e: Obj,
  run: number,
  req: RequestWire,
  res: () => ResponseState,
  ctx: EventContext,
): void {
  const { channel, models, scope } = ctx;
  const url = new URL(req.url);
  const reqHeaders = headerMap(req.headers);
  let info: unknown = req.info === null || req.info === undefined ? undefined : decode(req.info, models);
  let bodyText: string | undefined;

  e.request = {
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
      bodyText ??= channel.call("request.body", [run]) as string;
      return bodyText;
    },
    pathValue: (name: string) => req.pathParams[name] ?? "",
    formValue: (k: string) => {
      const q = url.searchParams.get(k);
      if (q !== null) return q;
      const body = (e.requestInfo as () => { body: Obj })().body;
      const v = body[k];
      return Array.isArray(v) ? str(v[0]) : str(v);
    },
    cookie: (name: string) => {
      const found = parseCookies(reqHeaders.get("cookie")).find((c) => c.name === name);
      if (!found) throw new Error("http: named cookie not present");
      return found;
    },
    // Go's FormFile: [file, header]; the header goes to $filesystem.fileFromMultipart/uploadMultipart
    formFile: (key: string) => {
      const [first] = channel.call("request.files", [run, key]) as Obj[];
      return [first, { filename: first!.originalName, size: first!.size, header: {}, $file: first }];
    },
    cookies: () => parseCookies(reqHeaders.get("cookie")),
    userAgent: () => reqHeaders.get("user-agent"),
    referer: () => reqHeaders.get("referer"),
    basicAuth: () => {
      const m = /^Basic\s+(.+)$/i.exec(reqHeaders.get("authorization"));
      if (!m) return ["", "", false];
      const text = Buffer.from(m[1]!, "base64").toString("utf8");
      const i = text.indexOf(":");
      return i < 0 ? ["", "", false] : [text.slice(0, i), text.slice(i + 1), true];
    },
    context: () => null,
  };

  const resHeaders = () => headerMap(res().headers);
  const setType = (type: string) => {
    const h = resHeaders();
    if (!h.get("content-type")) h.set("Content-Type", type);
  };
  const write = (status: number, body: string | Uint8Array | null) => {
    const r = res();
    if (r.written) return;
    r.status = status;
    r.body = req.method === "HEAD" ? null : body;
    r.written = true;
  };
  e.response = {
    header: resHeaders,
    writeHeader: (status: number) => write(status, null),
    write: (data: unknown) => {
      const r = res();
      const chunk = toBytes(data);
      if (!r.written) write(200, chunk);
      else r.body = concatBody(r.body, chunk);
    },
  };
  e.auth = e.auth ?? null;
  e.requestInfo = () => {
    info ??= decode(channel.call("request.info", [run]), models);
    return info;
  };
  e.realIP = () => req.realIP;
  e.remoteIP = () => req.remoteIP;
  e.isTLS = () => req.isTLS;
  e.hasSuperuserAuth = () => {
    const auth = e.auth as { collection?: () => { name?: string } } | null;
    return auth?.collection?.().name === "_superusers";
  };
  e.get = (k: string) => req.store[k];
  e.set = (k: string, v: unknown) => {
    req.store[k] = encode(v);
  };
  e.getAll = () => ({ ...req.store });
  e.setAll = (o: Obj) => {
    for (const [k, v] of Object.entries(o ?? {})) req.store[k] = encode(v);
  };
  e.written = () => res().written;
  e.status = () => (res().written ? res().status : 0);
  e.flush = () => undefined;
  e.setCookie = (cookie: { string?: () => string } & Obj) => {
    const text = typeof cookie.string === "function" ? cookie.string() : cookieString(cookie);
    resHeaders().add("Set-Cookie", text);
  };
  e.json = (status: number, data: unknown) => {
    setType("application/json");
    let value = JSON.parse(JSON.stringify(data === undefined ? null : data)) as unknown;
    const fields = url.searchParams.get("fields");
    if (fields && status >= 200 && status < 300) {
      validatePickFields(fields);
      value = pickFields(value, fields);
    }
    write(status, encodeJsonBody(sortKeysDeep(value)));
  };
  e.string = (status: number, text: unknown) => {
    setType("text/plain; charset=utf-8");
    write(status, str(text));
  };
  e.html = (status: number, text: unknown) => {
    setType("text/html; charset=utf-8");
    write(status, str(text));
  };
  e.xml = (status: number, data: unknown) => {
    setType("application/xml; charset=utf-8");
    write(status, `<?xml version="1.0" encoding="UTF-8"?>\n${str(data)}`);
  };
  e.blob = (status: number, contentType: string, bytes: unknown) => {
    setType(contentType);
    write(status, toBytes(bytes));
  };
  e.stream = (status: number, contentType: string, reader: unknown) => {
    resHeaders().set("Content-Type", contentType);
    write(status, toBytes(reader));
  };
  e.fileFS = (fsys: unknown, name: unknown) => {
    const file = fileFromDirFS(fsys, name);
    if (!file) {
      const Err = scope.NotFoundError as ErrorClass;
      throw new Err("File not found.");
    }
    setType(file.contentType);
    write(200, new Uint8Array(file.body));
  };
  e.noContent = (status: number) => write(status, null);
  e.redirect = (status: number, location: string) => {
    if (status < 300 || status > 399) {
      const Err = scope.InternalServerError as ErrorClass;
      throw new Err("Invalid redirect status code.");
    }
    resHeaders().set("Location", location);
    write(status, null);
  };
  e.bindBody = (dst: Obj) => {
    const body = channel.call("request.bindBody", [run]) as Obj;
    if (dst && typeof dst === "object") {
      for (const [k, v] of Object.entries(body)) {
        const setter = (dst as { set?: (k: string, v: unknown) => void }).set;
        if (k in dst) dst[k] = v;
        else if (typeof setter === "function" && typeof (dst as { load?: unknown }).load === "function")
          setter.call(dst, k, v);
      }
    }
  };
  e.findUploadedFiles = (key: string) => channel.call("request.files", [run, key]);
  const factory =
    (name: string, status: number) =>
    (message?: string, data?: unknown): Error => {
      const Err = scope[name] as ErrorClass | undefined;
      if (Err) return new Err(message, data);
      const ApiErr = scope.ApiError as ErrorClass;
      return new ApiErr(status, message, data);
    };
  e.error = (status: number, message?: string, data?: unknown) =>
    new (scope.ApiError as ErrorClass)(status, message, data);
  e.badRequestError = factory("BadRequestError", 400);
  e.unauthorizedError = factory("UnauthorizedError", 401);
  e.forbiddenError = factory("ForbiddenError", 403);
  e.notFoundError = factory("NotFoundError", 404);
  e.tooManyRequestsError = factory("TooManyRequestsError", 429);
  e.internalServerError = factory("InternalServerError", 500);
}

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
