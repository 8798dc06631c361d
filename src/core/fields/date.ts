/** `date`: a datetime stored as `2006-01-02 15:04:05.000Z` (UTC) or `""`, optionally bounded. */
import { formatGoTime, formatRfc3339, parseDate, toDateString } from "../../tools/dates.ts";
import { errors, type ErrorTree } from "../../tools/validation.ts";
import type { FieldBase, FieldType } from "./field.ts";
import { baseProps, firstError, readBool, readString } from "./options.ts";

/** A `date` field as stored in `_collections.fields` (`min`/`max` are `""` when unset). */
export interface DateField extends FieldBase {
  type: "date";
  help: string;
  min: string;
  max: string;
  required: boolean;
}

/** The `date` field type. */
export const dateField = {
  type: "date",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "date",
      help: readString(raw, "help"),
      // Stored as DateTime in Go: any accepted layout is normalised, anything else is unset.
      min: toDateString(raw["min"]),
      max: toDateString(raw["max"]),
      required: readBool(raw, "required"),
    };
  },

  columnType: () => "TEXT DEFAULT '' NOT NULL",

  isMultiple: () => false,

  // Unparsable input is silently the zero date, like PocketBase.
  prepareValue: (_field, raw) => toDateString(raw),

  // Values are canonical once prepared; only foreign values are re-cast.
  toDbValue: (_field, value) => (typeof value === "string" ? value : toDateString(value)),

  toJson: (_field, value) => (typeof value === "string" ? value : toDateString(value)),

  async validateValue(field, value) {
    if (typeof value !== "string") return errors.unsupportedValueType();
    const ms = parseDate(value);
    if (ms === null) return field.required ? errors.required() : null;
    const min = parseDate(field.min);
    if (min !== null && ms < min) return errors.minThreshold(formatRfc3339(min), formatGoTime(min));
    const max = parseDate(field.max);
    if (max !== null && ms > max) return errors.maxThreshold(formatRfc3339(max), formatGoTime(max));
    return null;
  },

  validateSettings(field) {
    const tree: ErrorTree = {};
    firstError(tree, "max", () => {
      const min = parseDate(field.min);
      const max = parseDate(field.max);
      return min !== null && max !== null && max < min ? errors.dateOutOfRange() : null;
    });
    return tree;
  },
} satisfies FieldType<DateField>;
