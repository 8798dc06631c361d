/**
 * PocketBase's activity logger (`pbActivityLogger`, §12.6): one `_logs` entry per request,
 * message `"<METHOD> <unescaped url>"`, level INFO (ERROR when the request failed), with the
 * request's `data` fields. The entry is only queued here: the app logger writes entries in
 * batches off the request path, so logging costs a few object allocations per request.
 *
 * Successful calls that would only add noise are not logged, as in PocketBase: the logs API
 * itself, realtime connections (they last as long as the client stays), OAuth2 redirects, and
 * whatever a route marks with `skipSuccessActivityLog` (static files, the dashboard).
 */
import type { Context } from "../http/context.ts";
import type { MiddlewareHandler } from "../http/router.ts";
import { LOG_LEVELS } from "../../core/logs/logger.ts";
import type { ApiEnv } from "../env.ts";
import { toApiError } from "../errors.ts";
import { realIP, remoteIP } from "../real-ip.ts";

const SKIP_SUCCESS = /^\/(?:api\/logs(?:\/|$)|api\/realtime(?:\/|$)|api\/oauth2-redirect$|_\/)/;

/** Marks the current request so that a successful outcome is not logged. */
export function skipSuccessActivityLog(c: Context<ApiEnv>): void {
  c.set("skipSuccessLog", true);
}

/** The request logger middleware. */
export function requestLogger(): MiddlewareHandler<ApiEnv> {
  return function requestLoggerMiddleware(c, next) {
    const start = performance.now();
    return next().then(() => logRequest(c, start));
  };
}

/** Queues the log entry of a finished request (when its level is stored). */
function logRequest(c: Context<ApiEnv>, start: number): void {
  const app = c.get("app");
  const failed = c.error !== undefined || c.res.status >= 400;
  const level = failed ? LOG_LEVELS.error : LOG_LEVELS.info;
  const logger = app.logger();
  if (!app.isDev && !logger.isStored(level)) return;
  const path = c.req.path;
  if (!failed && (c.get("skipSuccessLog") === true || SKIP_SUCCESS.test(path))) return;

  const execTime = performance.now() - start;
  const requestUri = path + search(c.req.url);
  const logs = app.settings().logs;
  const auth = c.get("auth");
  // Built in key order (Go sorts map keys), which spares the logger a sort.
  const data: { [key: string]: unknown } = { auth: auth ? auth.collection.name : "" };
  if (auth && logs.logAuthId) data.authId = auth.id;
  if (c.error !== undefined) {
    const apiError = toApiError(c.error);
    const cause = apiError.cause;
    data.details = cause instanceof Error ? cause.message : apiError.data;
    data.error = apiError.message;
  }
  data.execTime = execTime;
  data.method = c.req.method;
  data.referer = cut(c.req.header("referer") ?? "");
  if (logs.logIP) data.remoteIP = remoteIP(c);
  data.status = c.res.status;
  data.type = "request";
  data.url = requestUri;
  data.userAgent = cut(c.req.header("user-agent") ?? "");
  if (logs.logIP) data.userIP = realIP(c);
  logger.write(level, `${c.req.method} ${unescape(requestUri)}`, data);
}

/** The query part of a URL (`?…`, or empty), as `URL.search` gives it. */
function search(url: string): string {
  const q = url.indexOf("?");
  if (q === -1) return "";
  const hash = url.indexOf("#", q);
  const end = hash === -1 ? url.length : hash;
  return end - q > 1 ? url.slice(q, end) : "";
}

/** Long header values are cut to 2000 characters and marked with `...`, as PocketBase does. */
function cut(text: string, max = 2000): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** The URL as the user typed it (`%20` → space); a malformed escape leaves it as it is. */
function unescape(uri: string): string {
  try {
    return decodeURIComponent(uri);
  } catch {
    return uri;
  }
}
