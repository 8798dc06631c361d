/**
 * The global helper functions of jsvm-surface §2.3: `toString`, `toBytes`, `readerToString`,
 * `sleep`, `arrayOf`, `unmarshal`. A "reader" is any object with `readAll(maxBytes)` returning
 * bytes or a string (what the runtime's readers, e.g. a File's `reader`, provide).
 */
import { formatFloatF } from "../../tools/go-format.ts";
import { goJsonMarshal } from "../../core/fields/cast.ts";
import { bytesOf, GoBytes } from "./bytes.ts";
import { DynamicModel, fillDynamicModel } from "./dynamic-model.ts";

type Obj = { [key: string]: unknown };

/** Default read limit of readers (16 MiB). */
const DEFAULT_MAX_BYTES = 16 << 20;

/** Something with `readAll(maxBytes)`. */
export interface Reader {
  readAll(maxBytes: number): unknown;
}

/** Whether a value is a reader. */
export function isReader(v: unknown): v is Reader {
  return typeof v === "object" && v !== null && typeof (v as { readAll?: unknown }).readAll === "function";
}

function readAll(r: Reader, maxBytes: unknown): Buffer {
  const max = typeof maxBytes === "number" && maxBytes > 0 ? maxBytes : DEFAULT_MAX_BYTES;
  const data = r.readAll(max);
  const buf = typeof data === "string" ? Buffer.from(data, "utf8") : (bytesOf(data) ?? Buffer.alloc(0));
  return buf.subarray(0, max);
}

/** Go's `%v`-like text of a scalar. */
function scalarText(v: number | boolean | bigint): string {
  return typeof v === "number" ? formatFloatF(v) : String(v);
}

/**
 * Any value as text: readers are read (≤ maxBytes), bytes decoded as UTF-8, scalars printed,
 * `null`/`undefined` → `""`, anything else → its JSON (keys sorted, as Go's encoder).
 */
export function toString(v: unknown, maxBytes?: number): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return scalarText(v);
  if (isReader(v)) return readAll(v, maxBytes).toString("utf8");
  const bytes = bytesOf(v);
  if (bytes) return bytes.toString("utf8");
  return goJsonMarshal(v);
}

/**
 * Any value as bytes: `null` → `[]`, strings UTF-8, readers read, arrays of numbers as those
 * bytes, scalars as their text, objects as their JSON.
 */
export function toBytes(v: unknown, maxBytes?: number): GoBytes {
  if (v === null || v === undefined) return new GoBytes();
  if (v instanceof GoBytes) return GoBytes.fromData(v.toBuffer());
  if (typeof v === "string") return GoBytes.fromData(v);
  if (isReader(v)) return GoBytes.fromData(readAll(v, maxBytes));
  const bytes = bytesOf(v);
  if (bytes) return GoBytes.fromData(bytes);
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) {
    return GoBytes.fromData(Uint8Array.from(v));
  }
  return GoBytes.fromData(toString(v));
}

/**
 * Deprecated: reads a reader to text. The request body (`e.request.body`) reaches scripts
 * already read, as text: it is taken as that reader's content (up to `maxBytes`).
 */
export function readerToString(r: unknown, maxBytes?: number): string {
  if (typeof r === "string") return readAll({ readAll: () => r }, maxBytes).toString("utf8");
  if (!isReader(r)) throw new TypeError("readerToString: the argument is not a reader");
  return readAll(r, maxBytes).toString("utf8");
}

// One private cell to wait on: nobody ever notifies it, so Atomics.wait just times out.
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread (the worker only) for `ms` milliseconds; ≤ 0 returns at once. */
export function sleep(ms: unknown): void {
  const n = typeof ms === "number" ? ms : Number(ms);
  if (!(n > 0)) return;
  Atomics.wait(sleepCell, 0, 0, n);
}

const ELEMENT_MODEL = Symbol("satchel.arrayOf");

/** An array to fill with query results of `model`'s type (`arrayOf(new DynamicModel({...}))`). */
export function arrayOf<T>(model: T): T[] {
  const arr: T[] = [];
  Object.defineProperty(arr, ELEMENT_MODEL, { value: model, enumerable: false });
  return arr;
}

/** The element model an `arrayOf` array was made for, or undefined. */
export function arrayOfModel(arr: unknown): unknown {
  return Array.isArray(arr) ? (arr as unknown as { [ELEMENT_MODEL]?: unknown })[ELEMENT_MODEL] : undefined;
}

/**
 * JSON-encodes `data` and decodes it into `dst` (keys absent in `data` are kept, nested objects
 * merged, arrays replaced). `dst` must be a model (DynamicModel, Record, class instance); a plain
 * JS object is left unchanged, as in PocketBase.
 */
export function unmarshal(data: unknown, dst: unknown): void {
  const decoded: unknown = JSON.parse(toString(data === undefined ? null : data) || "null");
  if (typeof dst !== "object" || dst === null || Object.getPrototypeOf(dst) === Object.prototype) return;
  if (typeof decoded !== "object" || decoded === null || Array.isArray(decoded)) return;
  if (dst instanceof DynamicModel) {
    const current = dst.toJSON();
    const merged = deepMerge(current, decoded as Obj);
    // Unknown keys are ignored (struct semantics); columns keep their declared kinds.
    fillDynamicModel(dst, merged);
    return;
  }
  const load = (dst as { load?: unknown }).load;
  if (typeof load === "function") {
    (load as (d: unknown) => void).call(dst, decoded);
    return;
  }
  Object.assign(dst, deepMerge(dst as Obj, decoded as Obj));
}

function deepMerge(target: Obj, source: Obj): Obj {
  const out: Obj = { ...target };
  for (const [key, value] of Object.entries(source)) {
    const current = out[key];
    const bothObjects =
      typeof value === "object" &&
      value !== null &&
      !Array.isArray(value) &&
      typeof current === "object" &&
      current !== null &&
      !Array.isArray(current);
    out[key] = bothObjects ? deepMerge({ ...(current as Obj) }, value as Obj) : value;
  }
  return out;
}
