/**
 * Compiles a filter AST to one SQL condition with positional `?` params.
 *
 * Operands are compiled first (literals are bound, macros are bound values computed from one
 * `now`, identifiers go through the `FieldResolver`, functions through the catalogue), then each
 * comparison is assembled by `buildComparison`. `&&`/`||` become parenthesised AND/OR lists, so
 * the result can be ANDed with other conditions as is.
 *
 * @example
 *   const resolver = new SimpleFieldResolver({ table: "_collections", fields: ["name", "type"] });
 *   compileFilter(parseFilter("name ~ 'post' && type = 'base'"), { resolver });
 *   // → { sql: "(`_collections`.`name` LIKE ? ESCAPE '\\' AND `_collections`.`type` = ?)",
 *   //     params: ["%post%", "base"] }
 */
import type { ExpressionNode, FunctionNode, IdentifierNode, OperandNode } from "./ast.ts";
import { isAnyOfOperator, visit } from "./ast.ts";
import type { Visitor } from "./ast.ts";
import { buildComparison } from "./comparison.ts";
import type { CompiledOperand, ComparisonContext } from "./comparison.ts";
import { sqliteDialect } from "./dialect.ts";
import type { SqlDialect } from "./dialect.ts";
import { FilterError, quoteForMessage } from "./errors.ts";
import type { FieldResolver, FieldResolution } from "./field-resolver.ts";
import { isResolvedConstant } from "./field-resolver.ts";
import { type FilterCache, sharedFilterCache } from "./filter-cache.ts";
import { FILTER_FUNCTIONS } from "./functions.ts";
import type { FilterLimits } from "./limits.ts";
import { isMacroName, macroValue } from "./macros.ts";
import type { SqlFragment, SqlValue } from "./sql.ts";
import { joinSql, param, raw, sql } from "./sql.ts";

/** Inputs of one compilation. */
export interface CompileOptions {
  /** Resolves every identifier that is not a macro or `null`/`true`/`false` literal. */
  readonly resolver: FieldResolver;
  /** SQL spelling; SQLite by default. */
  readonly dialect?: SqlDialect;
  /** The instant macros are computed from (default: the current time). */
  readonly now?: Date;
}

/** `CompileOptions` plus parsing options for `buildFilter`. */
export interface BuildFilterOptions extends CompileOptions {
  /** Parse limits; PocketBase's client-filter limits by default. */
  readonly limits?: FilterLimits;
  /** Reuse parsed ASTs for repeated filter strings (e.g. API rules). */
  readonly cache?: FilterCache;
}

interface CompileContext extends ComparisonContext {
  readonly resolver: FieldResolver;
  readonly now: Date;
  /** Whether the operands being compiled belong to a `?` (any-of) comparison. */
  readonly anyOf: boolean;
}

/** Literal keywords an unresolved identifier falls back to (PocketBase: case-insensitive). */
const KEYWORD_LITERALS: ReadonlyMap<string, null | boolean> = new Map([
  ["null", null],
  ["true", true],
  ["false", false],
]);

/** A compiled operand; fields not given are off (plain, non-constant, single-valued). */
function operand(fields: Partial<CompiledOperand> & Pick<CompiledOperand, "fragment">): CompiledOperand {
  return {
    noCoalesce: false,
    constant: undefined,
    multiMatch: undefined,
    wrapCondition: undefined,
    ...fields,
  };
}

/** A constant bound as a parameter; NULL is written inline as the keyword. */
function boundConstant(
  value: SqlValue | boolean,
  wrapCondition?: CompiledOperand["wrapCondition"],
): CompiledOperand {
  if (value === null)
    return operand({ fragment: raw("NULL"), constant: { value, bound: false }, wrapCondition });
  const bound = typeof value === "boolean" ? (value ? 1 : 0) : value;
  return operand({ fragment: param(bound), constant: { value, bound: true }, wrapCondition });
}

function resolve(node: IdentifierNode, context: CompileContext): FieldResolution | undefined {
  try {
    const resolver = context.resolver;
    if (context.anyOf && resolver.resolveAnyOf !== undefined) return resolver.resolveAnyOf(node.name);
    return resolver.resolve(node.name);
  } catch (error) {
    if (error instanceof FilterError) throw error.withPosition(node.start);
    throw error;
  }
}

function compileIdentifier(node: IdentifierNode, context: CompileContext): CompiledOperand {
  const name = node.name;
  if (isMacroName(name)) return boundConstant(macroValue(name, context.now, context.dialect));

  const resolution = resolve(node, context);
  if (resolution === undefined) {
    const keyword = name.toLowerCase();
    const literal = KEYWORD_LITERALS.get(keyword);
    if (literal === null) return operand({ fragment: raw("NULL"), constant: { value: null, bound: false } });
    if (literal !== undefined) {
      const fragment = raw(context.dialect.booleanLiteral(literal));
      return operand({ fragment, constant: { value: literal, bound: false } });
    }
    throw new FilterError(
      "unknown_field",
      `Unknown or unsupported field ${quoteForMessage(name)} at position ${node.start}.`,
      node.start,
    );
  }
  if (isResolvedConstant(resolution)) return boundConstant(resolution.value, resolution.wrapCondition);
  return operand({
    fragment: { sql: resolution.sql, params: resolution.params ?? [] },
    noCoalesce: resolution.noCoalesce === true,
    multiMatch: resolution.multiMatch,
    wrapCondition: resolution.wrapCondition,
  });
}

function compileFunction(node: FunctionNode, context: CompileContext): CompiledOperand {
  const compiler = FILTER_FUNCTIONS.get(node.name);
  if (compiler === undefined) {
    throw new FilterError(
      "invalid_function",
      `Unknown function ${quoteForMessage(node.name)} at position ${node.start} (available: ${[...FILTER_FUNCTIONS.keys()].join(", ")}).`,
      node.start,
    );
  }
  // Wrappers of the arguments (e.g. email visibility) still apply to the whole comparison.
  const wrappers: ((condition: SqlFragment) => SqlFragment)[] = [];
  const compileArgument = (argument: OperandNode): CompiledOperand => {
    const compiled = visit(operandCompiler, argument, { ...context, anyOf: false });
    if (compiled.wrapCondition !== undefined) wrappers.push(compiled.wrapCondition);
    return compiled;
  };
  const fragment = compiler(node, compileArgument, context.dialect);
  const wrapCondition =
    wrappers.length === 0
      ? undefined
      : (condition: SqlFragment) => wrappers.reduce((result, wrap) => wrap(result), condition);
  return operand({ fragment, noCoalesce: true, wrapCondition });
}

const operandCompiler: Visitor<OperandNode, CompiledOperand, CompileContext> = {
  identifier: compileIdentifier,
  text: (node) => boundConstant(node.value),
  number: (node) => boundConstant(node.value),
  function: compileFunction,
};

const expressionCompiler: Visitor<ExpressionNode, SqlFragment, CompileContext> = {
  comparison: (node, context) => {
    const operands = { ...context, anyOf: isAnyOfOperator(node.operator) };
    return buildComparison(
      node.operator,
      visit(operandCompiler, node.left, operands),
      visit(operandCompiler, node.right, operands),
      context,
    );
  },
  logical: (node, context) => {
    const parts = node.items.map((item) => visit(expressionCompiler, item, context));
    return sql`(${joinSql(parts, node.operator === "&&" ? " AND " : " OR ")})`;
  },
};

/** Compiles a parsed filter into an SQL condition; throws `FilterError` for unusable identifiers. */
export function compileFilter(node: ExpressionNode, options: CompileOptions): SqlFragment {
  let aliases = 0;
  const context: CompileContext = {
    resolver: options.resolver,
    dialect: options.dialect ?? sqliteDialect,
    now: options.now ?? new Date(),
    nextAlias: (prefix) => `${prefix}${++aliases}`,
    anyOf: false,
  };
  return visit(expressionCompiler, node, context);
}

/** Parses (through the given cache, else the shared one) and compiles a filter string in one step. */
export function buildFilter(filter: string, options: BuildFilterOptions): SqlFragment {
  const node = (options.cache ?? sharedFilterCache).parse(filter, options.limits);
  return compileFilter(node, options);
}
