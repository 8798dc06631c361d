/**
 * The auth response (`{record, token}` plus `meta` for OAuth2), sent through
 * `onRecordAuthRequest` after the collection's authRule has been checked.
 */
import type { Context } from "hono";
import { RecordAuthRequestEvent } from "../core/hook-events.ts";
import type { Collection } from "../core/collections/collection-model.ts";
import type { AuthRecord } from "../core/records/record.ts";
import { canAuthenticate } from "../core/records/record-access.ts";
import { forbidden } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { buildRequestInfo, requestEventArgs } from "./request-event.ts";
import { jsonResponse } from "./response.ts";

/** Answers a successful authentication with the record and its token. */
export async function recordAuthResponse(
  c: Context<ApiEnv>,
  collection: Collection,
  record: AuthRecord,
  token: string,
  authMethod: string,
  meta: unknown = null,
): Promise<Response> {
  const app = c.var.app;
  if (!(await canAuthenticate(app, record, await buildRequestInfo(c, authMethod || "default")))) {
    throw forbidden("The request doesn't satisfy the collection requirements to authenticate.");
  }
  const event = new RecordAuthRequestEvent(...(await requestEventArgs(c, authMethod || "default")));
  event.collection = collection;
  event.record = record;
  event.token = token;
  event.meta = meta;
  event.authMethod = authMethod;
  await app.hooks.onRecordAuthRequest.trigger(event, (e) => {
    const isSuperuser = c.var.auth?.collection.name === "_superusers";
    const body: { [key: string]: unknown } = {};
    if (e.meta !== null && e.meta !== undefined) body.meta = e.meta;
    body.record = e.record.toPublicJson({ showEmail: true, showHidden: isSuperuser });
    body.token = e.token;
    e.response = jsonResponse(c, 200, body);
  });
  return event.response ?? c.body(null, 204);
}
