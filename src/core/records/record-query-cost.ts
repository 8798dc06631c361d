/**
 * Which record reads may be slow, and so run on the read pool within the query timeout
 * (db/read-pool.ts, issue 16 §3), and which stay on the main thread, as fast as ever.
 *
 * Slow can be: anything over a view collection (its query is the user's: a recursive CTE, a
 * cross join); a query whose rule, filter or sort joins other tables or runs subqueries (the
 * cost grows with the product of the tables); a filtered or sorted scan, or a far page, of a
 * big table; a count over a huge one. Fast, and kept on the main thread: look-ups by id, and
 * lists of small tables or by plain conditions. Figures measured on the bench's posts tables
 * (2 cores): a `COUNT(*)` of 50k rows takes about 0.5 ms and a LIKE scan of 50k rows 20–50 ms.
 *
 * A table's size is estimated with `max(rowid)` (one index step), remembered for a few seconds.
 */
import { quoteIdent } from "../db/database.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { RecordQuery } from "./record-rule.ts";

/** Rows from which a filtered or sorted scan (or a far page) may be slow. */
export const BIG_TABLE_ROWS = 20_000;
/** Rows from which even a plain count may be slow. */
export const HUGE_TABLE_ROWS = 200_000;
/** How long a size estimate is used. */
const ESTIMATE_TTL_MS = 5_000;
/** The estimates, per collection object (a reloaded collection is a new object: a new estimate). */
const estimates = new WeakMap<Collection, { rows: number; at: number }>();

/** About how many rows a collection's table has (0 for a view or when unknown). */
async function estimatedRows(app: App, collection: Collection): Promise<number> {
  if (collection.type === "view") return 0;
  const now = Date.now();
  const known = estimates.get(collection);
  if (known !== undefined && now - known.at < ESTIMATE_TTL_MS) return known.rows;
  let rows = 0;
  try {
    const row = await app.db.get(`SELECT max(_rowid_) AS n FROM ${quoteIdent(collection.name)}`);
    rows = Number(row?.n ?? 0) || 0;
  } catch {
    rows = 0;
  }
  if (known !== undefined) {
    known.rows = rows;
    known.at = now;
  } else estimates.set(collection, { rows, at: now });
  return rows;
}

/** Whether a compiled query joins or runs subqueries. */
function joinsOrSubqueries(query: RecordQuery): boolean {
  return (
    query.joins.length > 0 || /\bSELECT\b/i.test(query.where.sql) || /\bSELECT\b/i.test(query.orderBy.sql)
  );
}

/** Where the page and the count of a records list run: `true` = on the read pool. */
export interface ListCost {
  readonly page: boolean;
  readonly count: boolean;
}

/** Decides which statements of a records list (page at `offset`, count) may be slow. */
export async function listCost(
  app: App,
  collection: Collection,
  query: RecordQuery,
  offset: number,
): Promise<ListCost> {
  if (app.db.inTransaction) return { page: false, count: false };
  if (collection.type === "view" || joinsOrSubqueries(query)) return { page: true, count: true };
  const rows = await estimatedRows(app, collection);
  if (rows < BIG_TABLE_ROWS) return { page: false, count: false };
  const scans = query.where.sql !== "1" || query.orderBy.sql !== "";
  return { page: scans || offset >= BIG_TABLE_ROWS, count: scans || rows >= HUGE_TABLE_ROWS };
}

/** Whether any read of a collection may be slow whatever the query (a view). */
export function alwaysHeavy(collection: Collection): boolean {
  return collection.type === "view";
}

/** Whether a compiled filter query over `collection` may be slow (a view, joins, subqueries). */
export function queryMayBeSlow(collection: Collection, query: RecordQuery): boolean {
  return collection.type === "view" || joinsOrSubqueries(query);
}
