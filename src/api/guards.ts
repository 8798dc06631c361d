/** Access checks shared by route handlers. */
import type { Context } from "./http/context.ts";
import { SUPERUSERS } from "../core/collections/collection-model.ts";
import type { AuthRecord } from "../core/records/record.ts";
import { forbidden, unauthorized } from "./errors.ts";
import type { ApiEnv } from "./env.ts";

/** Whether the request is authenticated as a superuser. */
export function isSuperuser(c: Context<ApiEnv>): boolean {
  return c.get("auth")?.collection.name === SUPERUSERS;
}

/** Throws 401 for guests and 403 for non-superusers (PocketBase's requireSuperuserAuth). */
export function requireSuperuser(c: Context<ApiEnv>): AuthRecord {
  const auth = c.get("auth");
  if (!auth) throw unauthorized("The request requires valid record authorization token.");
  if (auth.collection.name !== SUPERUSERS)
    throw forbidden("The authorized record is not allowed to perform this action.");
  return auth;
}

/** Throws 401 unless some auth record is authenticated. */
export function requireAuth(c: Context<ApiEnv>): AuthRecord {
  const auth = c.get("auth");
  if (!auth) throw unauthorized("The request requires valid record authorization token.");
  return auth;
}
