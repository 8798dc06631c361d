/**
 * The mailer: one `Mailer` interface with two drivers chosen from the settings (§8, §12.10).
 * SMTP goes through nodemailer (implicit TLS when `smtp.tls`, otherwise STARTTLS whenever the
 * server offers it; AUTH PLAIN or LOGIN). With SMTP disabled PocketBase hands mail to the local
 * `sendmail` binary; we do the same when one is installed, and otherwise log the message and
 * drop it, so a development machine without a mail setup never fails a request.
 */
import { existsSync } from "node:fs";
import type { SendMailOptions } from "nodemailer";
import type SMTPTransport from "nodemailer/lib/smtp-transport";
import type { SmtpConfig } from "../settings/settings-model.ts";
import type * as NodemailerModule from "nodemailer";

/** An address with an optional display name. */
export interface MailAddress {
  name?: string;
  address: string;
}

/** A file attached to a message (`contentId` set for inline attachments). */
export interface MailAttachment {
  filename: string;
  content: string | Uint8Array;
  contentType?: string;
  contentId?: string;
}

/** An email message (PocketBase's mailer.Message). */
export interface MailMessage {
  from: MailAddress;
  to: MailAddress[];
  cc?: MailAddress[];
  bcc?: MailAddress[];
  subject: string;
  html: string;
  /** Plain-text part; generated from `html` when empty. */
  text?: string;
  headers?: { [name: string]: string };
  attachments?: MailAttachment[];
}

/** Something that delivers messages. */
export interface Mailer {
  /** Delivers one message; rejects when delivery fails. */
  send(message: MailMessage): Promise<void>;
}

// nodemailer is loaded with the first message: most processes never send one, and it costs
// megabytes of memory at startup.
let nodemailerModule: Promise<typeof NodemailerModule> | undefined;
const loadNodemailer = (): Promise<typeof NodemailerModule> => (nodemailerModule ??= import("nodemailer"));

/** Where sendmail usually lives. */
const SENDMAIL_PATHS = ["/usr/sbin/sendmail", "/usr/bin/sendmail", "/usr/lib/sendmail"];

/** How long an SMTP conversation may take before it is abandoned. */
const SMTP_TIMEOUT_MS = 30_000;

function toNodemailer(message: MailMessage): SendMailOptions {
  const addr = (a: MailAddress) => (a.name ? { name: a.name, address: a.address } : a.address);
  const options: SendMailOptions = {
    from: addr(message.from),
    to: message.to.map(addr),
    subject: message.subject,
    html: message.html,
  };
  if (message.text) options.text = message.text;
  if (message.cc?.length) options.cc = message.cc.map(addr);
  if (message.bcc?.length) options.bcc = message.bcc.map(addr);
  if (message.headers) options.headers = message.headers;
  if (message.attachments?.length) {
    options.attachments = message.attachments.map((a) => ({
      filename: a.filename,
      content: typeof a.content === "string" ? a.content : Buffer.from(a.content),
      ...(a.contentType ? { contentType: a.contentType } : {}),
      ...(a.contentId ? { cid: a.contentId } : {}),
    }));
  }
  return options;
}

/** Delivers through an SMTP server. */
export class SmtpMailer implements Mailer {
  readonly #options: SMTPTransport.Options;

  constructor(config: SmtpConfig) {
    const options: SMTPTransport.Options = {
      host: config.host,
      port: config.port,
      secure: config.tls,
      connectionTimeout: SMTP_TIMEOUT_MS,
      greetingTimeout: SMTP_TIMEOUT_MS,
      socketTimeout: SMTP_TIMEOUT_MS,
    };
    if (config.localName) options.name = config.localName;
    if (config.username || config.password) {
      options.auth = { user: config.username, pass: config.password };
      options.authMethod = config.authMethod === "LOGIN" ? "LOGIN" : "PLAIN";
    }
    this.#options = options;
  }

  async send(message: MailMessage): Promise<void> {
    const transport = (await loadNodemailer()).createTransport(this.#options);
    try {
      await transport.sendMail(toNodemailer(message));
    } finally {
      transport.close();
    }
  }
}

/** Hands messages to the local `sendmail` binary. */
export class SendmailMailer implements Mailer {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
  }

  async send(message: MailMessage): Promise<void> {
    const transport = (await loadNodemailer()).createTransport({
      sendmail: true,
      newline: "unix",
      path: this.#path,
    });
    await transport.sendMail(toNodemailer(message));
  }
}

/**
 * The fallback when SMTP is disabled and no sendmail binary exists: the message is logged
 * (recipients and subject only, never the body, which holds tokens) and dropped.
 */
export class LogMailer implements Mailer {
  send(message: MailMessage): Promise<void> {
    console.warn(
      `[mail] SMTP is disabled and no sendmail binary was found: dropped "${message.subject}" to ${message.to
        .map((a) => a.address)
        .join(", ")}. Enable SMTP in the settings to deliver emails.`,
    );
    return Promise.resolve();
  }
}

/** The mailer the SMTP settings ask for. */
export function newMailClient(smtp: SmtpConfig): Mailer {
  if (smtp.enabled) return new SmtpMailer(smtp);
  const sendmail = SENDMAIL_PATHS.find((p) => existsSync(p));
  return sendmail ? new SendmailMailer(sendmail) : new LogMailer();
}
