/**
 * `POST /api/collections/{collection}/auth-refresh` (§1.2): the caller's record with a fresh
 * token. Static tokens (impersonation, `refreshable: false`) come back unchanged, so refreshing
 * can never extend a token that was meant to expire.
 */
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import { RecordAuthRefreshRequestEvent } from "../core/hook-events.ts";
import { newAuthToken } from "../core/records/record-tokens.ts";
import { parseUnverifiedJwt } from "../tools/jwt.ts";
import { forbidden, unauthorized } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { recordAuthResponse } from "./record-auth-response.ts";
import { requestEventArgs } from "./request-event.ts";
import type { AuthRecord } from "../core/records/record.ts";

/** The request's raw auth token (the middleware already verified it). */
export function requestToken(c: Context<ApiEnv>): string {
  return (c.req.header("authorization") ?? "").replace(/^bearer\s+/i, "").trim();
}

/**
 * PocketBase's `RequireSameCollectionContextAuth`: 401 for guests, 403 when the token's record
 * belongs to another collection than the route's.
 */
export function requireSameCollectionAuth(c: Context<ApiEnv>): AuthRecord {
  const auth = c.get("auth");
  if (!auth) throw unauthorized("The request requires valid record authorization token.");
  const collection = c.get("app").findCollectionByNameOrId(c.req.param("collection") ?? "");
  if (!collection || collection.id !== auth.collection.id) {
    throw forbidden(`The request requires auth record from ${auth.collection.name} collection.`);
  }
  return auth;
}

/** Registers the auth refresh route. */
export function bindAuthRefreshApi(router: Router<ApiEnv>): void {
  router.post("/api/collections/:collection/auth-refresh", async (c) => {
    const app = c.get("app");
    const auth = requireSameCollectionAuth(c);
    const collection = findAuthCollection(c);
    const event = new RecordAuthRefreshRequestEvent(await requestEventArgs(c), { collection, record: auth });
    await app.hooks.onRecordAuthRefreshRequest.trigger(event, async (e) => {
      const current = requestToken(c);
      const refreshable = parseUnverifiedJwt(current)?.refreshable === true;
      const token = refreshable ? newAuthToken(e.record) : current;
      e.response = await recordAuthResponse(c, collection, e.record, token, "");
    });
    return event.response ?? c.body(null, 200);
  });
}
