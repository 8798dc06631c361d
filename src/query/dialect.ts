/**
 * The SQL dialect seam: everything whose spelling differs between databases goes through this
 * object (quoting, JSON access, LIKE, random order, dates, the geo formula). Only SQLite exists
 * today; a PostgreSQL dialect implements the same interface (`"ident"`, `jsonb_path_query_first`,
 * `ILIKE`, `random()`…) without touching the compiler.
 */
import type { SqlFragment } from "./sql.ts";
import { param, raw, sql } from "./sql.ts";

/** Database-specific SQL spelling used by the compiler, the resolvers and the sort builder. */
export interface SqlDialect {
  /** Short name for logs and tests. */
  readonly name: string;
  /** Quotes one identifier (table, alias or column), escaping embedded quote characters. */
  quoteIdentifier(name: string): string;
  /** `table.column` with both parts quoted; `table` may be omitted. */
  column(table: string | undefined, column: string): SqlFragment;
  /** JSON path for dotted segments: `["a","b","0","c"]` → `$.a.b[0].c`. */
  jsonPath(segments: readonly string[]): string;
  /** Extracts `segments` from a JSON-or-scalar column; the result is NULL when absent. */
  jsonExtract(value: SqlFragment, segments: readonly string[]): SqlFragment;
  /** Normalises any stored value to a JSON array (arrays kept, anything else wrapped). */
  jsonArray(value: SqlFragment): SqlFragment;
  /** Number of elements of a JSON array expression. */
  jsonArrayLength(array: SqlFragment): SqlFragment;
  /** A table-valued source yielding one row per array element; use with an alias. */
  jsonEach(array: SqlFragment): SqlFragment;
  /** The element value column of a `jsonEach` source aliased `alias`. */
  jsonEachValue(alias: string): SqlFragment;
  /** `left [NOT] LIKE pattern` with `\` as the escape character. */
  like(left: SqlFragment, pattern: SqlFragment, negated: boolean): SqlFragment;
  /** String concatenation of the parts. */
  concat(parts: readonly SqlFragment[]): SqlFragment;
  /** `ORDER BY` expression for a random order. */
  random(): SqlFragment;
  /** The implicit row id of `table` (SQLite `_rowid_`). */
  rowid(table: string | undefined): SqlFragment;
  /** SQL spelling of a boolean constant. */
  booleanLiteral(value: boolean): string;
  /** A date in the stored format (PocketBase: `YYYY-MM-DD HH:MM:SS.mmmZ`, UTC). */
  formatDateTime(date: Date): string;
  /** `strftime(format, time, modifiers…)`; `time` omitted means "now" for the database. */
  strftime(
    format: SqlFragment,
    time: SqlFragment | undefined,
    modifiers: readonly SqlFragment[],
  ): SqlFragment;
  /** Great-circle distance in km between two lon/lat points. */
  geoDistance(lonA: SqlFragment, latA: SqlFragment, lonB: SqlFragment, latB: SqlFragment): SqlFragment;
}

const INDEX_SEGMENT = /^\d+$/;

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/** SQLite as PocketBase uses it: backtick quoting, JSON1 functions, `ESCAPE '\'`. */
export const sqliteDialect: SqlDialect = Object.freeze({
  name: "sqlite",

  quoteIdentifier(name: string): string {
    return "`" + name.replaceAll("`", "``") + "`";
  },

  column(table: string | undefined, column: string): SqlFragment {
    const quoted = sqliteDialect.quoteIdentifier(column);
    return raw(table === undefined ? quoted : `${sqliteDialect.quoteIdentifier(table)}.${quoted}`);
  },

  jsonPath(segments: readonly string[]): string {
    let path = "$";
    for (const segment of segments) path += INDEX_SEGMENT.test(segment) ? `[${segment}]` : `.${segment}`;
    return path;
  },

  jsonExtract(value: SqlFragment, segments: readonly string[]): SqlFragment {
    // Plain (non-JSON) values are wrapped as {"pb": value} so that extracting from them yields
    // NULL instead of a "malformed JSON" error. Paths are bound, never spliced into the SQL.
    const path = sqliteDialect.jsonPath(segments);
    const wrappedPath = "$.pb" + path.slice(1);
    return sql`(CASE WHEN json_valid(${value}) THEN JSON_EXTRACT(${value}, ${param(path)}) ELSE JSON_EXTRACT(json_object('pb', ${value}), ${param(wrappedPath)}) END)`;
  },

  jsonArray(value: SqlFragment): SqlFragment {
    // CASE (not AND) so json_type() never sees invalid JSON: SQLite does not short-circuit AND.
    return sql`(CASE WHEN json_valid(${value}) THEN (CASE WHEN json_type(${value}) = 'array' THEN ${value} ELSE json_array(${value}) END) ELSE json_array(${value}) END)`;
  },

  jsonArrayLength(array: SqlFragment): SqlFragment {
    return sql`json_array_length(${array})`;
  },

  jsonEach(array: SqlFragment): SqlFragment {
    return sql`json_each(${array})`;
  },

  jsonEachValue(alias: string): SqlFragment {
    return sqliteDialect.column(alias, "value");
  },

  like(left: SqlFragment, pattern: SqlFragment, negated: boolean): SqlFragment {
    return negated ? sql`${left} NOT LIKE ${pattern} ESCAPE '\\'` : sql`${left} LIKE ${pattern} ESCAPE '\\'`;
  },

  concat(parts: readonly SqlFragment[]): SqlFragment {
    let result = parts[0] ?? raw("''");
    for (let i = 1; i < parts.length; i++) result = sql`${result} || ${parts[i]!}`;
    return sql`(${result})`;
  },

  random(): SqlFragment {
    return raw("RANDOM()");
  },

  rowid(table: string | undefined): SqlFragment {
    return sqliteDialect.column(table, "_rowid_");
  },

  booleanLiteral(value: boolean): string {
    return value ? "1" : "0";
  },

  formatDateTime(date: Date): string {
    return (
      `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)} ` +
      `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}.` +
      `${pad(date.getUTCMilliseconds(), 3)}Z`
    );
  },

  strftime(
    format: SqlFragment,
    time: SqlFragment | undefined,
    modifiers: readonly SqlFragment[],
  ): SqlFragment {
    let args = format;
    if (time !== undefined) args = sql`${args}, ${time}`;
    for (const modifier of modifiers) args = sql`${args}, ${modifier}`;
    return sql`strftime(${args})`;
  },

  geoDistance(lonA: SqlFragment, latA: SqlFragment, lonB: SqlFragment, latB: SqlFragment): SqlFragment {
    // Spherical law of cosines, Earth radius 6371 km (the formula PocketBase uses).
    return sql`(6371 * acos(cos(radians(${latA})) * cos(radians(${latB})) * cos(radians(${lonB}) - radians(${lonA})) + sin(radians(${latA})) * sin(radians(${latB}))))`;
  },
});
