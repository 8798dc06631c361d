import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FilterError } from "./errors.ts";
import { isValidIdentifier, tokenize } from "./lexer.ts";

function scan(input: string): string[] {
  return tokenize(input)
    .filter((token) => token.type !== "eof")
    .map((token) => `${token.type}:${token.value}`);
}

describe("lexer tokens", () => {
  const cases: readonly [string, readonly string[]][] = [
    ["   ", []],
    ["test 123", ["identifier:test", "number:123"]],
    ["@request.auth.id", ["identifier:@request.auth.id"]],
    ["#test.123:456", ["identifier:#test.123:456"]],
    ["_a", ["identifier:_a"]],
    ["posts_via_author.title", ["identifier:posts_via_author.title"]],
    ["@collection.users:u.name", ["identifier:@collection.users:u.name"]],
    ["@request.body.f:changed", ["identifier:@request.body.f:changed"]],
    ["tags:each", ["identifier:tags:each"]],
    ["-123.456", ["number:-123.456"]],
    ["12-3", ["number:12", "number:-3"]],
    ["a>-1", ["identifier:a", "operator:>", "number:-1"]],
    ["''", ["text:"]],
    ['"te\\"st"', ['text:te"st']],
    ["'te\\'st'", ["text:te'st"]],
    ['"te\\\'st"', ["text:te\\'st"]],
    ["'a\\\\'b'", ["text:a\\'b"]],
    ["'||test&&'&&123", ["text:||test&&", "join:&&", "number:123"]],
    ["&& ||", ["join:&&", "join:||"]],
    [
      "= != ~ !~ > >= < <= ?= ?!= ?~ ?!~ ?> ?>= ?< ?<=",
      ["=", "!=", "~", "!~", ">", ">=", "<", "<=", "?=", "?!=", "?~", "?!~", "?>", "?>=", "?<", "?<="].map(
        (op) => `operator:${op}`,
      ),
    ],
    ["f(a, 'b',)", ["function:f", "(:(", "identifier:a", ",:,", "text:b", ",:,", "):)"]],
    ["f (a)", ["identifier:f", "(:(", "identifier:a", "):)"]],
    ["// only a comment", []],
    ["a //x\n= 1", ["identifier:a", "operator:=", "number:1"]],
    ["a\t=\n'é ☃ \u0000'", ["identifier:a", "operator:=", "text:é ☃ \u0000"]],
  ];
  for (const [input, expected] of cases) {
    test(`${JSON.stringify(input)} scans`, () => assert.deepEqual(scan(input), expected));
  }

  test("tokens carry offsets", () => {
    const [a, op, text] = tokenize("a  ~ 'x'");
    assert.deepEqual([a?.start, a?.end, op?.start, text?.start, text?.end], [0, 1, 3, 5, 8]);
  });
});

describe("lexer errors", () => {
  const cases: readonly [string, number][] = [
    ["@", 0],
    ["test:", 0],
    ["a = test.", 4],
    [".test", 0],
    ["a = 1.", 4],
    ["a = 123.abc", 4],
    ["- 1", 0],
    ["=!=", 0],
    ["&&||", 0],
    ["a & b", 2],
    ["'abc", 0],
    ['"abc\\"', 0],
    ["a = `b`", 4],
    ["a / b", 2],
    ["a = 1\r", 5],
    ["é = 1", 0],
    ["a = {b}", 4],
    ["a = 1" + "0".repeat(400), 4],
  ];
  for (const [input, position] of cases) {
    test(`${JSON.stringify(input)} fails at ${position}`, () => {
      assert.throws(
        () => tokenize(input),
        (error: unknown) =>
          error instanceof FilterError && error.code === "syntax" && error.position === position,
      );
    });
  }
});

test("isValidIdentifier follows the scanner rules", () => {
  assert.deepEqual(
    ["a", "_", "@a", "#a.b:c", "a.", "a:", "@", "1a", "a-b", ".a", ""].map(isValidIdentifier),
    [true, true, true, true, false, false, false, false, false, false, false],
  );
});
