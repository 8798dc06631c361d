/**
 * A real SMTP server in the test process (smtp-server + mailparser, TEST-INFRA §3): the app
 * under test delivers to it over loopback with its ordinary SMTP client, and tests read the
 * parsed messages (subject, addresses, HTML, text, the authenticated user).
 */
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import type { App } from "../../src/core/app.ts";

/** One received message. */
export interface ReceivedMail {
  from: string;
  /** Envelope recipients. */
  to: string[];
  subject: string;
  html: string;
  text: string;
  /** The SMTP AUTH user ("" when unauthenticated). */
  user: string;
}

/** A running sink. */
export interface SmtpSink {
  host: string;
  port: number;
  inbox: ReceivedMail[];
  /** Resolves with the first message (new or already received) matching `match`. */
  waitFor(match: (mail: ReceivedMail) => boolean, timeoutMs?: number): Promise<ReceivedMail>;
  /** Points an app's SMTP settings at this sink. */
  configure(app: App): Promise<void>;
  close(): Promise<void>;
}

/** Credentials the sink accepts. */
export const SMTP_USER = { username: "mailer", password: "mailer-secret" } as const;

/** Starts a sink on 127.0.0.1 with a random port; closed after the test (or suite). */
export async function startSmtpSink(t: { after(fn: () => unknown): void }): Promise<SmtpSink> {
  const inbox: ReceivedMail[] = [];
  const waiters: { match: (m: ReceivedMail) => boolean; resolve: (m: ReceivedMail) => void }[] = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    authMethods: ["PLAIN", "LOGIN"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === SMTP_USER.username && auth.password === SMTP_USER.password) {
        cb(null, { user: auth.username });
      } else {
        cb(Object.assign(new Error("Invalid username or password"), { responseCode: 535 }));
      }
    },
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((parsed) => {
          const from = parsed.from?.value[0]?.address ?? "";
          const mail: ReceivedMail = {
            from,
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: parsed.subject ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
            text: parsed.text ?? "",
            user: typeof session.user === "string" ? session.user : "",
          };
          inbox.push(mail);
          for (const w of [...waiters]) {
            if (w.match(mail)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(mail);
            }
          }
          cb();
        })
        .catch((err: unknown) => cb(err instanceof Error ? err : new Error(String(err))));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  const sink: SmtpSink = {
    host: "127.0.0.1",
    port,
    inbox,
    waitFor(match, timeoutMs = 5000) {
      const found = inbox.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error("no matching email arrived in time")), timeoutMs);
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    async configure(app) {
      const settings = structuredClone(app.settings());
      settings.smtp = {
        ...settings.smtp,
        enabled: true,
        host: "127.0.0.1",
        port,
        username: SMTP_USER.username,
        password: SMTP_USER.password,
        authMethod: "PLAIN",
        tls: false,
      };
      settings.meta.appName = "Satchel Test";
      settings.meta.appURL = "http://app.example.test";
      settings.meta.senderName = "Satchel Support";
      settings.meta.senderAddress = "support@example.test";
      await app.saveSettings(settings);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  t.after(() => sink.close());
  return sink;
}

/** The token at the end of a `/_/#/auth/<action>/<token>` link of an email. */
export function tokenFromLink(mail: ReceivedMail, action: string): string {
  const m = new RegExp(`/_/#/auth/${action}/([A-Za-z0-9._-]+)`).exec(mail.html);
  if (!m?.[1]) throw new Error(`no ${action} link in the email: ${mail.html}`);
  return m[1];
}
