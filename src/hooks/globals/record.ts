/**
 * `Record` as scripts see it (jsvm-surface §5.1): field getters/setters with modifiers, raw
 * access, visibility, public export (what `JSON.stringify(record)` gives), expand helpers, copies,
 * auth helpers (bcrypt runs synchronously here: a worker may block) and token methods via the
 * main thread. Values are held in the core's canonical shapes (those of `src/core/fields/*`,
 * which this file reuses for every cast) — the same shapes `RecordWire.data` carries:
 * text/email/url/editor/date/select-single/relation-single/file-single strings (dates as
 * `2006-01-02 15:04:05.000Z` or `""`), numbers, booleans, string arrays for multiple values,
 * JSON text (or null) for json fields, `{lon, lat}` for geo points, the bcrypt hash for passwords.
 */
import bcrypt from "bcrypt";
import { toGoBool, toGoFloat, toGoString, toUniqueStrings } from "../../core/fields/cast.ts";
import { getFieldType, hasFieldType, type Field as CoreField } from "../../core/fields/registry.ts";
import { ALPHANUMERIC, randomString } from "../../tools/random.ts";
import type { Modifier } from "../../core/fields/field.ts";
import { compactRecordWire, type FileWire, type RecordWire, type SyncBridge } from "../wire.ts";
import { bytesOf, JSONRaw } from "./bytes.ts";
import { Collection } from "./collection.ts";
import { DateTime } from "./datetime.ts";
import type { Field } from "./fields.ts";
import { unmarshal } from "./helpers.ts";

type Obj = { [key: string]: unknown };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** A pending upload (what `$filesystem.file*` returns): recognised by its handle. */
export type FileLike = FileWire & { [key: string]: unknown };

/** Whether a value is a file handle object. */
export function isFileLike(v: unknown): v is FileLike {
  return isObj(v) && typeof v.handle === "string" && typeof v.name === "string";
}

// The bridge token methods use (set once per worker by installGlobals).
let tokenBridge: SyncBridge | null = null;

/** Connects the token methods to the main thread. */
export function setRecordBridge(bridge: SyncBridge | null): void {
  tokenBridge = bridge;
}

const MODIFIERS: [RegExp, Modifier][] = [
  [/^(.+):autogenerate$/, "autogenerate"],
  [/^(.+)\+$/, "append"],
  [/^\+(.+)$/, "prepend"],
  [/^(.+)-$/, "subtract"],
];

/** Converts script values the core casts do not know (DateTime, byte arrays) to plain input. */
function toCoreInput(value: unknown, field: CoreField): unknown {
  if (value instanceof DateTime) return value.string();
  const bytes = bytesOf(value);
  if (bytes) return field.type === "json" ? bytes.toString("utf8") : new Uint8Array(bytes);
  if (field.type === "json" && value !== null && typeof value === "object" && "toJSON" in value)
    return JSON.parse(JSON.stringify(value)) as unknown;
  return value;
}

/** Each script field's core form, with the option values it was made from. */
const coreFields = new WeakMap<Field, { sig: string; core: CoreField }>();

// Set in Record's static block: replaces a record's whole state with a wire shape's (used when the
// main thread answers with the saved record, so the script's object sees the result).
let assignFromWire: (target: Record, w: RecordWire) => void;

/** Makes `target` hold the state described by `w` (same object, new values). */
export function assignRecordFromWire(target: Record, w: RecordWire): void {
  assignFromWire(target, w);
}

/** A record of a collection (`new Record(collection, data?)`). */
export class Record {
  static {
    assignFromWire = (target, w) => {
      const s = Record.fromWire(w);
      target.#collection = s.#collection;
      target.#data = s.#data;
      target.#original = s.#original;
      target.#lastSavedPK = s.#lastSavedPK;
      target.#plain = s.#plain;
      target.#custom = s.#custom;
      target.#expand = s.#expand;
      target.#hidden = s.#hidden;
      target.#unhidden = s.#unhidden;
      target.#ignoreEmailVisibility = s.#ignoreEmailVisibility;
      target.#withCustomData = s.#withCustomData;
      target.#unsaved = s.#unsaved;
    };
  }

  #collection: Collection;
  #data = new Map<string, unknown>();
  #original: Map<string, unknown> | null = null;
  #lastSavedPK = "";
  #plain = new Map<string, string>();
  #custom = new Map<string, unknown>();
  #expand: { [key: string]: Record | Record[] } = {};
  #hidden = new Set<string>();
  #unhidden = new Set<string>();
  #ignoreEmailVisibility = false;
  #withCustomData = false;
  #ignoreUnchangedFields = false;
  #unsaved = new Map<string, FileLike[]>();

  /**
   * With a collection: a new record with the fields' default values, then `load(data)`.
   * Without: an empty record (a query destination).
   */
  constructor(collection?: unknown, data?: unknown) {
    this.#collection = collection instanceof Collection ? collection : new Collection();
    if (Record.#bare) return;
    for (const field of this.#coreFields()) {
      this.#data.set(field.name, this.#prepare(field, undefined));
    }
    if (isObj(data)) this.load(data);
  }

  // ---- wire -------------------------------------------------------------------------------

  /** A record from its wire shape (values are trusted: they come from the core). */
  // Set while fromWire builds a record whose values all come from the wire.
  static #bare = false;

  static fromWire(w: RecordWire): Record {
    Record.#bare = true;
    let r: Record;
    try {
      r = new Record(Collection.fromWire(w.collection));
    } finally {
      Record.#bare = false;
    }
    for (const [key, value] of Object.entries(w.data)) r.#data.set(key, value);
    if (w.id !== "" || !r.#data.has("id")) r.#data.set("id", w.id);
    // absent members are empty (RecordWire)
    if (w.original) {
      r.#original = new Map(Object.entries(w.original));
      r.#lastSavedPK = typeof w.original.id === "string" ? w.original.id : w.id;
    }
    if (w.isNew) r.#original = null;
    if (w.plainPasswords) r.#plain = new Map(Object.entries(w.plainPasswords));
    if (w.custom) r.#custom = new Map(Object.entries(w.custom));
    for (const [key, value] of Object.entries(w.expand ?? {})) {
      r.#expand[key] = Array.isArray(value) ? value.map((v) => Record.fromWire(v)) : Record.fromWire(value);
    }
    if (w.hidden) r.#hidden = new Set(w.hidden);
    if (w.unhidden) r.#unhidden = new Set(w.unhidden);
    r.#ignoreEmailVisibility = w.ignoreEmailVisibility === true;
    r.#withCustomData = w.withCustomData === true;
    for (const [key, files] of Object.entries(w.unsavedFiles ?? {})) {
      r.#unsaved.set(
        key,
        files.map((f) => ({ ...f })),
      );
    }
    return r;
  }

  /**
   * The wire shape of this record. `forMain`: as it crosses to the main thread, which finds the
   * collection by id or name, so its schema does not travel (nor is it re-serialised).
   */
  toWire(forMain = false): RecordWire {
    const expand: RecordWire["expand"] = {};
    for (const [key, value] of Object.entries(this.#expand)) {
      expand[key] = Array.isArray(value) ? value.map((r) => r.toWire(forMain)) : value.toWire(forMain);
    }
    const unsavedFiles: RecordWire["unsavedFiles"] = {};
    for (const [key, files] of this.#unsaved) {
      unsavedFiles[key] = files.map((f) => ({
        handle: f.handle,
        name: f.name,
        originalName: typeof f.originalName === "string" ? f.originalName : f.name,
        size: typeof f.size === "number" ? f.size : 0,
      }));
    }
    return compactRecordWire({
      collection: forMain
        ? { id: this.#collection.id, name: this.#collection.name }
        : this.#collection.toWire(),
      id: this.id,
      isNew: this.isNew(),
      data: wireValues(this.#data),
      original: this.#original ? wireValues(this.#original) : null,
      plainPasswords: Object.fromEntries(this.#plain),
      custom: wireValues(this.#custom),
      expand,
      hidden: [...this.#hidden],
      unhidden: [...this.#unhidden],
      ignoreEmailVisibility: this.#ignoreEmailVisibility,
      withCustomData: this.#withCustomData,
      unsavedFiles,
    });
  }

  // ---- fields -----------------------------------------------------------------------------

  #coreFields(): CoreField[] {
    return Array.from(this.#collection.fields, (f) => this.#core(f));
  }

  #core(f: Field): CoreField {
    // Field options rarely change while a script runs; re-normalise only when they do. The
    // signature is over the option values (not JSON.stringify(f), which would call f.toJSON()).
    // Cached per field object, so the records of one (shared, cached) collection reuse it.
    const sig = JSON.stringify(Object.values(f));
    const cached = coreFields.get(f);
    if (cached?.sig === sig) return cached.core;
    const core = f.toCore();
    coreFields.set(f, { sig, core });
    return core;
  }

  #field(name: string): CoreField | null {
    const f = this.#collection.fields.getByName(name);
    return f && hasFieldType(f.type()) ? this.#core(f) : null;
  }

  #prepare(field: CoreField, raw: unknown): unknown {
    return getFieldType(field.type).prepareValue(field, raw);
  }

  /** The record id (`""` until set or generated). */
  get id(): string {
    const id = this.#data.get("id") ?? this.#custom.get("id");
    return typeof id === "string" ? id : "";
  }

  set id(value: string) {
    this.setRaw("id", toGoString(value));
  }

  /** The record's collection. */
  collection(): Collection {
    return this.#collection;
  }

  /** The collection's table name. */
  tableName(): string {
    return this.#collection.name;
  }

  /** `<collectionId>/<recordId>`: where the record's files live in storage. */
  baseFilesPath(): string {
    return `${this.#collection.baseFilesPath()}/${this.id}`;
  }

  isNew(): boolean {
    return this.#original === null;
  }

  markAsNew(): void {
    this.#original = null;
  }

  markAsNotNew(): void {
    this.#original ??= new Map(this.#data);
  }

  pk(): string {
    return this.id;
  }

  /** The id the record had when last saved or loaded. */
  lastSavedPK(): string {
    return this.#lastSavedPK;
  }

  /** The value of a field (or modifier getter, or custom key); null when unknown. */
  get(key: string): unknown {
    if (key === "expand") return this.expand();
    const field = this.#field(key);
    if (field) return this.#export(field, this.#data.get(key));
    if (key.endsWith(":hash")) {
      const pw = this.#field(key.slice(0, -5));
      if (pw?.type === "password") return toGoString(this.#data.get(pw.name));
    }
    if (key.endsWith(":unsaved")) {
      const ff = this.#field(key.slice(0, -8));
      if (ff?.type === "file") return this.getUnsavedFiles(ff.name);
    }
    if (this.#custom.has(key)) return this.#custom.get(key);
    return this.#data.has(key) ? this.#data.get(key) : null;
  }

  /** The script-facing form of a canonical value. */
  #export(field: CoreField, value: unknown): unknown {
    const type = field.type;
    if (type === "date" || type === "autodate") return DateTime.from(value);
    if (type === "json") return JSONRaw.fromData(typeof value === "string" ? value : "null");
    if (type === "password") return this.#plain.get(field.name) ?? "";
    if (type === "geoPoint") return isObj(value) ? { ...value } : { lon: 0, lat: 0 };
    return Array.isArray(value) ? [...(value as unknown[])] : value;
  }

  /**
   * Sets a field through its setter (values are normalised as PocketBase does; modifiers
   * `f+`, `+f`, `f-`, `f:autogenerate` apply); `expand` sets the expand map; other keys are
   * custom data.
   */
  set(key: string, value: unknown): void {
    if (key === "expand") {
      this.setExpand(value);
      return;
    }
    if (!this.setIfFieldExists(key, value)) this.#custom.set(key, value);
  }

  /** Sets the value only when the key (or modifier) belongs to a field; returns that field. */
  setIfFieldExists(key: string, value: unknown): Field | null {
    const exact = this.#collection.fields.getByName(key);
    if (exact && hasFieldType(exact.type())) {
      this.#setField(this.#core(exact), value);
      return exact;
    }
    for (const [re, modifier] of MODIFIERS) {
      const name = re.exec(key)?.[1];
      if (name === undefined) continue;
      const f = this.#collection.fields.getByName(name);
      if (!f || !hasFieldType(f.type())) continue;
      if (this.#applyModifier(this.#core(f), modifier, value)) return f;
    }
    return null;
  }

  #setField(field: CoreField, value: unknown): void {
    // autodate values are set on save (setRaw bypasses this)
    if (field.type === "autodate") return;
    if (field.type === "password") {
      const plain = toGoString(value);
      this.#plain.set(field.name, plain);
      const cost = field.cost > 0 ? field.cost : 10;
      this.#data.set(field.name, plain === "" ? "" : bcrypt.hashSync(plain, cost));
      return;
    }
    if (field.type === "file") {
      this.#unsaved.delete(field.name);
      const names = this.#takeFiles(field, value);
      this.#data.set(field.name, this.#prepare(field, names));
      return;
    }
    this.#data.set(field.name, this.#prepare(field, toCoreInput(value, field)));
  }

  /** Replaces File objects by their names, remembering them as pending uploads. */
  #takeFiles(field: CoreField, value: unknown): unknown {
    const items = Array.isArray(value) ? value : [value];
    if (!items.some(isFileLike)) return value;
    const pending = this.#unsaved.get(field.name) ?? [];
    const names = items.map((item) => {
      if (!isFileLike(item)) return item;
      pending.push(item);
      return item.name;
    });
    this.#unsaved.set(field.name, pending);
    return names;
  }

  #applyModifier(field: CoreField, modifier: Modifier, value: unknown): boolean {
    const type = getFieldType(field.type);
    if (!type.applyModifier) return false;
    const current = this.#data.get(field.name);
    let input: unknown = toCoreInput(value, field);
    if (field.type === "file") {
      if (modifier === "subtract") {
        const items = Array.isArray(value) ? value : [value];
        input = items.map((v) => (isFileLike(v) ? v.name : v));
        const removed = new Set(toUniqueStrings(input));
        const pending = (this.#unsaved.get(field.name) ?? []).filter((f) => !removed.has(f.name));
        this.#unsaved.set(field.name, pending);
      } else {
        input = this.#takeFiles(field, value);
      }
    }
    const next = type.applyModifier(field, modifier, current, input);
    if (next === undefined) return false;
    this.#data.set(field.name, this.#prepare(field, next));
    return true;
  }

  /** The stored value as it is (no getter). */
  getRaw(key: string): unknown {
    if (this.#data.has(key)) return this.#data.get(key);
    return this.#custom.has(key) ? this.#custom.get(key) : null;
  }

  /** Stores a value as it is (no setter, no normalisation). */
  setRaw(key: string, value: unknown): void {
    if (this.#field(key) || key === "id") this.#data.set(key, value);
    else this.#custom.set(key, value);
  }

  /** `set` for every key of `data`. */
  load(data: unknown): void {
    if (!isObj(data)) return;
    for (const [key, value] of Object.entries(data)) this.set(key, value);
  }

  getString(key: string): string {
    const v = this.get(key);
    if (v instanceof DateTime) return v.string();
    if (v instanceof JSONRaw) return v.text();
    return toGoString(v);
  }

  getInt(key: string): number {
    return Math.trunc(toGoFloat(this.#scalar(key)));
  }

  getFloat(key: string): number {
    return toGoFloat(this.#scalar(key));
  }

  getBool(key: string): boolean {
    return toGoBool(this.#scalar(key));
  }

  #scalar(key: string): unknown {
    const v = this.get(key);
    if (v instanceof JSONRaw) return v.text();
    if (v instanceof DateTime) return v.string();
    return v;
  }

  getDateTime(key: string): DateTime {
    return DateTime.from(this.#scalar(key));
  }

  /** The value as a list of unique non-empty strings. */
  getStringSlice(key: string): string[] {
    return toUniqueStrings(this.#scalar(key));
  }

  getGeoPoint(key: string): { lon: number; lat: number } {
    const v = this.get(key);
    if (isObj(v) && typeof v.lon === "number" && typeof v.lat === "number") return { lon: v.lon, lat: v.lat };
    return { lon: 0, lat: 0 };
  }

  /** Pending uploads of a file field. */
  getUnsavedFiles(key: string): FileLike[] {
    return [...(this.#unsaved.get(key) ?? [])];
  }

  /** Deprecated alias of `getUnsavedFiles`. */
  getUploadedFiles(key: string): FileLike[] {
    return this.getUnsavedFiles(key);
  }

  /** JSON-decodes a field into `dst` (a DynamicModel or other model), as the global `unmarshal`. */
  unmarshalJSONField(key: string, dst: unknown): void {
    unmarshal(this.get(key), dst);
  }

  /** `get()` of every field. */
  fieldsData(): Obj {
    const out: Obj = {};
    for (const f of this.#collection.fields) out[f.name] = this.get(f.name);
    return out;
  }

  /** Keys set that are not fields. */
  customData(): Obj {
    const out: Obj = {};
    for (const [key, value] of this.#custom) if (!key.startsWith("@pbInternal")) out[key] = value;
    return out;
  }

  /** Includes custom data in the public export. */
  withCustomData(on: boolean): Record {
    this.#withCustomData = Boolean(on);
    return this;
  }

  /** Hides fields (or `collectionId`, `expand`, custom keys) from the export. */
  hide(...names: string[]): Record {
    for (const n of names) {
      this.#hidden.add(n);
      this.#unhidden.delete(n);
    }
    return this;
  }

  /** Shows hidden fields in the export. */
  unhide(...names: string[]): Record {
    for (const n of names) {
      this.#unhidden.add(n);
      this.#hidden.delete(n);
    }
    return this;
  }

  /** Exports `email` whatever `emailVisibility` says. */
  ignoreEmailVisibility(on: boolean): Record {
    this.#ignoreEmailVisibility = Boolean(on);
    return this;
  }

  /** On update, write only changed columns. */
  ignoreUnchangedFields(on: boolean): Record {
    this.#ignoreUnchangedFields = Boolean(on);
    return this;
  }

  /**
   * The record's public JSON: visible fields, custom data when enabled, collectionId,
   * collectionName and expand when set; auth records never show password/tokenKey, and email only
   * when visible. Keys sorted, as Go's map encoding.
   */
  publicExport(): Obj {
    const out: Obj = {};
    const isAuth = this.#collection.isAuth();
    const emailVisible = this.#ignoreEmailVisibility || this.#data.get("emailVisibility") === true;
    for (const field of this.#coreFields()) {
      const name = field.name;
      if (this.#hidden.has(name)) continue;
      if (field.hidden && !this.#unhidden.has(name)) continue;
      if (field.type === "password") continue;
      if (isAuth && name === "tokenKey") continue;
      if (isAuth && name === "email" && !emailVisible) continue;
      out[name] = getFieldType(field.type).toJson(field, this.#data.get(name));
    }
    if (this.#withCustomData) {
      for (const [key, value] of Object.entries(this.customData())) {
        if (!this.#hidden.has(key)) out[key] = value;
      }
    }
    if (!this.#hidden.has("collectionId")) out.collectionId = this.#collection.id;
    if (!this.#hidden.has("collectionName")) out.collectionName = this.#collection.name;
    if (Object.keys(this.#expand).length > 0 && !this.#hidden.has("expand")) out.expand = this.expand();
    const sorted: Obj = {};
    for (const key of Object.keys(out).sort()) sorted[key] = out[key];
    return sorted;
  }

  toJSON(): Obj {
    return this.publicExport();
  }

  marshalJSON(): string {
    return JSON.stringify(this.publicExport());
  }

  /** Loads the fields of a JSON text. */
  unmarshalJSON(json: string): void {
    this.load(JSON.parse(String(json)));
  }

  /** The column values to store (canonical values of every field). */
  dbExport(_app?: unknown): Obj {
    const out: Obj = {};
    for (const field of this.#coreFields()) {
      out[field.name] = getFieldType(field.type).toDbValue(field, this.#data.get(field.name));
    }
    return out;
  }

  /** Resolves modifier keys of `data` against this record's values (the record is unchanged). */
  replaceModifiers(data: unknown): Obj {
    if (!isObj(data)) return {};
    const copy = this.clone();
    const out: Obj = {};
    for (const [key, value] of Object.entries(data)) {
      const field = copy.setIfFieldExists(key, value);
      if (field) out[field.name] = copy.get(field.name);
      else out[key] = value;
    }
    return out;
  }

  /** The hook tags of the record (collection id and name). */
  hookTags(): string[] {
    return [this.#collection.id, this.#collection.name];
  }

  /** Marks the current values as loaded (after a query scan). */
  postScan(): void {
    this.#original = new Map(this.#data);
    this.#lastSavedPK = this.id;
  }

  /** The field of a file field holding `filename`, or null. */
  findFileFieldByFile(filename: string): Field | null {
    for (const f of this.#collection.fields) {
      if (f.type() !== "file") continue;
      if (toUniqueStrings(this.#data.get(f.name)).includes(filename)) return f;
    }
    return null;
  }

  // ---- expand -------------------------------------------------------------------------------

  /** The expanded relations (a copy of the map). */
  expand(): { [key: string]: Record | Record[] } {
    return { ...this.#expand };
  }

  /** Replaces the expand map. */
  setExpand(value: unknown): void {
    this.#expand = {};
    this.mergeExpand(value);
  }

  /** Merges relations into the expand map (nested expands merge too). */
  mergeExpand(value: unknown): void {
    if (!isObj(value)) return;
    for (const [key, item] of Object.entries(value)) {
      const list = (Array.isArray(item) ? item : [item]).filter((r): r is Record => r instanceof Record);
      if (list.length === 0) continue;
      const single = !Array.isArray(item);
      const existing = this.#expand[key];
      if (existing === undefined) {
        this.#expand[key] = single ? list[0]! : list;
        continue;
      }
      const merged = Array.isArray(existing) ? [...existing] : [existing];
      for (const r of list) {
        const same = merged.find((m) => m.id === r.id);
        if (same) same.mergeExpand(r.expand());
        else merged.push(r);
      }
      this.#expand[key] = merged.length === 1 && !Array.isArray(existing) ? merged[0]! : merged;
    }
  }

  /** The first expanded record of a relation, or null. */
  expandedOne(relField: string): Record | null {
    const v = this.#expand[relField];
    if (Array.isArray(v)) return v[0] ?? null;
    return v ?? null;
  }

  /** All expanded records of a relation. */
  expandedAll(relField: string): Record[] {
    const v = this.#expand[relField];
    if (v === undefined) return [];
    return Array.isArray(v) ? [...v] : [v];
  }

  // ---- copies -----------------------------------------------------------------------------

  /** The record as last loaded or saved (a new record: its fields' defaults). */
  original(): Record {
    const r = new Record(this.#collection);
    if (this.#original) {
      r.#data = new Map(this.#original);
      r.#original = new Map(this.#original);
      r.#lastSavedPK = this.#lastSavedPK;
    }
    return r;
  }

  /** A copy of the field values only (no custom data, expand or flags). */
  fresh(): Record {
    const r = new Record(this.#collection);
    r.#data = new Map(this.#data);
    r.#original = this.#original ? new Map(this.#original) : null;
    r.#lastSavedPK = this.#lastSavedPK;
    return r;
  }

  /** A full copy (custom data, expand, flags and pending files too). */
  clone(): Record {
    const r = this.fresh();
    r.#plain = new Map(this.#plain);
    r.#custom = new Map(this.#custom);
    r.#expand = { ...this.#expand };
    r.#hidden = new Set(this.#hidden);
    r.#unhidden = new Set(this.#unhidden);
    r.#ignoreEmailVisibility = this.#ignoreEmailVisibility;
    r.#withCustomData = this.#withCustomData;
    r.#ignoreUnchangedFields = this.#ignoreUnchangedFields;
    r.#unsaved = new Map([...this.#unsaved].map(([k, v]) => [k, [...v]]));
    return r;
  }

  // ---- auth ---------------------------------------------------------------------------------

  email(): string {
    return this.getString("email");
  }

  setEmail(email: string): void {
    this.set("email", email);
  }

  emailVisibility(): boolean {
    return this.getBool("emailVisibility");
  }

  setEmailVisibility(visible: boolean): void {
    this.set("emailVisibility", visible);
  }

  verified(): boolean {
    return this.getBool("verified");
  }

  setVerified(verified: boolean): void {
    this.set("verified", verified);
  }

  tokenKey(): string {
    return this.getString("tokenKey");
  }

  setTokenKey(key: string): void {
    this.set("tokenKey", key);
  }

  /** A new random token key: every token issued before stops working. */
  refreshTokenKey(): void {
    this.set("tokenKey:autogenerate", "");
  }

  /** Hashes and sets the password (the plain value is kept for validation). */
  setPassword(password: string): void {
    this.set("password", password);
  }

  /** Sets a random 30-character password (and refreshes the token key); returns it. */
  setRandomPassword(): string {
    const password = randomString(30, ALPHANUMERIC);
    this.setPassword(password);
    this.refreshTokenKey();
    return password;
  }

  /** Whether `password` matches the stored hash. */
  validatePassword(password: string): boolean {
    const hash = toGoString(this.#data.get("password"));
    if (hash === "") return false;
    try {
      return bcrypt.compareSync(toGoString(password), hash);
    } catch {
      return false;
    }
  }

  /** Whether this is a record of `_superusers`. */
  isSuperuser(): boolean {
    return this.#collection.name === "_superusers";
  }

  // ---- tokens (main thread) -----------------------------------------------------------------

  #token(kind: string, ...args: unknown[]): string {
    if (!this.#collection.isAuth()) throw new Error("not an auth collection record");
    if (!tokenBridge) throw new Error("record tokens need the app (no bridge in this realm)");
    return String(tokenBridge.call("record.newToken", [this.toWire(true), kind, ...args]));
  }

  /** A refreshable auth token. */
  newAuthToken(): string {
    return this.#token("auth");
  }

  /** A non-refreshable auth token valid `durationNs` nanoseconds (≤ 0: the collection's). */
  newStaticAuthToken(durationNs?: number): string {
    return this.#token("static", typeof durationNs === "number" ? durationNs : 0);
  }

  newVerificationToken(): string {
    return this.#token("verification");
  }

  newPasswordResetToken(): string {
    return this.#token("passwordReset");
  }

  newEmailChangeToken(newEmail: string): string {
    return this.#token("emailChange", toGoString(newEmail));
  }

  newFileToken(): string {
    return this.#token("file");
  }
}

function wireValues(map: Map<string, unknown>): Obj {
  const out: Obj = {};
  for (const [key, value] of map) out[key] = toCloneable(value);
  return out;
}

/** Structured-clone-safe copy of a custom value (class instances become their JSON). */
function toCloneable(value: unknown): unknown {
  if (value === null || typeof value !== "object") return typeof value === "function" ? null : value;
  if (value instanceof Record) return value.publicExport();
  if (value instanceof DateTime) return value.string();
  try {
    return structuredClone(value);
  } catch {
    return JSON.parse(JSON.stringify(value)) as unknown;
  }
}
