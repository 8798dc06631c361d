/**
 * Building request hook events from a Hono context: the constructor arguments every
 * `RequestEvent` subclass takes, with `requestInfo()` computed lazily.
 */
import type { Context } from "hono";
import type { App } from "../core/app.ts";
import type { RequestInfo } from "../core/hook-events.ts";
import type { AuthRecord } from "../core/records/record.ts";
import type { ApiEnv } from "./env.ts";
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

/** `@request.query` (first value of each key) and `@request.headers` (snake-cased names) of a request. */
export function queryAndHeaders(request: Request): {
  query: { [key: string]: string };
  headers: { [key: string]: string };
} {
  const cached = parsedRequests.get(request);
  if (cached) return cached;
  const query: { [key: string]: string } = {};
  for (const [key, value] of new URL(request.url).searchParams) if (!(key in query)) query[key] = value;
  const headers: { [key: string]: string } = {};
  for (const [key, value] of request.headers) headers[snakeHeaderName(key)] ??= value;
  const parsed = { query, headers };
  parsedRequests.set(request, parsed);
  return parsed;
}

/** `{query, headers, body, auth, method, context}` of a request. */
export async function buildRequestInfo(
  c: Context<ApiEnv>,
  context = c.get("requestContext") ?? "default",
): Promise<RequestInfo> {
  const { query, headers } = queryAndHeaders(c.req.raw);
  const body = c.req.method === "GET" || c.req.method === "HEAD" ? {} : await readBody(c).catch(() => ({}));
  return { query, headers, body, auth: c.get("auth"), method: c.req.method, context };
}

/** Arguments for a RequestEvent constructor. */
export async function requestEventArgs(
  c: Context<ApiEnv>,
  context = c.get("requestContext") ?? "default",
): Promise<[App, Request, AuthRecord | null, () => RequestInfo, string]> {
  const info = await buildRequestInfo(c, context);
  return [c.get("app"), c.req.raw, c.get("auth"), () => info, realIP(c)];
}
