/**
 * `?sort=` parsing and compilation: `-created,+title,name` → `created DESC, title ASC, name ASC`.
 * Any identifier the resolver can resolve to an SQL expression may be used; `@random` orders
 * randomly and `@rowid` by the table's row id (insertion order in SQLite).
 */
import { sqliteDialect } from "./dialect.ts";
import type { SqlDialect } from "./dialect.ts";
import { FilterError, quoteForMessage } from "./errors.ts";
import type { FieldResolver } from "./field-resolver.ts";
import { isResolvedConstant } from "./field-resolver.ts";
import { isValidIdentifier } from "./lexer.ts";
import { DEFAULT_SORT_LIMITS } from "./limits.ts";
import type { SortLimits } from "./limits.ts";
import type { SqlFragment } from "./sql.ts";
import { joinSql, raw, sql } from "./sql.ts";

/** Random order (`RANDOM()`), whatever the direction prefix. */
export const RANDOM_SORT_KEY = "@random";
/** Row id order. */
export const ROWID_SORT_KEY = "@rowid";

/** One parsed sort item. */
export interface SortField {
  readonly name: string;
  readonly direction: "ASC" | "DESC";
  /** Offset of the item in the sort string, for error messages. */
  readonly position: number;
}

/** Parses a comma separated sort string; an empty (or all-blank) string yields no fields. */
export function parseSort(input: string, limits: SortLimits = DEFAULT_SORT_LIMITS): SortField[] {
  if (input.trim() === "") return [];
  const items = input.split(",");
  if (items.length > limits.maxFields) {
    throw new FilterError("limit", `Too many sort fields: at most ${limits.maxFields} are allowed.`, 0);
  }
  const fields: SortField[] = [];
  let offset = 0;
  for (const item of items) {
    const position = offset;
    offset += item.length + 1;
    if (item.length > limits.maxFieldLength) {
      throw new FilterError(
        "limit",
        `The sort field at position ${position} is longer than ${limits.maxFieldLength} characters.`,
        position,
      );
    }
    const trimmed = item.trim();
    const direction = trimmed.startsWith("-") ? "DESC" : "ASC";
    const name = trimmed.startsWith("-") || trimmed.startsWith("+") ? trimmed.slice(1) : trimmed;
    if (name !== RANDOM_SORT_KEY && name !== ROWID_SORT_KEY && !isValidIdentifier(name)) {
      throw new FilterError(
        "invalid_sort",
        `Invalid sort field ${quoteForMessage(trimmed)} at position ${position}: expected [-|+]fieldName.`,
        position,
      );
    }
    fields.push(Object.freeze({ name, direction, position }));
  }
  return fields;
}

/** Inputs of `compileSort`. */
export interface CompileSortOptions {
  readonly resolver: FieldResolver;
  readonly dialect?: SqlDialect;
}

function compileField(field: SortField, options: CompileSortOptions, dialect: SqlDialect): SqlFragment {
  const direction = raw(field.direction);
  if (field.name === RANDOM_SORT_KEY) return dialect.random();
  if (field.name === ROWID_SORT_KEY) {
    const rowid = options.resolver.rowid?.();
    if (rowid === undefined) {
      throw new FilterError("invalid_sort", `Sorting by @rowid is not supported here.`, field.position);
    }
    return sql`${rowid} ${direction}`;
  }
  let resolution;
  try {
    resolution = options.resolver.resolve(field.name);
  } catch (error) {
    if (error instanceof FilterError) throw error.withPosition(field.position);
    throw error;
  }
  // Constants (e.g. @request.method) and unknown names cannot order rows (PocketBase rejects both).
  if (resolution === undefined || isResolvedConstant(resolution)) {
    throw new FilterError(
      "invalid_sort",
      `Invalid sort field ${quoteForMessage(field.name)} at position ${field.position}.`,
      field.position,
    );
  }
  let value: SqlFragment = { sql: resolution.sql, params: resolution.params ?? [] };
  // A value filters only under a condition (e.g. an auth record's email only where it is public):
  // sort by it under the same condition, as NULL elsewhere, so ordering reveals no more than
  // filtering does.
  const wrap = resolution.wrapCondition;
  if (wrap !== undefined) {
    value = sql`(CASE WHEN ${wrap(raw(dialect.booleanLiteral(true)))} THEN ${value} END)`;
  }
  return sql`${value} ${direction}`;
}

/** The ORDER BY list (without the keywords) for `fields`; empty SQL when there are none. */
export function compileSort(fields: readonly SortField[], options: CompileSortOptions): SqlFragment {
  const dialect = options.dialect ?? sqliteDialect;
  return joinSql(
    fields.map((field) => compileField(field, options, dialect)),
    ", ",
  );
}

/** Parses and compiles a sort string in one step. */
export function buildSort(
  input: string,
  options: CompileSortOptions & { readonly limits?: SortLimits },
): SqlFragment {
  return compileSort(parseSort(input, options.limits), options);
}
