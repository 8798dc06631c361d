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

/** A judgement of SQLite's plans, kept per collection object and SQL text (bounded; cleared when full). */
type PlanJudgements = WeakMap<Collection, Map<string, boolean>>;
const MAX_PLANS_PER_COLLECTION = 256;

/**
 * `judge` applied to SQLite's plan for `statement` (EXPLAIN QUERY PLAN's rows), once per SQL
 * text: plans depend on the text only (the bound values are placeholders). `onError` when the
 * statement cannot be explained.
 */
async function judgedPlan(
  app: App,
  collection: Collection,
  statement: SqlFragment,
  judgements: PlanJudgements,
  judge: (steps: readonly { readonly [column: string]: unknown }[]) => boolean,
  onError: boolean,
): Promise<boolean> {
  let known = judgements.get(collection);
  const cached = known?.get(statement.sql);
  if (cached !== undefined) return cached;
  let verdict = onError;
  try {
    verdict = judge(await app.db.all(`EXPLAIN QUERY PLAN ${statement.sql}`, statement.params));
  } catch {
    verdict = onError;
  }
  if (!known || known.size >= MAX_PLANS_PER_COLLECTION) {
    known = new Map();
    judgements.set(collection, known);
  }
  known.set(statement.sql, verdict);
  return verdict;
}

const scanningPlans: PlanJudgements = new WeakMap();

/**
 * Whether SQLite's plan for a statement reads the whole table (`SCAN`, covering index or not)
 * or sorts every matching row (`USE TEMP B-TREE`): slow on a big table. A condition an index
 * answers (`SEARCH … USING INDEX`) stays fast however big the table.
 */
function planScans(app: App, collection: Collection, statement: SqlFragment): Promise<boolean> {
  return judgedPlan(
    app,
    collection,
    statement,
    scanningPlans,
    (steps) => steps.some((step) => /^(SCAN|USE TEMP B-TREE)\b/.test(String(step.detail))),
    true,
  );
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

const outerLoops: PlanJudgements = new WeakMap();

/**
 * Whether a query with joins should run in its EXISTS form (record-query-exists.ts) rather than
 * PocketBase's joined one. SQLite's plan for the joined form decides: when its outer loop reads
 * the main table (`alias`), every main row goes through the joins anyway, and the EXISTS form
 * does that same work stopping at each row's first match, without the DISTINCT (the perms rule:
 * 553 → 281 µs for a page). When the plan starts from a joined table instead (a selective
 * condition on a related table an index narrows down: one author by its unique name, with an
 * index on the relation's column), it reads few main rows, which a scan of the main table with
 * an EXISTS per row would not (78 µs → 4 ms measured): the joined form is kept.
 */
export function existsFormPays(
  app: App,
  collection: Collection,
  alias: string,
  joined: SqlFragment,
): Promise<boolean> {
  return judgedPlan(
    app,
    collection,
    joined,
    outerLoops,
    (steps) => {
      const first = steps.find(
        (step) => Number(step.parent) === 0 && /^(SCAN|SEARCH) /.test(String(step.detail)),
      );
      const main = new RegExp(`^(?:SCAN|SEARCH) ${alias.replace(/\W/g, "\\$&")}(?: |$)`);
      return first !== undefined && main.test(String(first.detail));
    },
    false,
  );
}
