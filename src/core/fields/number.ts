/** `number`: a float64; `0` is its empty value. Supports the `field+` / `field-` modifiers. */
import { errors, ValidationError, type ErrorTree } from "../../tools/validation.ts";
import { formatFloatFixed6, formatFloatG, toGoFloat } from "./cast.ts";
import type { FieldBase, FieldType } from "./field.ts";
import { baseProps, checkMin, firstError, readBool, readNumberOrNull, readString } from "./options.ts";

/** A `number` field as stored in `_collections.fields` (`min`/`max` are `null` when unset). */
export interface NumberField extends FieldBase {
  type: "number";
  help: string;
  min: number | null;
  max: number | null;
  onlyInt: boolean;
  required: boolean;
}

function onlyIntError(): ValidationError {
  return new ValidationError("validation_only_int_constraint", "Decimal numbers are not allowed.");
}

function checkOnlyInt(field: NumberField, option: number | null): ValidationError | null {
  return field.onlyInt && option !== null && !Number.isInteger(option) ? onlyIntError() : null;
}

/** The `number` field type. */
export const numberField = {
  type: "number",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "number",
      help: readString(raw, "help"),
      min: readNumberOrNull(raw, "min"),
      max: readNumberOrNull(raw, "max"),
      onlyInt: readBool(raw, "onlyInt"),
      required: readBool(raw, "required"),
    };
  },

  columnType: () => "NUMERIC DEFAULT 0 NOT NULL",

  isMultiple: () => false,

  prepareValue: (_field, raw) => toGoFloat(raw),

  toDbValue: (_field, value) => (typeof value === "number" ? value : toGoFloat(value)),

  toJson: (_field, value) => (typeof value === "number" && Number.isFinite(value) ? value : 0),

  async validateValue(field, value) {
    if (typeof value !== "number") return errors.unsupportedValueType();
    if (!Number.isFinite(value)) {
      return new ValidationError(
        "validation_not_a_number",
        "The submitted number is not properly formatted.",
      );
    }
    // 0 is the empty value: it only fails `required` and skips the other constraints.
    if (value === 0) return field.required ? errors.required() : null;
    if (field.onlyInt && !Number.isInteger(value)) return onlyIntError();
    if (field.min !== null && value < field.min) {
      return new ValidationError(
        "validation_min_number_constraint",
        `Must be larger than ${formatFloatFixed6(field.min)}.`,
      );
    }
    if (field.max !== null && value > field.max) {
      return new ValidationError(
        "validation_max_number_constraint",
        `Must be less than ${formatFloatFixed6(field.max)}.`,
      );
    }
    return null;
  },

  validateSettings(field) {
    const tree: ErrorTree = {};
    firstError(tree, "min", () => checkOnlyInt(field, field.min));
    firstError(
      tree,
      "max",
      () => checkOnlyInt(field, field.max),
      () =>
        field.min !== null && field.max !== null
          ? checkMin(field.max, field.min, formatFloatG(field.min))
          : null,
    );
    return tree;
  },

  applyModifier(_field, modifier, current, input) {
    if (modifier === "append") return toGoFloat(current) + toGoFloat(input);
    if (modifier === "subtract") return toGoFloat(current) - toGoFloat(input);
    return undefined;
  },
} satisfies FieldType<NumberField>;
