/**
 * `POST /api/settings/test/email` (superusers): sends one of the auth templates of a
 * collection (default `_superusers`) to an address, with a stand-in record, through the real
 * mailer. Unlike the auth flows this waits for delivery and reports its failure.
 */
import type { Router } from "./http/router.ts";
import { SUPERUSERS } from "../core/collections/collection-model.ts";
import {
  sendRecordAuthAlert,
  sendRecordChangeEmail,
  sendRecordOTP,
  sendRecordPasswordReset,
  sendRecordVerification,
} from "../core/mails/record-mails.ts";
import { mailIsDropped } from "../core/mails/mail-send.ts";
import { Record } from "../core/records/record.ts";
import { formatDate } from "../tools/dates.ts";
import { ValidationError, errors as v } from "../tools/validation.ts";
import { ApiError, badRequest } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { requireSuperuser } from "./guards.ts";
import { checkEmail, checkLength, readForm } from "./record-auth-form.ts";

/** The templates that can be tested. */
export const TEST_TEMPLATES = [
  "verification",
  "password-reset",
  "email-change",
  "otp",
  "login-alert",
] as const;

/** Registers the test email route. */
export function bindSettingsTestEmailApi(router: Router<ApiEnv>): void {
  router.post("/api/settings/test/email", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const get = await readForm(c);
    const email = get("email");
    const template = get("template");
    const collectionName = get("collection");
    const tree: { [key: string]: ValidationError } = {};
    if (collectionName) {
      const err = checkLength(collectionName, 1, 255);
      const found = app.findCollectionByNameOrId(collectionName);
      if (err) tree.collection = err;
      else if (!found || found.type !== "auth") {
        tree.collection = new ValidationError(
          "validation_invalid_auth_collection",
          "Must be a valid auth collection id or name.",
        );
      }
    }
    const emailError = checkEmail(email);
    if (emailError) tree.email = emailError;
    if (!template) tree.template = v.required();
    else if (!(TEST_TEMPLATES as readonly string[]).includes(template)) tree.template = v.inInvalid();
    if (Object.keys(tree).length > 0) throw badRequest("Failed to send the test email.", tree);

    const collection = app.findCollectionByNameOrId(collectionName || SUPERUSERS);
    if (!collection?.auth) throw badRequest("Failed to send the test email.");
    const record = new Record(collection);
    for (const field of collection.fields) {
      if (!field.hidden) record.set(field.name, `__pb_test_${field.name}__`);
    }
    record.refreshTokenKey();
    record.set("email", email);
    // A message the fallback mailer would only log is not sent: PocketBase fails here too
    // (no SMTP and no sendmail binary), and the superuser must see it.
    if (mailIsDropped(app)) {
      throw badRequest(
        "Failed to send the test email. Raw error: \nSMTP is disabled and no sendmail binary was found.",
      );
    }
    try {
      switch (template) {
        case "verification":
          await sendRecordVerification(app, record);
          break;
        case "password-reset":
          await sendRecordPasswordReset(app, record);
          break;
        case "email-change":
          await sendRecordChangeEmail(app, record, email);
          break;
        case "otp":
          await sendRecordOTP(app, record, "_PB_TEST_OTP_ID_", "123456");
          break;
        default:
          await sendRecordAuthAlert(app, record, `${formatDate(Date.now())} - 127.0.0.1 TEST_USER_AGENT`);
      }
    } catch (err) {
      // Only superusers get here; the mailer's reason is what they need to fix their settings.
      const reason = err instanceof Error ? err.message : String(err);
      throw new ApiError(400, `Failed to send the test email. Raw error: \n${reason}`, {}, err);
    }
    return c.body(null, 204);
  });
}
