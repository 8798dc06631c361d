import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { dateField, type DateField } from "./date.ts";
import { fieldToJson, normalizeField } from "./registry.ts";
import { codeOf, treeCodes } from "./test-context.ts";

const date = (options: Partial<DateField> = {}): DateField => ({
  ...dateField.normalize({ id: "d1", name: "when", type: "date" }),
  ...options,
});

describe("date field", () => {
  it("normalizes unset min/max to empty strings like the stored rows", () => {
    assert.equal(
      JSON.stringify(fieldToJson(normalizeField({ id: "ro6p02gk", name: "datetime", type: "date" }))),
      '{"help":"","hidden":false,"id":"ro6p02gk","max":"","min":"","name":"datetime","presentable":false,"required":false,"system":false,"type":"date"}',
    );
  });

  it("normalizes min/max to the canonical layout", () => {
    const field = dateField.normalize({ min: "2020-01-01", max: "2030-01-01T00:00:00Z" });
    assert.deepEqual([field.min, field.max], ["2020-01-01 00:00:00.000Z", "2030-01-01 00:00:00.000Z"]);
    assert.equal(dateField.normalize({ min: "garbage" }).min, "");
  });

  const casts: [unknown, string][] = [
    ["2024-01-01 10:00:00.123Z", "2024-01-01 10:00:00.123Z"],
    ["2024-05-05", "2024-05-05 00:00:00.000Z"],
    ["2024-05-05T12:30:00Z", "2024-05-05 12:30:00.000Z"],
    ["2024-05-05T12:30:00+02:00", "2024-05-05 10:30:00.000Z"],
    ["not a date", ""],
    ["", ""],
    [null, ""],
    [1700000000, "2023-11-14 22:13:20.000Z"],
    [1.5, ""],
  ];
  for (const [raw, expected] of casts) {
    it(`casts ${JSON.stringify(raw)} to ${JSON.stringify(expected)}`, () => {
      assert.equal(dateField.prepareValue(date(), raw), expected);
    });
  }

  it("stores and outputs the canonical string", () => {
    assert.equal(dateField.columnType(), "TEXT DEFAULT '' NOT NULL");
    assert.equal(dateField.toJson(date(), "2024-01-01 00:00:00.000Z"), "2024-01-01 00:00:00.000Z");
    assert.equal(dateField.toDbValue(date(), ""), "");
  });

  const bounded = date({ min: "2020-01-01 00:00:00.000Z", max: "2030-01-01 00:00:00.000Z" });
  const cases: [string, DateField, string, string | null][] = [
    ["accepts a date within bounds", bounded, "2024-01-01 00:00:00.000Z", null],
    ["accepts an empty optional value", bounded, "", null],
    ["requires a date when required", date({ required: true }), "", "validation_required"],
    [
      "rejects a date before min",
      bounded,
      "2010-01-01 00:00:00.000Z",
      "validation_min_greater_equal_than_required",
    ],
    [
      "rejects a date after max",
      bounded,
      "2040-01-01 00:00:00.000Z",
      "validation_max_less_equal_than_required",
    ],
  ];
  for (const [name, field, value, code] of cases) {
    it(name, async () => {
      assert.equal(codeOf(await dateField.validateValue(field, value)), code);
    });
  }

  it("renders Go time values in min/max messages", async () => {
    const below = await dateField.validateValue(bounded, "2010-01-01 00:00:00.000Z");
    assert.equal(below?.message, "Must be no less than 2020-01-01 00:00:00 +0000 UTC.");
    assert.deepEqual(below?.params, { threshold: "2020-01-01T00:00:00Z" });
    const above = await dateField.validateValue(bounded, "2040-01-01 00:00:00.000Z");
    assert.equal(above?.message, "Must be no greater than 2030-01-01 00:00:00 +0000 UTC.");
  });

  it("rejects max before min", () => {
    assert.deepEqual(
      treeCodes(
        dateField.validateSettings(
          date({ min: "2030-01-01 00:00:00.000Z", max: "2020-01-01 00:00:00.000Z" }),
        ),
      ),
      {
        max: "validation_date_out_of_range",
      },
    );
    assert.deepEqual(dateField.validateSettings(bounded), {});
  });
});
