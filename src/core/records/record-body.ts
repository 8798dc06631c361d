/**
 * Loading a create/update body into a record (§1.1 "Body handling"): plain keys set values,
 * modifier keys (`field+`, `+field`, `field-`, `field:autogenerate`) are resolved against the
 * current value in order of key length, unknown keys are ignored, hidden fields are dropped for
 * non-superusers. The resolved values are what `@request.body` then shows to the rules.
 */
import { getFieldType, type Field } from "../fields/registry.ts";
import type { Modifier } from "../fields/field.ts";
import type { Record } from "./record.ts";

type Body = { [key: string]: unknown };

/** Keys of auth bodies handled by the auth rules rather than as field values. */
export const AUTH_BODY_KEYS = ["password", "passwordConfirm", "oldPassword"] as const;

/** A body key split into its field name and modifier. */
export interface BodyKey {
  field: string;
  modifier: Modifier | null;
}

/** Splits `title+`, `+tags`, `tags-`, `slug:autogenerate` into field and modifier. */
export function parseBodyKey(key: string): BodyKey {
  if (key.endsWith(":autogenerate")) return { field: key.slice(0, -":autogenerate".length), modifier: "autogenerate" };
  if (key.startsWith("+")) return { field: key.slice(1), modifier: "prepend" };
  if (key.endsWith("+")) return { field: key.slice(0, -1), modifier: "append" };
  if (key.endsWith("-")) return { field: key.slice(0, -1), modifier: "subtract" };
  return { field: key, modifier: null };
}

/** Options of `loadRecordBody`. */
export interface LoadBodyOptions {
  /** Superusers may set hidden fields. */
  isSuperuser: boolean;
  /** Field types whose values are handled elsewhere (e.g. file uploads). */
  skipTypes?: readonly string[];
}

/**
 * Applies a body to a record and returns the resolved body (field name → final value) for
 * `@request.body`. Auth-only keys (`password`, `passwordConfirm`, `oldPassword`) are copied
 * into the resolved body untouched; applying them is the auth rules' job.
 */
export function loadRecordBody(record: Record, body: Body, options: LoadBodyOptions): Body {
  const resolved: Body = {};
  const isAuth = record.collection.type === "auth";
  // Shorter keys first: `tags` is set before `tags+` is applied to it (PocketBase's order).
  const keys = Object.keys(body).sort((a, b) => a.length - b.length);
  for (const key of keys) {
    if (isAuth && (AUTH_BODY_KEYS as readonly string[]).includes(key)) {
      resolved[key] = body[key];
      continue;
    }
    const { field: name, modifier } = parseBodyKey(key);
    const field: Field | undefined = record.field(name);
    if (!field) continue;
    if (options.skipTypes?.includes(field.type)) continue;
    if (field.hidden && !options.isSuperuser) continue;
    if (isAuth && (name === "password" || name === "tokenKey")) continue;
    if (field.type === "autodate") continue;
    const type = getFieldType(field.type);
    if (modifier) {
      const next = type.applyModifier?.(field, modifier, record.get(name), body[key]);
      if (next === undefined) continue;
      record.set(name, next);
    } else {
      record.set(name, body[key]);
    }
    resolved[name] = record.get(name);
  }
  return resolved;
}
