/**
 * Prints an AST back to filter source. `parseFilter(printFilter(node))` rebuilds the same tree
 * (offsets aside): nested logical nodes are always parenthesised, and texts use double quotes
 * with `\"` for embedded quotes. Useful for canonical cache keys, logs and generated rules.
 */
import type { FilterNode } from "./ast.ts";
import { visit } from "./ast.ts";
import type { Visitor } from "./ast.ts";

const printer: Visitor<FilterNode, string> = {
  identifier: (node) => node.name,
  number: (node) => node.raw,
  text: (node) => {
    // fexpr cannot express a text whose last character is a backslash: it would escape the
    // closing quote. Refuse instead of printing something that parses differently.
    if (node.value.endsWith("\\")) {
      throw new RangeError("a text ending with a backslash cannot be written in the filter language");
    }
    return `"${node.value.replaceAll('"', '\\"')}"`;
  },
  function: (node) => `${node.name}(${node.args.map((arg) => visit(printer, arg, undefined)).join(", ")})`,
  comparison: (node) =>
    `${visit(printer, node.left, undefined)} ${node.operator} ${visit(printer, node.right, undefined)}`,
  logical: (node) =>
    node.items
      .map((item) => {
        const text = visit(printer, item, undefined);
        return item.kind === "logical" ? `(${text})` : text;
      })
      .join(` ${node.operator} `),
};

/** Filter source text for `node`. */
export function printFilter(node: FilterNode): string {
  return visit(printer, node, undefined);
}
