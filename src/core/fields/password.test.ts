import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { bcryptCost, passwordField, validatePlain, type PasswordField } from "./password.ts";
import { fieldToJson, normalizeField } from "./registry.ts";
import { codeOf, treeCodes } from "./test-context.ts";

const password = (options: Partial<PasswordField> = {}): PasswordField => ({
  ...passwordField.normalize({ id: "password901924565", name: "password", type: "password" }),
  ...options,
});

describe("password field", () => {
  it("normalizes the _otps password field like its stored row (plus help)", () => {
    assert.equal(
      JSON.stringify(
        fieldToJson(
          normalizeField({
            cost: 8,
            hidden: true,
            id: "password901924565",
            name: "password",
            required: true,
            system: true,
            type: "password",
          }),
        ),
      ),
      '{"cost":8,"help":"","hidden":true,"id":"password901924565","max":0,"min":0,"name":"password","pattern":"","presentable":false,"required":true,"system":true,"type":"password"}',
    );
  });

  it("keeps the hash as the value and never outputs it", () => {
    const hash = "$2a$10$.5Elh8fgxypNUWhpUUr/xOa2sZm0VIaE0qWuGGl9otUfobb46T1Pq";
    assert.equal(passwordField.columnType(), "TEXT DEFAULT '' NOT NULL");
    assert.equal(passwordField.prepareValue(password(), hash), hash);
    assert.equal(passwordField.prepareValue(password(), null), "");
    assert.equal(passwordField.toDbValue(password(), hash), hash);
    assert.equal(passwordField.toJson(), "");
  });

  it("requires a hash when required", async () => {
    assert.equal(
      codeOf(await passwordField.validateValue(password({ required: true }), "")),
      "validation_required",
    );
    assert.equal(await passwordField.validateValue(password({ required: true }), "$2a$..."), null);
  });

  const plain: [string, Partial<PasswordField>, string, string | null][] = [
    ["accepts a plain password within bounds", { min: 8 }, "12345678", null],
    ["accepts no new password", { min: 8 }, "", null],
    ["rejects a short password", { min: 8 }, "1234567", "validation_min_text_constraint"],
    ["rejects a password over the 71 default max", {}, "x".repeat(72), "validation_max_text_constraint"],
    ["rejects a password over max", { max: 10 }, "x".repeat(11), "validation_max_text_constraint"],
    [
      "rejects a password not matching the pattern",
      { pattern: "\\d" },
      "abcdefgh",
      "validation_invalid_format",
    ],
  ];
  for (const [name, options, value, code] of plain) {
    it(name, () => {
      assert.equal(codeOf(validatePlain(password(options), value)), code);
    });
  }

  it("uses PocketBase's plain password messages", () => {
    assert.equal(validatePlain(password({ min: 8 }), "1")?.message, "Must be at least 8 character(s).");
    assert.equal(validatePlain(password(), "x".repeat(72))?.message, "Must be less than 71 character(s).");
  });

  const settings: [string, Partial<PasswordField>, Record<string, unknown>][] = [
    ["accepts defaults", {}, {}],
    ["accepts min 8 and cost 12", { min: 8, cost: 12 }, {}],
    ["rejects min above 71", { min: 72 }, { min: "validation_max_less_equal_than_required" }],
    ["rejects a negative min", { min: -1 }, { min: "validation_min_greater_equal_than_required" }],
    ["rejects max below min", { min: 10, max: 5 }, { max: "validation_min_greater_equal_than_required" }],
    ["rejects max above 71", { max: 72 }, { max: "validation_max_less_equal_than_required" }],
    ["rejects a cost below 4", { cost: 3 }, { cost: "validation_min_greater_equal_than_required" }],
    ["rejects a cost above 31", { cost: 32 }, { cost: "validation_max_less_equal_than_required" }],
    ["rejects an invalid pattern", { pattern: "[" }, { pattern: "validation_invalid_regex" }],
  ];
  for (const [name, options, expected] of settings) {
    it(name, () => {
      assert.deepEqual(treeCodes(passwordField.validateSettings(password(options))), expected);
    });
  }

  it("hashes with cost 10 when the option is 0", () => {
    assert.equal(bcryptCost(password()), 10);
    assert.equal(bcryptCost(password({ cost: 8 })), 8);
  });
});
