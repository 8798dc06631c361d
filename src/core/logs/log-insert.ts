/**
 * The statements that store a batch of `_logs` entries.
 *
 * A full batch (the writer's batch size, what a busy server writes) goes in one multi-row
 * `INSERT … VALUES (?,?,?,?,?),…` with every value bound: measured in-process on 200 request
 * entries into PocketBase's `_logs` (three indexes), 6–9 µs per row against 8–12 µs for the JSON
 * statement below, which has SQLite extract five values per row from JSON text. Any other count
 * (a flush by the timer, on close) travels as one JSON array parameter, so that whatever the
 * count only two statements are ever prepared (ids in ascending order, log-id.ts; a random one,
 * as the column's default, when absent).
 */
import type { SqlValue } from "../db/database.ts";
import { newLogId } from "./log-id.ts";
import type { LogEntry } from "./log-writer.ts";

export const INSERT_LOGS_SQL =
  "INSERT INTO `_logs` (`id`, `level`, `message`, `data`, `created`) " +
  "SELECT coalesce(value->>'id', 'r' || lower(hex(randomblob(7)))), value->>'level', value->>'message', value->'data', value->>'created' FROM json_each(?)";

/** SQLite's default limit of bound values per statement (SQLITE_MAX_VARIABLE_NUMBER). */
const MAX_BOUND_VALUES = 32_766;
const VALUES_PER_ROW = 5;

/** The multi-row INSERT of `rows` entries, or null when that many rows cannot be bound in one. */
export function insertLogRowsSql(rows: number): string | null {
  if (rows < 1 || rows * VALUES_PER_ROW > MAX_BOUND_VALUES) return null;
  return (
    "INSERT INTO `_logs` (`id`, `level`, `message`, `data`, `created`) VALUES " +
    new Array<string>(rows).fill("(?,?,?,?,?)").join(",")
  );
}

/** The bound values of `insertLogRowsSql(entries.length)`. */
export function insertLogRowsParams(entries: readonly LogEntry[]): SqlValue[] {
  const params = new Array<SqlValue>(entries.length * VALUES_PER_ROW);
  let i = 0;
  for (const entry of entries) {
    params[i++] = entry.id ?? newLogId();
    params[i++] = entry.level;
    params[i++] = entry.message;
    params[i++] = JSON.stringify(entry.data);
    params[i++] = entry.created;
  }
  return params;
}
