/**
 * Narrowing helpers for provider payloads: every value from a provider is `unknown` until one
 * of these reads it, and a value of the wrong type reads as empty rather than being trusted.
 */
import type { JsonObject } from "./provider.ts";

/** The value as a plain JSON object, or null. */
export function asObject(value: unknown): JsonObject | null {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as JsonObject) : null;
}

/** The value at a dot path (`data.viewer.id`, `response.0.id`), or undefined. */
export function pick(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split(".")) {
    if (Array.isArray(current) && /^\d+$/.test(key)) current = current[Number(key)];
    else {
      const obj = asObject(current);
      if (!obj || !Object.hasOwn(obj, key)) return undefined;
      current = obj[key];
    }
  }
  return current;
}

/** The string at a path ("" when missing or not a string). */
export function str(value: unknown, path: string): string {
  const v = pick(value, path);
  return typeof v === "string" ? v : "";
}

/** An identifier at a path: a string as is, an integer as its decimal form. */
export function id(value: unknown, path: string): string {
  const v = pick(value, path);
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isInteger(v)) return v.toFixed(0);
  return "";
}

/** A flag at a path, read like Go's `cast.ToBool`: true, "true", "1", "t", 1. */
export function flag(value: unknown, path: string): boolean {
  const v = pick(value, path);
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") return ["1", "t", "T", "true", "TRUE", "True"].includes(v);
  return false;
}

/** Space-joined, trimmed name parts. */
export function joinName(...parts: string[]): string {
  return parts.join(" ").trim();
}

/** A loose email shape check (one `@`, no spaces), used before trusting a secondary address. */
export function looksLikeEmail(value: string): boolean {
  return /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(value);
}
