/**
 * The filter AST: frozen, readonly nodes discriminated by `kind`, each with a companion
 * `{create, is}` object (the Kysely operation-node pattern), plus a visitor type keyed by kind so
 * that adding a node kind fails to compile until every visitor handles it.
 *
 * Offsets (`start`/`end`) point into the parsed string for error messages; nodes built with
 * `create` in code default them to 0.
 */
import type { ComparisonOperator } from "./lexer.ts";

/** Source offsets of a node. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

const NO_SPAN: Span = Object.freeze({ start: 0, end: 0 });

/** A bare name: field path, macro, `null`/`true`/`false`, `@request.*`… (`a.b:each`). */
export interface IdentifierNode extends Span {
  readonly kind: "identifier";
  readonly name: string;
}

/** A quoted text literal; `value` has quotes and escapes removed. */
export interface TextNode extends Span {
  readonly kind: "text";
  readonly value: string;
}

/** A number literal; `raw` keeps the source spelling for printing. */
export interface NumberNode extends Span {
  readonly kind: "number";
  readonly value: number;
  readonly raw: string;
}

/** A function call such as `geoDistance(lon, lat, 1, 2)` or `strftime('%Y', created)`. */
export interface FunctionNode extends Span {
  readonly kind: "function";
  readonly name: string;
  readonly args: readonly OperandNode[];
}

/** `left OP right`, the only leaf condition of the language. */
export interface ComparisonNode extends Span {
  readonly kind: "comparison";
  readonly left: OperandNode;
  readonly operator: ComparisonOperator;
  readonly right: OperandNode;
}

/** Two or more conditions joined by the same `&&` or `||`. */
export interface LogicalNode extends Span {
  readonly kind: "logical";
  readonly operator: "&&" | "||";
  readonly items: readonly ExpressionNode[];
}

/** Nodes that can stand on either side of a comparison. */
export type OperandNode = IdentifierNode | TextNode | NumberNode | FunctionNode;
/** Nodes that evaluate to true/false: a whole filter is one of these. */
export type ExpressionNode = ComparisonNode | LogicalNode;
/** Every node of the filter AST. */
export type FilterNode = OperandNode | ExpressionNode;
/** The discriminants of all nodes. */
export type NodeKind = FilterNode["kind"];
/** The node type for one kind. */
export type NodeOfKind<K extends NodeKind> = Extract<FilterNode, { kind: K }>;

/**
 * A table of handlers, one per kind of the node union `N`. Being a mapped type over the kinds, it
 * rejects a table that misses a kind, so a new node kind cannot compile without its case.
 */
export type Visitor<N extends FilterNode, R, C = undefined> = {
  readonly [K in N["kind"]]: (node: Extract<N, { kind: K }>, context: C) => R;
};

/** Dispatches `node` to its handler in `visitor`. */
export function visit<N extends FilterNode, R, C>(visitor: Visitor<N, R, C>, node: N, context: C): R {
  // TypeScript cannot correlate `visitor[node.kind]` with `node`; the mapped type guarantees it.
  const handler = visitor[node.kind as N["kind"]] as (node: N, context: C) => R;
  return handler(node, context);
}

/** Companion for identifier nodes. */
export const IdentifierNode = Object.freeze({
  is(node: FilterNode): node is IdentifierNode {
    return node.kind === "identifier";
  },
  create(name: string, span: Span = NO_SPAN): IdentifierNode {
    return Object.freeze({ kind: "identifier", name, start: span.start, end: span.end });
  },
});

/** Companion for text nodes. */
export const TextNode = Object.freeze({
  is(node: FilterNode): node is TextNode {
    return node.kind === "text";
  },
  create(value: string, span: Span = NO_SPAN): TextNode {
    return Object.freeze({ kind: "text", value, start: span.start, end: span.end });
  },
});

/** Companion for number nodes. */
export const NumberNode = Object.freeze({
  is(node: FilterNode): node is NumberNode {
    return node.kind === "number";
  },
  create(value: number, span: Span = NO_SPAN, raw = String(value)): NumberNode {
    return Object.freeze({ kind: "number", value, raw, start: span.start, end: span.end });
  },
});

/** Companion for function nodes. */
export const FunctionNode = Object.freeze({
  is(node: FilterNode): node is FunctionNode {
    return node.kind === "function";
  },
  create(name: string, args: readonly OperandNode[], span: Span = NO_SPAN): FunctionNode {
    return Object.freeze({
      kind: "function",
      name,
      args: Object.freeze([...args]),
      start: span.start,
      end: span.end,
    });
  },
});

/** Companion for comparison nodes. */
export const ComparisonNode = Object.freeze({
  is(node: FilterNode): node is ComparisonNode {
    return node.kind === "comparison";
  },
  create(
    left: OperandNode,
    operator: ComparisonOperator,
    right: OperandNode,
    span: Span = { start: left.start, end: right.end },
  ): ComparisonNode {
    return Object.freeze({ kind: "comparison", left, operator, right, start: span.start, end: span.end });
  },
});

/** Companion for logical (`&&`/`||`) nodes. */
export const LogicalNode = Object.freeze({
  is(node: FilterNode): node is LogicalNode {
    return node.kind === "logical";
  },
  create(operator: "&&" | "||", items: readonly ExpressionNode[], span?: Span): LogicalNode {
    if (items.length < 2) throw new RangeError("a logical node needs at least two items");
    const first = items[0]!;
    const last = items[items.length - 1]!;
    return Object.freeze({
      kind: "logical",
      operator,
      items: Object.freeze([...items]),
      start: span?.start ?? first.start,
      end: span?.end ?? last.end,
    });
  },
});

/** True for the `?`-prefixed "at least one value matches" operators. */
export function isAnyOfOperator(operator: ComparisonOperator): boolean {
  return operator.charCodeAt(0) === 63; /* ? */
}

/** The operator without its `?` prefix (`?!=` → `!=`). */
export function baseOperator(
  operator: ComparisonOperator,
): "=" | "!=" | ">" | ">=" | "<" | "<=" | "~" | "!~" {
  return (isAnyOfOperator(operator) ? operator.slice(1) : operator) as ReturnType<typeof baseOperator>;
}
