import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fieldToJson, normalizeField } from "./registry.ts";
import { selectField, type SelectField } from "./select.ts";
import { codeOf, treeCodes } from "./test-context.ts";

const single = (options: Partial<SelectField> = {}): SelectField => ({
  ...selectField.normalize({
    id: "s1",
    name: "category",
    type: "select",
    maxSelect: 1,
    values: ["a", "b", "c"],
  }),
  ...options,
});
const multi = (options: Partial<SelectField> = {}): SelectField => single({ maxSelect: 2, ...options });

describe("select field", () => {
  it("normalizes a stored field unchanged", () => {
    const stored =
      '{"help":"","hidden":false,"id":"owtlq7zl","maxSelect":3,"name":"select_many","presentable":false,"required":false,"system":false,"type":"select","values":["optionA","optionB","optionC"]}';
    assert.equal(
      JSON.stringify(fieldToJson(normalizeField(JSON.parse(stored) as Record<string, unknown>))),
      stored,
    );
  });

  it("uses TEXT for single and JSON for multiple values", () => {
    assert.equal(selectField.columnType(single()), "TEXT DEFAULT '' NOT NULL");
    assert.equal(selectField.columnType(multi()), "JSON DEFAULT '[]' NOT NULL");
    assert.equal(selectField.isMultiple(single({ maxSelect: 0 })), false);
    assert.equal(selectField.isMultiple(multi()), true);
  });

  const casts: [string, SelectField, unknown, unknown][] = [
    ["keeps a plain string as one value", multi(), "a", ["a"]],
    ["parses a JSON array string", multi(), '["a","b"]', ["a", "b"]],
    ["keeps an invalid JSON array string whole", multi(), '["a",1]', ['["a",1]']],
    ["casts array items to strings", multi(), [1, true, "x"], ["1", "true", "x"]],
    ["drops empty strings and duplicates", multi(), ["a", "", "a", "b"], ["a", "b"]],
    ["makes null an empty list", multi(), null, []],
    ["keeps the LAST value when single", single(), ["a", "b"], "b"],
    ["reads a legacy JSON list into a single value", single(), '["a","c"]', "c"],
    ["makes null an empty string when single", single(), null, ""],
    ["wraps a legacy single value into a list", multi(), "b", ["b"]],
  ];
  for (const [name, field, raw, expected] of casts) {
    it(name, () => {
      assert.deepEqual(selectField.prepareValue(field, raw), expected);
    });
  }

  it("stores lists as Go-encoded JSON and single values as text", () => {
    assert.equal(selectField.toDbValue(multi(), ["a", "<b>"]), '["a","\\u003cb\\u003e"]');
    assert.equal(selectField.toDbValue(multi(), []), "[]");
    assert.equal(selectField.toDbValue(single(), "a"), "a");
    assert.deepEqual(selectField.toJson(multi(), undefined), []);
    assert.equal(selectField.toJson(single(), undefined), "");
  });

  const cases: [string, SelectField, unknown, string | null][] = [
    ["accepts allowed values", multi(), ["a", "b"], null],
    ["accepts an empty optional value", single(), "", null],
    ["requires a value when required", multi({ required: true }), [], "validation_required"],
    ["rejects more than maxSelect values", multi(), ["a", "b", "c"], "validation_too_many_values"],
    ["rejects a value outside the list", single(), "nope", "validation_invalid_value"],
  ];
  for (const [name, field, value, code] of cases) {
    it(name, async () => {
      assert.equal(codeOf(selectField.validateValue(field, value)), code);
    });
  }

  it("uses PocketBase's messages and params", async () => {
    const tooMany = selectField.validateValue(multi(), ["a", "b", "c"]);
    assert.equal(tooMany?.message, "Select no more than 2.");
    assert.deepEqual(tooMany?.params, { maxSelect: 2 });
    const invalid = selectField.validateValue(single(), "nope");
    assert.equal(invalid?.message, "Invalid value nope.");
    assert.deepEqual(invalid?.params, { value: "nope" });
  });

  const settings: [string, Partial<SelectField>, Record<string, unknown>][] = [
    ["accepts values and a fitting maxSelect", {}, {}],
    ["requires values", { values: [] }, { values: "validation_required" }],
    [
      "rejects maxSelect above the number of values",
      { maxSelect: 4 },
      { maxSelect: "validation_max_less_equal_than_required" },
    ],
    [
      "rejects a negative maxSelect",
      { maxSelect: -1 },
      { maxSelect: "validation_min_greater_equal_than_required" },
    ],
  ];
  for (const [name, options, expected] of settings) {
    it(name, () => {
      assert.deepEqual(treeCodes(selectField.validateSettings(single(options))), expected);
    });
  }

  const modifiers: [string, SelectField, "append" | "prepend" | "subtract", unknown, unknown, unknown][] = [
    [
      "appends new values without duplicates",
      multi({ maxSelect: 5 }),
      "append",
      ["a"],
      ["b", "a"],
      ["a", "b"],
    ],
    ["prepends values", multi({ maxSelect: 5 }), "prepend", ["a"], "b", ["b", "a"]],
    ["subtracts values", multi({ maxSelect: 5 }), "subtract", ["a", "b"], ["a"], ["b"]],
    ["appending to a single select keeps the last value", single(), "append", "a", "b", "b"],
  ];
  for (const [name, field, modifier, current, input, expected] of modifiers) {
    it(name, () => {
      assert.deepEqual(selectField.applyModifier(field, modifier, current, input), expected);
    });
  }

  it("has no autogenerate modifier", () => {
    assert.equal(selectField.applyModifier(multi(), "autogenerate", [], "x"), undefined);
  });
});
