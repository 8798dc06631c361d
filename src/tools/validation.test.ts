import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { errors, isEmptyErrorTree, renderMessage, sentenize, ValidationError } from "./validation.ts";

describe("validation errors", () => {
  const sentences: [string, string][] = [
    ["cannot be blank", "Cannot be blank."],
    ["  must be no less than 5  ", "Must be no less than 5."],
    ["Done!", "Done!"],
    ["why?", "Why?"],
    ["ébauche", "Ébauche."],
    ["", ""],
  ];
  for (const [input, expected] of sentences) {
    it(`sentenizes ${JSON.stringify(input)}`, () => assert.equal(sentenize(input), expected));
  }

  it("builds ozzo threshold errors with their params", () => {
    const min = errors.minThreshold(5);
    assert.equal(min.code, "validation_min_greater_equal_than_required");
    assert.equal(min.message, "Must be no less than 5.");
    assert.deepEqual(min.params, { threshold: 5 });
    const max = errors.maxThreshold("2030-01-01T00:00:00Z", "2030-01-01 00:00:00 +0000 UTC");
    assert.equal(max.message, "Must be no greater than 2030-01-01 00:00:00 +0000 UTC.");
  });

  it("uses ozzo's length messages", () => {
    assert.equal(errors.lengthTooLong(3).message, "The length must be no more than 3.");
    assert.equal(errors.lengthOutOfRange(1, 3).message, "The length must be between 1 and 3.");
  });

  it("sentenizes regex errors", () => {
    assert.equal(
      errors.invalidRegex("error parsing regexp: missing closing ): `(`").message,
      "Error parsing regexp: missing closing ): `(`.",
    );
  });

  it("detects empty trees and renders templates", () => {
    assert.equal(isEmptyErrorTree({ a: {} }), true);
    assert.equal(isEmptyErrorTree({ a: { b: new ValidationError("x", "y") } }), false);
    assert.equal(
      renderMessage("Select no more than {maxSelect}.", { maxSelect: 2 }),
      "Select no more than 2.",
    );
  });
});
