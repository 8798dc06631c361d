/**
 * Email verification (§1.2): `request-verification` mails a `verification` token (204 whether
 * or not the account exists, 2-minute resend lock), `confirm-verification` marks the record
 * verified when the token's email is still the record's email. Confirming again is a no-op.
 */
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import {
  RecordConfirmVerificationRequestEvent,
  RecordRequestVerificationRequestEvent,
} from "../core/hook-events.ts";
import { SUPERUSERS } from "../core/collections/collection-model.ts";
import { sendRecordVerification } from "../core/mails/record-mails.ts";
import { hasLock, removeLock, setLock, verificationResendKey } from "../core/records/record-auth-limits.ts";
import { findAuthRecordByEmail } from "../core/records/record-query.ts";
import { parseUnverifiedJwt } from "../tools/jwt.ts";
import { ALPHANUMERIC, randomString } from "../tools/random.ts";
import { ValidationError, errors as v } from "../tools/validation.ts";
import { badRequest } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { checkEmail, readForm, saveOrBadRequest, throwIfInvalid } from "./record-auth-form.ts";
import { checkRecordToken } from "./record-auth-password-reset.ts";
import { requestEventArgs } from "./request-event.ts";

const noContent = (c: Context<ApiEnv>) => c.body(null, 204);

/** Registers the verification routes. */
export function bindVerificationApi(router: Router<ApiEnv>): void {
  router.post("/api/collections/:collection/request-verification", async (c) => {
    const app = c.get("app");
    const collection = findAuthCollection(c);
    if (collection.name === SUPERUSERS) throw badRequest("All superusers are verified by default.");
    const get = await readForm(c);
    const email = get("email");
    throwIfInvalid({ email: checkEmail(email) });

    // From here on the answer is 204 whatever happens: it must not reveal accounts.
    const record = await findAuthRecordByEmail(app, collection, email);
    if (!record) return noContent(c);
    const lockKey = verificationResendKey(collection.id, record.id);
    if (!record.verified && hasLock(app, lockKey)) return noContent(c);

    const event = new RecordRequestVerificationRequestEvent(await requestEventArgs(c), {
      collection,
      record,
    });
    await app.hooks.onRecordRequestVerificationRequest.trigger(event, (e) => {
      e.response = noContent(c);
      if (e.record.verified) return;
      setLock(app, lockKey);
      const target = e.record;
      void sendRecordVerification(app, target).catch((err: unknown) => {
        console.error(
          `[auth] failed to send the verification email of ${target.collection.name}/${target.id}:`,
          err,
        );
      });
    });
    return event.response ?? noContent(c);
  });

  router.post("/api/collections/:collection/confirm-verification", async (c) => {
    const app = c.get("app");
    const collection = findAuthCollection(c);
    if (collection.name === SUPERUSERS) throw badRequest("All superusers are verified by default.");
    const get = await readForm(c);
    const token = get("token");
    let tokenError: ValidationError | null = null;
    let found: Awaited<ReturnType<typeof checkRecordToken>> | null = null;
    if (!token) tokenError = v.required();
    else {
      const email = parseUnverifiedJwt(token)?.email;
      if (typeof email !== "string" || email === "") {
        tokenError = new ValidationError("validation_invalid_token_claims", "Missing email token claim.");
      } else {
        found = await checkRecordToken(c, token, "verification", collection);
        if (found instanceof ValidationError) tokenError = found;
        else if (found.record.email !== email) {
          tokenError = new ValidationError(
            "validation_token_email_mismatch",
            "The record email doesn't match with the requested token claims.",
          );
        }
      }
    }
    throwIfInvalid({ token: tokenError });
    if (!found || found instanceof ValidationError)
      throw badRequest("Invalid or expired verification token.");

    const wasVerified = found.record.verified;
    const event = new RecordConfirmVerificationRequestEvent(await requestEventArgs(c), {
      collection,
      record: found.record,
    });
    await app.hooks.onRecordConfirmVerificationRequest.trigger(event, async (e) => {
      if (!wasVerified) {
        e.record.set("verified", true);
        // Without password auth nobody should hold a password set before the address was
        // proven (pre-hijacking): replace it with a random one.
        if (!e.record.collection.auth?.passwordAuth.enabled)
          await e.record.setPassword(randomString(30, ALPHANUMERIC));
        await saveOrBadRequest(e.app, e.record, "An error occurred while saving the verified state.");
      }
      removeLock(app, verificationResendKey(collection.id, e.record.id));
      e.response = noContent(c);
    });
    return event.response ?? noContent(c);
  });
}
