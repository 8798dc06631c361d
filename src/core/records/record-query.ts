/**
 * Basic record look-ups by id and by a field value. Every value is bound; identifiers come
 * from the collection definition only.
 */
import { quoteIdent } from "../db/database.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import { Record } from "./record.ts";
import { alwaysHeavy } from "./record-query-cost.ts";

/** A record by id, or null. */
export async function findRecordById(app: App, collection: Collection, id: string): Promise<Record | null> {
  const sql = `SELECT * FROM ${quoteIdent(collection.name)} WHERE \`id\` = ? LIMIT 1`;
  // A view's query is the user's and may be slow even for one id (record-query-cost.ts).
  const row = alwaysHeavy(collection) ? await app.db.heavyGet(sql, [id]) : await app.db.get(sql, [id]);
  return row ? Record.fromRow(collection, row) : null;
}

/** The first record whose field equals a value, or null. */
export async function findFirstRecordByData(
  app: App,
  collection: Collection,
  field: string,
  value: string | number,
): Promise<Record | null> {
  if (!collection.fields.some((f) => f.name === field)) return null;
  const row = await app.db.get(
    `SELECT * FROM ${quoteIdent(collection.name)} WHERE ${quoteIdent(field)} = ? LIMIT 1`,
    [value],
  );
  return row ? Record.fromRow(collection, row) : null;
}

/** An auth record by email (case-insensitive, as PocketBase's unique email index). */
export async function findAuthRecordByEmail(
  app: App,
  collection: Collection,
  email: string,
): Promise<Record | null> {
  if (collection.type !== "auth" || !email) return null;
  const row = await app.db.get(
    `SELECT * FROM ${quoteIdent(collection.name)} WHERE \`email\` = ? COLLATE NOCASE LIMIT 1`,
    [email],
  );
  return row ? Record.fromRow(collection, row) : null;
}

/** How many records a collection has. */
export async function countRecords(app: App, collection: Collection): Promise<number> {
  const row = await app.db.get(`SELECT COUNT(*) AS n FROM ${quoteIdent(collection.name)}`);
  return Number(row?.n ?? 0);
}
