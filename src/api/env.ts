/**
 * The per-request state the API middlewares share through Hono's context.
 */
import type { App } from "../core/app.ts";
import type { AuthRecord } from "../core/records/record.ts";

/** Hono environment of Satchel's router. */
export interface ApiEnv {
  Variables: {
    app: App;
    /** The authenticated record, or null for guests (invalid tokens are treated as guests). */
    auth: AuthRecord | null;
    /** The parsed request body, once read. */
    body: { [key: string]: unknown } | undefined;
  };
}
