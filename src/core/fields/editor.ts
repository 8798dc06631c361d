/** `editor`: rich text (HTML) stored as a string, bounded in bytes. */
import { errors, ValidationError, type ErrorTree } from "../../tools/validation.ts";
import { toGoString } from "./cast.ts";
import type { FieldBase, FieldType } from "./field.ts";
import {
  baseProps,
  checkMax,
  checkMin,
  firstError,
  MAX_SAFE_JSON_INT,
  readBool,
  readNumber,
  readString,
} from "./options.ts";

/** An `editor` field as stored in `_collections.fields`. */
export interface EditorField extends FieldBase {
  type: "editor";
  help: string;
  /** Maximum value size in bytes (0 = 5 MiB). */
  maxSize: number;
  /** UI hint: let the editor rewrite same-origin URLs as relative ones. */
  convertURLs: boolean;
  required: boolean;
}

/** The effective `maxSize` when the option is 0. */
export const DEFAULT_EDITOR_MAX_SIZE = 5 << 20;

function effectiveMaxSize(field: EditorField): number {
  return field.maxSize <= 0 ? DEFAULT_EDITOR_MAX_SIZE : field.maxSize;
}

/** The `editor` field type. */
export const editorField = {
  type: "editor",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "editor",
      help: readString(raw, "help"),
      maxSize: readNumber(raw, "maxSize"),
      convertURLs: readBool(raw, "convertURLs"),
      required: readBool(raw, "required"),
    };
  },

  columnType: () => "TEXT DEFAULT '' NOT NULL",

  isMultiple: () => false,

  prepareValue: (_field, raw) => toGoString(raw),

  toDbValue: (_field, value) => toGoString(value),

  toJson: (_field, value) => (typeof value === "string" ? value : ""),

  validateValue(field, value) {
    if (typeof value !== "string") return errors.unsupportedValueType();
    if (field.required && value === "") return errors.required();
    const maxSize = effectiveMaxSize(field);
    if (Buffer.byteLength(value) > maxSize) {
      return new ValidationError(
        "validation_content_size_limit",
        `The maximum allowed content size is ${maxSize} bytes.`,
        {
          maxSize,
        },
      );
    }
    return null;
  },

  validateSettings(field) {
    const tree: ErrorTree = {};
    firstError(
      tree,
      "maxSize",
      () => checkMin(field.maxSize, 0),
      () => checkMax(field.maxSize, MAX_SAFE_JSON_INT),
    );
    return tree;
  },

  maxBodySize: (field) => effectiveMaxSize(field),
} satisfies FieldType<EditorField>;
