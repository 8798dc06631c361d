/**
 * Shared pieces of the field types: reading loosely-typed options from raw field JSON, the
 * common properties, and the ozzo-validation threshold rules PocketBase's option checks use.
 */
import { crc32 } from "node:zlib";
import { errors, type ErrorTree, type ValidationError } from "../../tools/validation.ts";
import { parseGoFloat } from "./cast.ts";
import { compileGoRegex } from "./regex.ts";
import type { FieldBase } from "./field.ts";

/** Go's `maxSafeJSONInt` (2^53 - 1): the upper bound of integer options. */
export const MAX_SAFE_JSON_INT = Number.MAX_SAFE_INTEGER;

type Raw = Readonly<Record<string, unknown>>;

/** The properties every field has (`help` is added by the types that have it). */
export function baseProps(raw: Raw): Omit<FieldBase, "type" | "help"> {
  return {
    id: readString(raw, "id"),
    name: readString(raw, "name"),
    system: readBool(raw, "system"),
    hidden: readBool(raw, "hidden"),
    presentable: readBool(raw, "presentable"),
  };
}

/** A string option; non-strings become the default. */
export function readString(raw: Raw, key: string, fallback = ""): string {
  const value = raw[key];
  return typeof value === "string" ? value : fallback;
}

/** A boolean option; `"true"`/`1`-style values are cast, anything else is the default. */
export function readBool(raw: Raw, key: string, fallback = false): boolean {
  const value = raw[key];
  if (typeof value === "boolean") return value;
  if (value === "true" || value === 1) return true;
  if (value === "false" || value === 0) return false;
  return fallback;
}

/** A numeric option; numeric strings are cast, anything else is the default. */
export function readNumber(raw: Raw, key: string, fallback = 0): number {
  return toOptionNumber(raw[key]) ?? fallback;
}

/** A nullable numeric option (number field `min`/`max`): null, absent or invalid → null. */
export function readNumberOrNull(raw: Raw, key: string): number | null {
  return toOptionNumber(raw[key]);
}

/** A list of strings; null/absent stays null (PocketBase stores `null` for unset lists). */
export function readStringListOrNull(raw: Raw, key: string): string[] | null {
  const value = raw[key];
  if (!Array.isArray(value)) return null;
  return value.filter((item): item is string => typeof item === "string");
}

/** A list of strings that is never null. */
export function readStringList(raw: Raw, key: string): string[] {
  return readStringListOrNull(raw, key) ?? [];
}

function toOptionNumber(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string") {
    const parsed = parseGoFloat(value.trim());
    return parsed !== null && Number.isFinite(parsed) ? parsed : null;
  }
  return null;
}

/**
 * ozzo `Min(threshold)`: an error when `value` is below it. Like ozzo, zero (the "empty"
 * value) always passes.
 */
export function checkMin(value: number, threshold: number, display?: string): ValidationError | null {
  return value !== 0 && value < threshold ? errors.minThreshold(threshold, display) : null;
}

/** ozzo `Max(threshold)`, with the same zero exemption as `checkMin`. */
export function checkMax(value: number, threshold: number, display?: string): ValidationError | null {
  return value !== 0 && value > threshold ? errors.maxThreshold(threshold, display) : null;
}

/** Sets `tree[key]` to the first non-null error, mirroring ozzo's one-error-per-field. */
export function firstError(
  tree: ErrorTree,
  key: string,
  ...checks: (() => ValidationError | ErrorTree | null)[]
): void {
  for (const check of checks) {
    const err = check();
    if (err !== null && (!isPlainTree(err) || Object.keys(err).length > 0)) {
      tree[key] = err;
      return;
    }
  }
}

function isPlainTree(value: ValidationError | ErrorTree): value is ErrorTree {
  return !(value instanceof Error);
}

/** ozzo `Each(is.Domain)` over a domain list: errors keyed by index. */
export function eachDomain(list: readonly string[] | null, isDomain: (value: string) => boolean): ErrorTree {
  const tree: ErrorTree = {};
  (list ?? []).forEach((domain, i) => {
    // ozzo string rules skip empty values.
    if (domain !== "" && !isDomain(domain)) tree[String(i)] = errors.isDomain();
  });
  return tree;
}

/**
 * PocketBase's automatic field id: the type followed by the decimal CRC-32 (IEEE) of the name,
 * e.g. `text3208210256` for `id`.
 */
export function newFieldId(type: string, name: string): string {
  return `${type}${crc32(name)}`;
}

/** The `validation_invalid_regex` leaf for a pattern option, or null when it compiles (or is empty). */
export function checkRegex(pattern: string): ValidationError | null {
  if (pattern === "") return null;
  const compiled = compileGoRegex(pattern);
  return compiled instanceof Error ? errors.invalidRegex(compiled.message) : null;
}
