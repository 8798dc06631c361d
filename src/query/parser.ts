/**
 * Recursive-descent parser for the filter language.
 *
 * Precedence. fexpr itself has none: it returns a flat list of `{join, expr}` items per
 * parenthesised group, and PocketBase's tools/search/filter.go writes that list straight into SQL
 * as `a AND b OR c`, wrapping each group in parentheses. The grouping users actually get is
 * therefore SQL's: `&&` binds tighter than `||`, both left-associative. We build that grouping
 * explicitly (`a && b || c` → `(a && b) || c`), which compiles to SQL with the same meaning and
 * lets in-memory evaluators and printers work on a tree.
 *
 * Grammar:
 *   filter     = or EOF
 *   or         = and { "||" and }
 *   and        = primary { "&&" primary }
 *   primary    = "(" or ")" | comparison
 *   comparison = operand OPERATOR operand
 *   operand    = IDENTIFIER | NUMBER | TEXT | FUNCTION "(" [ operand { "," operand } [ "," ] ] ")"
 *
 * The recursion depth is bounded by `limits.maxDepth` (parentheses) and
 * `limits.maxFunctionDepth` (calls), checked before descending, so no input can overflow the
 * stack. An empty filter (only whitespace/comments) is an error, as in PocketBase.
 */
import type { ExpressionNode, OperandNode } from "./ast.ts";
import { ComparisonNode, FunctionNode, IdentifierNode, LogicalNode, NumberNode, TextNode } from "./ast.ts";
import { FilterError, quoteForMessage } from "./errors.ts";
import { Lexer, isComparisonOperator } from "./lexer.ts";
import type { Token } from "./lexer.ts";
import { DEFAULT_FILTER_LIMITS, utf8LengthUpTo } from "./limits.ts";
import type { FilterLimits } from "./limits.ts";

/** Parses a filter string into its AST, or throws a positioned `FilterError`. */
export function parseFilter(input: string, limits: FilterLimits = DEFAULT_FILTER_LIMITS): ExpressionNode {
  const length = utf8LengthUpTo(input, limits.maxLength);
  if (length > limits.maxLength) {
    throw new FilterError(
      "limit",
      `The filter is too long (more than ${limits.maxLength} bytes); simplify it or split the request.`,
      limits.maxLength,
    );
  }
  return new Parser(input, limits).parse();
}

function describe(token: Token): string {
  switch (token.type) {
    case "eof":
      return "the end of the filter";
    case "text":
      return `text ${quoteForMessage(token.value)}`;
    case "identifier":
    case "function":
    case "number":
    case "operator":
    case "join":
      return `${token.type} ${quoteForMessage(token.value)}`;
    case "(":
    case ")":
    case ",":
      return `"${token.type}"`;
  }
}

class Parser {
  private readonly lexer: Lexer;
  private readonly limits: FilterLimits;
  private token: Token;
  private expressions = 0;

  constructor(input: string, limits: FilterLimits) {
    this.lexer = new Lexer(input);
    this.limits = limits;
    this.token = this.lexer.next();
  }

  parse(): ExpressionNode {
    if (this.token.type === "eof") {
      throw new FilterError(
        "syntax",
        "The filter is empty: expected an expression such as `title = 'x'`.",
        0,
      );
    }
    const node = this.parseOr(0);
    if (!this.at("eof")) {
      const expected = this.token.type === ")" ? "no closing parenthesis without an opening one" : "&& or ||";
      throw this.error(`Expected ${expected} at position ${this.token.start}, got ${describe(this.token)}.`);
    }
    return node;
  }

  /** True when the current token has `type` (a method, so TypeScript does not over-narrow). */
  private at(type: Token["type"]): boolean {
    return this.token.type === type;
  }

  private advance(): Token {
    const current = this.token;
    this.token = this.lexer.next();
    return current;
  }

  private error(message: string, position = this.token.start): FilterError {
    return new FilterError("syntax", message, position);
  }

  private parseOr(depth: number): ExpressionNode {
    return this.parseJoined("||", () => this.parseAnd(depth));
  }

  private parseAnd(depth: number): ExpressionNode {
    return this.parseJoined("&&", () => this.parsePrimary(depth));
  }

  private parseJoined(operator: "&&" | "||", item: () => ExpressionNode): ExpressionNode {
    const first = item();
    if (this.token.type !== "join" || this.token.value !== operator) return first;
    const items = [first];
    while (this.token.type === "join" && this.token.value === operator) {
      this.advance();
      items.push(item());
    }
    return LogicalNode.create(operator, items);
  }

  private parsePrimary(depth: number): ExpressionNode {
    if (this.token.type !== "(") return this.parseComparison();
    const open = this.advance();
    if (depth + 1 > this.limits.maxDepth) {
      throw new FilterError(
        "limit",
        `Parentheses are nested more than ${this.limits.maxDepth} levels deep at position ${open.start}.`,
        open.start,
      );
    }
    if (this.at(")")) throw this.error(`Empty parentheses at position ${open.start}.`, open.start);
    const inner = this.parseOr(depth + 1);
    if (!this.at(")")) {
      throw this.error(
        `Expected ")" to close the "(" at position ${open.start}, got ${describe(this.token)} at position ${this.token.start}.`,
      );
    }
    this.advance();
    return inner;
  }

  private parseComparison(): ExpressionNode {
    const left = this.parseOperand("left", 0);
    const operatorToken = this.token;
    if (operatorToken.type !== "operator" || !isComparisonOperator(operatorToken.value)) {
      throw this.error(
        `Expected an operator (= != > >= < <= ~ !~ or a ?-form) at position ${operatorToken.start}, got ${describe(operatorToken)}.`,
      );
    }
    this.advance();
    const right = this.parseOperand("right", 0);
    this.expressions++;
    if (this.expressions > this.limits.maxExpressions) {
      throw new FilterError(
        "limit",
        `The filter has more than ${this.limits.maxExpressions} expressions (limit reached at position ${left.start}).`,
        left.start,
      );
    }
    return ComparisonNode.create(left, operatorToken.value, right);
  }

  private parseOperand(side: "left" | "right" | "argument", functionDepth: number): OperandNode {
    const token = this.token;
    switch (token.type) {
      case "identifier":
        this.advance();
        return IdentifierNode.create(token.value, token);
      case "text":
        this.advance();
        return TextNode.create(token.value, token);
      case "number":
        this.advance();
        return NumberNode.create(Number(token.value), token, token.value);
      case "function":
        return this.parseFunction(functionDepth + 1);
      case "operator":
      case "join":
      case "(":
      case ")":
      case ",":
      case "eof": {
        const what = side === "argument" ? "a function argument" : `a ${side} operand`;
        throw this.error(
          `Expected ${what} (identifier, text, number or function) at position ${token.start}, got ${describe(token)}.`,
        );
      }
    }
  }

  private parseFunction(depth: number): FunctionNode {
    const name = this.advance(); // the lexer only emits "function" when "(" follows
    if (depth > this.limits.maxFunctionDepth) {
      throw new FilterError(
        "limit",
        `Function calls are nested more than ${this.limits.maxFunctionDepth} levels deep at position ${name.start}.`,
        name.start,
      );
    }
    this.advance(); // "("
    const args: OperandNode[] = [];
    while (!this.at(")")) {
      args.push(this.parseOperand("argument", depth));
      if (this.at(",")) {
        this.advance();
      } else if (!this.at(")")) {
        throw this.error(
          `Expected "," or ")" in the arguments of ${name.value}() at position ${this.token.start}, got ${describe(this.token)}.`,
        );
      }
    }
    const close = this.advance();
    return FunctionNode.create(name.value, args, { start: name.start, end: close.end });
  }
}
