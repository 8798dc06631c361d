/**
 * The HTTP router: PocketBase's middleware pipeline (§0) and every route family, on Satchel's
 * own HTTP layer (src/api/http/).
 */
import { Router } from "./http/router.ts";
import type { App } from "../core/app.ts";
import { bindCollectionsApi } from "./collections.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError, notFound, toApiError } from "./errors.ts";
import { bindHealthApi } from "./health.ts";
import { bindAuthRefreshApi } from "./record-auth-refresh.ts";
import { bindAuthWithPasswordApi } from "./record-auth-with-password.ts";
import { bindRecordAuthFlowsApi } from "./record-auth-flows.ts";
import { bindSettingsApi } from "./settings.ts";
import { bindRecordCrudApi } from "./record-crud.ts";
import { bindRealtimeApi } from "./realtime.ts";
import { bindOAuth2ProvidersApi } from "./collections-oauth2-providers.ts";
import { bindOAuth2RedirectApi } from "./oauth2-redirect.ts";
import { bindAuthMethodsApi } from "./record-auth-methods.ts";
import { bindAuthWithOAuth2Api } from "./record-auth-with-oauth2.ts";
import { bodyLimit, DEFAULT_BODY_LIMIT, recordsBodyLimit } from "./middlewares/body-limit.ts";
import { bindFilesApi } from "./files.ts";
import { bindFilesTokenApi } from "./files-token.ts";
import { bindCronsApi } from "./crons.ts";
import { bindLogsApi } from "./logs.ts";
import { requestLogger } from "./middlewares/request-logger.ts";
import { rateLimit } from "./middlewares/rate-limit.ts";
import { superuserIPs } from "./middlewares/superuser-ips.ts";
import { bindSettingsTestS3Api } from "./settings-test-s3.ts";
import { cors } from "./middlewares/cors.ts";
import { loadAuthToken } from "./middlewares/load-auth-token.ts";
import { securityHeaders } from "./middlewares/security-headers.ts";
import { uploadsCleanup } from "./uploads.ts";
import { encodeJsonBody } from "../tools/json.ts";
import { scriptRoutes } from "./script-routes.ts";
import { bindBackupsApi } from "./backups.ts";
import { bindBatchApi } from "./batch.ts";
import { bindSqlApi } from "./sql.ts";
import { bindCollectionsDryRunViewApi } from "./collections-dry-run-view.ts";
import { bindAppleClientSecretApi } from "./settings-apple-secret.ts";
import { bindStaticFiles } from "./static-files.ts";
import { restartGate } from "./middlewares/restart-gate.ts";
import { routeBodyLimit } from "./middlewares/route-body-limits.ts";
import { bindDashboard } from "./dashboard.ts";
import { bindSatchelRoutesApi } from "./satchel-routes.ts";
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

  bindHealthApi(router);
  bindSettingsApi(router);
  bindOAuth2ProvidersApi(router);
  bindCollectionsDryRunViewApi(router);
  bindAppleClientSecretApi(router);
  bindCollectionsApi(router);
  bindAuthWithPasswordApi(router);
  bindAuthRefreshApi(router);
  bindRecordAuthFlowsApi(router);
  bindAuthMethodsApi(router);
  bindAuthWithOAuth2Api(router);
  bindOAuth2RedirectApi(router);
  bindRecordCrudApi(router);
  bindFilesTokenApi(router);
  bindFilesApi(router);
  bindSettingsTestS3Api(router);
  bindRealtimeApi(router);
  bindCronsApi(router);
  bindBackupsApi(router);
  bindBatchApi(router);
  bindDashboard(router);
  bindLogsApi(router);
  bindSqlApi(router);
  bindSatchelRoutesApi(router);

  // The catch-all static route goes last: it never shadows a route above.
  if (options.publicDir) bindStaticFiles(router, options.publicDir, options.indexFallback ?? true);

  router.notFound((c) => errorResponse(notFound(), c.req.method));
  router.onError((err, c) => {
    const apiError = toApiError(err);
    if (options.logErrors && (apiError.cause ?? !(err instanceof ApiError))) {
      console.error(`${c.req.method} ${c.req.path}:`, apiError.cause ?? err);
    }
    const res = errorResponse(apiError, c.req.method);
    for (const [k, v] of c.res.headers) if (!res.headers.has(k)) res.headers.set(k, v);
    return res;
  });
  return router;
}
