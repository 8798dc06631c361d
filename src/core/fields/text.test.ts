import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fieldToJson, normalizeField } from "./registry.ts";
import { codeOf, settingsContext, treeCodes, valueContext } from "./test-context.ts";
import { newIdField, textField, validatePlainText, type TextField } from "./text.ts";

const text = (options: Partial<TextField> = {}): TextField => ({
  ...textField.normalize({ id: "t1", name: "title", type: "text" }),
  ...options,
});

describe("text field", () => {
  it("normalizes a fresh field to PocketBase's stored JSON", () => {
    assert.deepEqual(
      JSON.stringify(
        fieldToJson(
          normalizeField({
            id: "text455797646",
            name: "collectionRef",
            type: "text",
            system: true,
            required: true,
          }),
        ),
      ),
      '{"autogeneratePattern":"","help":"","hidden":false,"id":"text455797646","max":0,"min":0,"name":"collectionRef","pattern":"","presentable":false,"primaryKey":false,"required":true,"system":true,"type":"text"}',
    );
  });

  it("builds the default id field of §3.1", () => {
    assert.equal(
      JSON.stringify(fieldToJson(newIdField())),
      '{"autogeneratePattern":"[a-z0-9]{15}","help":"","hidden":false,"id":"text3208210256","max":15,"min":15,"name":"id","pattern":"^[a-z0-9]+$","presentable":false,"primaryKey":true,"required":true,"system":true,"type":"text"}',
    );
  });

  it("uses the primary key DDL only for the primary key", () => {
    assert.equal(textField.columnType(text()), "TEXT DEFAULT '' NOT NULL");
    assert.equal(
      textField.columnType(text({ primaryKey: true })),
      "TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL",
    );
  });

  const casts: [unknown, string][] = [
    ["abc", "abc"],
    [1.5, "1.5"],
    [12, "12"],
    [1e21, "1000000000000000000000"],
    [1e-7, "0.0000001"],
    [true, "true"],
    [false, "false"],
    [null, ""],
    [undefined, ""],
    [10n, "10"],
    [["a"], ""],
    [{ a: 1 }, ""],
    [new TextEncoder().encode("bytes"), "bytes"],
  ];
  for (const [raw, expected] of casts) {
    it(`casts ${typeof raw} ${JSON.stringify(raw, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? "undefined"} to ${JSON.stringify(expected)}`, () => {
      assert.equal(textField.prepareValue(text(), raw), expected);
    });
  }

  it("outputs strings unchanged to JSON and the DB", () => {
    assert.equal(textField.toJson(text(), "x"), "x");
    assert.equal(textField.toDbValue(text(), "x"), "x");
    assert.equal(textField.toJson(text(), undefined), "");
  });

  const plainCases: [string, Partial<TextField>, string, string | null, Record<string, unknown>?][] = [
    ["accepts a valid value", { min: 2, max: 5 }, "abc", null],
    ["accepts an empty optional value", { min: 2 }, "", null],
    ["requires a value when required", { required: true }, "", "validation_required"],
    ["requires a value for the primary key", { primaryKey: true }, "", "validation_required"],
    ["counts runes, not bytes, for min", { min: 3 }, "äö", "validation_min_text_constraint", { min: 3 }],
    ["counts runes, not bytes, for max", { max: 2 }, "äö", null],
    ["rejects values over max", { max: 2 }, "abc", "validation_max_text_constraint", { max: 2 }],
    ["applies the 5000 default max", {}, "x".repeat(5001), "validation_max_text_constraint", { max: 5000 }],
    ["rejects values not matching the pattern", { pattern: "^[a-z]+$" }, "ab1", "validation_invalid_format"],
    ["accepts values matching a Go-syntax pattern", { pattern: "^[\\w][\\w\\.\\-]*$" }, "a.b-c", null],
    [
      "rejects forbidden characters in custom primary keys",
      { primaryKey: true, pattern: "" },
      "a/b",
      "validation_forbidden_pk_character",
      { ch: "/" },
    ],
    [
      "rejects reserved names as custom primary keys",
      { primaryKey: true, pattern: "" },
      "com1",
      "validation_reserved_pk",
      { reserved: "COM1" },
    ],
    [
      "skips the primary key checks for the default pattern",
      { primaryKey: true, pattern: "^[a-z0-9]+$" },
      "con",
      null,
    ],
  ];
  for (const [name, options, value, code, params] of plainCases) {
    it(name, () => {
      const err = validatePlainText(text(options), value);
      assert.equal(codeOf(err), code);
      if (params) assert.deepEqual(err?.params, params);
    });
  }

  it("renders PocketBase's min/max messages", () => {
    assert.equal(validatePlainText(text({ min: 3 }), "ab")?.message, "Must be at least 3 character(s).");
    assert.equal(validatePlainText(text({ max: 2 }), "abc")?.message, "Must be no more than 2 character(s).");
    assert.equal(validatePlainText(text({ pattern: "^a$" }), "b")?.message, "Invalid value format.");
  });

  it("forbids changing a stored primary key", async () => {
    const pk = text({ name: "id", primaryKey: true, pattern: "^[a-z0-9]+$" });
    const ctx = valueContext({ isNew: false, original: { id: "abc" } });
    assert.equal(codeOf(await textField.validateValue(pk, "abd", ctx)), "validation_pk_change");
    assert.equal(await textField.validateValue(pk, "abc", ctx), null);
  });

  it("does not re-validate a stored primary key against current options", async () => {
    const pk = text({ name: "id", primaryKey: true, min: 15, max: 15, pattern: "^[a-z0-9]+$" });
    const ctx = valueContext({ isNew: false, original: { id: "LEGACY_ID" } });
    assert.equal(await textField.validateValue(pk, "LEGACY_ID", ctx), null);
  });

  it("rejects a custom primary key that exists in another case", async () => {
    const pk = text({ name: "id", primaryKey: true, pattern: "" });
    const ctx = valueContext({ existing: { col1: ["ABC"] } });
    assert.equal(codeOf(await textField.validateValue(pk, "abc", ctx)), "validation_pk_invalid");
    assert.equal(await textField.validateValue(pk, "abd", ctx), null);
  });

  it("reports a non-string value as an unsupported type", async () => {
    assert.equal(
      codeOf(await textField.validateValue(text(), 5, valueContext())),
      "validation_unsupported_value_type",
    );
  });

  const settingsCases: [string, Partial<TextField>, Record<string, unknown>][] = [
    ["accepts default options", {}, {}],
    ["rejects a negative min", { min: -1 }, { min: "validation_min_greater_equal_than_required" }],
    ["rejects a max below min", { min: 5, max: 3 }, { max: "validation_min_greater_equal_than_required" }],
    ["accepts max 0 with a min", { min: 5, max: 0 }, {}],
    ["rejects a max above 2^53-1", { max: 2 ** 53 }, { max: "validation_max_less_equal_than_required" }],
    ["rejects an invalid pattern", { pattern: "(" }, { pattern: "validation_invalid_regex" }],
    [
      "rejects an invalid autogenerate pattern",
      { autogeneratePattern: "[a-" },
      { autogeneratePattern: "validation_invalid_regex" },
    ],
    [
      "rejects an ungeneratable autogenerate pattern",
      { autogeneratePattern: "^abc$" },
      { autogeneratePattern: "validation_invalid_autogenerate_pattern" },
    ],
    [
      "rejects an autogenerate pattern conflicting with min",
      { min: 10, autogeneratePattern: "[a-z]{5}" },
      { autogeneratePattern: "validation_invalid_autogenerate_pattern_value" },
    ],
    [
      "requires primary keys to be named id, required, visible and patterned",
      { primaryKey: true, hidden: true },
      {
        name: "validation_in_invalid",
        pattern: "validation_required",
        hidden: "validation_empty",
        required: "validation_required",
      },
    ],
  ];
  for (const [name, options, expected] of settingsCases) {
    it(name, () => {
      assert.deepEqual(treeCodes(textField.validateSettings(text(options), settingsContext())), expected);
    });
  }

  it("rejects a second primary key in the collection", () => {
    const pk = text({ name: "id", primaryKey: true, required: true, pattern: "^a$" });
    const other = { ...pk, id: "t2", name: "id2" };
    const ctx = settingsContext({ collection: { fields: [pk, other] } });
    assert.deepEqual(treeCodes(textField.validateSettings(pk, ctx)), {
      primaryKey: "validation_unsupported_composite_pk",
    });
  });

  it("appends a generated value with the autogenerate modifier", () => {
    const field = text({ autogeneratePattern: "[0-9]{4}" });
    assert.match(String(textField.applyModifier(field, "autogenerate", "", "abc-")), /^abc-\d{4}$/);
    assert.equal(textField.applyModifier(text(), "autogenerate", "", "abc"), "abc");
    assert.equal(textField.applyModifier(field, "append", "", "x"), undefined);
  });
});
