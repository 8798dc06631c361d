import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { numberField, type NumberField } from "./number.ts";
import { fieldToJson, normalizeField } from "./registry.ts";
import { codeOf, treeCodes } from "./test-context.ts";

const number = (options: Partial<NumberField> = {}): NumberField => ({
  ...numberField.normalize({ id: "n1", name: "views", type: "number" }),
  ...options,
});

describe("number field", () => {
  it("normalizes unset min/max to null like the stored rows", () => {
    assert.equal(
      JSON.stringify(fieldToJson(normalizeField({ id: "1z1ld0i5", name: "number", type: "number" }))),
      '{"help":"","hidden":false,"id":"1z1ld0i5","max":null,"min":null,"name":"number","onlyInt":false,"presentable":false,"required":false,"system":false,"type":"number"}',
    );
    assert.deepEqual([number({ ...numberField.normalize({ min: 0, max: "10" }) }).min], [0]);
    assert.equal(numberField.normalize({ max: "10" }).max, 10);
  });

  it("uses a NUMERIC column", () => {
    assert.equal(numberField.columnType(), "NUMERIC DEFAULT 0 NOT NULL");
  });

  const casts: [unknown, number][] = [
    [12, 12],
    ["12", 12],
    ["-1.5e3", -1500],
    [".5", 0.5],
    ["abc", 0],
    [" 12", 0],
    ["1_000", 0],
    ["1e400", 0],
    [true, 1],
    [false, 0],
    [null, 0],
    [undefined, 0],
    [7n, 7],
    [[1], 0],
  ];
  for (const [raw, expected] of casts) {
    it(`casts ${JSON.stringify(raw, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? "undefined"} to ${expected}`, () => {
      assert.equal(numberField.prepareValue(number(), raw), expected);
    });
  }

  it("casts Go's special float spellings", () => {
    assert.ok(Number.isNaN(numberField.prepareValue(number(), "NaN")));
    assert.equal(numberField.prepareValue(number(), "-Inf"), -Infinity);
    assert.equal(numberField.prepareValue(number(), "infinity"), Infinity);
  });

  it("outputs numbers to JSON and the DB", () => {
    assert.equal(numberField.toJson(number(), 1.5), 1.5);
    assert.equal(numberField.toJson(number(), undefined), 0);
    assert.equal(numberField.toDbValue(number(), 3), 3);
  });

  const cases: [string, Partial<NumberField>, number, string | null][] = [
    ["accepts a number within bounds", { min: 1, max: 10 }, 5, null],
    ["rejects NaN", {}, NaN, "validation_not_a_number"],
    ["rejects Infinity", {}, Infinity, "validation_not_a_number"],
    ["requires a non-zero value when required", { required: true }, 0, "validation_required"],
    ["skips min for 0", { min: 5 }, 0, null],
    ["rejects decimals when onlyInt", { onlyInt: true }, 1.5, "validation_only_int_constraint"],
    ["rejects values below min", { min: 5 }, 4, "validation_min_number_constraint"],
    ["rejects values above max", { max: 5 }, 6, "validation_max_number_constraint"],
  ];
  for (const [name, options, value, code] of cases) {
    it(name, async () => {
      assert.equal(codeOf(await numberField.validateValue(number(options), value)), code);
    });
  }

  it("renders Go's %f in min/max messages", async () => {
    assert.equal(
      (await numberField.validateValue(number({ min: 5 }), 4))?.message,
      "Must be larger than 5.000000.",
    );
    assert.equal(
      (await numberField.validateValue(number({ max: 1.5 }), 4))?.message,
      "Must be less than 1.500000.",
    );
    assert.equal(
      (await numberField.validateValue(number({ onlyInt: true }), 4.5))?.message,
      "Decimal numbers are not allowed.",
    );
  });

  const settings: [string, Partial<NumberField>, Record<string, unknown>][] = [
    ["accepts unset bounds", {}, {}],
    ["accepts min below max", { min: 1, max: 2 }, {}],
    ["rejects max below min", { min: 5, max: 2 }, { max: "validation_min_greater_equal_than_required" }],
    ["ignores a max of 0 like ozzo", { min: 5, max: 0 }, {}],
    [
      "rejects decimal bounds when onlyInt",
      { onlyInt: true, min: 1.5, max: 2.5 },
      { min: "validation_only_int_constraint", max: "validation_only_int_constraint" },
    ],
  ];
  for (const [name, options, expected] of settings) {
    it(name, () => {
      assert.deepEqual(treeCodes(numberField.validateSettings(number(options))), expected);
    });
  }

  it("prints the max threshold like Go's %v", () => {
    const tree = numberField.validateSettings(number({ min: 3000000, max: 2000000 }));
    const err = tree["max"];
    assert.ok(err instanceof Error);
    assert.equal(err.message, "Must be no less than 3e+06.");
    assert.deepEqual((err as unknown as { params: unknown }).params, { threshold: 3000000 });
  });

  it("adds and subtracts with the + and - modifiers", () => {
    assert.equal(numberField.applyModifier(number(), "append", 5, "2"), 7);
    assert.equal(numberField.applyModifier(number(), "subtract", 5, 2), 3);
    assert.equal(numberField.applyModifier(number(), "prepend", 5, 2), undefined);
  });
});
