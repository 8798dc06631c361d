/**
 * Builds the SQL of one `left OP right` comparison from already compiled operands, following
 * PocketBase's operator semantics (tools/search/filter.go):
 *
 * - `=` / `!=` normalise NULL and '' so that a missing value equals '' unless an operand opts out
 *   (`noCoalesce`), and pick the cheapest correct form (see `equality`);
 * - `~` / `!~` mean "contains" (see like.ts);
 * - `< <= > >=` are plain SQL comparisons;
 * - without the `?` prefix, a multi-valued operand must match for ALL its values (NOT EXISTS
 *   over the resolver's `multiMatch` subquery); with `?` one matching joined row is enough.
 */
import { baseOperator, isAnyOfOperator } from "./ast.ts";
import type { SqlDialect } from "./dialect.ts";
import type { MultiMatchSubquery } from "./field-resolver.ts";
import type { ComparisonOperator } from "./lexer.ts";
import { constantText, likePattern } from "./like.ts";
import type { SqlFragment, SqlValue } from "./sql.ts";
import { param, raw, sql } from "./sql.ts";

/** A compiled operand plus what the operator semantics need to know about it. */
export interface CompiledOperand {
  readonly fragment: SqlFragment;
  /** Compare with IS / IS NOT, never COALESCE (JSON extracts, function results). */
  readonly noCoalesce: boolean;
  /** Set for literals and resolver constants; `bound` is false for inline NULL/1/0 keywords. */
  readonly constant: { readonly value: SqlValue | boolean; readonly bound: boolean } | undefined;
  readonly multiMatch: MultiMatchSubquery | undefined;
  readonly wrapCondition: ((condition: SqlFragment) => SqlFragment) | undefined;
}

/** What `buildComparison` needs from the compile session. */
export interface ComparisonContext {
  readonly dialect: SqlDialect;
  /** A fresh alias with the given prefix, unique within the compiled statement. */
  nextAlias(prefix: string): string;
}

const EMPTY_TEXT = raw("''");

function isEmpty(operand: CompiledOperand): boolean {
  const constant = operand.constant;
  return constant !== undefined && (constant.value === null || constant.value === "");
}

function isKnownNonEmpty(operand: CompiledOperand): boolean {
  return operand.constant !== undefined && !isEmpty(operand);
}

/**
 * `=` / `!=` with PocketBase's NULL/'' normalisation. `!=` always uses `IS NOT`, because
 * `'x' != NULL` is NULL (not true) in SQL. The `(a = '' OR a IS NULL)` forms are preferred to
 * `COALESCE(a, '') = ''` because they can use an index.
 */
function equality(equal: boolean, left: CompiledOperand, right: CompiledOperand): SqlFragment {
  const op = equal ? "=" : "IS NOT";
  const l = left.fragment;
  const r = right.fragment;
  if (left.noCoalesce || right.noCoalesce) {
    return equal ? sql`${l} IS ${r}` : sql`${l} IS NOT ${r}`;
  }
  const leftEmpty = isEmpty(left);
  const rightEmpty = isEmpty(right);
  if (leftEmpty && rightEmpty) return raw(`'' ${op} ''`);
  if (isKnownNonEmpty(left) || isKnownNonEmpty(right)) {
    return sql`${leftEmpty ? EMPTY_TEXT : l} ${raw(op)} ${rightEmpty ? EMPTY_TEXT : r}`;
  }
  if (leftEmpty) {
    return equal ? sql`('' = ${r} OR ${r} IS NULL)` : sql`('' IS NOT ${r} AND ${r} IS NOT NULL)`;
  }
  if (rightEmpty) {
    return equal ? sql`(${l} = '' OR ${l} IS NULL)` : sql`(${l} IS NOT '' AND ${l} IS NOT NULL)`;
  }
  return sql`COALESCE(${l}, '') ${raw(op)} COALESCE(${r}, '')`;
}

function like(
  negated: boolean,
  left: CompiledOperand,
  right: CompiledOperand,
  dialect: SqlDialect,
): SqlFragment {
  const constant = right.constant;
  if (
    constant !== undefined &&
    constant.bound &&
    constant.value !== null &&
    !(constant.value instanceof Uint8Array)
  ) {
    return dialect.like(left.fragment, param(likePattern(constantText(constant.value))), negated);
  }
  // A column (or NULL/true/false keyword) on the right: "contains its value", unescaped.
  const pattern = dialect.concat([raw("'%'"), right.fragment, raw("'%'")]);
  return dialect.like(left.fragment, pattern, negated);
}

/** The comparison without multi-value handling or wrappers. */
function plainCondition(
  operator: ComparisonOperator,
  left: CompiledOperand,
  right: CompiledOperand,
  dialect: SqlDialect,
): SqlFragment {
  const base = baseOperator(operator);
  switch (base) {
    case "=":
      return equality(true, left, right);
    case "!=":
      return equality(false, left, right);
    case "~":
      return like(false, left, right, dialect);
    case "!~":
      return like(true, left, right, dialect);
    case "<":
    case "<=":
    case ">":
    case ">=":
      return sql`${left.fragment} ${raw(base)} ${right.fragment}`;
  }
}

function subquery(multiMatch: MultiMatchSubquery, dialect: SqlDialect): SqlFragment {
  let query = sql`SELECT ${multiMatch.value} AS ${raw(dialect.quoteIdentifier("multiMatchValue"))} FROM ${multiMatch.from}`;
  for (const join of multiMatch.joins ?? []) query = sql`${query} ${join}`;
  if (multiMatch.where !== undefined) query = sql`${query} WHERE ${multiMatch.where}`;
  return query;
}

function valueOperand(alias: string, noCoalesce: boolean, dialect: SqlDialect): CompiledOperand {
  return {
    fragment: dialect.column(alias, "multiMatchValue"),
    noCoalesce,
    constant: undefined,
    multiMatch: undefined,
    wrapCondition: undefined,
  };
}

/**
 * The "counterexample" predicate: a value for which the condition is not true. Every operator
 * but `=` also counts NULL values (missing related rows) as counterexamples; `=` skips that so
 * that `rel.id = ''` can still match empty relations through the COALESCE (PocketBase).
 */
function counterexample(
  operator: ComparisonOperator,
  condition: SqlFragment,
  values: readonly SqlFragment[],
): SqlFragment {
  let result = sql`NOT (${condition})`;
  if (operator === "=") return result;
  for (const value of values) result = sql`${result} OR ${value} IS NULL`;
  return sql`(${result})`;
}

function allValuesMatch(
  operator: ComparisonOperator,
  left: CompiledOperand,
  right: CompiledOperand,
  context: ComparisonContext,
): SqlFragment | undefined {
  const { dialect } = context;
  const leftMany = left.multiMatch;
  const rightMany = right.multiMatch;
  if (leftMany !== undefined && rightMany !== undefined) {
    const la = context.nextAlias("__ml");
    const ra = context.nextAlias("__mr");
    const l = valueOperand(la, left.noCoalesce, dialect);
    const r = valueOperand(ra, right.noCoalesce, dialect);
    const where = counterexample(operator, plainCondition(operator, l, r, dialect), [l.fragment, r.fragment]);
    return sql`NOT EXISTS (SELECT 1 FROM (${subquery(leftMany, dialect)}) ${raw(dialect.quoteIdentifier(la))} LEFT JOIN (${subquery(rightMany, dialect)}) ${raw(dialect.quoteIdentifier(ra))} WHERE ${where})`;
  }
  const many = leftMany ?? rightMany;
  if (many === undefined) return undefined;
  const alias = context.nextAlias("__sm");
  const manySide = leftMany !== undefined ? left : right;
  const otherSide = leftMany !== undefined ? right : left;
  const value = valueOperand(alias, manySide.noCoalesce, dialect);
  const other: CompiledOperand = { ...otherSide, multiMatch: undefined, wrapCondition: undefined };
  const condition =
    leftMany !== undefined
      ? plainCondition(operator, value, other, dialect)
      : plainCondition(operator, other, value, dialect);
  const where = counterexample(operator, condition, [value.fragment]);
  return sql`NOT EXISTS (SELECT 1 FROM (${subquery(many, dialect)}) ${raw(dialect.quoteIdentifier(alias))} WHERE ${where})`;
}

/** SQL for `left OPERATOR right`, including multi-value and resolver wrappers. */
export function buildComparison(
  operator: ComparisonOperator,
  left: CompiledOperand,
  right: CompiledOperand,
  context: ComparisonContext,
): SqlFragment {
  let condition = plainCondition(operator, left, right, context.dialect);
  if (!isAnyOfOperator(operator)) {
    const all = allValuesMatch(operator, left, right, context);
    if (all !== undefined) condition = sql`(${condition} AND ${all})`;
  }
  if (left.wrapCondition !== undefined) condition = left.wrapCondition(condition);
  if (right.wrapCondition !== undefined) condition = right.wrapCondition(condition);
  return condition;
}
