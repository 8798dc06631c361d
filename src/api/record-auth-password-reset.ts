/**
 * Password reset (§1.2): `request-password-reset` mails a `passwordReset` token and always
 * answers 204, whether or not the account exists (no enumeration); `confirm-password-reset`
 * sets the new password. Setting it rotates the record's tokenKey, which revokes the reset
 * token itself and every session token issued before (one-time use by construction).
 */
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import {
  RecordConfirmPasswordResetRequestEvent,
  RecordRequestPasswordResetRequestEvent,
} from "../core/hook-events.ts";
import { sendRecordPasswordReset } from "../core/mails/record-mails.ts";
import type { Collection } from "../core/collections/collection-model.ts";
import { validatePlain, type PasswordField } from "../core/fields/password.ts";
import { clearAuthSessions } from "../core/records/record-auth-system.ts";
import { hasLock, passwordResetResendKey, removeLock, setLock } from "../core/records/record-auth-limits.ts";
import { findAuthRecordByEmail } from "../core/records/record-query.ts";
import { findAuthRecordByToken } from "../core/records/record-tokens.ts";
import type { Record } from "../core/records/record.ts";
import { parseUnverifiedJwt } from "../tools/jwt.ts";
import { ValidationError, errors as v } from "../tools/validation.ts";
import { badRequest } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { checkEmail, checkLength, readForm, saveOrBadRequest, throwIfInvalid } from "./record-auth-form.ts";
import { requestEventArgs } from "./request-event.ts";

const noContent = (c: Context<ApiEnv>) => c.body(null, 204);

/** Checks a one-time token of `type` for `collection`; the error leaf, or the record. */
export async function checkRecordToken(
  c: Context<ApiEnv>,
  token: string,
  type: "passwordReset" | "verification" | "emailChange",
  collection: Collection,
): Promise<{ record: Record; claims: { [key: string]: unknown } } | ValidationError> {
  const found = await findAuthRecordByToken(c.get("app"), token, type);
  if (!found) return new ValidationError("validation_invalid_token", "Invalid or expired token.");
  if (found.record.collection.id !== collection.id) {
    return new ValidationError(
      "validation_token_collection_mismatch",
      "The provided token is for different auth collection.",
    );
  }
  return found;
}

/** Registers the password reset routes. */
export function bindPasswordResetApi(router: Router<ApiEnv>): void {
  router.post("/api/collections/:collection/request-password-reset", async (c) => {
    const app = c.get("app");
    const collection = findAuthCollection(c);
    if (!collection.auth.passwordAuth.enabled) {
      throw badRequest("The collection is not configured to allow password authentication.");
    }
    const get = await readForm(c);
    const email = get("email");
    throwIfInvalid({ email: checkEmail(email) });

    // From here on the answer is 204 whatever happens: it must not reveal accounts.
    const record = await findAuthRecordByEmail(app, collection, email);
    if (!record) return noContent(c);
    const lockKey = passwordResetResendKey(collection.id, record.id);
    if (hasLock(app, lockKey)) return noContent(c);

    const event = new RecordRequestPasswordResetRequestEvent(await requestEventArgs(c), {
      collection,
      record,
    });
    await app.hooks.onRecordRequestPasswordResetRequest.trigger(event, (e) => {
      setLock(app, lockKey);
      const target = e.record;
      void sendRecordPasswordReset(app, target).catch((err: unknown) => {
        removeLock(app, lockKey);
        console.error(
          `[auth] failed to send the password reset email of ${target.collection.name}/${target.id}:`,
          err,
        );
      });
      e.response = noContent(c);
    });
    return event.response ?? noContent(c);
  });

  router.post("/api/collections/:collection/confirm-password-reset", async (c) => {
    const app = c.get("app");
    const collection = findAuthCollection(c);
    const get = await readForm(c);
    const token = get("token");
    const password = get("password");
    const passwordConfirm = get("passwordConfirm");
    const field = collection.fields.find((f) => f.name === "password") as PasswordField | undefined;
    const min = field && field.min > 0 ? field.min : 1;
    const checked = token ? await checkRecordToken(c, token, "passwordReset", collection) : null;
    throwIfInvalid({
      token: token ? (checked instanceof ValidationError ? checked : null) : v.required(),
      password: checkLength(password, min, 255),
      passwordConfirm:
        passwordConfirm === "" ? v.required() : passwordConfirm !== password ? v.valuesMismatch() : null,
    });
    if (!checked || checked instanceof ValidationError)
      throw badRequest("Invalid or expired password reset token.");
    const { record, claims } = checked;

    const event = new RecordConfirmPasswordResetRequestEvent(await requestEventArgs(c), {
      collection,
      record,
    });
    await app.hooks.onRecordConfirmPasswordResetRequest.trigger(event, async (e) => {
      const plainError = field ? validatePlain(field, password) : null;
      if (plainError) throw badRequest("Failed to set new password.", { password: plainError });
      // setPassword rotates the tokenKey: this reset token and every older session die here.
      await e.record.setPassword(password);
      if (!e.record.verified && e.record.email === (parseUnverifiedJwt(token)?.email ?? claims.email)) {
        // The reset link reached the address on file: that proves it.
        e.record.set("verified", true);
      }
      await saveOrBadRequest(e.app, e.record, "Failed to set new password.");
      await clearAuthSessions(e.app, e.record);
      removeLock(app, passwordResetResendKey(collection.id, e.record.id));
      e.response = noContent(c);
    });
    return event.response ?? noContent(c);
  });
}
