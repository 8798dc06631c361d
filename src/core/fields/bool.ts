/** `bool`: true/false stored as 0/1; `required` means it must be true. */
import { errors } from "../../tools/validation.ts";
import { toGoBool } from "./cast.ts";
import type { FieldBase, FieldType } from "./field.ts";
import { baseProps, readBool, readString } from "./options.ts";

/** A `bool` field as stored in `_collections.fields`. */
export interface BoolField extends FieldBase {
  type: "bool";
  help: string;
  required: boolean;
}

/** The `bool` field type. */
export const boolField = {
  type: "bool",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "bool",
      help: readString(raw, "help"),
      required: readBool(raw, "required"),
    };
  },

  columnType: () => "BOOLEAN DEFAULT FALSE NOT NULL",

  isMultiple: () => false,

  prepareValue: (_field, raw) => toGoBool(raw),

  toDbValue: (_field, value) => (toGoBool(value) ? 1 : 0),

  toJson: (_field, value) => value === true,

  validateValue(field, value) {
    if (typeof value !== "boolean") return errors.unsupportedValueType();
    return field.required && !value ? errors.required() : null;
  },

  validateSettings: () => ({}),
} satisfies FieldType<BoolField>;
