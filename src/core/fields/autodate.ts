/**
 * `autodate`: a datetime set by the server on create and/or update (`created`, `updated`).
 * Client values are ignored by the records layer; this type only casts stored values.
 */
import { toDateString } from "../../tools/dates.ts";
import { errors, type ErrorTree, ValidationError } from "../../tools/validation.ts";
import type { FieldBase, FieldType } from "./field.ts";
import { baseProps, firstError, readBool } from "./options.ts";

/** An `autodate` field as stored in `_collections.fields` (it has no `help`). */
export interface AutodateField extends FieldBase {
  type: "autodate";
  onCreate: boolean;
  onUpdate: boolean;
}

function neitherEnabled(): ValidationError {
  return new ValidationError("validation_required", "Either onCreate or onUpdate must be enabled.");
}

function readFlags(raw: Readonly<Record<string, unknown>>): { onCreate: boolean; onUpdate: boolean } {
  return { onCreate: readBool(raw, "onCreate"), onUpdate: readBool(raw, "onUpdate") };
}

/** The `autodate` field type. */
export const autodateField = {
  type: "autodate",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "autodate",
      ...readFlags(raw),
    };
  },

  // SQLite cannot add a column with a non-constant default, so the server fills the value.
  columnType: () => "TEXT DEFAULT '' NOT NULL",

  isMultiple: () => false,

  prepareValue: (_field, raw) => toDateString(raw),

  // Values are canonical once prepared; only foreign values are re-cast.
  toDbValue: (_field, value) => (typeof value === "string" ? value : toDateString(value)),

  toJson: (_field, value) => (typeof value === "string" ? value : toDateString(value)),

  validateValue: () => null,

  validateSettings(field, ctx) {
    const tree: ErrorTree = {};
    const old = ctx.oldField?.type === "autodate" ? readFlags({ ...ctx.oldField }) : null;
    // System autodates (created/updated of system collections) keep their behaviour.
    const mustMatch = (current: boolean, previous: boolean | undefined) =>
      field.system && previous !== undefined && current !== previous ? errors.valuesMismatch() : null;
    firstError(
      tree,
      "onCreate",
      () => mustMatch(field.onCreate, old?.onCreate),
      () => (!field.onCreate && !field.onUpdate ? neitherEnabled() : null),
    );
    firstError(
      tree,
      "onUpdate",
      () => mustMatch(field.onUpdate, old?.onUpdate),
      () => (!field.onCreate && !field.onUpdate ? neitherEnabled() : null),
    );
    return tree;
  },
} satisfies FieldType<AutodateField>;
