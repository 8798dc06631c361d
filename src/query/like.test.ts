import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { constantText, escapeLikeText, hasUnescapedChar, likePattern } from "./like.ts";

describe("LIKE patterns for ~ literals", () => {
  const cases: readonly [string, string][] = [
    ["abc", "%abc%"],
    ["", "%%"],
    ["a_b", "%a\\_b%"],
    ["a__b", "%a\\_\\_b%"],
    ["a\\b", "%a\\\\b%"],
    ["a\\_b", "%a\\_b%"],
    ["\\%", "%\\%%"],
    ["a\\\\b", "%a\\\\b%"],
    ["50%", "50%"],
    ["%abc", "%abc"],
    ["\\\\%", "\\\\%"],
    ["x\\", "%x\\\\%"],
  ];
  for (const [value, pattern] of cases) {
    test(`${JSON.stringify(value)} → ${JSON.stringify(pattern)}`, () =>
      assert.equal(likePattern(value), pattern));
  }

  test("unescaped detection treats \\\\ as an escaped backslash", () => {
    assert.deepEqual(
      ["%", "\\%", "\\\\%", "\\\\\\%", "a"].map((text) => hasUnescapedChar(text, "%")),
      [true, false, true, false, false],
    );
  });

  test("escaping is idempotent on already escaped text", () => {
    const once = escapeLikeText("a%b_c\\d");
    assert.equal(once, "a\\%b\\_c\\\\d");
    assert.equal(escapeLikeText(once), once);
    assert.equal(escapeLikeText("a\\%b"), "a\\%b");
  });
});

test("constants are spelled like Go's cast.ToString", () => {
  assert.deepEqual(
    [1, -1.5, 1e21, 1.5e-7, -2.5e25, 123456789.125, true, false, "x"].map((value) => constantText(value)),
    [
      "1",
      "-1.5",
      "1000000000000000000000",
      "0.00000015",
      "-25000000000000000000000000",
      "123456789.125",
      "true",
      "false",
      "x",
    ],
  );
});
