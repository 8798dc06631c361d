/**
 * The route families the router binds lazily (src/api/lazy-routes.ts): everything but the
 * routes a typical first request and the hot paths use (health, record CRUD, password auth,
 * auth refresh), which stay eager. Each list is what the family's binder registers, in its
 * order; `lazy-routes.test.ts` compares them.
 */
import type { LazyRouteFamily } from "./lazy-routes.ts";

export const SETTINGS: LazyRouteFamily = {
  routes: ["GET /api/settings", "PATCH /api/settings"],
  load: async () => (await import("./settings.ts")).bindSettingsApi,
};

export const OAUTH2_PROVIDERS: LazyRouteFamily = {
  routes: ["GET /api/collections/meta/oauth2-providers"],
  load: async () => (await import("./collections-oauth2-providers.ts")).bindOAuth2ProvidersApi,
};

export const COLLECTIONS_DRY_RUN_VIEW: LazyRouteFamily = {
  routes: ["POST /api/collections/meta/dry-run-view"],
  load: async () => (await import("./collections-dry-run-view.ts")).bindCollectionsDryRunViewApi,
};

export const APPLE_CLIENT_SECRET: LazyRouteFamily = {
  routes: ["POST /api/settings/apple/generate-client-secret"],
  load: async () => (await import("./settings-apple-secret.ts")).bindAppleClientSecretApi,
};

export const COLLECTIONS: LazyRouteFamily = {
  routes: [
    "GET /api/collections",
    "GET /api/collections/meta/scaffolds",
    "PUT /api/collections/import",
    "POST /api/collections",
    "GET /api/collections/:collection",
    "PATCH /api/collections/:collection",
    "DELETE /api/collections/:collection",
    "DELETE /api/collections/:collection/truncate",
  ],
  load: async () => (await import("./collections.ts")).bindCollectionsApi,
};

export const AUTH_FLOWS: LazyRouteFamily = {
  routes: [
    "POST /api/collections/:collection/request-otp",
    "POST /api/collections/:collection/auth-with-otp",
    "POST /api/collections/:collection/request-password-reset",
    "POST /api/collections/:collection/confirm-password-reset",
    "POST /api/collections/:collection/request-verification",
    "POST /api/collections/:collection/confirm-verification",
    "POST /api/collections/:collection/request-email-change",
    "POST /api/collections/:collection/confirm-email-change",
    "POST /api/collections/:collection/impersonate/:id",
    "POST /api/settings/test/email",
  ],
  load: async () => (await import("./record-auth-flows.ts")).bindRecordAuthFlowsApi,
};

export const AUTH_METHODS: LazyRouteFamily = {
  routes: ["GET /api/collections/:collection/auth-methods"],
  load: async () => (await import("./record-auth-methods.ts")).bindAuthMethodsApi,
};

export const AUTH_WITH_OAUTH2: LazyRouteFamily = {
  routes: ["POST /api/collections/:collection/auth-with-oauth2"],
  load: async () => (await import("./record-auth-with-oauth2.ts")).bindAuthWithOAuth2Api,
};

export const OAUTH2_REDIRECT: LazyRouteFamily = {
  routes: ["GET /api/oauth2-redirect", "POST /api/oauth2-redirect"],
  load: async () => (await import("./oauth2-redirect.ts")).bindOAuth2RedirectApi,
};

export const FILES_TOKEN: LazyRouteFamily = {
  routes: ["POST /api/files/token"],
  load: async () => (await import("./files-token.ts")).bindFilesTokenApi,
};

export const FILES: LazyRouteFamily = {
  routes: ["GET /api/files/:collection/:recordId/:filename"],
  load: async () => (await import("./files.ts")).bindFilesApi,
};

export const SETTINGS_TEST_S3: LazyRouteFamily = {
  routes: ["POST /api/settings/test/s3"],
  load: async () => (await import("./settings-test-s3.ts")).bindSettingsTestS3Api,
};

export const REALTIME: LazyRouteFamily = {
  routes: ["GET /api/realtime", "POST /api/realtime", "GET /api/realtime/ws"],
  load: async () => (await import("./realtime.ts")).bindRealtimeApi,
};

export const CRONS: LazyRouteFamily = {
  routes: ["GET /api/crons", "HEAD /api/crons", "POST /api/crons/:id"],
  load: async () => (await import("./crons.ts")).bindCronsApi,
};

export const BACKUPS: LazyRouteFamily = {
  routes: [
    "GET /api/backups",
    "POST /api/backups",
    "POST /api/backups/upload",
    "GET /api/backups/:key",
    "DELETE /api/backups/:key",
    "POST /api/backups/:key/restore",
  ],
  load: async () => (await import("./backups.ts")).bindBackupsApi,
};

export const BATCH: LazyRouteFamily = {
  routes: ["POST /api/batch"],
  load: async () => (await import("./batch.ts")).bindBatchApi,
};

export const DASHBOARD: LazyRouteFamily = {
  routes: ["GET /_", "GET /_/extensions.js", "GET /_/extensions/:name/*", "GET /_/*"],
  load: async () => (await import("./dashboard.ts")).bindDashboard,
};

export const LOGS: LazyRouteFamily = {
  routes: [
    "GET /api/logs",
    "HEAD /api/logs",
    "GET /api/logs/stats",
    "HEAD /api/logs/stats",
    "GET /api/logs/:id",
    "HEAD /api/logs/:id",
  ],
  load: async () => (await import("./logs.ts")).bindLogsApi,
};

export const SQL: LazyRouteFamily = {
  routes: ["POST /api/sql"],
  load: async () => (await import("./sql.ts")).bindSqlApi,
};

export const SATCHEL_ROUTES: LazyRouteFamily = {
  routes: ["GET /api/satchel/routes", "HEAD /api/satchel/routes"],
  load: async () => (await import("./satchel-routes.ts")).bindSatchelRoutesApi,
};
