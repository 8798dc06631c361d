/**
 * `file`: the names of a record's stored files (one, or a list when maxSelect > 1). Uploads,
 * name checks, size and mime validation of new files belong to the files layer; this type
 * handles the stored names.
 */
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
  MAX_SAFE_JSON_INT,
  readBool,
  readNumber,
  readString,
  readStringListOrNull,
} from "./options.ts";

/** A `file` field as stored in `_collections.fields` (`mimeTypes`/`thumbs` are `null` when unset). */
export interface FileField extends FieldBase {
  type: "file";
  help: string;
  /** Maximum size of one uploaded file in bytes (0 = 5 MiB). */
  maxSize: number;
  /** 0 or 1 = single file, more = a list of at most that many. */
  maxSelect: number;
  /** Allowed mime types (detected from content); empty = any. */
  mimeTypes: string[] | null;
  /** Thumb sizes served besides `100x100`: `WxH`, `WxHt`, `WxHb`, `WxHf`, `0xH`, `Wx0`. */
  thumbs: string[] | null;
  /** Files need a file token to be served. */
  protected: boolean;
  required: boolean;
}

/** The effective per-file `maxSize` when the option is 0. */
export const DEFAULT_FILE_MAX_SIZE = 5 << 20;

/** A thumb size option: width x height plus an optional crop/fit mode. */
export const THUMB_SIZE_RE = /^(\d+)x(\d+)(t|b|f)?$/;

const ZERO_THUMBS = ["0x0", "0x0t", "0x0b", "0x0f"];

/** The effective maximum size of one file. */
export function fileMaxSize(field: FileField): number {
  return field.maxSize <= 0 ? DEFAULT_FILE_MAX_SIZE : field.maxSize;
}

/** The effective maximum number of files. */
export function fileMaxSelect(field: FileField): number {
  return field.maxSelect <= 1 ? 1 : field.maxSelect;
}

function checkThumbs(thumbs: readonly string[] | null): ErrorTree {
  const tree: ErrorTree = {};
  (thumbs ?? []).forEach((thumb, i) => {
    // ozzo rules skip empty strings.
    if (thumb === "") return;
    if (ZERO_THUMBS.includes(thumb)) tree[String(i)] = errors.notInInvalid();
    else if (!THUMB_SIZE_RE.test(thumb)) tree[String(i)] = errors.matchInvalid();
  });
  return tree;
}

/** The `file` field type (stored names; uploads are handled by the files layer). */
export const fileField = {
  type: "file",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "file",
      help: readString(raw, "help"),
      maxSize: readNumber(raw, "maxSize"),
      maxSelect: readNumber(raw, "maxSelect"),
      mimeTypes: readStringListOrNull(raw, "mimeTypes"),
      thumbs: readStringListOrNull(raw, "thumbs"),
      protected: readBool(raw, "protected"),
      required: readBool(raw, "required"),
    };
  },

  columnType: multiColumnType,

  isMultiple: isMultiValued,

  prepareValue: prepareMulti,

  toDbValue: multiToDb,

  toJson: multiToJson,

  async validateValue(field, value) {
    const names = multiValues(value);
    if (names.length === 0) return field.required ? errors.required() : null;
    const maxSelect = fileMaxSelect(field);
    if (names.length > maxSelect) {
      return new ValidationError("validation_too_many_files", `The maximum allowed files is ${maxSelect}.`, {
        maxSelect,
      });
    }
    return null;
  },

  validateSettings(field) {
    const tree: ErrorTree = {};
    firstError(
      tree,
      "maxSelect",
      () => checkMin(field.maxSelect, 0),
      () => checkMax(field.maxSelect, MAX_SAFE_JSON_INT),
    );
    firstError(
      tree,
      "maxSize",
      () => checkMin(field.maxSize, 0),
      () => checkMax(field.maxSize, MAX_SAFE_JSON_INT),
    );
    firstError(tree, "thumbs", () => checkThumbs(field.thumbs));
    return tree;
  },

  applyModifier: applyMultiModifier,

  maxBodySize: (field) => fileMaxSize(field) * fileMaxSelect(field),
} satisfies FieldType<FileField>;
