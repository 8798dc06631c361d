/**
 * The totals of records lists, counted once while nothing may have changed them (issue 17).
 *
 * A list with a total runs a COUNT over every row its rule and filter allow: for a filter no
 * index answers (`description ~ 'ipsum dolor'` on 10k posts) that is a scan of the table on
 * every request, most of the request's cost, while a list is usually read far more often than
 * its collection is written. So a total is kept by its statement (SQL text and bound values,
 * which include the requester's `@request.*` values) and reused until a write may have reached
 * the rows it counts, exactly as the auth record cache decides it (record-auth-cache.ts):
 *
 * - every write of this process goes through `Database`, whose counters move with each
 *   statement: `writesTo(table)` for a count that reads only its collection's table (no join,
 *   no subquery, not a view), `writes` (any table) for the others;
 * - another process's commit to the same file, and a reload of the collections (any schema or
 *   rule change), start over (record-cache-epoch.ts, as for the auth records).
 *
 * The marks are read before the count starts, so a write that commits while it runs makes the
 * next request count again. Requests that ask for the same total while it is being counted wait
 * for that count instead of starting their own (nothing was written since it started, or they
 * would not match it). Inside a transaction nothing is cached (it may have written rows the
 * marks do not see yet), nor are counts with blob values. An error is never kept.
 */
import { Database } from "../db/database.ts";
import type { SqlValue } from "../db/database.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import { type CacheEpoch, renewedEpoch } from "./record-cache-epoch.ts";

/** Totals kept per database (a busy server's distinct lists; each is one number). */
const MAX_TOTALS = 1_000;

interface Total {
  /** The write counter the count was started after (`writesTo(table)` or `writes`). */
  readonly writes: number;
  readonly total: Promise<number>;
}

/** One generation of the cache (record-cache-epoch.ts). */
interface Totals extends CacheEpoch {
  readonly byStatement: Map<string, Total>;
}

const totalsByDatabase = new WeakMap<Database, Totals>();

/** Counters for tests: counts run and totals reused. */
export const countCacheStats = { counts: 0, hits: 0 };

/** The cache of `db`, emptied after a reload of the collections or another process's commit. */
function currentTotals(app: App, db: Database): Totals {
  let totals = totalsByDatabase.get(db);
  const epoch = renewedEpoch(db, app.findAllCollections(), totals);
  if (totals === undefined || epoch !== null) {
    totals = { ...epoch!, byStatement: new Map() };
    totalsByDatabase.set(db, totals);
  }
  return totals;
}

/** The statement as a key; null when a value cannot be one (a blob). */
function statementKey(sql: string, params: readonly SqlValue[]): string | null {
  let key = sql;
  for (const value of params) {
    // The type keeps 1, '1' and 1n apart (SQLite compares them differently); a blob: no key.
    if (value === null) key += "\u0000n";
    else if (typeof value === "string") key += `\u0000s${value}`;
    else if (typeof value === "number" || typeof value === "bigint") key += `\u0000${typeof value}${value}`;
    else return null;
  }
  return key;
}

/**
 * The total `count` computes for the statement `sql`/`params` over `collection`, reused while
 * no write may have changed it (see the header). `confined`: the statement reads only the
 * collection's own table.
 */
export async function cachedTotal(
  app: App,
  collection: Collection,
  statement: { readonly sql: string; readonly params: readonly SqlValue[] },
  confined: boolean,
  count: () => Promise<number>,
): Promise<number> {
  const db = app.db;
  const key =
    db instanceof Database && !db.inTransaction ? statementKey(statement.sql, statement.params) : null;
  if (key === null || !(db instanceof Database)) {
    countCacheStats.counts++;
    return count();
  }
  const totals = currentTotals(app, db);
  const writes = confined ? db.writesTo(collection.name) : db.writes;
  const known = totals.byStatement.get(key);
  if (known !== undefined && known.writes === writes) {
    countCacheStats.hits++;
    return known.total;
  }
  countCacheStats.counts++;
  const total = count();
  if (totals.byStatement.size >= MAX_TOTALS) totals.byStatement.clear();
  const entry: Total = { writes, total };
  totals.byStatement.set(key, entry);
  total.catch(() => {
    if (totals.byStatement.get(key) === entry) totals.byStatement.delete(key);
  });
  return total;
}
