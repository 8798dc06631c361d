import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ALPHANUMERIC, DIGITS, LOWER_ALPHANUMERIC, randomString, randomStringByRegex } from "./random.ts";

describe("random strings", () => {
  it("draws from the given alphabet", () => {
    assert.match(randomString(15, LOWER_ALPHANUMERIC), /^[a-z0-9]{15}$/);
    assert.match(randomString(50), /^[A-Za-z0-9]{50}$/);
    assert.match(randomString(8, DIGITS), /^\d{8}$/);
    assert.equal(ALPHANUMERIC.length, 62);
    assert.equal(randomString(0), "");
  });

  const patterns: [string, RegExp][] = [
    ["[a-z0-9]{15}", /^[a-z0-9]{15}$/],
    ["users[0-9]{5}", /^users\d{5}$/],
    ["[a-zA-Z0-9_]{50}", /^\w{50}$/],
    ["(ab|cd)x?\\d+", /^(ab|cd)x?\d{1,6}$/],
    ["[^a-z]{20}", /^[^a-z]{20}$/],
    ["\\w{3}-\\.\\d", /^\w{3}-\.\d$/],
    ["a{2,4}b{3,}", /^a{2,4}b{3,6}$/],
    ["(?:x|y)(?P<n>z)", /^[xy]z$/],
    ["[[:upper:]]{4}", /^[A-Z]{4}$/],
    ["\\x41{2}", /^AA$/],
    [".{10}", /^[A-Za-z0-9]{10}$/],
    ["a{,2}", /^a\{,2\}$/],
  ];
  for (const [pattern, re] of patterns) {
    it(`generates strings matching ${pattern}`, () => {
      for (let i = 0; i < 20; i++) assert.match(randomStringByRegex(pattern), re);
    });
  }

  const failures: [string, RegExp][] = [
    ["^abc", /unsupported pattern operator 9/],
    ["abc$", /unsupported pattern operator 10/],
    ["a\\b", /unsupported pattern operator 11/],
    ["", /unsupported pattern operator 2/],
    ["(", /missing closing \)/],
    ["a)", /unexpected \)/],
    ["[a-", /error parsing regexp/],
    ["[z-a]", /invalid character class range/],
    ["*a", /missing argument/],
    ["a**", /invalid nested repetition/],
    ["a{1001}", /invalid repeat count/],
    ["(?=a)", /unsupported Perl syntax/],
  ];
  for (const [pattern, message] of failures) {
    it(`refuses to generate from ${JSON.stringify(pattern)}`, () => {
      assert.throws(() => randomStringByRegex(pattern), message);
    });
  }
});
