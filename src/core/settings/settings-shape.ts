/**
 * A small declarative description of a JSON document with a fixed shape (the settings), and
 * the two operations PocketBase performs on it through Go's `encoding/json`:
 *
 * - decoding = `json.Unmarshal` into an existing struct: only the keys present are changed,
 *   nested objects are merged, and the result keeps the struct's key order;
 * - encoding = `json.Marshal` of the struct, with its secret fields left out where PocketBase
 *   leaves them out.
 *
 * One table per object lists its keys in output order, so key order, defaults for missing
 * values and secret handling are all decided in one place.
 */

/** How a string is treated on output: plain, always-stored secret, or secret dropped when empty. */
export type StringSlot = "string" | "secret" | "secret,omitempty";

/** Marks an array of values described by `item`. */
export class ListSlot<S> {
  readonly item: S;

  constructor(item: S) {
    this.item = item;
  }
}

/** The slot describing a value of type V (checked against the TypeScript type with `satisfies`). */
export type Slot<V> = [V] extends [string]
  ? StringSlot
  : [V] extends [number]
    ? "int"
    : [V] extends [boolean]
      ? "bool"
      : V extends readonly (infer I)[]
        ? ListSlot<Slot<I>>
        : V extends object
          ? Table<V>
          : never;

/** The table of an object type: every key, in JSON output order. */
export type Table<T> = { readonly [K in keyof T]-?: Slot<T[K]> };

type AnySlot = StringSlot | "int" | "bool" | ListSlot<AnySlot> | AnyTable;
interface AnyTable {
  readonly [key: string]: AnySlot;
}

/** `strict` throws on a value of the wrong JSON type; `lenient` keeps the previous value. */
export type DecodeMode = "strict" | "lenient";

/** A value of the wrong JSON type in strict decoding, e.g. a string where a number belongs. */
export class SettingsDecodeError extends Error {
  /** Dotted JSON path of the offending value, e.g. `smtp.port` or `rateLimits.rules.0.label`. */
  readonly path: string;

  constructor(path: string, expected: string, got: unknown) {
    const where = path === "" ? "" : ` value at "${path}"`;
    super(`Invalid settings${where}: expected ${expected}, got ${jsonTypeOf(got)}.`);
    this.name = "SettingsDecodeError";
    this.path = path;
  }
}

/**
 * Decodes `raw` over `base` as Go's json.Unmarshal would, returning a new value in table
 * order; `base` is not modified and shares nothing with the result. Semantics:
 *
 * - a missing key or `null` leaves the base value unchanged (Go: null into a struct, string,
 *   number or bool is a no-op);
 * - `null` for an array empties it (Go sets a nil slice, which PocketBase renders as `[]`);
 * - an array replaces the base array's length, but element i is decoded over the base
 *   element i when there is one: Go reuses existing slice elements, so an object element
 *   that omits a key keeps that key's value from the element that was at the same index;
 * - keys are matched exactly first, then case-insensitively (as Go does); unknown keys are
 *   ignored;
 * - a base value of the wrong shape (a hand-built object missing keys) counts as the zero
 *   value, so the result is always complete.
 */
export function decodeWithTable<T>(table: Table<T>, base: T, raw: unknown, mode: DecodeMode): T {
  return decode(table, base, raw, mode, "") as T;
}

/** Encodes a value for storage (secrets kept, empty `omitempty` secrets dropped) or for the API (all secrets dropped). */
export function encodeWithTable<T>(table: Table<T>, value: T, target: "stored" | "api"): unknown {
  return encode(table, value, target);
}

function decode(slot: AnySlot, base: unknown, raw: unknown, mode: DecodeMode, path: string): unknown {
  if (slot instanceof ListSlot) return decodeList(slot, base, raw, mode, path);
  if (typeof slot === "object") return decodeTable(slot, base, raw, mode, path);

  const expected = slot === "int" ? "an integer" : slot === "bool" ? "a boolean" : "a string";
  const current = isOfSlot(slot, base) ? base : zeroOf(slot);
  if (raw === undefined || raw === null) return current;
  if (isOfSlot(slot, raw)) return raw;
  return mismatch(mode, path, expected, raw, current);
}

function decodeList(
  slot: ListSlot<AnySlot>,
  base: unknown,
  raw: unknown,
  mode: DecodeMode,
  path: string,
): unknown[] {
  const current: unknown[] = Array.isArray(base) ? base : [];
  if (raw === null) return [];
  if (raw !== undefined && !Array.isArray(raw)) {
    raw = mismatch(mode, path, "an array", raw, undefined);
  }
  if (!Array.isArray(raw)) {
    return current.map((item, i) => decode(slot.item, item, undefined, mode, join(path, i)));
  }
  // Elements past the base length start from undefined, i.e. the zero value.
  return raw.map((item: unknown, i) => decode(slot.item, current[i], item, mode, join(path, i)));
}

function decodeTable(
  table: AnyTable,
  base: unknown,
  raw: unknown,
  mode: DecodeMode,
  path: string,
): Record<string, unknown> {
  const current = isPlainObject(base) ? base : {};
  const patch = new Map<string, unknown>();
  if (isPlainObject(raw)) {
    for (const [key, value] of Object.entries(raw)) {
      const field = matchKey(table, key);
      if (field !== undefined) patch.set(field, value);
    }
  } else if (raw !== undefined && raw !== null) {
    mismatch(mode, path, "an object", raw, undefined);
  }
  const out: Record<string, unknown> = {};
  for (const [key, slot] of Object.entries(table)) {
    out[key] = decode(slot, current[key], patch.get(key), mode, join(path, key));
  }
  return out;
}

const OMIT = Symbol("omit");

function encode(slot: AnySlot, value: unknown, target: "stored" | "api"): unknown {
  if (slot instanceof ListSlot) {
    return (value as unknown[]).map((item) => encode(slot.item, item, target));
  }
  if (typeof slot === "object") {
    const record = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(slot)) {
      const encoded = encode(child, record[key], target);
      if (encoded !== OMIT) out[key] = encoded;
    }
    return out;
  }
  if (slot === "secret") return target === "api" ? OMIT : value;
  if (slot === "secret,omitempty") return target === "api" || value === "" ? OMIT : value;
  return value;
}

// Go matches a JSON key to a struct field exactly, else case-insensitively.
const lowerKeys = new WeakMap<AnyTable, Map<string, string>>();
function matchKey(table: AnyTable, key: string): string | undefined {
  if (Object.hasOwn(table, key)) return key;
  let lower = lowerKeys.get(table);
  if (lower === undefined) {
    lower = new Map(Object.keys(table).map((k) => [k.toLowerCase(), k]));
    lowerKeys.set(table, lower);
  }
  return lower.get(key.toLowerCase());
}

function mismatch(
  mode: DecodeMode,
  path: string,
  expected: string,
  got: unknown,
  fallback: unknown,
): unknown {
  if (mode === "strict") throw new SettingsDecodeError(path, expected, got);
  return fallback;
}

function isOfSlot(slot: StringSlot | "int" | "bool", value: unknown): boolean {
  if (slot === "int") return typeof value === "number" && Number.isSafeInteger(value);
  if (slot === "bool") return typeof value === "boolean";
  return typeof value === "string";
}

function zeroOf(slot: StringSlot | "int" | "bool"): unknown {
  return slot === "int" ? 0 : slot === "bool" ? false : "";
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function join(path: string, key: string | number): string {
  return path === "" ? String(key) : `${path}.${key}`;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number") {
    if (!Number.isInteger(value)) return "a fractional number";
    return Number.isSafeInteger(value) ? "a number" : "a number out of range";
  }
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
