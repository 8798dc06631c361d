/**
 * The `submit()` of the script form classes (globals/forms.ts, op `form.submit`), done by the
 * main thread with the API's own rules: `RecordUpsertForm` loads its data as a create/update
 * body does (known fields and modifiers; hidden fields only with superuser access; the auth
 * keys `password`/`passwordConfirm`/`oldPassword` and the manager-only `email`/`verified`
 * checked by their access level), then saves through the full hook chain; `TestEmailSendForm`
 * sends one auth template with a stand-in record; `TestS3FilesystemForm` checks the S3 settings.
 */
import type { App } from "../core/app.ts";
import { SUPERUSERS } from "../core/collections/collection-model.ts";
import * as recordMails from "../core/mails/record-mails.ts";
import { applyAuthBody } from "../core/records/record-auth-rules.ts";
import { hashPasswordFields, loadRecordBody } from "../core/records/record-body.ts";
import { Record as CoreRecord } from "../core/records/record.ts";
import { formatDate } from "../tools/dates.ts";
import { ValidationError, ValidationErrors } from "../tools/validation.ts";
import { testS3Filesystem } from "../api/settings-test-s3.ts";
import { recordFromWire } from "./main-codec.ts";
import { str } from "./text.ts";
import type { RecordWire } from "./wire.ts";

type Obj = { [key: string]: unknown };

/** `RecordUpsertForm.submit()`: the saved record. */
async function recordUpsert(app: App, state: Obj): Promise<CoreRecord> {
  const record = await recordFromWire(app, state.record as RecordWire);
  const data = { ...((state.data as Obj | undefined) ?? {}) };
  const isSuperuser = state.access === "superuser";
  const isManager = isSuperuser || state.access === "manager";
  // `expand` is never data; the auth keys are the auth rules' to apply
  delete data.expand;
  loadRecordBody(record, data, { isSuperuser, skipTypes: [] });
  await hashPasswordFields(record, data, { isSuperuser });
  await applyAuthBody(record, data, { isManager, isSuperuser });
  await app.save(record);
  return record;
}

const TEMPLATES = ["verification", "password-reset", "email-change", "otp", "login-alert"];

/** `TestEmailSendForm.submit()`: one auth template to `email`, with a stand-in record. */
async function testEmailSend(app: App, state: Obj): Promise<void> {
  const template = str(state.template);
  const collection = app.findCollectionByNameOrId(str(state.collection) || SUPERUSERS);
  const tree: { [key: string]: ValidationError } = {};
  if (!collection || collection.type !== "auth") {
    tree.collection = new ValidationError(
      "validation_invalid_auth_collection",
      "Must be a valid auth collection id or name.",
    );
  }
  if (!TEMPLATES.includes(template))
    tree.template = new ValidationError("validation_in_invalid", "Must be a valid value.");
  if (Object.keys(tree).length > 0 || !collection) throw new ValidationErrors(tree);
  const record = new CoreRecord(collection);
  for (const field of collection.fields) {
    if (!field.hidden) record.set(field.name, `__pb_test_${field.name}__`);
  }
  record.refreshTokenKey();
  record.set("email", str(state.email));
  switch (template) {
    case "verification":
      return recordMails.sendRecordVerification(app, record);
    case "password-reset":
      return recordMails.sendRecordPasswordReset(app, record);
    case "email-change":
      return recordMails.sendRecordChangeEmail(app, record, str(state.email));
    case "otp":
      return recordMails.sendRecordOTP(app, record, "_PB_TEST_OTP_ID_", "123456");
    default:
      return recordMails.sendRecordAuthAlert(
        app,
        record,
        `${formatDate(Date.now())} - 127.0.0.1 TEST_USER_AGENT`,
      );
  }
}

/** Runs a form's submit; returns what the script's form takes back (a record wire, or null). */
export async function submitForm(app: App, form: string, state: Obj): Promise<CoreRecord | null> {
  switch (form) {
    case "recordUpsert":
      return recordUpsert(app, state);
    case "testEmailSend":
      await testEmailSend(app, state);
      return null;
    case "testS3Filesystem": {
      const settings = app.settings();
      const config = state.filesystem === "backups" ? settings.backups.s3 : settings.s3;
      await testS3Filesystem(config);
      return null;
    }
    default:
      throw new Error(`unknown form ${form}`);
  }
}
