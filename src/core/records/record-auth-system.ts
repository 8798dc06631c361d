/**
 * The system collections behind the auth flows (`_otps`, `_mfas`, `_authOrigins`, §7.3):
 * loading their rows as records, expiry by the owning collection's duration, and purging
 * expired rows. Rows are created and deleted through `saveRecord`/`deleteRecord` (so hooks see
 * them, as PocketBase's do); bulk purges are plain SQL, like PocketBase's cleanup cron.
 */
import { formatDate, parseDate } from "../../tools/dates.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import { quoteIdent } from "../db/database.ts";
import { Record } from "./record.ts";

/** System collection names. */
export const OTPS = "_otps";
export const MFAS = "_mfas";
export const AUTH_ORIGINS = "_authOrigins";

/** A system collection (throws when the data folder lacks it). */
export function systemCollection(app: App, name: string): Collection {
  const c = app.findCollectionByNameOrId(name);
  if (!c) throw new Error(`The ${name} collection is missing.`);
  return c;
}

/** A row of a system collection by id, or null. */
export async function findSystemRecord(app: App, name: string, id: string): Promise<Record | null> {
  if (!id) return null;
  const c = systemCollection(app, name);
  const row = await app.db.get(`SELECT * FROM ${quoteIdent(c.name)} WHERE \`id\` = ? LIMIT 1`, [id]);
  return row ? Record.fromRow(c, row) : null;
}

/** The rows of a system collection owned by an auth record, newest first by `sortField`. */
export async function findSystemRecordsOf(
  app: App,
  name: string,
  owner: Record,
  sortField: "created" | "updated" = "created",
): Promise<Record[]> {
  const c = systemCollection(app, name);
  const rows = await app.db.all(
    `SELECT * FROM ${quoteIdent(c.name)} WHERE \`collectionRef\` = ? AND \`recordRef\` = ? ORDER BY ${quoteIdent(sortField)} DESC, \`rowid\` DESC`,
    [owner.collection.id, owner.id],
  );
  return rows.map((row) => Record.fromRow(c, row));
}

/** A new, unsaved row of a system collection owned by an auth record. */
export function newSystemRecord(app: App, name: string, owner: Record): Record {
  const r = new Record(systemCollection(app, name));
  r.set("collectionRef", owner.collection.id);
  r.set("recordRef", owner.id);
  return r;
}

/** Whether a row created at its `created` date is older than `durationSeconds`. */
export function hasExpired(row: Record, durationSeconds: number, now = Date.now()): boolean {
  const created = parseDate(row.getString("created"));
  if (created === null) return true;
  return created + durationSeconds * 1000 <= now;
}

/**
 * Deletes the expired rows of `_otps` or `_mfas` (each auth collection has its own duration);
 * `owner` limits the purge to one record's rows. Returns how many rows went.
 */
export async function purgeExpired(
  app: App,
  name: typeof OTPS | typeof MFAS,
  owner?: Record,
): Promise<number> {
  const table = app.findCollectionByNameOrId(name);
  if (!table) return 0;
  let total = 0;
  const collections = owner ? [owner.collection] : app.findAllCollections("auth");
  for (const c of collections) {
    const auth = c.auth;
    if (!auth) continue;
    const duration = name === OTPS ? auth.otp.duration : auth.mfa.duration;
    const cutoff = formatDate(Date.now() - duration * 1000);
    const params = owner ? [c.id, cutoff, owner.id] : [c.id, cutoff];
    const res = await app.db.run(
      `DELETE FROM ${quoteIdent(table.name)} WHERE \`collectionRef\` = ? AND \`created\` <= ?${owner ? " AND `recordRef` = ?" : ""}`,
      params,
    );
    total += Number(res.changes);
  }
  return total;
}

/**
 * Forgets a record's MFA sessions and known login origins: after a password change the next
 * login from anywhere is treated as new.
 */
export async function clearAuthSessions(app: App, owner: Record): Promise<void> {
  for (const name of [MFAS, AUTH_ORIGINS]) {
    const c = app.findCollectionByNameOrId(name);
    if (!c) continue;
    await app.db.run(`DELETE FROM ${quoteIdent(c.name)} WHERE \`collectionRef\` = ? AND \`recordRef\` = ?`, [
      owner.collection.id,
      owner.id,
    ]);
  }
}

/**
 * The hourly cleanup (PocketBase's `__pbOTPCleanup__` and `__pbMFACleanup__` jobs): drops every
 * expired OTP and MFA session. Expiry is also enforced at use, so this only keeps tables small.
 */
export async function cleanupExpiredAuthRows(app: App): Promise<{ otps: number; mfas: number }> {
  return { otps: await purgeExpired(app, OTPS), mfas: await purgeExpired(app, MFAS) };
}
