/**
 * The per-request state the API middlewares share through the request context (src/api/http/context.ts).
 */
import type { App } from "../core/app.ts";
import type { AuthRecord } from "../core/records/record.ts";
import type { UploadSpool } from "./uploads.ts";

/** The environment of Satchel's router: its per-request variables. */
export interface ApiEnv {
  Variables: {
    app: App;
    /** The authenticated record, or null for guests (invalid tokens are treated as guests). */
    auth: AuthRecord | null;
    /** The parsed request body, once read. */
    body: { [key: string]: unknown } | undefined;
    /**
     * The body being read, so concurrent `readBody` calls share one read (a context variable, not
     * a WeakMap keyed by the context: V8's young-generation GC keeps a WeakMap's keys alive, so
     * every request with a body would survive into the old generation).
     */
    bodyParsing: Promise<{ [key: string]: unknown }> | undefined;
    /** `@request.query` and `@request.headers`, once parsed (request-event.ts). */
    queryAndHeaders: { query: { [key: string]: string }; headers: { [key: string]: string } } | undefined;
    /** The temp files of the request's multipart uploads, removed when the request ends. */
    uploads: UploadSpool | undefined;
    /** The response may be framed: no `X-Frame-Options` (PocketBase's file downloads). */
    allowFraming: boolean | undefined;
    /** `@request.context` of the request when not "default" (e.g. "batch" for batch sub-requests). */
    requestContext: string | undefined;
    /** A successful outcome of this request is not logged (`skipSuccessActivityLog`). */
    skipSuccessLog: boolean | undefined;
  };
}
