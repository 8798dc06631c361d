/** `POST /api/collections/{collection}/auth-with-password` (§1.2). */
import type { Hono } from "hono";
import { RecordAuthWithPasswordRequestEvent } from "../core/hook-events.ts";
import { findAuthRecordByEmail, findFirstRecordByData } from "../core/records/record-query.ts";
import { newAuthToken } from "../core/records/record-tokens.ts";
import type { Record } from "../core/records/record.ts";
import { dummyPasswordCheck } from "../auth/password.ts";
import { ValidationErrors, errors as v, type ErrorTree, type ValidationError } from "../tools/validation.ts";
import { ApiError, badRequest, forbidden } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { recordAuthResponse } from "./record-auth-response.ts";
import { readBody } from "./request-body.ts";
import { requestEventArgs } from "./request-event.ts";

const EMAIL_LIKE = /^[^@\s]+@[^@\s]+$/;

function lengthCheck(value: unknown): ValidationError | null {
  if (typeof value !== "string" || value === "") return v.required();
  if (value.length > 255) return v.lengthOutOfRange(1, 255);
  return null;
}

/** Registers the password auth route. */
export function bindAuthWithPasswordApi(router: Hono<ApiEnv>): void {
  router.post("/api/collections/:collection/auth-with-password", async (c) => {
    const app = c.var.app;
    const collection = findAuthCollection(c);
    if (!collection.auth.passwordAuth.enabled)
      throw forbidden("The collection is not configured to allow password authentication.");
    const body = await readBody(c);
    const tree: ErrorTree = {};
    const identityErr = lengthCheck(body.identity);
    if (identityErr) tree.identity = identityErr;
    const passwordErr = lengthCheck(body.password);
    if (passwordErr) tree.password = passwordErr;
    const identityField = typeof body.identityField === "string" ? body.identityField : "";
    if (identityField && !collection.auth.passwordAuth.identityFields.includes(identityField)) {
      tree.identityField = v.inInvalid();
    }
    if (Object.keys(tree).length > 0)
      throw badRequest("An error occurred while validating the submitted data.", new ValidationErrors(tree));

    const identity = body.identity as string;
    const password = body.password as string;
    const fields = identityField ? [identityField] : collection.auth.passwordAuth.identityFields;
    let record: Record | null = null;
    for (const name of fields) {
      if (name === "email") {
        if (!EMAIL_LIKE.test(identity)) continue;
        record = await findAuthRecordByEmail(app, collection, identity);
      } else {
        record = await findFirstRecordByData(app, collection, name, identity);
      }
      if (record) break;
    }

    const event = new RecordAuthWithPasswordRequestEvent(...(await requestEventArgs(c, "password")));
    event.collection = collection;
    event.record = record;
    event.identity = identity;
    event.identityField = identityField;
    event.password = password;
    await app.hooks.onRecordAuthWithPasswordRequest.trigger(event, async (e) => {
      if (!e.record) {
        await dummyPasswordCheck(e.password);
        throw new ApiError(400, "Failed to authenticate.");
      }
      if (!(await e.record.validatePassword(e.password))) throw new ApiError(400, "Failed to authenticate.");
      e.response = await recordAuthResponse(c, collection, e.record, newAuthToken(e.record), "password");
    });
    return event.response ?? c.body(null, 204);
  });
}
