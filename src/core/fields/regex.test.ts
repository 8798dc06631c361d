import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileGoRegex, matchesGoRegex } from "./regex.ts";

describe("Go regex patterns", () => {
  const matches: [string, string, boolean][] = [
    ["^[a-z0-9]+$", "abc123", true],
    ["^[a-z0-9]+$", "ABC", false],
    ["^[\\w][\\w\\.\\-]*$", "user.name-1", true],
    ["(?i)^abc$", "ABC", true],
    ["^\\pL+$", "héllo", true],
    ["^[[:alpha:]]+$", "abc", true],
    ["^[[:digit:]]+$", "abc", false],
    ["a\\z", "a\n", false],
    ["\\Aa", "ba", false],
    ["(?P<x>a)b", "ab", true],
    ["\\Qa.b\\E", "a.b", true],
    ["\\Qa.b\\E", "axb", false],
    ["[]a]", "]", true],
    ["\\-\\:", "-:", true],
    ["b", "abc", true],
  ];
  for (const [pattern, value, expected] of matches) {
    it(`${expected ? "matches" : "does not match"} ${JSON.stringify(value)} with ${pattern}`, () => {
      assert.equal(matchesGoRegex(pattern, value), expected);
    });
  }

  const invalid = ["(", "[a-", "(?=x)", "(?<!x)", "a\\1", "[[:nope:]]"];
  for (const pattern of invalid) {
    it(`rejects ${pattern} with a Go-like message`, () => {
      const compiled = compileGoRegex(pattern);
      assert.ok(compiled instanceof Error);
      assert.match(compiled.message, /^error parsing regexp: /);
      assert.equal(matchesGoRegex(pattern, "x"), false);
    });
  }

  it("matches in linear time: a pattern that makes backtracking engines explode doesn't", () => {
    const started = performance.now();
    assert.equal(matchesGoRegex("^(a+)+$", `${"a".repeat(100_000)}!`), false);
    assert.equal(matchesGoRegex("^(a|aa)*$", "a".repeat(100_000)), true);
    // A backtracking engine takes longer than the age of the universe on these.
    assert.ok(performance.now() - started < 5000);
  });

  it("caches compiled patterns", () => {
    assert.equal(compileGoRegex("^x$"), compileGoRegex("^x$"));
  });
});
