/**
 * SQL fragments: a piece of SQL text plus the values bound to its `?` placeholders, in order.
 *
 * Everything the query layer emits is built from fragments so that placeholders and values can
 * never drift apart: concatenating fragments concatenates their params in the same order as the
 * text. Values enter SQL only through `param()`; `raw()` is for text the code itself wrote
 * (keywords, quoted identifiers), never for user input.
 */

/** A value node:sqlite can bind to a positional `?` placeholder. */
export type SqlValue = null | number | bigint | string | Uint8Array;

/** SQL text with positional `?` placeholders and the values bound to them. */
export interface SqlFragment {
  readonly sql: string;
  readonly params: readonly SqlValue[];
}

const NO_PARAMS: readonly SqlValue[] = Object.freeze([]);

/** Trusted SQL text without parameters (keywords, quoted identifiers); never user input. */
export function raw(text: string): SqlFragment {
  return { sql: text, params: NO_PARAMS };
}

/** A single bound value: `?`. */
export function param(value: SqlValue): SqlFragment {
  return { sql: "?", params: [value] };
}

/**
 * Template tag that splices fragments into trusted SQL text, keeping params in text order.
 *
 * @example sql`${left} = ${right}` // {sql: "`t`.`a` = ?", params: ["x"]}
 */
export function sql(strings: TemplateStringsArray, ...parts: readonly SqlFragment[]): SqlFragment {
  let text = strings[0] ?? "";
  const params: SqlValue[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    text += part.sql + (strings[i + 1] ?? "");
    for (const value of part.params) params.push(value);
  }
  return { sql: text, params };
}

/** Joins fragments with a trusted separator (e.g. `" AND "`, `", "`). */
export function joinSql(parts: readonly SqlFragment[], separator: string): SqlFragment {
  const params: SqlValue[] = [];
  const texts: string[] = [];
  for (const part of parts) {
    texts.push(part.sql);
    for (const value of part.params) params.push(value);
  }
  return { sql: texts.join(separator), params };
}

/** Copies a fragment into a plain mutable `{sql, params}` object ready for `stmt.all(...params)`. */
export function toStatement(fragment: SqlFragment): { sql: string; params: SqlValue[] } {
  return { sql: fragment.sql, params: [...fragment.params] };
}
