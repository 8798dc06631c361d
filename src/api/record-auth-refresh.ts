/** `POST /api/collections/{collection}/auth-refresh` (§1.2): a fresh token for the caller. */
import type { Hono } from "hono";
import { RecordAuthRefreshRequestEvent } from "../core/hook-events.ts";
import { newAuthToken } from "../core/records/record-tokens.ts";
import { forbidden } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { requireAuth } from "./guards.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { recordAuthResponse } from "./record-auth-response.ts";
import { requestEventArgs } from "./request-event.ts";

/** Registers the auth refresh route. */
export function bindAuthRefreshApi(router: Hono<ApiEnv>): void {
  router.post("/api/collections/:collection/auth-refresh", async (c) => {
    const app = c.var.app;
    const collection = findAuthCollection(c);
    const auth = requireAuth(c);
    if (auth.collection.id !== collection.id) {
      throw forbidden("The request requires valid record authorization token.");
    }
    const event = new RecordAuthRefreshRequestEvent(...(await requestEventArgs(c)));
    event.collection = collection;
    event.record = auth;
    await app.hooks.onRecordAuthRefreshRequest.trigger(event, async (e) => {
      const header = (c.req.header("authorization") ?? "").replace(/^bearer\s+/i, "").trim();
      const claims = JSON.parse(Buffer.from(header.split(".")[1] ?? "", "base64url").toString() || "{}") as {
        refreshable?: unknown;
      };
      // Impersonation and other static tokens are returned unchanged.
      const token = claims.refreshable === true ? newAuthToken(e.record) : header;
      e.response = await recordAuthResponse(c, collection, e.record, token, "");
    });
    return event.response ?? c.body(null, 204);
  });
}
