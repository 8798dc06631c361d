/**
 * PocketBase's rate limiter (`pbRateLimit`, §12.1), one mechanism for every route: a fixed
 * window of `maxRequests` per `duration` seconds per client IP (after trusted-proxy
 * resolution) for the rule `settings.rateLimits` picks, answered with 429 `Too Many Requests.`
 *
 * Most routes are matched by their path labels (`"<METHOD> <path>"`, then `"<path>"`, with
 * prefix rules such as `/api/`). Collection-scoped actions (records CRUD, auth actions, file
 * downloads) try `<collection>:<tag>` and `*:<tag>` labels first (e.g. `users:authWithPassword`,
 * `*:auth`, `posts:file`) and count each collection and action apart, as PocketBase keys them.
 * Superusers and `excludedIPs` are never limited. Counters live in memory, per settings load
 * (saving settings resets them), and an hourly `__pbRateLimitersCleanup__` job drops stale ones.
 */
import type { Context } from "../http/context.ts";
import type { MiddlewareHandler } from "../http/router.ts";
import type { App } from "../../core/app.ts";
import type { Collection } from "../../core/collections/collection-model.ts";
import type { Settings } from "../../core/settings/settings-model.ts";
import { findRateLimitRule } from "../../core/settings/settings-rate-limits.ts";
import { ipMatcher } from "../../tools/ip-match.ts";
import type { ApiEnv } from "../env.ts";
import { ApiError } from "../errors.ts";
import { isSuperuser } from "../guards.ts";
import { realIP } from "../real-ip.ts";

/** A collection-scoped route: its method, path shape and PocketBase's action tags. */
interface ScopedRoute {
  method: string;
  path: RegExp;
  tags: readonly string[];
}

const C = "/api/collections/([^/]+)";
const route = (method: string, path: string, ...tags: string[]): ScopedRoute => ({
  method,
  path: new RegExp(`^${path}$`),
  tags,
});

/** The routes that replace the global check with collection labels (PocketBase's tags). */
const SCOPED_ROUTES: readonly ScopedRoute[] = [
  route("GET", `${C}/records`, "list"),
  route("GET", `${C}/records/[^/]+`, "view"),
  route("POST", `${C}/records`, "create"),
  route("PATCH", `${C}/records/[^/]+`, "update"),
  route("DELETE", `${C}/records/[^/]+`, "delete"),
  route("GET", `${C}/auth-methods`, "listAuthMethods"),
  route("POST", `${C}/auth-refresh`, "authRefresh"),
  route("POST", `${C}/auth-with-password`, "authWithPassword", "auth"),
  route("POST", `${C}/auth-with-oauth2`, "authWithOAuth2", "auth"),
  route("POST", `${C}/request-otp`, "requestOTP"),
  route("POST", `${C}/auth-with-otp`, "authWithOTP", "auth"),
  route("POST", `${C}/request-password-reset`, "requestPasswordReset"),
  route("POST", `${C}/confirm-password-reset`, "confirmPasswordReset"),
  route("POST", `${C}/request-verification`, "requestVerification"),
  route("POST", `${C}/confirm-verification`, "confirmVerification"),
  route("POST", `${C}/request-email-change`, "requestEmailChange"),
  route("POST", `${C}/confirm-email-change`, "confirmEmailChange"),
  route("GET", "/api/files/([^/]+)/[^/]+/[^/]+", "file"),
];

const CLEANUP_JOB_ID = "__pbRateLimitersCleanup__";

/** Fixed windows by key, per settings load (a reload gives a new settings object). */
const windowsBySettings = new WeakMap<Settings, Map<string, { resetAt: number; hits: number }>>();

/**
 * Counts a hit of `key` in a fixed window of `durationSeconds`; false once more than
 * `maxRequests` hits fell in the current window.
 */
export function allowHit(app: App, key: string, maxRequests: number, durationSeconds: number): boolean {
  const settings = app.settings();
  let windows = windowsBySettings.get(settings);
  if (!windows) {
    const created = new Map<string, { resetAt: number; hits: number }>();
    windows = created;
    windowsBySettings.set(settings, created);
    // Registered lazily, as PocketBase does: only apps that limit something need it.
    app.cron().add(CLEANUP_JOB_ID, "2 * * * *", () => {
      const now = Date.now();
      for (const [k, w] of created) if (now >= w.resetAt) created.delete(k);
    });
  }
  const now = Date.now();
  let w = windows.get(key);
  if (!w || now >= w.resetAt) {
    w = { resetAt: now + Math.max(durationSeconds, 1) * 1000, hits: 0 };
    windows.set(key, w);
  }
  w.hits++;
  return w.hits <= maxRequests;
}

/** The request path as PocketBase matches labels: decoded (a bad escape stays as sent). */
function decodedPath(c: Context<ApiEnv>): string {
  try {
    return decodeURIComponent(c.req.path);
  } catch {
    return c.req.path;
  }
}

function scopedRoute(method: string, path: string): { route: ScopedRoute; collection: string } | undefined {
  const m = method === "HEAD" ? "GET" : method;
  for (const r of SCOPED_ROUTES) {
    if (r.method !== m) continue;
    const match = r.path.exec(path);
    if (match) return { route: r, collection: match[1]! };
  }
  return undefined;
}

/** Whether the request is exempt: limits off, a superuser, or an excluded IP. */
function isExempt(c: Context<ApiEnv>): boolean {
  const config = c.get("app").settings().rateLimits;
  return !config.enabled || isSuperuser(c) || ipMatcher(config.excludedIPs)(realIP(c));
}

/** Throws 429 when the rule found for `labels` is exhausted for the client's IP. */
function check(
  c: Context<ApiEnv>,
  labels: string[],
  counterKey: (label: string, audience: string) => string,
): void {
  const app = c.get("app");
  const audience = c.get("auth") ? "@auth" : "@guest";
  const rule = findRateLimitRule(app.settings().rateLimits, labels, audience);
  if (!rule) return;
  const key = `${counterKey(rule.label, rule.audience)}|${realIP(c)}`;
  if (!allowHit(app, key, rule.maxRequests, rule.duration)) {
    throw new ApiError(429, "", {}, new Error(`triggered rate limit rule: ${rule.label} ${rule.audience}`));
  }
}

/** The labels of a collection-scoped action, most specific first, then the path labels. */
export function collectionRateLimitLabels(
  collection: Collection,
  tags: readonly string[],
  method: string,
  path: string,
): string[] {
  return [
    ...tags.map((tag) => `${collection.name}:${tag}`),
    ...tags.map((tag) => `*:${tag}`),
    `${method} ${path}`,
    path,
  ];
}

/** The global rate-limit middleware (runs after the auth token is loaded). */
export function rateLimit(): MiddlewareHandler<ApiEnv> {
  // Not async: a request under its limits goes on without a promise of this middleware's own.
  return function rateLimitMiddleware(c, next) {
    if (isExempt(c)) return next();
    const method = c.req.method;
    const path = decodedPath(c);
    const scoped = scopedRoute(method, path);
    if (scoped) {
      const collection = c.get("app").findCollectionByNameOrId(scoped.collection);
      // An unknown collection is the route's 404 to give; there is nothing to count.
      if (!collection) return next();
      const { tags } = scoped.route;
      const labels = collectionRateLimitLabels(collection, tags, method, path);
      // Counted per collection and action (whatever rule applies), as PocketBase keys them.
      check(
        c,
        labels,
        (_label, audience) =>
          `${collection.id}|${scoped.route.method} ${scoped.route.path.source}|${tags.join(",")}|${audience}`,
      );
    } else {
      check(c, [`${method} ${path}`, path], (label, audience) => `${label}|${audience}`);
    }
    return next();
  };
}
