import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ComparisonNode, IdentifierNode, LogicalNode, NumberNode, TextNode } from "./ast.ts";
import type { FilterNode } from "./ast.ts";
import { FilterError } from "./errors.ts";
import { DEFAULT_FILTER_LIMITS } from "./limits.ts";
import { parseFilter } from "./parser.ts";
import { printFilter } from "./printer.ts";

describe("parser builds the SQL grouping of && over ||", () => {
  const cases: readonly [string, string][] = [
    ["1=12", "1 = 12"],
    ["   1    =    12    ", "1 = 12"],
    ['"demo" != test', '"demo" != test'],
    ["a=1 || 2!=3", "a = 1 || 2 != 3"],
    ["a=1 && 2!=3 || 'b'=a", '(a = 1 && 2 != 3) || "b" = a'],
    ["a=1 || b=2 && c=3", "a = 1 || (b = 2 && c = 3)"],
    ["a=1 && b=2 && c=3 || d=4 || e=5 && f=6", "(a = 1 && b = 2 && c = 3) || d = 4 || (e = 5 && f = 6)"],
    ["(a=1 || b=2) && c=3", "(a = 1 || b = 2) && c = 3"],
    ["((a=1))", "a = 1"],
    ["((a=1 || a=2) && (c=1))", "(a = 1 || a = 2) && c = 1"],
    ["(a=1 && b=2) && c=3", "(a = 1 && b = 2) && c = 3"],
    ['(a="test(")', 'a = "test("'],
    ["a ?!~ -1.50", "a ?!~ -1.50"],
    ["geoDistance(a.lon, a.lat, 1, -2,) < 5", "geoDistance(a.lon, a.lat, 1, -2) < 5"],
    ["strftime('%Y', strftime('%Y', created)) = '2024'", 'strftime("%Y", strftime("%Y", created)) = "2024"'],
    ["f() = 1", "f() = 1"],
    ["a = 'say \"hi\"'", 'a = "say \\"hi\\""'],
    ["a = 1 // trailing comment", "a = 1"],
  ];
  for (const [input, printed] of cases) {
    test(`${input} → ${printed}`, () => {
      const node = parseFilter(input);
      assert.equal(printFilter(node), printed);
      assert.equal(printFilter(parseFilter(printFilter(node))), printed);
    });
  }

  test("nodes are frozen and carry kinds and offsets", () => {
    const node = parseFilter("a = 'x' && b > 2");
    assert.ok(LogicalNode.is(node));
    assert.ok(Object.isFrozen(node) && Object.isFrozen(node.items));
    const first = node.items[0] as FilterNode;
    assert.ok(ComparisonNode.is(first));
    assert.deepEqual(
      [first.left.kind, first.right.kind, first.start, first.end],
      ["identifier", "text", 0, 7],
    );
  });

  test("companions build the same tree the parser does", () => {
    const built = LogicalNode.create("||", [
      ComparisonNode.create(IdentifierNode.create("a"), "=", NumberNode.create(1)),
      ComparisonNode.create(TextNode.create("x"), "?~", IdentifierNode.create("b")),
    ]);
    assert.equal(printFilter(built), 'a = 1 || "x" ?~ b');
  });
});

describe("parser errors", () => {
  const cases: readonly [string, string, number][] = [
    ["", "syntax", 0],
    ["   // nothing", "syntax", 0],
    ["> 1", "syntax", 0],
    ["a >", "syntax", 3],
    ["a > >", "syntax", 4],
    ["a ! 1", "syntax", 2],
    ["a || 1", "syntax", 2],
    ["test > 1 &&", "syntax", 11],
    ["|| test = 1", "syntax", 0],
    ["test = 1 a", "syntax", 9],
    ["test = 1 && a", "syntax", 13],
    ["(a=1", "syntax", 4],
    ["a=1)", "syntax", 3],
    ["((a=1)", "syntax", 6],
    ["()", "syntax", 0],
    ["a = ()", "syntax", 4],
    ["(a)", "syntax", 2],
    ["a = f(,)", "syntax", 6],
    ["a = f(1 2)", "syntax", 8],
    ["a = f(1", "syntax", 7],
    ["a = f(g(h(1))) ", "limit", 8],
    ["a = 'x' 'y'", "syntax", 8],
    ["a = 1e5", "syntax", 5],
  ];
  for (const [input, code, position] of cases) {
    test(`${JSON.stringify(input)} → ${code} at ${position}`, () => {
      assert.throws(
        () => parseFilter(input),
        (error: unknown) =>
          error instanceof FilterError && error.code === code && error.position === position,
      );
    });
  }

  test("messages say what was expected and where", () => {
    assert.throws(
      () => parseFilter("title = 'x' && views"),
      /Expected an operator .* at position 20, got the end/,
    );
    assert.throws(() => parseFilter("(a = 1"), /Expected "\)" to close the "\(" at position 0/);
  });
});

describe("limits", () => {
  test("filters longer than 3500 bytes are rejected, 3500 bytes are fine", () => {
    const ok = "a = '" + "x".repeat(3500 - 7) + "'";
    assert.equal(ok.length, 3500 - 1);
    parseFilter(ok);
    assert.throws(() => parseFilter(ok + "      "), { code: "limit" });
    // length counts UTF-8 bytes, like PocketBase (Go's len)
    assert.throws(() => parseFilter("a = '" + "é".repeat(1750) + "'"), { code: "limit" });
  });

  test("at most 200 expressions", () => {
    const filter = (count: number) => Array.from({ length: count }, () => "a=1").join("&&");
    parseFilter(filter(200));
    assert.throws(() => parseFilter(filter(201)), { code: "limit" });
  });

  test("custom limits allow longer rules", () => {
    const rule = Array.from({ length: 300 }, () => "a = 1").join(" || ");
    const limits = { ...DEFAULT_FILTER_LIMITS, maxLength: 10_000, maxExpressions: 1000 };
    assert.equal(printFilter(parseFilter(rule, limits)), rule);
  });

  test("deep nesting is refused before it can overflow the stack", () => {
    const depth = (levels: number) => "(".repeat(levels) + "a=1" + ")".repeat(levels);
    parseFilter(depth(100));
    assert.throws(() => parseFilter(depth(101)), { code: "limit" });
    const hostile = "(".repeat(100_000);
    const limits = { ...DEFAULT_FILTER_LIMITS, maxLength: 1_000_000 };
    assert.throws(() => parseFilter(hostile, limits), { code: "limit", position: 100 });
    assert.throws(() => parseFilter(hostile), { code: "limit" });
  });

  test("function nesting stops at 2 levels", () => {
    parseFilter("a = f(g(1))");
    assert.throws(() => parseFilter("a = f(g(h(1)))"), { code: "limit" });
  });
});
