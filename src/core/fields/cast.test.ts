import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  formatFloatF,
  formatFloatFixed6,
  formatFloatG,
  goJsonMarshal,
  goQuote,
  parseGoFloat,
  toUniqueStrings,
} from "./cast.ts";

describe("Go casting helpers", () => {
  const floatsF: [number, string][] = [
    [0, "0"],
    [-0, "-0"],
    [1.5, "1.5"],
    [1e21, "1000000000000000000000"],
    [1.23e-18, "0.00000000000000000123"],
    [-2.5e-7, "-0.00000025"],
    [123456789012, "123456789012"],
    [NaN, "NaN"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
  ];
  for (const [x, expected] of floatsF) {
    it(`formats ${x} without exponent as ${expected}`, () => assert.equal(formatFloatF(x), expected));
  }

  const floatsG: [number, string][] = [
    [5, "5"],
    [123456, "123456"],
    [1e6, "1e+06"],
    [1234567, "1.234567e+06"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [-1.5e-7, "-1.5e-07"],
  ];
  for (const [x, expected] of floatsG) {
    it(`formats ${x} like Go's %v as ${expected}`, () => assert.equal(formatFloatG(x), expected));
  }

  it("formats %f with six decimals", () => {
    assert.equal(formatFloatFixed6(5), "5.000000");
    assert.equal(formatFloatFixed6(-1.25), "-1.250000");
    assert.equal(formatFloatFixed6(1e22), "10000000000000000000000.000000");
  });

  const parsed: [string, number | null][] = [
    ["12", 12],
    ["+1.5", 1.5],
    ["5.", 5],
    [".5", 0.5],
    ["1E+02", 100],
    [".", null],
    ["", null],
    ["1,5", null],
    ["0x10", null],
    ["1e400", null],
  ];
  for (const [input, expected] of parsed) {
    it(`parses ${JSON.stringify(input)} as ${expected}`, () => assert.equal(parseGoFloat(input), expected));
  }

  it("parses JSON arrays only when a string contains [", () => {
    assert.deepEqual(toUniqueStrings('["a","b"]'), ["a", "b"]);
    assert.deepEqual(toUniqueStrings("a[1]"), ["a[1]"]);
    assert.deepEqual(toUniqueStrings("[]"), []);
    assert.deepEqual(toUniqueStrings("null"), ["null"]);
    assert.deepEqual(toUniqueStrings('["a",null,"a"]'), ["a"]);
    assert.deepEqual(toUniqueStrings(5), ["5"]);
    assert.deepEqual(toUniqueStrings({ a: 1 }), []);
  });

  it("marshals like Go: sorted keys (also integer-like), HTML escaped", () => {
    assert.equal(
      goJsonMarshal({ b: 1, 10: 2, 9: 3, a: "<&>" }),
      '{"10":2,"9":3,"a":"\\u003c\\u0026\\u003e","b":1}',
    );
    assert.equal(goJsonMarshal([1, NaN, null, undefined]), "[1,null,null,null]");
    assert.equal(goJsonMarshal({ skip: undefined, d: new Date(0) }), '{"d":"1970-01-01T00:00:00.000Z"}');
    assert.equal(goJsonMarshal(10n), "10");
  });

  it("quotes like strconv.Quote", () => {
    assert.equal(goQuote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(goQuote("tab\there\u0007"), '"tab\\there\\a"');
    assert.equal(goQuote("é😀"), '"é😀"');
    assert.equal(goQuote("\u00a0\u200b"), '"\\u00a0\\u200b"');
    assert.equal(goQuote("\u{e0001}"), '"\\U000e0001"');
  });
});
