/**
 * What a compiled rule or filter takes from the request (issue 17): the `@request.*`
 * identifiers it reads, the constant each one resolves to for this request, and the request's
 * "shape" (what the compiler's SQL depends on besides those values). Two requests with the same
 * shape compile to the same SQL with different bound values, which is what lets the rule
 * templates (record-rule-cache.ts) and the list statements (record-list-cache.ts) be reused.
 *
 * The shape, for every `@request.*` identifier: a slot when it is a non-empty text, or its
 * exact value when it is empty, NULL, a boolean or a number. A filter whose `@request.*` need
 * SQL (`@request.auth.rel.x`, `@request.body.rel.x`, `:each`, `:lower`, `:changed`), or that
 * uses a date macro (`@now`…: its value is the clock's), has no shape and compiles per request.
 */
import type { ExpressionNode, OperandNode } from "../../query/ast.ts";
import type { FieldResolution } from "../../query/field-resolver.ts";
import { isResolvedConstant } from "../../query/field-resolver.ts";
import { isMacroName } from "../../query/macros.ts";
import type { SqlValue } from "../../query/sql.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { RequestInfo } from "../hook-events.ts";
import type { RequestScope } from "./record-field-resolver-request.ts";
import { resolveRequestField } from "./record-field-resolver-request.ts";

/** The constant each `@request.*` identifier resolves to, in the identifiers' order. */
export type RequestValues = Map<string, SqlValue | boolean>;

/** Whether an identifier is read from the request (and so may become a template slot). */
export function isRequestIdentifier(identifier: string): boolean {
  return identifier.startsWith("@request.");
}

/** The distinct `@request.*` identifiers of a filter, or null when it uses a date macro. */
export function requestIdentifiers(node: ExpressionNode): string[] | null {
  const found = new Set<string>();
  let macro = false;
  const operand = (o: OperandNode): void => {
    if (o.kind === "identifier") {
      if (isMacroName(o.name)) macro = true;
      else if (isRequestIdentifier(o.name)) found.add(o.name);
    } else if (o.kind === "function") {
      o.args.forEach(operand);
    }
  };
  const expression = (e: ExpressionNode): void => {
    if (e.kind === "logical") e.items.forEach(expression);
    else {
      operand(e.left);
      operand(e.right);
    }
  };
  expression(node);
  return macro ? null : [...found];
}

/** Thrown by the look-up scope when an identifier needs SQL: the filter then has no shape. */
const NEEDS_SQL = new Error("needs SQL");

function throwNeedsSql(): never {
  throw NEEDS_SQL;
}

/**
 * The constant each `@request.*` identifier resolves to for this request (the same function
 * the resolver calls), or null when one is not a plain constant (or is invalid: the direct
 * compile then reports it as before). `collection` types `@request.body.*`.
 */
export function requestValues(
  identifiers: readonly string[],
  collection: Collection,
  requestInfo: RequestInfo | null,
): RequestValues | null {
  const values: RequestValues = new Map();
  if (identifiers.length === 0) return values;
  const scope: RequestScope = {
    collection,
    requestInfo,
    bodyEach: throwNeedsSql,
    bodyRelation: throwNeedsSql,
    authPath: throwNeedsSql,
    changed: throwNeedsSql,
  };
  for (const identifier of identifiers) {
    let resolution: FieldResolution;
    try {
      resolution = resolveRequestField(identifier, identifier.split("."), scope);
    } catch {
      return null;
    }
    if (!isResolvedConstant(resolution) || resolution.wrapCondition !== undefined) return null;
    const value = resolution.value;
    if (value instanceof Uint8Array) return null;
    values.set(identifier, value);
  }
  return values;
}

/** The request's shape: a slot for each non-empty text, the exact value of anything else. */
export function shapeKey(values: ReadonlyMap<string, SqlValue | boolean>): string {
  let key = "";
  for (const value of values.values()) {
    if (typeof value === "string") key += value === "" ? "e" : "s";
    else if (value === null) key += "n";
    else if (typeof value === "boolean") key += value ? "t" : "f";
    else key += `${typeof value === "bigint" ? "i" : "d"}${String(value)};`;
  }
  return key;
}
