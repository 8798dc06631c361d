/**
 * `password`: a bcrypt hash. The canonical value is the hash; hashing a plain password and
 * keeping it out of responses is the records layer's job. `validatePlain` checks a plain
 * password against the field options before it is hashed.
 */
import { errors, ValidationError, type ErrorTree } from "../../tools/validation.ts";
import { toGoString } from "./cast.ts";
import type { FieldBase, FieldType } from "./field.ts";
import {
  baseProps,
  checkMax,
  checkMin,
  checkRegex,
  firstError,
  readBool,
  readNumber,
  readString,
} from "./options.ts";
import { matchesGoRegex } from "./regex.ts";

/** A `password` field as stored in `_collections.fields`. */
export interface PasswordField extends FieldBase {
  type: "password";
  help: string;
  /** Minimum length in runes (auth collections default to 8). */
  min: number;
  /** Maximum length in runes (0 = 71, bcrypt's 72-byte limit minus one). */
  max: number;
  /** Go regex the plain password must match (`""` = no check). */
  pattern: string;
  /** bcrypt cost (0 = 10). */
  cost: number;
  required: boolean;
}

/** The longest accepted password (bcrypt hashes at most 72 bytes). */
export const PASSWORD_MAX_LENGTH = 71;
/** bcrypt's default cost, used when the option is 0. */
export const DEFAULT_BCRYPT_COST = 10;
const MIN_BCRYPT_COST = 4;
const MAX_BCRYPT_COST = 31;

/** The bcrypt cost to hash with. */
export function bcryptCost(field: PasswordField): number {
  return field.cost <= 0 ? DEFAULT_BCRYPT_COST : field.cost;
}

/** Validates a plain password against min/max/pattern; `""` (no new password) passes. */
export function validatePlain(field: PasswordField, plain: string): ValidationError | null {
  if (plain === "") return null;
  const length = [...plain].length;
  if (length < field.min) {
    return new ValidationError(
      "validation_min_text_constraint",
      `Must be at least ${field.min} character(s).`,
    );
  }
  const max = field.max <= 0 ? PASSWORD_MAX_LENGTH : field.max;
  if (length > max) {
    return new ValidationError("validation_max_text_constraint", `Must be less than ${max} character(s).`);
  }
  if (field.pattern !== "" && !matchesGoRegex(field.pattern, plain)) {
    return new ValidationError("validation_invalid_format", "Invalid value format.");
  }
  return null;
}

/** The `password` field type (the value is the bcrypt hash). */
export const passwordField = {
  type: "password",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "password",
      help: readString(raw, "help"),
      min: readNumber(raw, "min"),
      max: readNumber(raw, "max"),
      pattern: readString(raw, "pattern"),
      cost: readNumber(raw, "cost"),
      required: readBool(raw, "required"),
    };
  },

  columnType: () => "TEXT DEFAULT '' NOT NULL",

  isMultiple: () => false,

  prepareValue: (_field, raw) => toGoString(raw),

  toDbValue: (_field, value) => toGoString(value),

  // Neither the hash nor the plain password is ever output.
  toJson: () => "",

  async validateValue(field, value) {
    if (typeof value !== "string") return errors.unsupportedValueType();
    return field.required && value === "" ? errors.required() : null;
  },

  validateSettings(field) {
    const tree: ErrorTree = {};
    firstError(
      tree,
      "min",
      () => checkMin(field.min, 1),
      () => checkMax(field.min, PASSWORD_MAX_LENGTH),
    );
    firstError(
      tree,
      "max",
      () => checkMin(field.max, field.min),
      () => checkMax(field.max, PASSWORD_MAX_LENGTH),
    );
    firstError(
      tree,
      "cost",
      () => checkMin(field.cost, MIN_BCRYPT_COST),
      () => checkMax(field.cost, MAX_BCRYPT_COST),
    );
    firstError(tree, "pattern", () => checkRegex(field.pattern));
    return tree;
  },
} satisfies FieldType<PasswordField>;
