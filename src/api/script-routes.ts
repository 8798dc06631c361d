/**
 * The HTTP side of pb_hooks routes: `routerAdd` routes with PocketBase's path patterns and
 * `routerUse` middlewares, run as a chain of steps over one per-request state (store, response
 * headers, what was written). The hooks runtime (src/hooks/) supplies the steps that run
 * scripts; the `$apis` built-in middlewares are here. Mounted once by the router; the routing
 * of an app can be replaced at any time (hooks reload).
 */
import type { Context } from "./http/context.ts";
import type { MiddlewareHandler } from "./http/router.ts";
import { readFile, stat } from "node:fs/promises";
import { extname, join, resolve, sep } from "node:path";
import type { App } from "../core/app.ts";
import type { RequestInfo } from "../core/hook-events.ts";
import type { AuthRecord } from "../core/records/record.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError, badRequest, forbidden, notFound, tooLarge, unauthorized } from "./errors.ts";
import { realIP, remoteIP } from "./real-ip.ts";
import { buildRequestInfo } from "./request-event.ts";
import { readBody } from "./request-body.ts";
import { EXTENSION_CONTENT_TYPES } from "../files/mime.ts";
import { plainResponse, type PlainHeaders } from "./http/plain-response.ts";
import { NodeRequest } from "./http/node-request.ts";

/** The response a chain is building. */
export interface ScriptResponse {
  status: number;
  headers: [string, string][];
  body: string | Uint8Array | null;
  written: boolean;
}

/** One request going through script steps. */
export class ScriptRequest {
  readonly c: Context<ApiEnv>;
  readonly params: { [name: string]: string };
  store: { [key: string]: unknown } = {};
  response: ScriptResponse = { status: 0, headers: [], body: null, written: false };
  /** The built-in route's response, when the chain reached it. */
  final: Response | null = null;
  #text: Promise<string> | undefined;
  #info: Promise<RequestInfo> | undefined;

  constructor(c: Context<ApiEnv>, params: { [name: string]: string }) {
    this.c = c;
    this.params = params;
  }

  get app(): App {
    return this.c.get("app");
  }
  get auth(): AuthRecord | null {
    return this.c.get("auth");
  }
  set auth(record: AuthRecord | null) {
    this.c.set("auth", record);
  }
  get method(): string {
    return this.c.req.method;
  }
  get url(): string {
    return this.c.req.url;
  }
  headers(): [string, string][] {
    const raw = this.c.req.raw;
    return NodeRequest.is(raw) ? raw.headerEntries() : [...raw.headers];
  }
  realIP(): string {
    return realIP(this.c);
  }
  remoteIP(): string {
    return remoteIP(this.c);
  }
  isTLS(): boolean {
    // the request's URL is absolute and normalised (lower-case scheme): no need to parse it
    return this.c.req.url.startsWith("https:");
  }

  /** The raw body as text (read once; a copy, so the parsed body stays readable). */
  text(): Promise<string> {
    if (this.#text) return this.#text;
    if (this.c.req.raw.bodyUsed || this.#info) {
      this.#text = this.info().then((i) => (Object.keys(i.body).length ? JSON.stringify(i.body) : ""));
    } else {
      this.#text = this.c.req.raw.clone().text();
    }
    return this.#text;
  }

  /** `e.requestInfo()`. */
  info(): Promise<RequestInfo> {
    this.#info ??= (async () => {
      if (!this.#text)
        this.#text = this.c.req.raw
          .clone()
          .text()
          .catch(() => "");
      return buildRequestInfo(this.c);
    })();
    return this.#info;
  }

  /** The parsed body for `e.bindBody` (400 for an unsupported content type). */
  async bindBody(): Promise<{ [key: string]: unknown }> {
    const type = (this.c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    const text = await this.text();
    if (text === "") return {};
    const supported = ["application/json", "multipart/form-data", "application/x-www-form-urlencoded"];
    if (!supported.includes(type)) throw badRequest("Unsupported Content-Type.");
    return readBody(this.c);
  }

  /** Sets a header on the response being built. */
  setHeader(name: string, value: string): void {
    const lower = name.toLowerCase();
    this.response.headers = this.response.headers.filter(([n]) => n.toLowerCase() !== lower);
    this.response.headers.push([name, value]);
  }

  /** The Response of the chain. */
  toResponse(): Response {
    const r = this.response;
    if (!r.written && this.final) {
      let res = this.final;
      if (r.headers.length > 0) {
        res = new Response(res.body, res);
        for (const [k, v] of r.headers) {
          if (k.toLowerCase() === "set-cookie") res.headers.append(k, v);
          else res.headers.set(k, v);
        }
      }
      return res;
    }
    const status = r.written ? r.status : 200;
    const body = this.method === "HEAD" || status === 204 || status === 304 ? null : r.body;
    const plain = plainHeaders(r.headers);
    if (plain) {
      // the platform's default for a text body, which a plain response would write otherwise
      if (typeof body === "string" && !("content-type" in plain))
        plain["content-type"] = "text/plain;charset=UTF-8";
      return plainResponse(body, status, plain);
    }
    const headers = new Headers();
    for (const [k, v] of r.headers) headers.append(k, v);
    return new Response(body as BodyInit | null, { status, headers });
  }
}

/** A header name as the Fetch API accepts it (an RFC 9110 token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A header value as the Fetch API accepts it once trimmed (no CR, LF or NUL). */
const FIELD_VALUE = /^[^\r\n\0]*$/;

/**
 * A script's response headers as a plain header record, as the platform's `Headers` would hold
 * them (lower-case names, trimmed values); null when it would combine or refuse some (a repeated
 * name, an invalid one), which the platform's `Headers` then handles. Most script answers are
 * a status, a body and a content type: written from their parts (plain-response.ts), they skip
 * the platform's Response and its body stream, ≈ 10–20 µs per request.
 */
function plainHeaders(list: [string, string][]): PlainHeaders | null {
  const out: PlainHeaders = {};
  for (const [name, value] of list) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name) || !FIELD_VALUE.test(value) || lower in out) return null;
    out[lower] = value.trim();
  }
  return out;
}

/** One link of a chain: do something, and call `next` to continue (or don't). */
export type ScriptStep = (req: ScriptRequest, next: () => Promise<void>) => Promise<void>;

/** A middleware with PocketBase's ordering data. */
export interface ScriptMiddleware {
  id: string;
  priority: number;
  step: ScriptStep;
}

/** A `routerAdd` route. */
export interface ScriptRoute {
  method: string;
  path: string;
  handler: ScriptStep;
  middlewares: ScriptMiddleware[];
}

/** What a hooks folder adds to the router. */
export interface ScriptRouting {
  routes: ScriptRoute[];
  middlewares: ScriptMiddleware[];
}

interface CompiledRoute {
  route: ScriptRoute;
  regex: RegExp;
  names: string[];
  specificity: number;
  order: number;
}

const routings = new WeakMap<App, { compiled: CompiledRoute[]; middlewares: ScriptMiddleware[] }>();

/**
 * A Go 1.22 ServeMux path pattern as a regex: `{name}` one segment, `{name...}` the rest,
 * `{$}` the end; a pattern ending in `/` (without `{$}`) matches the whole subtree.
 */
export function compilePattern(path: string): { regex: RegExp; names: string[]; specificity: number } {
  const names: string[] = [];
  let source = "^";
  let specificity = 0;
  const segments = path.split("/").slice(1);
  let exactEnd = false;
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === "{$}" && last) {
      source += "/";
      exactEnd = true;
      specificity += 3;
      return;
    }
    const rest = /^\{([A-Za-z_][A-Za-z0-9_]*)\.\.\.\}$/.exec(segment);
    if (rest && last) {
      names.push(rest[1]!);
      source += "/(.*)";
      exactEnd = true;
      return;
    }
    const param = /^\{([A-Za-z_][A-Za-z0-9_]*)\}$/.exec(segment);
    if (param) {
      names.push(param[1]!);
      source += "/([^/]+)";
      specificity += 2;
      return;
    }
    if (segment === "" && last) {
      source += "/";
      return;
    }
    source += "/" + segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    specificity += 3;
  });
  const subtree = !exactEnd && path.endsWith("/");
  source += subtree ? "" : "$";
  if (!subtree) specificity += 1;
  return { regex: new RegExp(source), names, specificity };
}

const sources = new WeakMap<App, Map<string, ScriptRouting>>();

/**
 * Installs (or, with null, removes) what one source (the pb_hooks scripts, the TypeScript hook
 * modules) adds to the routing of an app; the routes and middlewares of all sources are served
 * together.
 */
export function setScriptRouting(app: App, routing: ScriptRouting | null, source = "scripts"): void {
  const bySource = sources.get(app) ?? new Map<string, ScriptRouting>();
  sources.set(app, bySource);
  if (routing) bySource.set(source, routing);
  else bySource.delete(source);
  const all = [...bySource.values()];
  if (all.length === 0) {
    routings.delete(app);
    return;
  }
  const routes = all.flatMap((r) => r.routes);
  const compiled = routes.map((route, order) => ({ route, order, ...compilePattern(route.path) }));
  compiled.sort((a, b) => b.specificity - a.specificity || a.order - b.order);
  routings.set(app, { compiled, middlewares: all.flatMap((r) => r.middlewares) });
}

/** A served hooks route as the dashboard lists it (superusers only, read-only). */
export interface ListedScriptRoute {
  method: string;
  path: string;
  /** Where it was registered: `pb_hooks` scripts or TypeScript/ES `modules`. */
  source: string;
}

/** Every route the hooks of an app registered, in registration order. */
export function listScriptRoutes(app: App): ListedScriptRoute[] {
  const bySource = sources.get(app);
  if (!bySource) return [];
  return [...bySource].flatMap(([source, routing]) =>
    routing.routes.map((r) => ({
      method: r.method,
      path: r.path,
      source: source === "scripts" ? "pb_hooks" : source,
    })),
  );
}

function sortMiddlewares(list: ScriptMiddleware[]): ScriptMiddleware[] {
  // a middleware with the id of an earlier one replaces it (e.g. a route's own bodyLimit)
  const byId: ScriptMiddleware[] = [];
  for (const m of list) {
    const i = m.id ? byId.findIndex((x) => x.id === m.id) : -1;
    if (i >= 0) byId[i] = m;
    else byId.push(m);
  }
  return byId
    .map((m, i) => ({ m, i }))
    .sort((a, b) => a.m.priority - b.m.priority || a.i - b.i)
    .map((x) => x.m);
}

async function runChain(req: ScriptRequest, steps: ScriptStep[]): Promise<void> {
  const call = async (i: number): Promise<void> => {
    const step = steps[i];
    if (step) await step(req, () => call(i + 1));
  };
  await call(0);
}

/** The router middleware that serves script routes and runs script middlewares. */
export function scriptRoutes(): MiddlewareHandler<ApiEnv> {
  // Not async: without hooks routing the request goes on without a promise of this middleware's own.
  return (c, next) => {
    const routing = routings.get(c.get("app"));
    if (!routing) return next();
    return serveScripts(c, next, routing);
  };
}

async function serveScripts(
  c: Context<ApiEnv>,
  next: () => Promise<void>,
  routing: { compiled: CompiledRoute[]; middlewares: ScriptMiddleware[] },
): Promise<Response | undefined> {
  const method = c.req.method;
  const path = new URL(c.req.url).pathname;
  for (const r of routing.compiled) {
    const m = r.route.method;
    if (m !== "" && m !== method && !(m === "GET" && method === "HEAD")) continue;
    const match = r.regex.exec(path);
    if (!match) continue;
    const params: { [name: string]: string } = {};
    r.names.forEach((name, i) => {
      const raw = match[i + 1] ?? "";
      try {
        params[name] = decodeURIComponent(raw);
      } catch {
        params[name] = raw;
      }
    });
    const req = new ScriptRequest(c, params);
    const mws = sortMiddlewares([...routing.middlewares, ...r.route.middlewares]);
    await runChain(req, [...mws.map((x) => x.step), r.route.handler]);
    return req.toResponse();
  }
  if (routing.middlewares.length === 0) {
    await next();
    return undefined;
  }
  const req = new ScriptRequest(c, {});
  const builtIn: ScriptStep = async (q) => {
    await next();
    q.final = c.res;
  };
  await runChain(req, [...sortMiddlewares(routing.middlewares).map((x) => x.step), builtIn]);
  if (req.response.written || !req.final) return req.toResponse();
  // the built-in route answered: add the headers the middlewares set (the context keeps c.res)
  for (const [k, v] of req.response.headers) {
    if (k.toLowerCase() === "set-cookie") c.res.headers.append(k, v);
    else c.res.headers.set(k, v);
  }
  return undefined;
}

// ---- $apis built-ins ---------------------------------------------------------------------------

function requireAuth(...collections: string[]): ScriptStep {
  return async (req, next) => {
    const auth = req.auth;
    if (!auth) throw unauthorized("The request requires valid record authorization token.");
    if (collections.length > 0 && !collections.includes(auth.collection.name))
      throw forbidden("The authorized record is not allowed to perform this action.");
    await next();
  };
}

function serveStatic(dir: string, indexFallback: boolean): ScriptStep {
  const root = resolve(dir);
  return async (req) => {
    const rel = (req.params.path ?? "").replace(/^\/+/, "");
    const send = async (file: string) => {
      const body = await readFile(file);
      const type = EXTENSION_CONTENT_TYPES[extname(file).toLowerCase()] ?? contentTypeOf(file);
      // headers set by earlier middlewares (routerUse) stay, as on any other response
      req.setHeader("Content-Type", type);
      req.response = { ...req.response, status: 200, body, written: true };
    };
    if (rel.endsWith("index.html")) {
      const to = "/" + rel.slice(0, -"index.html".length);
      req.setHeader("Location", to);
      req.response = { ...req.response, status: 301, body: null, written: true };
      return;
    }
    const target = resolve(root, rel);
    if (target !== root && !target.startsWith(root + sep)) throw notFound();
    try {
      const info = await stat(target);
      await send(info.isDirectory() ? join(target, "index.html") : target);
    } catch {
      if (!indexFallback) throw notFound();
      try {
        await send(join(root, "index.html"));
      } catch {
        throw notFound();
      }
    }
  };
}

function contentTypeOf(file: string): string {
  const types: { [ext: string]: string } = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
  };
  return types[extname(file).toLowerCase()] ?? "application/octet-stream";
}

/** A `$apis.*` middleware (or the `$apis.static` handler) by name. */
export function apisStep(name: string, args: unknown[]): ScriptStep {
  switch (name) {
    case "requireAuth":
      return requireAuth(...args.map(String));
    case "requireSuperuserAuth":
      return requireAuth("_superusers");
    case "requireGuestOnly":
      return async (req, next) => {
        if (req.auth) throw badRequest("The request can be accessed only by guests.");
        await next();
      };
    case "requireSuperuserOrOwnerAuth": {
      const param = typeof args[0] === "string" && args[0] ? args[0] : "id";
      return async (req, next) => {
        const auth = req.auth;
        if (!auth) throw unauthorized("The request requires superuser or record authorization token.");
        if (auth.collection.name !== "_superusers" && auth.id !== (req.params[param] ?? ""))
          throw forbidden();
        await next();
      };
    }
    case "requireSameCollectionContextAuth": {
      // the auth record must belong to the collection (id or name) named by a path param
      const param = typeof args[0] === "string" && args[0] ? args[0] : "collection";
      return async (req, next) => {
        const auth = req.auth;
        if (!auth) throw unauthorized("The request requires valid record authorization token.");
        const wanted = req.params[param] ?? "";
        if (wanted === "" || (auth.collection.id !== wanted && auth.collection.name !== wanted))
          throw forbidden("The authorized record is not allowed to perform this action.");
        await next();
      };
    }
    case "bodyLimit": {
      const limit = Number(args[0]) || 0;
      return async (req, next) => {
        const length = Number(req.c.req.header("content-length") ?? 0);
        if (limit > 0 && length > limit) throw tooLarge();
        await next();
      };
    }
    case "skipSuccessActivityLog":
    case "gzip":
      // no activity log or compression layer to configure: a pass-through
      return async (_req, next) => next();
    case "static":
      return serveStatic(typeof args[0] === "string" ? args[0] : ".", args[1] === true);
    default:
      throw new ApiError(500, `unknown $apis middleware ${name}`);
  }
}
