/**
 * `@request.*` for the record field resolver: looking values up in a `RequestInfo` and turning
 * them into bindable constants the way PocketBase's `resolveStaticRequestField` does
 * (`@request.context`, `.method`, `.headers.*`, `.query.*`, `.body.*`, `.auth.*`, with
 * `:isset`, `:lower`, `:length`). The few forms that need SQL beyond a constant
 * (`@request.auth.rel.x`, `@request.body.rel.x`, `@request.body.f:each`, `:changed`) are
 * delegated back to the resolver through `RequestScope`.
 */
import type { FieldResolution } from "../../query/field-resolver.ts";
import { quoteForMessage } from "../../query/errors.ts";
import type { SqlValue } from "../../query/sql.ts";
import type { Collection } from "../collections/collection-model.ts";
import { findField } from "../collections/collection-model.ts";
import { goJsonMarshal, parseGoFloat, toGoBool, toUniqueStrings } from "../fields/cast.ts";
import type { Field } from "../fields/registry.ts";
import { getFieldType } from "../fields/registry.ts";
import type { RelationField } from "../fields/relation.ts";
import type { RequestInfo } from "../hook-events.ts";
import type { AuthRecord } from "./record.ts";
import type { Modifier } from "./record-field-resolver-path.ts";
import {
  NULL_CONSTANT,
  invalid,
  requireMultiValuer,
  splitModifier,
  splitPath,
} from "./record-field-resolver-path.ts";

/** A value `@request.*` resolves to: bound as a parameter (booleans as 1/0), NULL for null. */
export type StaticValue = SqlValue | boolean;

/** The outcome of looking a path up: `found` is false when a key on the way was missing. */
export interface Lookup {
  readonly found: boolean;
  readonly value: unknown;
}

const MISSING: Lookup = Object.freeze({ found: false, value: undefined });
const INDEX = /^\d+$/;

/**
 * Walks `path` through plain objects (own keys only, so `__proto__` or `constructor` are simply
 * missing) and arrays (numeric segments), like PocketBase's `extractNestedVal`.
 */
export function lookupPath(root: unknown, path: readonly string[]): Lookup {
  let current = root;
  for (const key of path) {
    if (Array.isArray(current)) {
      if (!INDEX.test(key)) return MISSING;
      const index = Number(key);
      if (index >= current.length) return MISSING;
      current = current[index] as unknown;
    } else if (isPlainObject(current)) {
      if (!Object.hasOwn(current, key)) return MISSING;
      current = current[key];
    } else {
      return MISSING;
    }
  }
  return { found: true, value: current };
}

function isPlainObject(value: unknown): value is { readonly [key: string]: unknown } {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A looked-up request value as a constant: strings, numbers and booleans as they are, NULL for
 * null/missing, anything else (lists, objects) as Go-encoded JSON text, which is how such values
 * compare against the JSON columns of multiple select/relation/file and json fields.
 */
export function toStaticValue(value: unknown): StaticValue {
  switch (typeof value) {
    case "string":
    case "number":
    case "bigint":
    case "boolean":
      return typeof value === "number" && !Number.isFinite(value) ? null : value;
    case "undefined":
    case "function":
    case "symbol":
      return null;
    case "object":
      if (value === null) return null;
      if (value instanceof Uint8Array) return value;
      return goJsonMarshal(value);
  }
}

/**
 * `@request.body.<field>` for a field of the collection: numeric strings become numbers for
 * number fields (multipart bodies send text) and strings are cast for bool fields.
 */
export function bodyFieldValue(field: Field | undefined, value: unknown): StaticValue {
  if (typeof value === "string" && field !== undefined) {
    if (field.type === "number") {
      const parsed = parseGoFloat(value);
      if (parsed !== null && Number.isFinite(parsed)) return parsed;
    } else if (field.type === "bool") {
      return toGoBool(value);
    }
  }
  return toStaticValue(value);
}

/** The list `:each` / `:length` see of a body value: nothing for null, a one-item list for scalars. */
export function toList(value: unknown): readonly unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/**
 * One field of the request's auth record, hidden fields included (rules may use them):
 * `collectionId`/`collectionName` from its collection, other fields as their column value (what
 * PocketBase's join of the auth collection would read), json fields as the value they hold
 * (what `JSON_EXTRACT(col, '$')` gives).
 */
export function authFieldValue(auth: AuthRecord, name: string): Lookup {
  if (name === "collectionId") return { found: true, value: auth.collection.id };
  if (name === "collectionName") return { found: true, value: auth.collection.name };
  const field = findField(auth.collection, name);
  if (field === undefined) return MISSING;
  const value = getFieldType(field.type).toDbValue(field, auth.get(name));
  if (field.type === "json" && typeof value === "string") return { found: true, value: jsonScalar(value) };
  return { found: true, value };
}

function jsonScalar(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return text;
  }
  // Objects and lists stay as their JSON text; scalars compare as SQL scalars.
  return typeof parsed === "object" && parsed !== null ? text : parsed;
}

/** What `resolveRequestField` needs from the resolver for the forms that join. */
export interface RequestScope {
  /** The collection whose fields `@request.body.<name>` keys are typed by. */
  readonly collection: Collection;
  readonly requestInfo: RequestInfo | null;
  /** `@request.body.<multi>:each`: the submitted values as rows. */
  bodyEach(identifier: string, field: Field, values: readonly unknown[]): FieldResolution;
  /** `@request.body.<rel>.<rest>`: the submitted (non-empty) ids joined into the target. */
  bodyRelation(
    identifier: string,
    field: RelationField,
    ids: string[],
    rest: readonly string[],
  ): FieldResolution;
  /** `@request.auth.<path>` through a join of the auth collection. */
  authPath(identifier: string, auth: AuthRecord, path: readonly string[]): FieldResolution;
  /** `@request.body.<field>:changed`. */
  changed(field: Field): FieldResolution;
}

/** Resolves a checked `@request.<section>…` identifier (already split on dots). */
export function resolveRequestField(
  identifier: string,
  props: readonly string[],
  scope: RequestScope,
): FieldResolution {
  const info = scope.requestInfo;
  const { name: section, modifier: sectionModifier } = splitModifier(identifier, props[1] ?? "");
  const path = props.slice(2);
  switch (section) {
    case "context":
    case "method": {
      if (path.length > 0) throw invalid(identifier, `@request.${section} has no properties`);
      const lookup = info === null ? MISSING : { found: true, value: info[section] };
      return constant(identifier, lookup, sectionModifier, toStaticValue);
    }
    case "headers":
    case "query": {
      if (path.length === 0 || sectionModifier !== "") throw invalid(identifier, "expected a key");
      const { names, modifier } = splitPath(identifier, path);
      const lookup = info === null ? MISSING : lookupPath(info[section], names);
      return constant(identifier, lookup, modifier, toStaticValue);
    }
    case "body":
      if (path.length === 0 || sectionModifier !== "") throw invalid(identifier, "expected a key");
      return resolveBody(identifier, path, scope);
    case "auth":
      if (path.length === 0 || sectionModifier !== "") throw invalid(identifier, "expected a field");
      return resolveAuth(identifier, path, scope);
    default:
      throw invalid(identifier, `unknown @request property ${quoteForMessage(section)}`);
  }
}

/** A looked-up value with a `:isset`/`:lower` modifier (the others are invalid on constants). */
function constant(
  identifier: string,
  lookup: Lookup,
  modifier: Modifier,
  convert: (value: unknown) => StaticValue,
): FieldResolution {
  switch (modifier) {
    case "isset":
      return { value: lookup.found };
    case "":
      return { value: convert(lookup.value) };
    case "lower": {
      const value = convert(lookup.value);
      if (value === null) return NULL_CONSTANT;
      return { sql: "LOWER(?)", params: [typeof value === "boolean" ? (value ? 1 : 0) : value] };
    }
    case "each":
    case "length":
    case "changed":
      throw invalid(identifier, `:${modifier} is not supported here`);
  }
}

function resolveBody(identifier: string, path: readonly string[], scope: RequestScope): FieldResolution {
  const body = scope.requestInfo?.body;
  const { names, modifier } = splitPath(identifier, path);
  const name = names[0]!;
  const found = body !== undefined && Object.hasOwn(body, name);
  const value: unknown = found ? body[name] : undefined;
  const field = findField(scope.collection, name);
  if (field?.type === "relation" && names.length > 1) {
    const ids = toUniqueStrings(value);
    return ids.length === 0 ? NULL_CONSTANT : scope.bodyRelation(identifier, field, ids, path.slice(1));
  }
  if (field !== undefined && names.length === 1) {
    switch (modifier) {
      case "each":
        requireMultiValuer(identifier, field);
        return scope.bodyEach(identifier, field, toList(value));
      case "length":
        requireMultiValuer(identifier, field);
        return { value: toList(value).length };
      case "changed":
        return scope.changed(field);
      case "isset":
      case "lower":
      case "":
        return constant(identifier, { found, value }, modifier, (v) => bodyFieldValue(field, v));
    }
  }
  // Keys that are not fields of the collection (or paths inside json values) resolve statically.
  const lookup = body === undefined ? MISSING : lookupPath(body, names);
  return constant(identifier, lookup, modifier, toStaticValue);
}

/**
 * `@request.auth.<field>`: a constant from the auth record (any field, hidden ones included);
 * relation paths and `:each`/`:length` join the auth collection on the auth id instead. Guests
 * get NULL, except `@request.auth.id`, which is '' so that `@request.auth.id != ''` reads
 * naturally (the compiler treats NULL and '' alike in equality anyway).
 */
function resolveAuth(identifier: string, path: readonly string[], scope: RequestScope): FieldResolution {
  const auth = scope.requestInfo?.auth ?? null;
  const { names, modifier } = splitPath(identifier, path);
  if (modifier === "changed") throw invalid(identifier, ":changed applies to @request.body.* fields only");
  if (auth === null) {
    if (modifier === "isset") return { value: false };
    return names.length === 1 && names[0] === "id" && modifier === "" ? { value: "" } : NULL_CONSTANT;
  }
  if (names.length === 1 && (modifier === "" || modifier === "lower" || modifier === "isset")) {
    return constant(identifier, authFieldValue(auth, names[0]!), modifier, toStaticValue);
  }
  return scope.authPath(identifier, auth, path);
}
