/**
 * `json`: any JSON value, kept as JSON text (canonical value: the text, or null). Record JSON
 * embeds the text verbatim through `RawJson`, so key order and number spelling survive.
 */
import { RawJson } from "../../tools/json.ts";
import { errors, ValidationError, type ErrorTree } from "../../tools/validation.ts";
import { goJsonMarshal, goQuote } from "./cast.ts";
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

/** A `json` field as stored in `_collections.fields`. */
export interface JsonField extends FieldBase {
  type: "json";
  help: string;
  /** Maximum size of the JSON text in bytes (0 = 1 MiB). */
  maxSize: number;
  required: boolean;
}

/** The effective `maxSize` when the option is 0. */
export const DEFAULT_JSON_MAX_SIZE = 1 << 20;

/** Texts that count as empty for `required`. */
const EMPTY_JSON = ["null", '""', "[]", "{}", ""];

function effectiveMaxSize(field: JsonField): number {
  return field.maxSize <= 0 ? DEFAULT_JSON_MAX_SIZE : field.maxSize;
}

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Casts input to JSON text. Strings are what multipart forms send, so a string is taken as
 * raw JSON when it is `null`/`true`/`false` or starts like a number, string, array or object
 * and parses; any other string (also `""`) becomes a JSON string. Other values are encoded.
 */
export function toJsonText(raw: unknown): string | null {
  if (raw === null || raw === undefined) return null;
  if (raw instanceof RawJson) return raw.text;
  if (raw instanceof Uint8Array) return raw.length === 0 ? null : new TextDecoder().decode(raw);
  if (typeof raw === "string") {
    if (raw === "null" || raw === "true" || raw === "false") return raw;
    if (/^[-0-9"[{]/.test(raw) && isValidJson(raw)) return raw;
    return goQuote(raw);
  }
  if (typeof raw === "number" && !Number.isFinite(raw)) return null;
  return goJsonMarshal(raw);
}

/** The JS value of a canonical json field value (null for null or invalid text). */
export function parseJsonValue(value: unknown): unknown {
  if (typeof value !== "string") return null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

/** The `json` field type. */
export const jsonField = {
  type: "json",

  normalize(raw) {
    return {
      ...baseProps(raw),
      type: "json",
      help: readString(raw, "help"),
      maxSize: readNumber(raw, "maxSize"),
      required: readBool(raw, "required"),
    };
  },

  columnType: () => "JSON DEFAULT NULL",

  isMultiple: () => false,

  prepareValue: (_field, raw) => toJsonText(raw),

  toDbValue: (_field, value) => (typeof value === "string" ? value : null),

  /** A `RawJson` (JSON.stringify sees the parsed value; `encodeJson` splices the text), or null. */
  toJson: (_field, value) => (typeof value === "string" && isValidJson(value) ? new RawJson(value) : null),

  async validateValue(field, value) {
    if (value !== null && typeof value !== "string") return errors.unsupportedValueType();
    const text = value ?? "";
    const maxSize = effectiveMaxSize(field);
    if (Buffer.byteLength(text) > maxSize) {
      return new ValidationError(
        "validation_json_size_limit",
        `The maximum allowed JSON size is ${maxSize} bytes.`,
        {
          maxSize,
        },
      );
    }
    if (value !== null && !isValidJson(text)) {
      return new ValidationError("validation_invalid_json", "Must be a valid json value.");
    }
    if (field.required && EMPTY_JSON.includes(text.trim())) return errors.required();
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
} satisfies FieldType<JsonField>;
