import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ComparisonNode,
  IdentifierNode,
  LogicalNode,
  NumberNode,
  TextNode,
  baseOperator,
  isAnyOfOperator,
  visit,
} from "./ast.ts";
import type { FilterNode, Visitor } from "./ast.ts";
import { FilterCache } from "./filter-cache.ts";
import { DEFAULT_FILTER_LIMITS } from "./limits.ts";

test("a visitor must handle every node kind", () => {
  // @ts-expect-error: "function", "comparison" and "logical" are missing, so this does not compile
  const incomplete: Visitor<FilterNode, string> = { identifier: () => "", text: () => "", number: () => "" };
  assert.ok(incomplete);

  const count: Visitor<FilterNode, number> = {
    identifier: () => 1,
    text: () => 1,
    number: () => 1,
    function: (node) => 1 + node.args.reduce((sum, arg) => sum + visit(count, arg, undefined), 0),
    comparison: (node) => 1 + visit(count, node.left, undefined) + visit(count, node.right, undefined),
    logical: (node) => 1 + node.items.reduce((sum, item) => sum + visit(count, item, undefined), 0),
  };
  const node = LogicalNode.create("&&", [
    ComparisonNode.create(IdentifierNode.create("a"), "=", NumberNode.create(1)),
    ComparisonNode.create(TextNode.create("x"), "!~", IdentifierNode.create("b")),
  ]);
  assert.equal(visit(count, node, undefined), 7);
});

test("nodes are frozen and logical nodes need two items", () => {
  const node = IdentifierNode.create("a");
  assert.ok(Object.isFrozen(node));
  assert.throws(() => LogicalNode.create("||", []), RangeError);
  assert.ok(IdentifierNode.is(node) && !TextNode.is(node));
});

test("operator helpers", () => {
  assert.deepEqual(
    [isAnyOfOperator("?!~"), isAnyOfOperator("!~"), baseOperator("?>="), baseOperator("<")],
    [true, false, ">=", "<"],
  );
});

test("the filter cache reuses ASTs per text and limits and stays bounded", () => {
  const cache = new FilterCache(2);
  const first = cache.parse("a = 1");
  assert.equal(cache.parse("a = 1"), first);
  assert.notEqual(cache.parse("a = 1", { ...DEFAULT_FILTER_LIMITS, maxExpressions: 5 }), first);
  cache.parse("b = 2");
  assert.equal(cache.size, 2);
  assert.throws(() => cache.parse("a ="), { code: "syntax" });
  assert.equal(cache.size, 2);
  const long = Array.from({ length: 201 }, () => "a=1").join("&&");
  cache.parse(long, { ...DEFAULT_FILTER_LIMITS, maxExpressions: 500 });
  assert.throws(() => cache.parse(long), { code: "limit" });
  cache.clear();
  assert.equal(cache.size, 0);
});
