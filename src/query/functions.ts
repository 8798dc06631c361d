/**
 * The filter functions PocketBase knows. Each checks its arguments and returns an SQL
 * expression; results are compared with IS / IS NOT (no NULL-to-'' fallback), and multi-valued
 * arguments use "at least one" semantics through the resolver's joins, as in PocketBase.
 */
import type { FunctionNode, OperandNode } from "./ast.ts";
import type { CompiledOperand } from "./comparison.ts";
import type { SqlDialect } from "./dialect.ts";
import { FilterError } from "./errors.ts";
import { MAX_STRFTIME_ARGS } from "./limits.ts";
import type { SqlFragment } from "./sql.ts";

/** Compiles one function call given a callback that compiles its argument operands. */
export type FunctionCompiler = (
  node: FunctionNode,
  compileArgument: (argument: OperandNode) => CompiledOperand,
  dialect: SqlDialect,
) => SqlFragment;

function invalid(node: FunctionNode, message: string): FilterError {
  return new FilterError(
    "invalid_function",
    `${node.name}() at position ${node.start}: ${message}`,
    node.start,
  );
}

function requireKind(
  node: FunctionNode,
  index: number,
  kinds: readonly OperandNode["kind"][],
  description: string,
): OperandNode {
  const argument = node.args[index]!;
  if (!kinds.includes(argument.kind)) {
    throw invalid(node, `argument ${index + 1} must be ${description}, got ${argument.kind}.`);
  }
  return argument;
}

/** `geoDistance(lonA, latA, lonB, latB)`: great-circle distance in km; identifiers or numbers. */
const geoDistance: FunctionCompiler = (node, compileArgument, dialect) => {
  if (node.args.length !== 4) {
    throw invalid(node, `expects 4 arguments (lonA, latA, lonB, latB), got ${node.args.length}.`);
  }
  const [lonA, latA, lonB, latB] = [0, 1, 2, 3].map(
    (i) =>
      compileArgument(requireKind(node, i, ["identifier", "number"], "an identifier or a number")).fragment,
  ) as [SqlFragment, SqlFragment, SqlFragment, SqlFragment];
  return dialect.geoDistance(lonA, latA, lonB, latB);
};

/** `strftime(format[, timeValue[, modifier…]])`: SQLite's strftime; format and modifiers are texts. */
const strftime: FunctionCompiler = (node, compileArgument, dialect) => {
  const count = node.args.length;
  if (count < 1 || count > MAX_STRFTIME_ARGS) {
    throw invalid(
      node,
      `expects 1 to ${MAX_STRFTIME_ARGS} arguments (format, time value, modifiers…), got ${count}.`,
    );
  }
  const format = compileArgument(requireKind(node, 0, ["text"], "a text (the format)")).fragment;
  const time =
    count > 1
      ? compileArgument(
          requireKind(
            node,
            1,
            ["identifier", "text", "number", "function"],
            "an identifier, text, number or function",
          ),
        ).fragment
      : undefined;
  const modifiers: SqlFragment[] = [];
  for (let i = 2; i < count; i++) {
    const modifier = requireKind(node, i, ["text"], "a text (a modifier such as '+1 day')");
    modifiers.push(compileArgument(modifier).fragment);
  }
  return dialect.strftime(format, time, modifiers);
};

/** The function catalogue; a Map so that names like `constructor` are simply unknown. */
export const FILTER_FUNCTIONS: ReadonlyMap<string, FunctionCompiler> = new Map([
  ["geoDistance", geoDistance],
  ["strftime", strftime],
]);
