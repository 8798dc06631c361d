/**
 * Sending through the hook chain: every message passes `onMailerSend`, whose default action
 * fills in the text part and hands the message to the mailer of the current settings.
 */
import type { App } from "../app.ts";
import { MailerEvent } from "../hook-events.ts";
import { htmlToText } from "./mail-text.ts";
import { LogMailer, newMailClient, type MailAddress, type MailMessage, type Mailer } from "./mailer.ts";

/** The configured sender (`meta.senderName <meta.senderAddress>`). */
export function senderAddress(app: App): MailAddress {
  const meta = app.settings().meta;
  return { name: meta.senderName, address: meta.senderAddress };
}

/** A mailer for the app's current SMTP settings. */
export function appMailer(app: App): Mailer {
  return newMailClient(app.settings().smtp);
}

/** Whether the current settings can deliver mail at all (else messages are logged and dropped). */
export function mailIsDropped(app: App): boolean {
  return appMailer(app) instanceof LogMailer;
}

/** Sends a message through `onMailerSend` with the given mailer. */
export async function sendMail(
  app: App,
  message: MailMessage,
  mailer: Mailer = appMailer(app),
): Promise<void> {
  await app.hooks.onMailerSend.trigger(new MailerEvent(app, mailer, message), async (e) => {
    if (!e.message.text) e.message.text = htmlToText(e.message.html);
    await e.mailer.send(e.message);
  });
}
