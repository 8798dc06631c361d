/**
 * `{:name}` placeholders in a filter (PocketBase's `FilterData.BuildExpr` params), e.g.
 * `app.findRecordsByFilter("posts", "author = {:id} && views > {:min}", "", 0, 0, { id, min: 10 })`.
 *
 * Each placeholder is replaced in the filter text by a literal of its value, as PocketBase
 * does: `null`, numbers and booleans as they are spelled, anything else as a quoted text (an
 * object as its JSON). The filter is parsed after that, so the value is a literal of the filter
 * language and reaches SQL as a bound parameter, never as SQL text.
 */

/** Placeholder values by name (several objects are merged, later ones win). */
export type FilterParams = { readonly [name: string]: unknown };

/** A value as a literal of the filter language. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean")
    return String(value);
  let text: string;
  if (typeof value === "string") text = value;
  else if (value instanceof Date) text = value.toISOString().replace("T", " ");
  else text = JSON.stringify(value) ?? "";
  // The lexer's only escape is a backslash before the quote that opened the text.
  return `"${text.replaceAll('"', '\\"')}"`;
}

/** Replaces every `{:name}` of `filter` by the literal of its value; unknown names stay. */
export function bindFilterParams(
  filter: string,
  ...params: readonly (FilterParams | null | undefined)[]
): string {
  const values: { [name: string]: unknown } = {};
  for (const p of params) if (p) Object.assign(values, p);
  if (Object.keys(values).length === 0) return filter;
  return filter.replace(/\{:(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? literal(values[name]) : whole,
  );
}
