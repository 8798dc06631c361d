import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { boolField, type BoolField } from "./bool.ts";
import { fieldToJson, normalizeField } from "./registry.ts";
import { codeOf } from "./test-context.ts";

const bool = (options: Partial<BoolField> = {}): BoolField => ({
  ...boolField.normalize({ id: "b1", name: "active", type: "bool" }),
  ...options,
});

describe("bool field", () => {
  it("normalizes a fresh field like the stored rows", () => {
    assert.equal(
      JSON.stringify(
        fieldToJson(normalizeField({ id: "bool256245529", name: "verified", type: "bool", system: true })),
      ),
      '{"help":"","hidden":false,"id":"bool256245529","name":"verified","presentable":false,"required":false,"system":true,"type":"bool"}',
    );
  });

  it("uses a BOOLEAN column stored as 0/1", () => {
    assert.equal(boolField.columnType(), "BOOLEAN DEFAULT FALSE NOT NULL");
    assert.equal(boolField.toDbValue(bool(), true), 1);
    assert.equal(boolField.toDbValue(bool(), false), 0);
  });

  const casts: [unknown, boolean][] = [
    [true, true],
    [false, false],
    [1, true],
    [0, false],
    [2, true],
    [1n, true],
    ["true", true],
    ["TRUE", true],
    ["True", true],
    ["t", true],
    ["T", true],
    ["1", true],
    ["0", false],
    ["false", false],
    ["yes", false],
    ["on", false],
    ["", false],
    [null, false],
    [undefined, false],
  ];
  for (const [raw, expected] of casts) {
    it(`casts ${JSON.stringify(raw, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? "undefined"} to ${expected}`, () => {
      assert.equal(boolField.prepareValue(bool(), raw), expected);
    });
  }

  it("outputs false for an empty value", () => {
    assert.equal(boolField.toJson(bool(), undefined), false);
    assert.equal(boolField.toJson(bool(), true), true);
  });

  it("requires true when required", async () => {
    assert.equal(codeOf(boolField.validateValue(bool({ required: true }), false)), "validation_required");
    assert.equal(boolField.validateValue(bool({ required: true }), true), null);
    assert.equal(boolField.validateValue(bool(), false), null);
    assert.equal(codeOf(boolField.validateValue(bool(), "x")), "validation_unsupported_value_type");
  });

  it("has no options to validate", () => {
    assert.deepEqual(boolField.validateSettings(), {});
  });
});
