/**
 * `Collection` as scripts see it (jsvm-surface §5.2): JSON-named properties (rules, fields,
 * indexes, and the auth/view options flattened in, as PocketBase's JSON), PocketBase's helper
 * methods, and the conversion to and from the wire shape (the export JSON with secrets kept).
 * Defaults come from the core (`newCollection`, `mergeAuthOptions`), never restated here.
 */
import { newCollection, newCollectionId } from "../../core/collections/collection-defaults.ts";
import {
  collectionOptionsJson,
  collectionToApiJson,
  collectionToExportJson,
  mergeAuthOptions,
} from "../../core/collections/collection-json.ts";
import { fieldToJson } from "../../core/fields/registry.ts";
import { encodeJson } from "../../tools/json.ts";
import {
  TOKEN_CONFIG_KEYS,
  AUTH_KEYS,
  type AuthOptions,
  type Collection as CoreCollection,
  type CollectionType,
} from "../../core/collections/collection-model.ts";
import type { CollectionWire, SyncBridge } from "../wire.ts";
import { FieldsList } from "./fields.ts";

type Obj = { [key: string]: unknown };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

const RULES = ["listRule", "viewRule", "createRule", "updateRule", "deleteRule"] as const;

// The auth options merges start from. When the collection already has every token secret, only
// the template's shape matters, so one copy serves all instead of minting secrets per call; a
// collection that lacks one (e.g. a base collection turned into an auth one) gets fresh secrets,
// never ones shared with another collection.
let authTemplate: AuthOptions | null = null;
function authBase(current: Obj): AuthOptions {
  const complete = TOKEN_CONFIG_KEYS.every((key) => {
    const config = current[key];
    return isObj(config) && typeof config.secret === "string" && config.secret !== "";
  });
  if (!complete) return newCollection("auth").auth as AuthOptions;
  return (authTemplate ??= newCollection("auth").auth as AuthOptions);
}

const asType = (v: unknown): CollectionType => (v === "auth" || v === "view" ? v : "base");
const nullableString = (v: unknown, fallback: string | null): string | null =>
  v === null ? null : typeof v === "string" ? v : fallback;

// Collections by reference, on this thread (the recent ones; see Collection.fromWire).
const byRef = new Map<string, Collection>();
const MAX_REFS = 200;
let refBridge: SyncBridge | null = null;

/** Connects reference resolution to the main thread (set once per worker by installGlobals). */
export function setCollectionBridge(bridge: SyncBridge | null): void {
  refBridge = bridge;
}

function collectionOfRef(ref: string): Collection {
  let c = byRef.get(ref);
  if (!c) {
    if (!refBridge) throw new Error(`cannot resolve the collection reference ${ref}`);
    c = Collection.fromWire(refBridge.call("collection.ref", [ref]) as CollectionWire);
    byRef.set(ref, c);
    if (byRef.size > MAX_REFS) byRef.delete(byRef.keys().next().value!);
  }
  return c;
}

/** A collection (`new Collection({type, name, fields, …})`). */
export class Collection {
  [option: string]: unknown;
  id = "";
  name = "";
  type: string = "base";
  system = false;
  listRule: string | null = null;
  viewRule: string | null = null;
  createRule: string | null = null;
  updateRule: string | null = null;
  deleteRule: string | null = null;
  fields: FieldsList = new FieldsList();
  indexes: string[] = [];
  created = "";
  updated = "";
  #isNew = true;
  // The wire shape last received or built, and the state signature it matches: records carry
  // their collection on every call, so an unchanged collection is not re-serialised.
  #wire: CollectionWire | null = null;
  #wireSig = "";

  /**
   * With data: PocketBase's defaults for its `type`/`name` (id `pbc_<crc32(type+name)>`, system
   * fields, auth options with fresh secrets), then the data on top (a `fields` array replaces the
   * list). Without: a blank collection.
   */
  constructor(data?: unknown) {
    if (!isObj(data)) return;
    const type = asType(data.type);
    const name = typeof data.name === "string" ? data.name : "";
    const defaults = newCollection(type, name);
    defaults.id = typeof data.id === "string" && data.id !== "" ? data.id : newCollectionId(type, name);
    this.#assignCore(defaults);
    this.unmarshal(data);
  }

  /**
   * A stored collection from its wire shape. A reference (`{$ref}`, what records carry) is
   * resolved from this thread's cache: the records of one collection share one object (as
   * PocketBase's cached collections), built the first time its wire is fetched.
   */
  static fromWire(w: CollectionWire): Collection {
    if (typeof w.$ref === "string") return collectionOfRef(w.$ref);
    // The wire shape is complete (the main thread's export JSON): no defaults to fill in.
    const c = new Collection();
    c.unmarshal(w, false);
    if (asType(c.type) === "auth") {
      for (const key of AUTH_KEYS) if (key in w) c[key] = structuredClone(w[key]);
    }
    c.#isNew = false;
    c.#wire = w;
    c.#wireSig = c.#signature();
    return c;
  }

  /** The wire shape: the export JSON (secrets kept). Treat it as read-only. */
  toWire(): CollectionWire {
    const sig = this.#signature();
    if (this.#wire && sig === this.#wireSig) return this.#wire;
    this.#wire = collectionToExportJson(this.toCore());
    this.#wireSig = sig;
    return this.#wire;
  }

  /** A cheap text of the whole state (field objects by their option values, without toJSON). */
  #signature(): string {
    const parts: unknown[] = [];
    for (const [key, value] of Object.entries(this)) {
      if (key === "fields")
        parts.push(
          key,
          Array.from(this.fields, (f) => [f.type(), Object.entries(f)]),
        );
      else parts.push(key, value);
    }
    return JSON.stringify(parts);
  }

  /** The collection as core data. */
  toCore(): CoreCollection {
    const type = asType(this.type);
    const core: CoreCollection = {
      id: this.id,
      name: this.name,
      type,
      system: this.system,
      listRule: this.listRule,
      viewRule: this.viewRule,
      createRule: this.createRule,
      updateRule: this.updateRule,
      deleteRule: this.deleteRule,
      fields: Array.from(this.fields, (f) => f.toCore()),
      indexes: [...this.indexes],
      created: this.created,
      updated: this.updated,
    };
    if (type === "auth") {
      const raw: Obj = {};
      for (const key of AUTH_KEYS) if (key in this) raw[key] = plain(this[key]);
      core.auth = mergeAuthOptions(authBase(raw), raw);
    }
    if (type === "view") core.viewQuery = typeof this.viewQuery === "string" ? this.viewQuery : "";
    return core;
  }

  #assignCore(core: CoreCollection): void {
    this.id = core.id;
    this.name = core.name;
    this.type = core.type;
    this.system = core.system;
    for (const rule of RULES) this[rule] = core[rule];
    this.fields = new FieldsList(core.fields);
    this.indexes = [...core.indexes];
    this.created = core.created;
    this.updated = core.updated;
    if (core.auth) Object.assign(this, structuredClone(core.auth));
    if (core.type === "view") this.viewQuery = core.viewQuery ?? "";
  }

  /** Applies JSON data on top of the current values (Go's json.Unmarshal into the struct). */
  unmarshal(data: Obj, mergeAuth = true): void {
    if (typeof data.id === "string") this.id = data.id;
    if (typeof data.name === "string") this.name = data.name;
    if (typeof data.type === "string") this.type = data.type;
    if (typeof data.system === "boolean") this.system = data.system;
    for (const rule of RULES) if (rule in data) this[rule] = nullableString(data[rule], this[rule]);
    if (Array.isArray(data.fields)) this.fields = new FieldsList(data.fields);
    if (Array.isArray(data.indexes)) this.indexes = data.indexes.map(String);
    if (typeof data.created === "string") this.created = data.created;
    if (typeof data.updated === "string") this.updated = data.updated;
    if (typeof data.viewQuery === "string") this.viewQuery = data.viewQuery;
    if (mergeAuth && asType(this.type) === "auth") {
      const current: Obj = {};
      for (const key of AUTH_KEYS) if (key in this) current[key] = plain(this[key]);
      const base = mergeAuthOptions(authBase(current), current);
      Object.assign(this, mergeAuthOptions(base, data));
    }
  }

  isBase(): boolean {
    return this.type === "base";
  }

  isAuth(): boolean {
    return this.type === "auth";
  }

  isView(): boolean {
    return this.type === "view";
  }

  /** The table collections are stored in. */
  tableName(): string {
    return "_collections";
  }

  /** Where the collection's files live in storage (its id). */
  baseFilesPath(): string {
    return this.id;
  }

  /** Whether the collection was not loaded from the database. */
  isNew(): boolean {
    return this.#isNew;
  }

  markAsNew(): void {
    this.#isNew = true;
  }

  markAsNotNew(): void {
    this.#isNew = false;
  }

  /** The primary key (the id). */
  pk(): string {
    return this.id;
  }

  /** The CREATE INDEX statement of the index with this name, or `""`. */
  getIndex(name: string): string {
    return this.indexes.find((sql) => indexName(sql) === name) ?? "";
  }

  /** Adds or replaces an index: `CREATE [UNIQUE] INDEX name ON table (columns) [WHERE …]`. */
  addIndex(name: string, unique: boolean, columnsExpr: string, optWhere?: string): void {
    this.removeIndex(name);
    let sql = `CREATE ${unique ? "UNIQUE " : ""}INDEX \`${name}\` ON \`${this.name}\` (${columnsExpr})`;
    if (optWhere) sql += ` WHERE ${optWhere}`;
    this.indexes.push(sql);
  }

  /** Removes the index with this name. */
  removeIndex(name: string): void {
    this.indexes = this.indexes.filter((sql) => indexName(sql) !== name);
  }

  /** Kept for compatibility; Satchel always runs the integrity checks. */
  integrityChecks(_enable?: boolean): void {}

  /** The API JSON (token secrets blanked). */
  toJSON(): Obj {
    return collectionToApiJson(this.toCore());
  }

  /** The `_collections` row as it is stored (JSON columns as text, secrets included). */
  dbExport(_app?: unknown): Obj {
    const c = this.toCore();
    return {
      id: c.id,
      type: c.type,
      name: c.name,
      system: c.system,
      fields: encodeJson(c.fields.map((f) => fieldToJson(f))),
      indexes: encodeJson(c.indexes),
      listRule: c.listRule,
      viewRule: c.viewRule,
      createRule: c.createRule,
      updateRule: c.updateRule,
      deleteRule: c.deleteRule,
      options: encodeJson(collectionOptionsJson(c)),
      created: c.created,
      updated: c.updated,
    };
  }

  /** The API JSON text. */
  marshalJSON(): string {
    return JSON.stringify(this.toJSON());
  }

  /** Applies a JSON text on top of the current values. */
  unmarshalJSON(json: string): void {
    const parsed: unknown = JSON.parse(String(json));
    if (isObj(parsed)) this.unmarshal(parsed);
  }

  /** The API JSON text. */
  string(): string {
    return this.marshalJSON();
  }
}

/** A deep plain copy of an option value (class instances become their JSON). */
function plain(v: unknown): unknown {
  return v === undefined ? undefined : (JSON.parse(JSON.stringify(v)) as unknown);
}

function indexName(sql: string): string {
  const m = /INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?[`"[]?([^`"\]\s(]+)/i.exec(sql);
  return m?.[1] ?? "";
}
