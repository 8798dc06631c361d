/**
 * Building request hook events from a request context: the constructor arguments every
 * `RequestEvent` subclass takes, with `requestInfo()` computed lazily.
 */
import type { Context } from "./http/context.ts";
import type { App } from "../core/app.ts";
import type { RequestInfo } from "../core/hook-events.ts";
import type { AuthRecord } from "../core/records/record.ts";
import type { ApiEnv } from "./env.ts";
import { nodeExchange } from "./node-exchange.ts";
import { realIP } from "./real-ip.ts";
import { readBody } from "./request-body.ts";

/** Header names as `@request.headers` sees them: lower snake case (`X-Token` → `x_token`). */
export function snakeHeaderName(name: string): string {
  return name.toLowerCase().replaceAll("-", "_");
}

type QueryAndHeaders = { query: { [key: string]: string }; headers: { [key: string]: string } };

/**
 * `@request.query` (first value of each key) and `@request.headers` (snake-cased names) of a
 * request. Pass Node's `rawHeaders` when the request came through node:http: reading them spares
 * building the Request's WHATWG Headers.
 */
export function queryAndHeaders(request: Request, rawHeaders?: readonly string[]): QueryAndHeaders {
  const query: { [key: string]: string } = {};
  const url = request.url;
  const q = url.indexOf("?");
  if (q !== -1) {
    for (const [key, value] of new URLSearchParams(url.slice(q + 1))) if (!(key in query)) query[key] = value;
  }
  const headers: { [key: string]: string } = {};
  if (rawHeaders) {
    // Fetch's Headers join repeated names with ", " and this keeps the same view.
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const key = snakeHeaderName(rawHeaders[i]!);
      const value = rawHeaders[i + 1]!;
      headers[key] = key in headers ? `${headers[key]}, ${value}` : value;
    }
  } else {
    for (const [key, value] of request.headers) headers[snakeHeaderName(key)] ??= value;
  }
  return { query, headers };
}

/**
 * Query and headers of a request, parsed once: a records request asks for its request info for
 * the rule check and again for its hook event (PocketBase caches RequestInfo per request too).
 * Kept in a context variable: a WeakMap keyed by the request would make V8's young-generation
 * GC keep every request alive into the old generation (see docs/performance.md).
 */
function parsedOf(c: Context<ApiEnv>): QueryAndHeaders {
  let parsed = c.get("queryAndHeaders");
  if (!parsed) {
    parsed = queryAndHeaders(c.req.raw, nodeExchange(c)?.req.rawHeaders);
    c.set("queryAndHeaders", parsed);
  }
  return parsed;
}

/** Where the lazy `query`/`headers` of a request info read from (not enumerable: spreads skip it). */
const SOURCE = Symbol("requestInfoSource");
type LazyInfo = RequestInfo & { [SOURCE]: Context<ApiEnv> };

/**
 * The lazy `query` and `headers` getters, shared by every request info. Per-request getter
 * closures (an object literal's `get query() {…}`) would cost far more than they look: V8 keeps
 * accessors in the old generation, so their closures, and the whole request they capture,
 * survive every young-generation GC until the next full one.
 */
const QUERY: PropertyDescriptor = {
  get(this: LazyInfo) {
    return parsedOf(this[SOURCE]).query;
  },
  enumerable: true,
  configurable: true,
};
const HEADERS: PropertyDescriptor = {
  get(this: LazyInfo) {
    return parsedOf(this[SOURCE]).headers;
  },
  enumerable: true,
  configurable: true,
};

/**
 * A request info reading `query` and `headers` from `c` on first use. One `defineProperty` per
 * property with constant descriptors: `Object.defineProperties` with a descriptor map took about
 * twice as long (≈1 µs per info in-process; a create builds two).
 */
function lazyInfo(
  c: Context<ApiEnv>,
  body: RequestInfo["body"],
  auth: RequestInfo["auth"],
  method: string,
  context: string,
): RequestInfo {
  const info = {} as LazyInfo;
  Object.defineProperty(info, "query", QUERY);
  Object.defineProperty(info, "headers", HEADERS);
  Object.defineProperty(info, SOURCE, { value: c });
  info.body = body;
  info.auth = auth;
  info.method = method;
  info.context = context;
  return info;
}

/**
 * `{query, headers, body, auth, method, context}` of a request. `query` and `headers` are parsed
 * on first read: most rules and hooks never look at them.
 */
export async function buildRequestInfo(
  c: Context<ApiEnv>,
  context = c.get("requestContext") ?? "default",
): Promise<RequestInfo> {
  const body = c.req.method === "GET" || c.req.method === "HEAD" ? {} : await readBody(c).catch(() => ({}));
  return lazyInfo(c, body, c.get("auth"), c.req.method, context);
}

/**
 * A request info like `info` for another requester (an auth response shows the record as its
 * owner sees it): `query` and `headers` stay lazy, where a spread (`{ ...info, auth }`) would
 * parse them by reading the getters.
 */
export function withAuth(info: RequestInfo, auth: AuthRecord | null): RequestInfo {
  return lazyCopy(info, info.body, auth);
}

/**
 * A request info like `info` with another body (a create's rule sees the values after modifiers
 * and uploads), `query` and `headers` still lazy: a spread parsed every header of every create.
 */
export function withBody(info: RequestInfo, body: RequestInfo["body"]): RequestInfo {
  return lazyCopy(info, body, info.auth);
}

function lazyCopy(info: RequestInfo, body: RequestInfo["body"], auth: RequestInfo["auth"]): RequestInfo {
  const source = (info as Partial<LazyInfo>)[SOURCE];
  if (source === undefined) return { ...info, body, auth };
  return lazyInfo(source, body, auth, info.method, info.context);
}

/** Arguments for a RequestEvent constructor. */
export async function requestEventArgs(
  c: Context<ApiEnv>,
  context = c.get("requestContext") ?? "default",
): Promise<[App, Request, AuthRecord | null, () => RequestInfo, string]> {
  return requestEventArgsWith(c, await buildRequestInfo(c, context));
}

/**
 * Arguments for a RequestEvent constructor whose request info was built already: a records read
 * checks its rule with the same info its hook event shows (PocketBase keeps one request info per
 * request), and builds it once.
 */
export function requestEventArgsWith(
  c: Context<ApiEnv>,
  info: RequestInfo,
): [App, Request, AuthRecord | null, () => RequestInfo, string] {
  return [c.get("app"), c.req.raw, c.get("auth"), () => info, realIP(c)];
}
