/**
 * The HTTP router: PocketBase's middleware pipeline (§0) and every route family, on Satchel's
 * own HTTP layer (src/api/http/).
 */
import { Router } from "./http/router.ts";
import type { App } from "../core/app.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError, notFound, toApiError } from "./errors.ts";
import { bindHealthApi } from "./health.ts";
import { bindLazyRoutes } from "./lazy-routes.ts";
import * as families from "./route-families.ts";
import { bindAuthRefreshApi } from "./record-auth-refresh.ts";
import { bindAuthWithPasswordApi } from "./record-auth-with-password.ts";
import { bindRecordCrudApi } from "./record-crud.ts";
import { bodyLimit, DEFAULT_BODY_LIMIT, recordsBodyLimit } from "./middlewares/body-limit.ts";
import { requestLogger } from "./middlewares/request-logger.ts";
import { rateLimit } from "./middlewares/rate-limit.ts";
import { superuserIPs } from "./middlewares/superuser-ips.ts";
import { cors } from "./middlewares/cors.ts";
import { loadAuthToken } from "./middlewares/load-auth-token.ts";
import { securityHeaders } from "./middlewares/security-headers.ts";
import { uploadsCleanup } from "./uploads.ts";
import { encodeJsonBody } from "../tools/json.ts";
import { scriptRoutes } from "./script-routes.ts";
import { bindStaticFiles } from "./static-files.ts";
import { restartGate } from "./middlewares/restart-gate.ts";
import { routeBodyLimit } from "./middlewares/route-body-limits.ts";
import { overload } from "./middlewares/overload.ts";
import { MemoryBudget } from "../tools/memory-budget.ts";
import { plainResponse } from "./http/plain-response.ts";

/** Options of the router. */
export interface RouterOptions {
  /** Allowed CORS origins (`["*"]` by default). */
  origins?: string[];
  /** Log request errors to stderr. */
  logErrors?: boolean;
  /** The folder served at `/` (pb_public); nothing is served when unset. */
  publicDir?: string;
  /** Serve the public folder's `index.html` for missing paths (default true). */
  indexFallback?: boolean;
  /** The memory budget in bytes (`--memoryLimit`; 0 or unset: derived from V8's heap limit). */
  memoryLimit?: number;
}

function errorResponse(err: ApiError, method: string): Response {
  return plainResponse(method === "HEAD" ? null : encodeJsonBody(err.toJSON()), err.status, {
    "content-type": "application/json",
  });
}

/** Builds the router of an app. */
export function createRouter(app: App, options: RouterOptions = {}): Router<ApiEnv> {
  const router = new Router<ApiEnv>();

  router.use("*", (c, next) => {
    c.set("app", app);
    c.set("auth", null);
    c.set("body", undefined);
    return next();
  });
  router.use("*", restartGate());
  router.use("*", overload(new MemoryBudget(options.memoryLimit)));
  router.use("*", uploadsCleanup());
  router.use("*", cors(options.origins ?? ["*"]));
  router.use("*", requestLogger());
  router.use("*", securityHeaders());
  router.use("*", loadAuthToken());
  router.use("*", superuserIPs());
  router.use("*", rateLimit());
  router.use(
    "*",
    bodyLimit(DEFAULT_BODY_LIMIT, (c) => routeBodyLimit(c) ?? recordsBodyLimit(c)),
  );
  // pb_hooks: routerAdd routes and routerUse middlewares (a no-op without hook files)
  router.use("*", scriptRoutes());

  // Route families other than the hot paths load on their first request (lazy-routes.ts).
  bindHealthApi(router);
  bindLazyRoutes(router, families.SETTINGS);
  bindLazyRoutes(router, families.OAUTH2_PROVIDERS);
  bindLazyRoutes(router, families.COLLECTIONS_DRY_RUN_VIEW);
  bindLazyRoutes(router, families.APPLE_CLIENT_SECRET);
  bindLazyRoutes(router, families.COLLECTIONS);
  bindAuthWithPasswordApi(router);
  bindAuthRefreshApi(router);
  bindLazyRoutes(router, families.AUTH_FLOWS);
  bindLazyRoutes(router, families.AUTH_METHODS);
  bindLazyRoutes(router, families.AUTH_WITH_OAUTH2);
  bindLazyRoutes(router, families.OAUTH2_REDIRECT);
  bindRecordCrudApi(router);
  bindLazyRoutes(router, families.FILES_TOKEN);
  bindLazyRoutes(router, families.FILES);
  bindLazyRoutes(router, families.SETTINGS_TEST_S3);
  bindLazyRoutes(router, families.REALTIME);
  bindLazyRoutes(router, families.CRONS);
  bindLazyRoutes(router, families.BACKUPS);
  bindLazyRoutes(router, families.BATCH);
  bindLazyRoutes(router, families.DASHBOARD);
  bindLazyRoutes(router, families.LOGS);
  bindLazyRoutes(router, families.SQL);
  bindLazyRoutes(router, families.SATCHEL_ROUTES);

  // The catch-all static route goes last: it never shadows a route above.
  if (options.publicDir) bindStaticFiles(router, options.publicDir, options.indexFallback ?? true);

  router.notFound((c) => errorResponse(notFound(), c.req.method));
  router.onError((err, c) => {
    const apiError = toApiError(err);
    if (options.logErrors && (apiError.cause ?? !(err instanceof ApiError))) {
      console.error(`${c.req.method} ${c.req.path}:`, apiError.cause ?? err);
    }
    // `c.body` keeps the headers set so far under the error's own content type, as plain
    // parts: reading `c.res.headers` here built two platform `Headers`, which sent every
    // error answer down the adapter's WHATWG Response path.
    const body = c.req.method === "HEAD" ? null : encodeJsonBody(apiError.toJSON());
    return c.body(body, apiError.status, { "content-type": "application/json" });
  });
  return router;
}
