/**
 * `POST /api/collections/{collection}/auth-with-password` (§1.2): identity + password.
 *
 * The identity is looked up in the collection's `identityFields` (email first when it looks
 * like one). An unknown identity still costs one bcrypt comparison, so response time does not
 * tell whether an account exists, and every failure is the same 400 `Failed to authenticate.`
 */
import type { Router } from "./http/router.ts";
import { RecordAuthWithPasswordRequestEvent } from "../core/hook-events.ts";
import { isEmailFormat } from "../core/fields/formats.ts";
import { findRecordByIdentityField } from "../core/records/record-auth-identity.ts";
import { newAuthToken } from "../core/records/record-tokens.ts";
import type { Record } from "../core/records/record.ts";
import { dummyPasswordCheck } from "../auth/password.ts";
import { errors as v } from "../tools/validation.ts";
import { ApiError, forbidden } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { checkLength, readForm, throwIfInvalid } from "./record-auth-form.ts";
import { AUTH_METHOD, recordAuthResponse } from "./record-auth-response.ts";
import { requestEventArgs } from "./request-event.ts";

/** Registers the password auth route. */
export function bindAuthWithPasswordApi(router: Router<ApiEnv>): void {
  router.post("/api/collections/:collection/auth-with-password", async (c) => {
    const app = c.get("app");
    const collection = findAuthCollection(c);
    const options = collection.auth.passwordAuth;
    if (!options.enabled) {
      throw forbidden("The collection is not configured to allow password authentication.");
    }
    const get = await readForm(c);
    const identity = get("identity");
    const password = get("password");
    const identityField = get("identityField");
    throwIfInvalid({
      identity: checkLength(identity, 1, 255),
      password: checkLength(password, 1, 255),
      identityField:
        identityField === ""
          ? null
          : (checkLength(identityField, 1, 255) ??
            (options.identityFields.includes(identityField) ? null : v.inInvalid())),
    });

    let record: Record | null = null;
    if (identityField) {
      record = await findRecordByIdentityField(app, collection, identityField, identity);
    } else {
      const isEmail = isEmailFormat(identity);
      if (isEmail && options.identityFields.includes("email")) {
        record = await findRecordByIdentityField(app, collection, "email", identity);
      }
      if (!record) {
        for (const name of options.identityFields) {
          if (name === "email") continue;
          record = await findRecordByIdentityField(app, collection, name, identity);
          if (record) break;
        }
      }
    }

    const event = new RecordAuthWithPasswordRequestEvent(await requestEventArgs(c, "password"), {
      collection,
      record,
      identity,
      identityField,
      password,
    });
    await app.hooks.onRecordAuthWithPasswordRequest.trigger(event, async (e) => {
      // Same work and same answer whether the account is missing or the password is wrong.
      // The request's signal drops a check still queued when the client has gone.
      const signal = c.req.raw.signal;
      if (!e.record) {
        await dummyPasswordCheck(e.password, signal);
        throw new ApiError(400, "Failed to authenticate.");
      }
      if (!(await e.record.validatePassword(e.password, signal))) {
        throw new ApiError(400, "Failed to authenticate.");
      }
      e.response = await recordAuthResponse(
        c,
        collection,
        e.record,
        newAuthToken(e.record),
        AUTH_METHOD.password,
      );
    });
    return event.response ?? c.body(null, 200);
  });
}
