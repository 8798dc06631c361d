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

// Query and headers of a request, read once: a records request asks for its request info for
// the rule check and again for its hook event (PocketBase caches RequestInfo per request too).
const parsedRequests = new WeakMap<
  Request,
  { query: { [key: string]: string }; headers: { [key: string]: string } }
>();

/**
 * `@request.query` (first value of each key) and `@request.headers` (snake-cased names) of a
 * request. Pass Node's `rawHeaders` when the request came through node:http: reading them spares
 * building the Request's WHATWG Headers.
 */
export function queryAndHeaders(
  request: Request,
  rawHeaders?: readonly string[],
): {
  query: { [key: string]: string };
  headers: { [key: string]: string };
} {
  const cached = parsedRequests.get(request);
  if (cached) return cached;
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
  const parsed = { query, headers };
  parsedRequests.set(request, parsed);
  return parsed;
}

/**
 * `{query, headers, body, auth, method, context}` of a request. `query` and `headers` are parsed
 * on first read: most rules and hooks never look at them.
 */
export async function buildRequestInfo(
  c: Context<ApiEnv>,
  context = c.get("requestContext") ?? "default",
): Promise<RequestInfo> {
  const request = c.req.raw;
  const body = c.req.method === "GET" || c.req.method === "HEAD" ? {} : await readBody(c).catch(() => ({}));
  const parse = () => queryAndHeaders(request, nodeExchange(c)?.req.rawHeaders);
  return {
    get query() {
      return parse().query;
    },
    get headers() {
      return parse().headers;
    },
    body,
    auth: c.get("auth"),
    method: c.req.method,
    context,
  };
}

/** Arguments for a RequestEvent constructor. */
export async function requestEventArgs(
  c: Context<ApiEnv>,
  context = c.get("requestContext") ?? "default",
): Promise<[App, Request, AuthRecord | null, () => RequestInfo, string]> {
  const info = await buildRequestInfo(c, context);
  return [c.get("app"), c.req.raw, c.get("auth"), () => info, realIP(c)];
}
