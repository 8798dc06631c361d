/**
 * Identifier syntax for the record field resolver: path segments, `:modifiers`, the errors for
 * malformed or refused names, and the field facts the resolver branches on (multiple values,
 * single-column unique indexes for back-relations).
 */
import { FilterError, quoteForMessage } from "../../query/errors.ts";
import type { FieldResolution } from "../../query/field-resolver.ts";
import type { Field } from "../fields/registry.ts";
import { getFieldType } from "../fields/registry.ts";

/** A modifier on the last path segment (`""` when there is none). */
export type Modifier = "" | "each" | "isset" | "length" | "lower" | "changed";

const MODIFIERS: ReadonlySet<string> = new Set(["each", "isset", "length", "lower", "changed"]);

/** One path segment: a name with an optional `:modifier` (validated by `splitModifier`). */
export const SEGMENT = /^\w+(?::\w*)?$/;
/** A plain name (JSON path segments, collection aliases). */
export const NAME = /^\w+$/;

/** The resolution of a name that exists but has no value here (`@request.*` paths). */
export const NULL_CONSTANT: FieldResolution = Object.freeze({ value: null });

/** A malformed or unresolvable identifier (400). */
export function invalid(identifier: string, reason: string): FilterError {
  return new FilterError("unknown_field", `Invalid field ${quoteForMessage(identifier)}: ${reason}.`);
}

/** A hidden field in a filter that may not see hidden fields (400, PocketBase's wording). */
export function nonFilterable(name: string): FilterError {
  return new FilterError("unknown_field", `Non-filterable field ${quoteForMessage(name)}.`);
}

/** `name:modifier` → its parts; an unknown modifier is an error. */
export function splitModifier(identifier: string, segment: string): { name: string; modifier: Modifier } {
  const colon = segment.indexOf(":");
  if (colon === -1) return { name: segment, modifier: "" };
  const modifier = segment.slice(colon + 1);
  if (!MODIFIERS.has(modifier)) throw invalid(identifier, `unknown modifier ":${modifier}"`);
  return { name: segment.slice(0, colon), modifier: modifier as Modifier };
}

/** Every segment is `name` or `name:modifier`; only the last may carry a modifier. */
export function checkSegments(identifier: string, segments: readonly string[]): void {
  segments.forEach((segment, i) => {
    if (!SEGMENT.test(segment)) {
      throw invalid(identifier, `malformed path segment ${quoteForMessage(segment)}`);
    }
    if (i < segments.length - 1 && segment.includes(":")) {
      throw invalid(identifier, "modifiers are only allowed on the last path segment");
    }
  });
}

/** The names of a (checked) path, with the last segment's modifier split off. */
export function splitPath(
  identifier: string,
  segments: readonly string[],
): { names: string[]; modifier: Modifier } {
  const names = [...segments];
  const { name, modifier } = splitModifier(identifier, names.pop() ?? "");
  names.push(name);
  return { names, modifier };
}

/** Whether the field holds a list (multiple select/relation/file). */
export function isMultiple(field: Field): boolean {
  return getFieldType(field.type).isMultiple(field);
}

const MULTI_VALUER_TYPES: ReadonlySet<string> = new Set(["select", "relation", "file"]);

/** Rejects `:each`/`:length` on fields that are never lists (PocketBase's `MultiValuer`). */
export function requireMultiValuer(identifier: string, field: Field): void {
  if (!MULTI_VALUER_TYPES.has(field.type)) {
    throw invalid(identifier, `${quoteForMessage(field.name)} doesn't support multi-value operations`);
  }
}

/** Whether `indexes` has a `CREATE UNIQUE INDEX … (column)` on exactly that one column. */
export function hasSingleColumnUniqueIndex(indexes: readonly string[], column: string): boolean {
  return indexes.some((definition) => {
    const columns = /^\s*create\s+unique\s+index\b[^(]*\(([^)]*)\)/i.exec(definition)?.[1]?.split(",") ?? [];
    if (columns.length !== 1) return false;
    const name = /^\s*[`"[]?(\w+)[`"\]]?(?:\s+collate\s+\w+)?(?:\s+(?:asc|desc))?\s*$/i.exec(
      columns[0] ?? "",
    );
    return name?.[1]?.toLowerCase() === column.toLowerCase();
  });
}
