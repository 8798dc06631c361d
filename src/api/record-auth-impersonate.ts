/**
 * `POST /api/collections/{collection}/impersonate/{id}` (§1.2): a superuser gets a token of
 * any auth record, non-refreshable (`refreshable: false`, so auth-refresh cannot extend it),
 * valid for `duration` seconds (0 = the collection's auth token duration).
 */
import type { Router } from "./http/router.ts";
import { newStaticAuthToken } from "../core/records/record-tokens.ts";
import { errors as v } from "../tools/validation.ts";
import type { ApiEnv } from "./env.ts";
import { requireSuperuser } from "./guards.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { loadError, throwIfInvalid } from "./record-auth-form.ts";
import { recordAuthResponse } from "./record-auth-response.ts";
import { readBody } from "./request-body.ts";

/** Registers the impersonation route. */
export function bindImpersonateApi(router: Router<ApiEnv>): void {
  router.post("/api/collections/:collection/impersonate/:id", async (c) => {
    requireSuperuser(c);
    const collection = findAuthCollection(c);
    const record = await c.get("app").findRecordById(collection, c.req.param("id"));
    const body = await readBody(c);
    let duration = 0;
    if (body.duration !== undefined && body.duration !== null && body.duration !== "") {
      const raw = typeof body.duration === "string" ? Number(body.duration) : body.duration;
      if (typeof raw !== "number" || !Number.isSafeInteger(raw)) throw loadError();
      duration = raw;
    }
    throwIfInvalid({ duration: duration < 0 ? v.minThreshold(0) : null });
    return recordAuthResponse(c, collection, record, newStaticAuthToken(record, duration), "");
  });
}
