/**
 * The field classes of scripts (`new TextField({...})`, `new Field({type})`, `FieldsList`): thin
 * objects over the core field types (`src/core/fields/`), so options get the same defaults and
 * values the same casting as everywhere else. Properties use the JSON names; `type()` is a method,
 * as on PocketBase's Go fields.
 */
import {
  fieldToJson,
  fieldTypes,
  getFieldType,
  hasFieldType,
  newFieldId,
  normalizeField,
  type Field as CoreField,
  type FieldTypeName,
} from "../../core/fields/registry.ts";

type Obj = { [key: string]: unknown };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Thrown by members that need the app's validation pipeline. */
function notSupported(what: string, instead: string): never {
  throw new Error(`not supported in Satchel: ${what}; use ${instead} instead`);
}

/** What every field class has (the concrete classes add their options as properties). */
export class Field {
  [option: string]: unknown;
  id = "";
  name = "";
  system = false;
  hidden = false;
  presentable = false;

  /**
   * `new Field({type, ...})` builds the concrete class of that type (`TextField`, …); an unknown
   * type keeps the given properties on a plain `Field`.
   */
  constructor(data?: unknown) {
    const raw = isObj(data) ? data : {};
    const typeName = typeof raw.type === "string" ? raw.type : "";
    if (new.target === Field && hasFieldType(typeName)) {
      return new fieldClasses[typeName](raw);
    }
    if (new.target === Field) Object.assign(this, withoutType(raw));
  }

  /** The field type name, e.g. `"text"`. */
  type(): string {
    return "";
  }

  getId(): string {
    return this.id;
  }

  setId(id: string): void {
    this.id = String(id);
  }

  getName(): string {
    return this.name;
  }

  setName(name: string): void {
    this.name = String(name);
  }

  getSystem(): boolean {
    return this.system;
  }

  setSystem(system: boolean): void {
    this.system = Boolean(system);
  }

  getHidden(): boolean {
    return this.hidden;
  }

  setHidden(hidden: boolean): void {
    this.hidden = Boolean(hidden);
  }

  /** The field as core data, with every option defaulted and cast. */
  toCore(): CoreField {
    return normalizeField({ ...this.#options(), type: this.type() });
  }

  #options(): Obj {
    const out: Obj = {};
    for (const [key, value] of Object.entries(this)) if (typeof value !== "function") out[key] = value;
    return out;
  }

  /** The SQLite column definition of the field. */
  columnType(_app?: unknown): string {
    const core = this.toCore();
    return hasFieldType(core.type) ? getFieldType(core.type).columnType(core) : "TEXT DEFAULT '' NOT NULL";
  }

  /** Casts a raw value as the field stores it. */
  prepareValue(_record: unknown, raw: unknown): unknown {
    const core = this.toCore();
    return hasFieldType(core.type) ? getFieldType(core.type).prepareValue(core, raw) : raw;
  }

  /** Not available in a script: validation needs the app. */
  validateValue(): never {
    return notSupported("field.validateValue()", "$app.validate(record)");
  }

  /** Not available in a script: validation needs the app. */
  validateSettings(): never {
    return notSupported("field.validateSettings()", "$app.validate(collection)");
  }

  /** The field's JSON (keys sorted, as stored in `_collections.fields`). */
  toJSON(): Obj {
    const core = this.toCore();
    return hasFieldType(core.type) ? fieldToJson(core) : { ...this.#options(), type: this.type() };
  }
}

function withoutType(raw: Obj): Obj {
  const { type: _type, ...rest } = raw;
  return rest;
}

type FieldClass = new (data?: unknown) => Field;

/** Declares the class of one field type. */
function fieldClass(typeName: FieldTypeName, className: string, multiple: boolean): FieldClass {
  const cls = class extends Field {
    constructor(data?: unknown) {
      super(data);
      const raw = isObj(data) ? data : {};
      const normalized = fieldTypes[typeName].normalize({ ...raw, type: typeName }) as unknown as Obj;
      Object.assign(this, withoutType(normalized));
    }

    override type(): string {
      return typeName;
    }
  };
  if (multiple) {
    Object.defineProperty(cls.prototype, "isMultiple", {
      value: function isMultiple(this: Field): boolean {
        const core = this.toCore();
        return getFieldType(core.type).isMultiple(core);
      },
      writable: true,
      configurable: true,
    });
  }
  Object.defineProperty(cls, "name", { value: className });
  return cls;
}

/** The 14 field classes, by type name. */
export const fieldClasses: { readonly [K in FieldTypeName]: FieldClass } = {
  number: fieldClass("number", "NumberField", false),
  bool: fieldClass("bool", "BoolField", false),
  text: fieldClass("text", "TextField", false),
  url: fieldClass("url", "URLField", false),
  email: fieldClass("email", "EmailField", false),
  editor: fieldClass("editor", "EditorField", false),
  password: fieldClass("password", "PasswordField", false),
  date: fieldClass("date", "DateField", false),
  autodate: fieldClass("autodate", "AutodateField", false),
  json: fieldClass("json", "JSONField", false),
  relation: fieldClass("relation", "RelationField", true),
  select: fieldClass("select", "SelectField", true),
  file: fieldClass("file", "FileField", true),
  geoPoint: fieldClass("geoPoint", "GeoPointField", false),
};

/** The field classes by global name (`TextField`, `URLField`, …). */
export const fieldGlobals: { [className: string]: FieldClass } = Object.fromEntries(
  Object.values(fieldClasses).map((cls) => [cls.name, cls]),
);

/** A field class instance from raw JSON or an existing field. */
export function toField(value: unknown): Field {
  return value instanceof Field ? value : new Field(value);
}

/** A collection's list of fields (`collection.fields`): an array with PocketBase's helpers. */
export class FieldsList extends Array<Field> {
  constructor(fields?: unknown) {
    super();
    if (Array.isArray(fields)) this.add(...fields.map(toField));
  }

  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }

  /** A field by id, or null. */
  getById(id: string): Field | null {
    return this.find((f) => f.id === id) ?? null;
  }

  /** A field by name, or null. */
  getByName(name: string): Field | null {
    return this.find((f) => f.name === name) ?? null;
  }

  /** Removes the field with this id. */
  removeById(id: string): void {
    const i = this.findIndex((f) => f.id === id);
    if (i >= 0) this.splice(i, 1);
  }

  /** Removes the field with this name. */
  removeByName(name: string): void {
    const i = this.findIndex((f) => f.name === name);
    if (i >= 0) this.splice(i, 1);
  }

  /** Field names, in order. */
  fieldNames(): string[] {
    return this.map((f) => f.name);
  }

  /** Fields keyed by name. */
  asMap(): { [name: string]: Field } {
    return Object.fromEntries(this.map((f) => [f.name, f]));
  }

  /** A deep copy. */
  clone(): FieldsList {
    return new FieldsList(this.map((f) => f.toJSON()));
  }

  /**
   * Adds fields at the end; a field with the id of an existing one (or, when it has no id, its
   * name) replaces it in place. Fields without id get `<type><crc32(name)>`.
   */
  add(...fields: unknown[]): void {
    for (const raw of fields) this.#put(toField(raw), -1);
  }

  /** Adds or moves fields to `pos`. */
  addAt(pos: number, ...fields: unknown[]): void {
    let at = pos;
    for (const raw of fields) at = this.#put(toField(raw), at) + 1;
  }

  /** Adds fields from a JSON array or object text. */
  addMarshaledJSON(json: string): void {
    this.addMarshaledJSONAt(-1, json);
  }

  /** Adds fields from a JSON array or object text at `pos`. */
  addMarshaledJSONAt(pos: number, json: string): void {
    const parsed: unknown = JSON.parse(String(json));
    const list = Array.isArray(parsed) ? parsed : [parsed];
    if (pos < 0) this.add(...list);
    else this.addAt(pos, ...list);
  }

  /** Puts a field in place; returns its index. */
  #put(field: Field, pos: number): number {
    let existing = field.id !== "" ? this.findIndex((f) => f.id === field.id) : -1;
    if (field.id === "") {
      existing = this.findIndex((f) => f.name === field.name);
      field.id = existing >= 0 ? (this[existing]?.id ?? "") : "";
      if (field.id === "") field.id = newFieldId(field.type(), field.name);
    }
    if (pos < 0) {
      if (existing >= 0) {
        this[existing] = field;
        return existing;
      }
      this.push(field);
      return this.length - 1;
    }
    if (existing >= 0) this.splice(existing, 1);
    const at = Math.min(pos, this.length);
    this.splice(at, 0, field);
    return at;
  }
}
