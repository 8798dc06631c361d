/**
 * The record emails of the auth flows (§12.10): verification, password reset, email change,
 * OTP and new-location alert. Each one is rendered from its collection's template, passes its
 * own tagged hook (`onMailerRecord…Send`) and then `onMailerSend`.
 */
import type { App } from "../app.ts";
import type { EmailTemplate } from "../collections/collection-model.ts";
import { MailerRecordEvent } from "../hook-events.ts";
import type { HookName } from "../hooks.ts";
import type { Record } from "../records/record.ts";
import { newRecordToken } from "../records/record-tokens.ts";
import { appMailer, sendMail, senderAddress } from "./mail-send.ts";
import { PLACEHOLDER, renderEmailTemplate } from "./mail-template.ts";

type RecordMailHook =
  | "onMailerRecordPasswordResetSend"
  | "onMailerRecordVerificationSend"
  | "onMailerRecordEmailChangeSend"
  | "onMailerRecordOTPSend"
  | "onMailerRecordAuthAlertSend";

function authOptions(record: Record) {
  const auth = record.collection.auth;
  if (!auth) throw new Error(`${record.collection.name} is not an auth collection.`);
  return auth;
}

async function sendRecordMail(
  app: App,
  hook: RecordMailHook & HookName,
  record: Record,
  to: string,
  template: EmailTemplate,
  placeholders: { [placeholder: string]: string },
  meta: { [key: string]: unknown },
  after?: (e: MailerRecordEvent) => Promise<void>,
): Promise<void> {
  const settings = app.settings();
  const rendered = renderEmailTemplate(template, record, {
    [PLACEHOLDER.appName]: settings.meta.appName,
    [PLACEHOLDER.appURL]: settings.meta.appURL,
    ...placeholders,
  });
  const mailer = appMailer(app);
  const message = {
    from: senderAddress(app),
    to: [{ address: to }],
    subject: rendered.subject,
    html: rendered.html,
  };
  const event = new MailerRecordEvent(app, mailer, message, record, meta);
  await app.hooks[hook].trigger(event, async (e) => {
    await sendMail(e.app, e.message, e.mailer);
    await after?.(e);
  });
}

/** Sends the email-verification link (a `verification` token) to the record's email. */
export async function sendRecordVerification(app: App, record: Record): Promise<void> {
  const token = newRecordToken(record, "verification", { email: record.email });
  await sendRecordMail(
    app,
    "onMailerRecordVerificationSend",
    record,
    record.email,
    authOptions(record).verificationTemplate,
    { [PLACEHOLDER.token]: token },
    { token },
  );
}

/** Sends the password-reset link (a `passwordReset` token) to the record's email. */
export async function sendRecordPasswordReset(app: App, record: Record): Promise<void> {
  const token = newRecordToken(record, "passwordReset", { email: record.email });
  await sendRecordMail(
    app,
    "onMailerRecordPasswordResetSend",
    record,
    record.email,
    authOptions(record).resetPasswordTemplate,
    { [PLACEHOLDER.token]: token },
    { token },
  );
}

/** Sends the email-change confirmation link (an `emailChange` token) to the new address. */
export async function sendRecordChangeEmail(app: App, record: Record, newEmail: string): Promise<void> {
  const token = newRecordToken(record, "emailChange", { email: record.email, newEmail });
  await sendRecordMail(
    app,
    "onMailerRecordEmailChangeSend",
    record,
    newEmail,
    authOptions(record).confirmEmailChangeTemplate,
    { [PLACEHOLDER.token]: token },
    { token, newEmail },
  );
}

/**
 * Sends a one-time password. `onSent` receives the address the message finally went to (a
 * hook may have changed it), so the OTP can remember where it was sent (`sentTo`).
 */
export async function sendRecordOTP(
  app: App,
  record: Record,
  otpId: string,
  password: string,
  onSent?: (app: App, sentTo: string) => Promise<void>,
): Promise<void> {
  await sendRecordMail(
    app,
    "onMailerRecordOTPSend",
    record,
    record.email,
    authOptions(record).otp.emailTemplate,
    { [PLACEHOLDER.otp]: password, [PLACEHOLDER.otpId]: otpId },
    { otpId, password },
    async (e) => {
      const sentTo = e.message.to[0]?.address ?? "";
      if (sentTo && onSent) await onSent(e.app, sentTo);
    },
  );
}

/** Sends the new-location login alert; `alertInfo` is "<date> - <ip> <user agent>". */
export async function sendRecordAuthAlert(app: App, record: Record, alertInfo: string): Promise<void> {
  await sendRecordMail(
    app,
    "onMailerRecordAuthAlertSend",
    record,
    record.email,
    authOptions(record).authAlert.emailTemplate,
    { [PLACEHOLDER.alertInfo]: alertInfo },
    { info: alertInfo },
  );
}
