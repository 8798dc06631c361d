/**
 * Email change (§1.2): the signed-in record asks for a new address (`request-email-change`,
 * mailed synchronously to the new address, as PocketBase does), then whoever holds the mailed
 * `emailChange` token and the current password confirms it. The change rotates the tokenKey,
 * so the token is single-use and older sessions end.
 */
import type { Router } from "./http/router.ts";
import {
  RecordConfirmEmailChangeRequestEvent,
  RecordRequestEmailChangeRequestEvent,
} from "../core/hook-events.ts";
import { SUPERUSERS, type Collection } from "../core/collections/collection-model.ts";
import { sendRecordChangeEmail } from "../core/mails/record-mails.ts";
import { findAuthRecordByEmail } from "../core/records/record-query.ts";
import type { Record } from "../core/records/record.ts";
import type { App } from "../core/app.ts";
import { parseUnverifiedJwt } from "../tools/jwt.ts";
import { ValidationError, errors as v } from "../tools/validation.ts";
import { ApiError, badRequest } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { checkEmail, checkLength, readForm, saveOrBadRequest, throwIfInvalid } from "./record-auth-form.ts";
import { findAuthRecordByToken } from "../core/records/record-tokens.ts";
import { requireSameCollectionAuth } from "./record-auth-refresh.ts";
import { requestEventArgs } from "./request-event.ts";

const superusersDirect = () => badRequest("All superusers can change their emails directly.");

/** Parses an email-change token for `collection`: the record and new email, or the error leaf. */
async function parseEmailChangeToken(
  app: App,
  collection: Collection,
  token: string,
): Promise<{ record: Record; newEmail: string } | ValidationError> {
  const newEmail = parseUnverifiedJwt(token)?.newEmail;
  if (typeof newEmail !== "string" || newEmail === "") {
    return new ValidationError(
      "validation_invalid_token_payload",
      "Invalid token payload - newEmail must be set.",
    );
  }
  const found = await findAuthRecordByToken(app, token, "emailChange");
  if (!found) return new ValidationError("validation_invalid_token", "Invalid or expired token.");
  if (found.record.collection.id !== collection.id) {
    return new ValidationError(
      "validation_token_collection_mismatch",
      "The provided token is for different auth collection.",
    );
  }
  if (await findAuthRecordByEmail(app, collection, newEmail)) {
    return new ValidationError("validation_invalid_token_email", "The new email address is invalid.");
  }
  return { record: found.record, newEmail };
}

/** Registers the email change routes. */
export function bindEmailChangeApi(router: Router<ApiEnv>): void {
  router.post("/api/collections/:collection/request-email-change", async (c) => {
    const app = c.get("app");
    const record = requireSameCollectionAuth(c);
    const collection = findAuthCollection(c);
    if (collection.name === SUPERUSERS) throw superusersDirect();
    const get = await readForm(c);
    const newEmail = get("newEmail");
    let emailError = checkEmail(newEmail);
    if (!emailError && newEmail === record.email) emailError = v.notInInvalid();
    if (!emailError) {
      const other = await findAuthRecordByEmail(app, collection, newEmail);
      if (other && other.id !== record.id) {
        emailError = new ValidationError("validation_invalid_new_email", "Invalid new email address.");
      }
    }
    throwIfInvalid({ newEmail: emailError });

    const event = new RecordRequestEmailChangeRequestEvent(await requestEventArgs(c), {
      collection,
      record,
      newEmail,
    });
    await app.hooks.onRecordRequestEmailChangeRequest.trigger(event, async (e) => {
      try {
        await sendRecordChangeEmail(e.app, e.record, e.newEmail);
      } catch (err) {
        throw err instanceof ApiError ? err : new ApiError(400, "Failed to request email change.", {}, err);
      }
      e.response = c.body(null, 204);
    });
    return event.response ?? c.body(null, 200);
  });

  router.post("/api/collections/:collection/confirm-email-change", async (c) => {
    const app = c.get("app");
    const collection = findAuthCollection(c);
    if (collection.name === SUPERUSERS) throw superusersDirect();
    const get = await readForm(c);
    const token = get("token");
    const password = get("password");
    const parsed = token ? await parseEmailChangeToken(app, collection, token) : null;
    let passwordError = checkLength(password, 1, 100);
    if (!passwordError) {
      const valid =
        parsed && !(parsed instanceof ValidationError) && (await parsed.record.validatePassword(password));
      if (!valid) {
        passwordError = new ValidationError(
          "validation_invalid_password",
          "Missing or invalid auth record password.",
        );
      }
    }
    throwIfInvalid({
      token: token ? (parsed instanceof ValidationError ? parsed : null) : v.required(),
      password: passwordError,
    });
    if (!parsed || parsed instanceof ValidationError) throw badRequest("Invalid or expired token.");

    const event = new RecordConfirmEmailChangeRequestEvent(await requestEventArgs(c), {
      collection,
      record: parsed.record,
      newEmail: parsed.newEmail,
    });
    await app.hooks.onRecordConfirmEmailChangeRequest.trigger(event, async (e) => {
      e.record.set("email", e.newEmail);
      e.record.set("verified", true);
      // A new address ends every session and the email-change token itself.
      e.record.refreshTokenKey();
      await saveOrBadRequest(e.app, e.record, "Failed to confirm email change.");
      e.response = c.body(null, 204);
    });
    return event.response ?? c.body(null, 200);
  });
}
