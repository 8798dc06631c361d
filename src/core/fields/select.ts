/** `select`: one value (maxSelect ≤ 1) or a list of values out of a fixed set. */
import { errors, ValidationError, type ErrorTree } from "../../tools/validation.ts";
import type { FieldBase, FieldType } from "./field.ts";
import {
  applyMultiModifier,
  isMultiValued,
  multiColumnType,
  multiToDb,
  multiToJson,
  multiValues,
  prepareMulti,
} from "./multi.ts";
import {
  baseProps,
  checkMax,
  checkMin,
  firstError,
  readBool,
  readNumber,
  readString,
  readStringList,
} from "./options.ts";

/** A `select` field as stored in `_collections.fields`. */
export interface SelectField extends FieldBase {
  type: "select";
  help: string;
  /** The allowed values. */
  values: string[];
  /** 0 or 1 = single value, more = a list of at most that many. */
  maxSelect: number;
  required: boolean;
}

/** The `select` field type. */
export const selectField = {
  type: "select",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "select",
      help: readString(raw, "help"),
      values: readStringList(raw, "values"),
      maxSelect: readNumber(raw, "maxSelect"),
      required: readBool(raw, "required"),
    };
  },

  columnType: multiColumnType,

  isMultiple: isMultiValued,

  prepareValue: prepareMulti,

  toDbValue: multiToDb,

  toJson: multiToJson,

  validateValue(field, value) {
    const values = multiValues(value);
    if (values.length === 0) return field.required ? errors.required() : null;
    const maxSelect = Math.max(field.maxSelect, 1);
    if (values.length > maxSelect) {
      return new ValidationError("validation_too_many_values", `Select no more than ${maxSelect}.`, {
        maxSelect,
      });
    }
    const invalid = values.find((v) => !field.values.includes(v));
    if (invalid !== undefined) {
      return new ValidationError("validation_invalid_value", `Invalid value ${invalid}.`, { value: invalid });
    }
    return null;
  },

  validateSettings(field) {
    const tree: ErrorTree = {};
    firstError(tree, "values", () => (field.values.length === 0 ? errors.required() : null));
    firstError(
      tree,
      "maxSelect",
      () => checkMin(field.maxSelect, 0),
      () => checkMax(field.maxSelect, Math.max(field.values.length, 1)),
    );
    return tree;
  },

  applyModifier: applyMultiModifier,
} satisfies FieldType<SelectField>;
