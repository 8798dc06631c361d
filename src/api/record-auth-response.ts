/**
 * The auth response (`{meta?, record, token}`, §1.2) every successful authentication ends with.
 * Order of checks, as PocketBase: the collection's authRule → `onRecordAuthRequest`, whose
 * default action runs the MFA step (401 `{"mfaId"}` when a second factor is still due), enriches
 * the record (expand, `onRecordEnrich`), tracks the login origin (alert mail on a new device)
 * and writes the JSON.
 */
import { isSuperuserIPAllowed, superuserIPForbidden } from "./middlewares/superuser-ips.ts";
import type { Context } from "./http/context.ts";
import { RecordAuthRequestEvent, type RequestInfo } from "../core/hook-events.ts";
import { SUPERUSERS, type Collection } from "../core/collections/collection-model.ts";
import type { AuthRecord } from "../core/records/record.ts";
import { canAuthenticate, checkRecordRule } from "../core/records/record-access.ts";
import { enrichRecords, recordsToJson } from "../core/records/record-enrich.ts";
import { MFAError, completeMFA, createMFA } from "../core/records/record-auth-mfa.ts";
import { trackAuthOrigin } from "../core/records/record-auth-origins.ts";
import { ApiError, badRequest, forbidden } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { loadError } from "./record-auth-form.ts";
import { realIP } from "./real-ip.ts";
import { readBody } from "./request-body.ts";
import { buildRequestInfo, requestEventArgsWith, withAuth } from "./request-event.ts";
import { jsonResponse } from "./response.ts";

/** The auth method names PocketBase uses for MFA and alerts. */
export const AUTH_METHOD = { password: "password", otp: "otp", oauth2: "oauth2" } as const;

/** The request context (`@request.context`) of each auth method. */
const METHOD_CONTEXT: { [method: string]: string } = { password: "password", otp: "otp", oauth2: "oauth2" };

/** The `mfaId` of a second-step request: the query parameter, else the body field. */
async function readMfaId(c: Context<ApiEnv>): Promise<string> {
  const fromQuery = c.req.query("mfaId");
  if (fromQuery) return fromQuery;
  const body = c.req.method === "GET" ? {} : await readBody(c);
  const value = body.mfaId;
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  throw loadError();
}

/**
 * Whether the record must pass a second factor: MFA on, an auth method given, and the
 * collection's `mfa.rule` empty or matching the record (a rule error counts as "required").
 */
async function wantsMFA(c: Context<ApiEnv>, record: AuthRecord, authMethod: string, info: RequestInfo) {
  const mfa = record.collection.auth?.mfa;
  if (!mfa?.enabled || !authMethod) return false;
  if (mfa.rule.trim() === "") return true;
  try {
    return await checkRecordRule(c.get("app"), record, mfa.rule, info);
  } catch (err) {
    throw new ApiError(400, "Failed to authenticate.", {}, err);
  }
}

/**
 * Runs the MFA step: null when the login may complete (no MFA, or a valid second factor was
 * presented and consumed), else the id of the session a second method must complete.
 */
async function checkMFA(
  c: Context<ApiEnv>,
  record: AuthRecord,
  authMethod: string,
  info: RequestInfo,
): Promise<string | null> {
  if (!(await wantsMFA(c, record, authMethod, info))) return null;
  const mfaId = await readMfaId(c);
  if (!mfaId) return createMFA(c.get("app"), record, authMethod);
  try {
    await completeMFA(c.get("app"), record, mfaId, authMethod);
  } catch (err) {
    if (err instanceof MFAError) throw badRequest(err.message);
    throw err;
  }
  return null;
}

/** Whether expanded records are set on the record (by a hook), or an expand was resolved. */
function hasExpanded(record: AuthRecord): boolean {
  if (record.hasExpand) return true;
  for (const _ in record.expand) return true;
  return false;
}

/**
 * Answers a successful authentication of `record` with `token` (PocketBase's
 * `recordAuthResponse`). `authMethod` ("password", "otp", "oauth2"; "" for refresh and
 * impersonation) drives MFA and the login-origin tracking; `meta` (OAuth2) is output when set.
 * A pending second factor answers 401 `{"mfaId":"…"}` instead.
 */
export async function recordAuthResponse(
  c: Context<ApiEnv>,
  collection: Collection,
  record: AuthRecord,
  token: string,
  authMethod: string,
  meta: unknown = null,
): Promise<Response> {
  const app = c.get("app");
  const context = METHOD_CONTEXT[authMethod] ?? "default";
  const info = await buildRequestInfo(c, context);
  if (!(await canAuthenticate(app, record, info))) {
    throw forbidden("The request doesn't satisfy the collection requirements to authenticate.");
  }
  // A superuser may only log in from `superuserIPs` (when set), like every superuser request.
  if (record.collection.name === SUPERUSERS && !isSuperuserIPAllowed(c)) throw superuserIPForbidden();
  const event = new RecordAuthRequestEvent(requestEventArgsWith(c, info), {
    collection,
    record,
    token,
    meta,
    authMethod,
  });
  await app.hooks.onRecordAuthRequest.trigger(event, async (e) => {
    if (e.response) return;
    const mfaId = await checkMFA(c, e.record, e.authMethod, info);
    if (mfaId) {
      // Not PocketBase's error shape: the SDK reads `mfaId` from this bare body.
      e.response = jsonResponse(c, 401, { mfaId });
      return;
    }

    // The record is shown as its owner sees it (email always; every field for superusers).
    const isSuperuser = e.record.collection.name === SUPERUSERS;
    const expand = c.req.query("expand") ?? "";
    let json: { [key: string]: unknown } | undefined;
    if (expand.trim() === "" && e.app.hooks.onRecordEnrich.length === 0 && !hasExpanded(e.record)) {
      // Nothing to expand or enrich: the export recordsToJson would make, without its batch
      // machinery (and without the manageRule query, which cannot add to "email always").
      json = e.record.toPublicJson({ showHidden: isSuperuser, showEmail: true });
    } else {
      const ctx = { requestInfo: withAuth(info, e.record), isSuperuser };
      await enrichRecords(e.app, [e.record], expand, ctx);
      [json] = await recordsToJson(e.app, [e.record], ctx);
    }

    if (e.authMethod) {
      const alert = e.record.collection.auth?.authAlert.enabled ?? false;
      try {
        await trackAuthOrigin(e.app, e.record, realIP(c), c.req.header("user-agent") ?? "", { alert });
      } catch (err) {
        console.warn("[auth] failed to track the login origin or send the alert:", err);
      }
    }

    const body: { [key: string]: unknown } = {};
    if (e.meta !== null && e.meta !== undefined) body.meta = e.meta;
    body.record = json;
    body.token = e.token;
    e.response = jsonResponse(c, 200, body);
  });
  return event.response ?? c.body(null, 200);
}
