/**
 * Login origins and new-location alerts (§4.7). An origin is the md5 of the client IP and user
 * agent; a record keeps its five most recent ones in `_authOrigins`. A login from an unknown
 * origin by a record that already has origins (i.e. not its first login) mails an alert, when
 * the collection's `authAlert` is enabled and the record has an email.
 */
import { createHash } from "node:crypto";
import { formatDate } from "../../tools/dates.ts";
import type { App } from "../app.ts";
import { sendRecordAuthAlert } from "../mails/record-mails.ts";
import type { Record } from "./record.ts";
import { deleteRecord, saveRecord } from "./record-save.ts";
import { AUTH_ORIGINS, findSystemRecordsOf, newSystemRecord } from "./record-auth-system.ts";

/** Origins kept per record. */
export const MAX_AUTH_ORIGINS = 5;

/** How long a login waits for the alert mail before going on without it. */
export const AUTH_ALERT_WAIT_MS = 15_000;

/** Longest user-agent prefix that goes into a fingerprint. */
const MAX_USER_AGENT = 300;

/** The fingerprint of a client: md5(ip + user agent). */
export function authOriginFingerprint(ip: string, userAgent: string): string {
  return createHash("md5")
    .update(ip + userAgent.slice(0, MAX_USER_AGENT))
    .digest("hex");
}

/** A record's origins, most recently used first. */
export function findAuthOrigins(app: App, owner: Record): Promise<Record[]> {
  return findSystemRecordsOf(app, AUTH_ORIGINS, owner, "updated");
}

async function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error("auth alert mail send wait timeout reached")), ms);
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Records a successful login from `ip`/`userAgent` and, when it comes from a new origin of a
 * record that logged in before, sends the alert (waiting at most 15 s). A failed alert is
 * thrown after the origin is stored, so the caller can log it without losing the origin.
 */
export async function trackAuthOrigin(
  app: App,
  owner: Record,
  ip: string,
  userAgent: string,
  options: { alert: boolean },
): Promise<void> {
  const fingerprint = authOriginFingerprint(ip, userAgent);
  const origins = await findAuthOrigins(app, owner);
  const isFirstLogin = origins.length === 0;
  let current = origins.find((o) => o.getString("fingerprint") === fingerprint) ?? null;
  const isNew = current === null;
  current ??= newSystemRecord(app, AUTH_ORIGINS, owner);
  current.set("fingerprint", fingerprint);

  let alertError: unknown = null;
  if (options.alert && !isFirstLogin && isNew && owner.email !== "") {
    const info = `${formatDate(Date.now())} - ${ip} ${userAgent}`;
    const sending = sendRecordAuthAlert(app, owner, info);
    // The send goes on in the background if it outlives the wait; its failure is logged.
    sending.catch(() => undefined);
    try {
      await withTimeout(sending, AUTH_ALERT_WAIT_MS);
    } catch (err) {
      alertError = err;
    }
  }

  if (isNew && origins.length >= MAX_AUTH_ORIGINS) {
    for (const old of origins.slice(MAX_AUTH_ORIGINS - 1)) {
      try {
        await deleteRecord(app, old);
      } catch (err) {
        console.warn("[auth] failed to delete an old auth origin:", err);
      }
    }
  }
  // Saving an existing origin bumps its `updated` date: it becomes the most recent one.
  await saveRecord(app, current);
  if (alertError !== null) {
    throw alertError instanceof Error ? alertError : new Error("auth alert failed", { cause: alertError });
  }
}
