/**
 * The auth record of a request, without a database read per request (issue 17): every
 * authenticated request loads the record its token names, and most requests change nothing.
 *
 * The stored rows are kept by collection and id while the database has committed nothing since
 * they were read: SQLite's `data_version` (`Database.dataVersion`) changes on any commit of
 * another connection (Satchel's writer, a hook, /api/sql, a migration, another process), and
 * then the whole cache is dropped. So a changed password or tokenKey, or a deleted record,
 * takes effect on the very next request. A reload of the collections (a schema change) drops
 * it too. Each request still gets its own `Record`, built from the shared row, so a hook that
 * changes its request's record changes nothing for the next one. Inside a transaction the
 * record is read through it, uncached (the transaction may have changed it).
 */
import { Database, quoteIdent, type Row } from "../db/database.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import { Record } from "./record.ts";
import { findRecordById } from "./record-query.ts";

interface AuthRows {
  /** `data_version` when the rows were read. */
  readonly version: number;
  /** The collections (their list object) the rows belong to. */
  readonly collections: readonly Collection[];
  /** Rows by `<collection id>\0<record id>`. */
  readonly rows: Map<string, Row>;
}

/** Records kept at most (a busy server's active users; each is one row). */
const MAX_ROWS = 2_000;

const cacheByDatabase = new WeakMap<Database, AuthRows>();

/** Counters for tests: database reads done and reads saved. */
export const authCacheStats = { reads: 0, hits: 0 };

/** The auth record `id` of `collection`, or null; from the cache when nothing committed since. */
export async function findAuthRecordById(
  app: App,
  collection: Collection,
  id: string,
): Promise<Record | null> {
  const db = app.db;
  if (!(db instanceof Database) || collection.type !== "auth") return findRecordById(app, collection, id);
  const version = db.dataVersion();
  const collections = app.findAllCollections();
  let cache = cacheByDatabase.get(db);
  if (cache === undefined || cache.version !== version || cache.collections !== collections) {
    cache = { version, collections, rows: new Map() };
    cacheByDatabase.set(db, cache);
  }
  const key = `${collection.id}\u0000${id}`;
  let row = cache.rows.get(key);
  if (row !== undefined) {
    authCacheStats.hits++;
  } else {
    authCacheStats.reads++;
    row = await db.get(`SELECT * FROM ${quoteIdent(collection.name)} WHERE \`id\` = ? LIMIT 1`, [id]);
    if (row === undefined) return null;
    // Kept only if nothing committed while reading and the cache is still the current one.
    if (cacheByDatabase.get(db) === cache && db.dataVersion() === version) {
      if (cache.rows.size >= MAX_ROWS) cache.rows.clear();
      cache.rows.set(key, row);
    }
  }
  return Record.fromRow(collection, row);
}
