/**
 * Loading a create/update body into a record (§1.1 "Body handling"): plain keys set values,
 * modifier keys (`field+`, `+field`, `field-`, `field:autogenerate`) are resolved against the
 * current value in order of key length, unknown keys are ignored, hidden fields are dropped for
 * non-superusers. The resolved values are what `@request.body` then shows to the rules.
 */
import { getFieldType, type Field } from "../fields/registry.ts";
import type { Modifier } from "../fields/field.ts";
import type { Record } from "./record.ts";
import { hashPassword } from "../../auth/password.ts";
import { bcryptCost } from "../fields/password.ts";

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
  if (key.endsWith(":autogenerate"))
    return { field: key.slice(0, -":autogenerate".length), modifier: "autogenerate" };
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
 * Applies a body to a record and returns the resolved body for `@request.body`: every
 * submitted key, with the keys of collection fields (modifiers included) replaced by the
 * field's final value and hidden fields removed for non-superusers (PocketBase's
 * `ReplaceModifiers` + hidden-field filter). Unknown keys stay as submitted, so rules can
 * still compare them. Auth-only keys (`password`, `passwordConfirm`, `oldPassword`) stay too;
 * applying them is the auth rules' job.
 */
export function loadRecordBody(record: Record, body: Body, options: LoadBodyOptions): Body {
  const resolved: Body = { ...body };
  const isAuth = record.collection.type === "auth";
  // Shorter keys first: `tags` is set before `tags+` is applied to it (PocketBase's order).
  const keys = Object.keys(body).sort((a, b) => a.length - b.length);
  for (const key of keys) {
    if (isAuth && (AUTH_BODY_KEYS as readonly string[]).includes(key)) continue;
    const { field: name, modifier } = parseBodyKey(key);
    const field: Field | undefined = record.field(name);
    if (!field) continue;
    if (options.skipTypes?.includes(field.type)) continue;
    delete resolved[key];
    if (field.hidden && !options.isSuperuser) {
      delete resolved[name];
      continue;
    }
    // Password fields get a bcrypt hash, never the plain text (see hashPasswordFields).
    if (field.type === "password") {
      if (!(isAuth && name === "password")) resolved[name] = body[key];
      continue;
    }
    if (field.type === "autodate" || (isAuth && name === "tokenKey")) {
      resolved[name] = record.get(name);
      continue;
    }
    const type = getFieldType(field.type);
    if (modifier) {
      const next = type.applyModifier?.(field, modifier, record.get(name), body[key]);
      if (next !== undefined) record.set(name, next);
    } else {
      record.set(name, body[key]);
    }
    resolved[name] = record.get(name);
  }
  return resolved;
}

/**
 * Hashes the submitted values of password fields other than an auth collection's own
 * `password` (which the auth body rules handle), e.g. `_otps.password` set by a superuser: a
 * password field stores a bcrypt hash, never what was sent. Hidden ones are for superusers only.
 */
export async function hashPasswordFields(
  record: Record,
  body: Body,
  options: LoadBodyOptions,
): Promise<void> {
  const isAuth = record.collection.type === "auth";
  for (const field of record.collection.fields) {
    if (field.type !== "password" || (isAuth && field.name === "password")) continue;
    if (field.hidden && !options.isSuperuser) continue;
    const plain = body[field.name];
    if (typeof plain !== "string" || plain === "") continue;
    record.notePlainPassword(field.name, plain);
    record.set(field.name, await hashPassword(plain, bcryptCost(field)));
  }
}
