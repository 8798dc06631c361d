/**
 * Which record reads may be slow, and so run on the read pool within the query timeout
 * (db/read-pool.ts, issue 16 §3), and which stay on the main thread, as fast as ever.
 *
 * Slow can be: anything over a view collection (its query is the user's: a recursive CTE, a
 * cross join); a query whose rule, filter or sort joins other tables or runs subqueries (the
 * cost grows with the product of the tables); a filter or sort whose plan scans a big table
 * (SQLite's EXPLAIN QUERY PLAN, asked once per SQL text), or a far page of one; a count over a
 * huge one. Fast, and kept on the main thread: look-ups by id, lists of small tables, and
 * conditions an index answers. Figures measured on the bench's posts tables
 * (2 cores): a `COUNT(*)` of 50k rows takes about 0.5 ms and a LIKE scan of 50k rows 20–50 ms.
 *
 * A table's size is estimated with `max(rowid)` (one index step), remembered for a few seconds.
 */
import { quoteIdent } from "../db/database.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { SqlFragment } from "../../query/sql.ts";

/** What the cost decision reads of a query: its SQL texts and joins, never its values. */
export interface ListQueryShape {
  readonly joins: readonly unknown[];
  readonly where: { readonly sql: string };
  readonly orderBy: { readonly sql: string };
}

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
function joinsOrSubqueries(query: ListQueryShape): boolean {
  return (
    query.joins.length > 0 || /\bSELECT\b/i.test(query.where.sql) || /\bSELECT\b/i.test(query.orderBy.sql)
  );
}

/** Plans known per collection object: whether a statement's plan scans (bounded; cleared when full). */
const plans = new WeakMap<Collection, Map<string, boolean>>();
const MAX_PLANS_PER_COLLECTION = 256;

/**
 * Whether SQLite's plan for a statement reads the whole table (`SCAN`, covering index or not)
 * or sorts every matching row (`USE TEMP B-TREE`): slow on a big table. A condition an index
 * answers (`SEARCH … USING INDEX`) stays fast however big the table. Plans depend on the SQL
 * text only (the bound values are placeholders), so each text is explained once.
 */
async function planScans(app: App, collection: Collection, statement: SqlFragment): Promise<boolean> {
  let known = plans.get(collection);
  const cached = known?.get(statement.sql);
  if (cached !== undefined) return cached;
  let scans = true;
  try {
    const steps = await app.db.all(`EXPLAIN QUERY PLAN ${statement.sql}`, statement.params);
    scans = steps.some((step) => /^(SCAN|USE TEMP B-TREE)\b/.test(String(step.detail)));
  } catch {
    scans = true;
  }
  if (!known || known.size >= MAX_PLANS_PER_COLLECTION) {
    known = new Map();
    plans.set(collection, known);
  }
  known.set(statement.sql, scans);
  return scans;
}

/** Where the page and the count of a records list run: `true` = on the read pool. */
export interface ListCost {
  readonly page: boolean;
  readonly count: boolean;
}

/**
 * Decides which statements of a records list (`page` at `offset`, `count` unless skipped) may
 * be slow. On a big table, a filtered or sorted one is slow when its plan scans the table.
 */
export async function listCost(
  app: App,
  collection: Collection,
  query: ListQueryShape,
  offset: number,
  statements: { page: SqlFragment; count: SqlFragment | null },
): Promise<ListCost> {
  if (app.db.inTransaction) return { page: false, count: false };
  if (collection.type === "view" || joinsOrSubqueries(query)) return { page: true, count: true };
  const rows = await estimatedRows(app, collection);
  if (rows < BIG_TABLE_ROWS) return { page: false, count: false };
  const filtered = query.where.sql !== "1" || query.orderBy.sql !== "";
  const page = offset >= BIG_TABLE_ROWS || (filtered && (await planScans(app, collection, statements.page)));
  const count =
    statements.count !== null &&
    (rows >= HUGE_TABLE_ROWS || (filtered && (await planScans(app, collection, statements.count))));
  return { page, count };
}

/** Whether any read of a collection may be slow whatever the query (a view). */
export function alwaysHeavy(collection: Collection): boolean {
  return collection.type === "view";
}

/** Whether a compiled filter query over `collection` may be slow (a view, joins, subqueries). */
export function queryMayBeSlow(collection: Collection, query: ListQueryShape): boolean {
  return collection.type === "view" || joinsOrSubqueries(query);
}
