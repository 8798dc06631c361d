/**
 * `new DynamicModel(shape)` (jsvm-surface §2.4) and the `null*()` markers: a typed row holder for
 * raw queries. Each shape key is a column (and JSON key); its default value fixes the type; the
 * JS property is the Go-mapped name (`Roles` → `roles`). The runtime fills models from query rows
 * with `fillDynamicModel` and reads them back with `dynamicModelColumns`.
 */
import { toGoString } from "../../core/fields/cast.ts";
import { goNameToJs } from "./go-names.ts";

type Obj = { [key: string]: unknown };

/** The column kinds a shape can declare. */
export type ColumnKind = "string" | "int" | "float" | "bool" | "array" | "object";

interface Column {
  key: string;
  prop: string;
  kind: ColumnKind;
  nullable: boolean;
}

const NULL_MARKER = Symbol("satchel.nullable");

interface NullMarker {
  [NULL_MARKER]: ColumnKind;
}

const marker = (kind: ColumnKind): NullMarker => ({ [NULL_MARKER]: kind });

/** A nullable text column of a DynamicModel (default null). */
export function nullString(): NullMarker {
  return marker("string");
}

/** A nullable integer column of a DynamicModel (default null). */
export function nullInt(): NullMarker {
  return marker("int");
}

/** A nullable float column of a DynamicModel (default null). */
export function nullFloat(): NullMarker {
  return marker("float");
}

/** A nullable boolean column of a DynamicModel (default null). */
export function nullBool(): NullMarker {
  return marker("bool");
}

/** A nullable JSON array column of a DynamicModel (default null). */
export function nullArray(): NullMarker {
  return marker("array");
}

/** A nullable JSON object column of a DynamicModel (default null). */
export function nullObject(): NullMarker {
  return marker("object");
}

/** Markers for nullable DynamicModel columns (default null). */
export const nullMarkers = { nullString, nullInt, nullFloat, nullBool, nullArray, nullObject };

function isMarker(v: unknown): v is NullMarker {
  return typeof v === "object" && v !== null && NULL_MARKER in v;
}

/** A JSON object column value with Go's `get`/`set` methods (`types.JSONMap`). */
export class JSONMap {
  [key: string]: unknown;

  constructor(data?: unknown) {
    if (typeof data === "object" && data !== null && !Array.isArray(data)) Object.assign(this, data);
  }

  get(key: string): unknown {
    return Object.hasOwn(this, key) ? this[key] : null;
  }

  set(key: string, value: unknown): void {
    this[key] = value;
  }
}

const COLUMNS = Symbol("satchel.columns");

// One prototype per shape signature (PocketBase caches one struct type per shape): the columns
// live on it, so copies made with Object.create(Object.getPrototypeOf(model)) keep them.
const shapePrototypes = new Map<string, object>();

/** A struct-like model built from a shape. */
export class DynamicModel {
  [prop: string]: unknown;
  declare [COLUMNS]: Column[];

  constructor(shape?: unknown) {
    if (
      typeof shape !== "object" ||
      shape === null ||
      Array.isArray(shape) ||
      Object.keys(shape).length === 0
    ) {
      throw new Error("[DynamicModel] missing shape data");
    }
    const columns: Column[] = Object.entries(shape as Obj)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, value]) => ({ key, prop: goNameToJs(key), ...kindOf(value) }));
    const signature = JSON.stringify(columns);
    let proto = shapePrototypes.get(signature);
    if (!proto) {
      proto = Object.create(new.target.prototype, { [COLUMNS]: { value: columns } }) as object;
      shapePrototypes.set(signature, proto);
    }
    Object.setPrototypeOf(this, proto);
    for (const c of columns) this[c.prop] = c.nullable ? null : zeroOf(c.kind);
  }

  /** JSON with the shape's keys (Go's JSON tags). */
  toJSON(): Obj {
    const out: Obj = {};
    for (const c of this[COLUMNS]) out[c.key] = this[c.prop];
    return out;
  }
}

function kindOf(value: unknown): { kind: ColumnKind; nullable: boolean } {
  if (isMarker(value)) return { kind: value[NULL_MARKER], nullable: true };
  if (typeof value === "string") return { kind: "string", nullable: false };
  if (typeof value === "boolean") return { kind: "bool", nullable: false };
  if (typeof value === "number") {
    const int = Number.isInteger(value) && !Object.is(value, -0);
    return { kind: int ? "int" : "float", nullable: false };
  }
  if (Array.isArray(value)) return { kind: "array", nullable: false };
  if (typeof value === "object" && value !== null) return { kind: "object", nullable: false };
  return { kind: "string", nullable: true };
}

function zeroOf(kind: ColumnKind): unknown {
  switch (kind) {
    case "string":
      return "";
    case "int":
    case "float":
      return 0;
    case "bool":
      return false;
    case "array":
      return [];
    case "object":
      return new JSONMap();
  }
}

/** The columns of a model: shape key, JS property, kind, nullability. */
export function dynamicModelColumns(m: DynamicModel): readonly Column[] {
  return m[COLUMNS];
}

/** Casts a DB value to a column kind (JSON text is parsed for array/object columns). */
function castColumn(c: Column, raw: unknown): unknown {
  if (raw === null || raw === undefined) return c.nullable ? null : zeroOf(c.kind);
  switch (c.kind) {
    case "string":
      return raw instanceof Uint8Array
        ? Buffer.from(raw).toString("utf8")
        : typeof raw === "object"
          ? JSON.stringify(raw)
          : toGoString(raw);
    case "int":
      return Math.trunc(Number(raw)) || 0;
    case "float":
      return Number(raw) || 0;
    case "bool":
      return raw === true || raw === 1 || raw === "1" || raw === "true";
    case "array":
    case "object": {
      let parsed: unknown = raw;
      if (typeof raw === "string") {
        try {
          parsed = JSON.parse(raw);
        } catch {
          parsed = null;
        }
      }
      if (c.kind === "array") return Array.isArray(parsed) ? parsed : c.nullable ? null : [];
      return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
        ? new JSONMap(parsed)
        : c.nullable
          ? null
          : new JSONMap();
    }
  }
}

/** Fills a model from a result row (keyed by column name; unknown columns are ignored). */
export function fillDynamicModel(m: DynamicModel, row: Obj): void {
  for (const c of m[COLUMNS]) if (c.key in row) m[c.prop] = castColumn(c, row[c.key]);
}

/** A new empty model with the same shape. */
export function cloneDynamicModelShape(m: DynamicModel): DynamicModel {
  const copy = Object.create(Object.getPrototypeOf(m) as object) as DynamicModel;
  for (const c of m[COLUMNS]) copy[c.prop] = c.nullable ? null : zeroOf(c.kind);
  return copy;
}
