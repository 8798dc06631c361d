/**
 * Reading `_logs` back: a filtered, sorted page (PocketBase's fields `id, created, level,
 * message, data` and `data.<path>` into the JSON), one entry by id, and per-hour counts.
 */
import { buildFilter } from "../../query/filter-compiler.ts";
import { buildSort } from "../../query/sort.ts";
import { SimpleFieldResolver } from "../../query/simple-field-resolver.ts";
import { toStatement, type SqlValue } from "../../query/sql.ts";
import { isFilterError } from "../../query/errors.ts";
import { ValidationError } from "../../tools/validation.ts";
import type { Row } from "../db/database.ts";
import type { App } from "../app.ts";

/** A log entry as the API shows it (PocketBase's key order). */
export interface LogJson {
  id: string;
  created: string;
  data: { [key: string]: unknown };
  message: string;
  level: number;
}

/** A page request of the logs list. */
export interface LogListQuery {
  filter: string;
  sort: string;
  page: number;
  perPage: number;
  skipTotal: boolean;
}

/** One hour of `logsStats`. */
export interface LogStat {
  date: string;
  total: number;
}

const COLUMNS = "`id`, `created`, `data`, `message`, `level`";

function resolver(): SimpleFieldResolver {
  return new SimpleFieldResolver({
    table: "_logs",
    fields: ["id", "created", "level", "message", "data"],
    jsonFields: ["data"],
  });
}

/** Compiles a client filter over `_logs`; a bad one throws a `validation_invalid_filter` error. */
function compileFilter(filter: string): { where: string; params: SqlValue[] } {
  if (!filter.trim()) return { where: "", params: [] };
  try {
    const stmt = toStatement(buildFilter(filter, { resolver: resolver() }));
    return { where: ` WHERE ${stmt.sql}`, params: stmt.params };
  } catch (err) {
    throw asValidationError(err);
  }
}

function asValidationError(err: unknown): unknown {
  if (isFilterError(err)) {
    return new ValidationError("validation_invalid_filter", `Invalid filter parameters: ${err.message}`);
  }
  return err;
}

/** The API form of a `_logs` row (`data` decoded; a broken JSON value shows as `{}`). */
export function logFromRow(row: Row): LogJson {
  let data: { [key: string]: unknown } = {};
  try {
    const parsed: unknown = JSON.parse(String(row.data ?? "{}"));
    if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
      data = parsed as { [key: string]: unknown };
    }
  } catch {
    // Keep `{}`: one unreadable row must not break the list.
  }
  return {
    id: String(row.id),
    created: String(row.created),
    data,
    message: String(row.message),
    level: Number(row.level),
  };
}

/** A page of logs; invalid filters or sorts throw a ValidationError. */
export async function listLogs(app: App, q: LogListQuery): Promise<{ items: LogJson[]; total: number }> {
  const { where, params } = compileFilter(q.filter);
  let order = "";
  let sortParams: SqlValue[] = [];
  if (q.sort.trim()) {
    try {
      const stmt = toStatement(buildSort(q.sort, { resolver: resolver() }));
      if (stmt.sql) order = ` ORDER BY ${stmt.sql}`;
      sortParams = stmt.params;
    } catch (err) {
      throw asValidationError(err);
    }
  }
  // The logs table grows large and filters on `data` scan it: these reads run on the read pool,
  // within the query timeout (db/read-pool.ts), as do the stats below.
  const rows = await app.auxDb.heavyAll(`SELECT ${COLUMNS} FROM \`_logs\`${where}${order} LIMIT ? OFFSET ?`, [
    ...params,
    ...sortParams,
    q.perPage,
    (q.page - 1) * q.perPage,
  ]);
  let total = -1;
  if (!q.skipTotal) {
    const row = await app.auxDb.heavyGet(`SELECT COUNT(*) AS n FROM \`_logs\`${where}`, params);
    total = Number(row?.n ?? 0);
  }
  return { items: rows.map(logFromRow), total };
}

/** One log entry by id, or null. */
export async function findLogById(app: App, id: string): Promise<LogJson | null> {
  const row = await app.auxDb.get(`SELECT ${COLUMNS} FROM \`_logs\` WHERE \`id\` = ?`, [id]);
  return row ? logFromRow(row) : null;
}

/** Entries per hour (oldest first), optionally filtered; a bad filter throws a ValidationError. */
export async function logsStats(app: App, filter: string): Promise<LogStat[]> {
  const { where, params } = compileFilter(filter);
  const rows = await app.auxDb.heavyAll(
    "SELECT COUNT(`id`) AS total, strftime('%Y-%m-%d %H:00:00', `created`) AS date " +
      `FROM \`_logs\`${where} GROUP BY date ORDER BY date`,
    params,
  );
  return rows.map((r) => ({ date: `${String(r.date)}.000Z`, total: Number(r.total) }));
}
