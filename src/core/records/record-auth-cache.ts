/**
 * The auth record of a request, without a database read per request (issue 17): every
 * authenticated request loads the record its token names, and most requests change nothing.
 *
 * The stored rows are kept by collection and id until anything may have written the
 * collection's table: every write of this process goes through `Database` (the API, hooks,
 * /api/sql, migrations), whose `writesTo(table)` count moves with each statement that writes the
 * table and with each write that may have touched any table (transactions, scripts, statements
 * of unknown reach, anything while the schema has triggers or foreign keys), and that
 * collection's rows are dropped on the next look-up. So a changed password or tokenKey, or a
 * deleted record, takes effect on the very next request, for free, while the creates and deletes
 * of other collections (a chat message, a post: one statement each) keep the cache (they
 * dropped it before, and every write request then read its token's record again). Another
 * process writing the same file is seen through SQLite's `data_version`,
 * read at most every `EXTERNAL_CHECK_MS` (a read costs a read transaction, as much as the
 * look-up it saves). A reload of the collections (a schema change) drops the cache too. Each
 * request still gets its own `Record`, built from the shared row, so a hook that changes its
 * request's record changes nothing for the next one. Inside a transaction the record is read
 * through it, uncached (the transaction may have changed it).
 */
import { Database, quoteIdent, type Row } from "../db/database.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import { Record } from "./record.ts";
import { findRecordById } from "./record-query.ts";
import { type CacheEpoch, EXTERNAL_CHECK_MS, renewedEpoch } from "./record-cache-epoch.ts";

/** One generation of the cache (record-cache-epoch.ts). */
interface AuthRows extends CacheEpoch {
  /** By collection id: its rows, and the writes to its table when they were read. */
  readonly byCollection: Map<string, CollectionRows>;
}

interface CollectionRows {
  /** `Database.writesTo(<the collection's table>)` when the rows were read. */
  readonly writes: number;
  /** Rows by record id. */
  readonly rows: Map<string, Row>;
}

/** Records kept at most per collection (a busy server's active users; each is one row). */
const MAX_ROWS = 2_000;

export { EXTERNAL_CHECK_MS };

const cacheByDatabase = new WeakMap<Database, AuthRows>();

/** Counters for tests: database reads done and reads saved. */
export const authCacheStats = { reads: 0, hits: 0 };

/**
 * The rows of `collection` still valid: none after a write that may have reached its table, a
 * reload of the collections, or (checked at most every `EXTERNAL_CHECK_MS`) a commit seen
 * through `data_version` (another process's, or this one's: this process's writes move it too,
 * so a write-heavy load starts over about every `EXTERNAL_CHECK_MS`).
 */
function currentRows(app: App, db: Database, collection: Collection): CollectionRows {
  let cache = cacheByDatabase.get(db);
  const epoch = renewedEpoch(db, app.findAllCollections(), cache);
  if (cache === undefined || epoch !== null) {
    cache = { ...epoch!, byCollection: new Map() };
    cacheByDatabase.set(db, cache);
  }
  const writes = db.writesTo(collection.name);
  let rows = cache.byCollection.get(collection.id);
  if (rows === undefined || rows.writes !== writes) {
    rows = { writes, rows: new Map() };
    cache.byCollection.set(collection.id, rows);
  }
  return rows;
}

/** The auth record `id` of `collection`, or null; from the cache when nothing was written since. */
export async function findAuthRecordById(
  app: App,
  collection: Collection,
  id: string,
): Promise<Record | null> {
  const db = app.db;
  if (!(db instanceof Database) || collection.type !== "auth") return findRecordById(app, collection, id);
  const cache = currentRows(app, db, collection);
  let row = cache.rows.get(id);
  if (row !== undefined) {
    authCacheStats.hits++;
  } else {
    authCacheStats.reads++;
    // Synchronous underneath: nothing of this process writes between the checks and the read,
    // and what another process commits after `data_version` was read is caught by the next check.
    row = await db.get(`SELECT * FROM ${quoteIdent(collection.name)} WHERE \`id\` = ? LIMIT 1`, [id]);
    if (row === undefined) return null;
    if (
      cacheByDatabase.get(db)?.byCollection.get(collection.id) === cache &&
      db.writesTo(collection.name) === cache.writes
    ) {
      if (cache.rows.size >= MAX_ROWS) cache.rows.clear();
      cache.rows.set(id, row);
    }
  }
  return Record.fromRow(collection, row);
}
