/**
 * Behaviour shared by the list-valued types (select, relation, file): a field with
 * `maxSelect` > 1 holds a list of unique non-empty strings, otherwise a single string (the
 * LAST of several given). Lists are stored as JSON text, single values as plain text.
 */
import type { SQLInputValue } from "node:sqlite";
import { goJsonMarshal, toUniqueStrings } from "./cast.ts";
import type { Modifier } from "./field.ts";

/** The options the list helpers need. */
export interface MultiValued {
  readonly maxSelect: number;
}

/** Whether the field holds a list. */
export const isMultiValued = (field: MultiValued): boolean => field.maxSelect > 1;

/** Column DDL: a JSON list or a plain text column. */
export const multiColumnType = (field: MultiValued): string =>
  isMultiValued(field) ? "JSON DEFAULT '[]' NOT NULL" : "TEXT DEFAULT '' NOT NULL";

/** Casts any input (list, JSON-array text, plain string, DB value) to the canonical value. */
export function prepareMulti(field: MultiValued, raw: unknown): string | string[] {
  // The usual stored single value (a plain id or option, no JSON list in it) is itself.
  if (typeof raw === "string" && !isMultiValued(field) && !raw.includes("[")) return raw;
  const values = toUniqueStrings(raw);
  if (isMultiValued(field)) return values;
  return values.at(-1) ?? "";
}

/** The canonical value as an SQL value: JSON text for lists (Go encoding), text otherwise. */
export function multiToDb(field: MultiValued, value: unknown): SQLInputValue {
  const prepared = prepareMulti(field, value);
  return typeof prepared === "string" ? prepared : goJsonMarshal(prepared);
}

/** The record JSON value: `[]`/list or `""`/string (prepared values pass through as they are). */
export function multiToJson(field: MultiValued, value: unknown): string | string[] {
  const multi = isMultiValued(field);
  if (multi && Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
  if (!multi && typeof value === "string") return value;
  return prepareMulti(field, value);
}

/** The values as a list whatever the field's cardinality (for validation). */
export const multiValues = (value: unknown): string[] => toUniqueStrings(value);

/** `field+` appends, `+field` prepends, `field-` removes the given values; the result is re-cast. */
export function applyMultiModifier(
  field: MultiValued,
  modifier: Modifier,
  current: unknown,
  input: unknown,
): string | string[] | undefined {
  const existing = toUniqueStrings(current);
  const given = toUniqueStrings(input);
  switch (modifier) {
    case "append":
      return prepareMulti(field, [...existing, ...given]);
    case "prepend":
      return prepareMulti(field, [...given, ...existing]);
    case "subtract":
      return prepareMulti(
        field,
        existing.filter((v) => !given.includes(v)),
      );
    case "autogenerate":
      return undefined;
  }
}
