/**
 * The record model: one row of a collection's table, with canonical values per field type
 * (strings, numbers, booleans, string lists, JSON text, geo points). Values are cast through
 * the field types on every `set`, so a record never holds a value its field could not store.
 */
import type { SQLOutputValue } from "node:sqlite";
import { verifyPassword, hashPassword } from "../../auth/password.ts";
import { randomString, ALPHANUMERIC } from "../../tools/random.ts";
import type { Collection } from "../collections/collection-model.ts";
import { getFieldType, type Field } from "../fields/registry.ts";

/** Options of `Record.toPublicJson`. */
export interface ExportOptions {
  /** Include hidden fields (superuser requests). */
  showHidden?: boolean;
  /** Include `email` whatever `emailVisibility` says (owner, superuser, manageRule). */
  showEmail?: boolean;
  /** Options for nested (expanded) records, when they differ per record. */
  forRecord?: (record: Record) => ExportOptions;
}

const EXPORT_COLLECTION_ID = 0;
const EXPORT_COLLECTION_NAME = 1;
const EXPORT_FIELD = 2;
const EXPORT_EMAIL = 3;
const EXPORT_EXPAND = 4;

/** One key of a record's JSON export, in output order. */
type ExportStep =
  | { kind: typeof EXPORT_COLLECTION_ID | typeof EXPORT_COLLECTION_NAME | typeof EXPORT_EXPAND; name: string }
  | {
      kind: typeof EXPORT_FIELD | typeof EXPORT_EMAIL;
      name: string;
      field: Field;
      type: ReturnType<typeof getFieldType>;
    };

/** A collection's export: its keys already sorted, the fields never output left out. */
interface ExportPlan {
  /** The field objects, names and types the plan was built from. */
  readonly refs: readonly Field[];
  readonly names: readonly string[];
  readonly types: readonly string[];
  readonly type: string;
  readonly steps: readonly ExportStep[];
}

/**
 * The export plans, per collection object. A plan is checked against the collection's field
 * list (the same field objects with the same names and types, the same collection type) before each use, so a
 * collection changed in place gets a new one.
 */
const exportPlans = new WeakMap<Collection, ExportPlan>();

function buildExportPlan(collection: Collection): ExportPlan | null {
  const isAuth = collection.type === "auth";
  const steps: ExportStep[] = [
    { kind: EXPORT_COLLECTION_ID, name: "collectionId" },
    { kind: EXPORT_COLLECTION_NAME, name: "collectionName" },
    { kind: EXPORT_EXPAND, name: "expand" },
  ];
  for (const field of collection.fields) {
    // A field under one of the meta names would make the output order ambiguous.
    if (field.name === "collectionId" || field.name === "collectionName" || field.name === "expand")
      return null;
    if (field.type === "password") continue;
    if (isAuth && (field.name === "password" || field.name === "tokenKey")) continue;
    const kind = isAuth && field.name === "email" ? EXPORT_EMAIL : EXPORT_FIELD;
    steps.push({ kind, name: field.name, field, type: getFieldType(field.type) });
  }
  // The same order as sorting the output's keys (UTF-16 code units, as Array#sort).
  steps.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    refs: [...collection.fields],
    names: collection.fields.map((f) => f.name),
    types: collection.fields.map((f) => f.type),
    type: collection.type,
    steps,
  };
}

/** The collection's export plan (built on first use, rebuilt when its fields change). */
function exportPlanOf(collection: Collection): ExportPlan | null {
  const plan = exportPlans.get(collection);
  if (plan && plan.type === collection.type && sameFields(plan, collection)) return plan;
  const fresh = buildExportPlan(collection);
  if (fresh) exportPlans.set(collection, fresh);
  return fresh;
}

function sameFields(plan: ExportPlan, collection: Collection): boolean {
  const fields = collection.fields;
  if (fields.length !== plan.names.length) return false;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i]!;
    if (f !== plan.refs[i] || f.name !== plan.names[i] || f.type !== plan.types[i]) return false;
  }
  return true;
}

/** A table row, as `node:sqlite` returns it. */
type Row = { [key: string]: SQLOutputValue };

/**
 * A table row with the expand resolved on it (record-expand.ts, `expandRows`): what a `Record`
 * carries in `expand`/`hasExpand`, for a read exported without records.
 */
export interface ExpandedRow {
  readonly collection: Collection;
  readonly row: Row;
  /** Expanded relations by field name, in the order expand set them (null until one is). */
  expand: { [key: string]: ExpandedRow | ExpandedRow[] } | null;
  /** Whether an expand was resolved for this row (then `expand` is output even when empty). */
  hasExpand: boolean;
}

/** What the requester may see of the rows `rowExporter` exports (`toPublicJson`'s options). */
export interface RowExportOptions {
  /** Hidden fields too (superusers). */
  readonly showHidden: boolean;
  /** An auth collection's `email` on every row (superusers). */
  readonly showEmail: boolean;
  /** The id of the row whose `email` the requester sees as its own, if any. */
  readonly ownerId: string | null;
  /** Ids of further rows whose `email` the requester sees (its manageRule's matches). */
  readonly managedIds?: ReadonlySet<string>;
  /** Exports an expanded row (with its own collection's exporter and options). */
  readonly exportExpanded?: (node: ExpandedRow) => { [key: string]: unknown };
}

/**
 * Exports table rows as `Record.fromRow(collection, row).toPublicJson(options)` does, without
 * building the `Record`s (a `Map` per row and its entries, for a page that is only sent): the
 * same plan, each value through the same `prepareValue` then `toJson` of its field type, and in
 * auth collections `email` when `showEmail`, on the owner's row, or when the row's
 * `emailVisibility` is on. Null for collections without a plan. A caller uses it only when
 * nothing else may see or change the records (hooks, expand) and when its options say all the
 * requester may see (`managedIds`: a manageRule's matches, queried by the caller). Given the
 * row's `ExpandedRow`, it adds `expand` as `toPublicJson` does, through `exportExpanded`.
 */
export function rowExporter(
  collection: Collection,
  options: RowExportOptions,
): ((row: Row, node?: ExpandedRow) => { [key: string]: unknown }) | null {
  const plan = exportPlanOf(collection);
  if (!plan) return null;
  const { showHidden, showEmail, ownerId, managedIds, exportExpanded } = options;
  const steps = plan.steps;
  const visibility = collection.fields.find((f) => f.name === "emailVisibility");
  const visibilityType = visibility ? getFieldType(visibility.type) : null;
  const emailShown = (row: Row): boolean => {
    if (showEmail || (ownerId !== null && row.id === ownerId)) return true;
    if (managedIds && managedIds.size > 0 && typeof row.id === "string" && managedIds.has(row.id))
      return true;
    if (!visibility || !visibilityType) return false;
    const raw = visibility.name in row ? row[visibility.name] : undefined;
    return visibilityType.prepareValue(visibility, raw) === true;
  };
  return (row, node) => {
    const out: { [key: string]: unknown } = {};
    for (const step of steps) {
      switch (step.kind) {
        case EXPORT_COLLECTION_ID:
          out.collectionId = collection.id;
          break;
        case EXPORT_COLLECTION_NAME:
          out.collectionName = collection.name;
          break;
        case EXPORT_FIELD:
        case EXPORT_EMAIL: {
          if (step.field.hidden && !showHidden) break;
          if (step.kind === EXPORT_EMAIL && !emailShown(row)) break;
          const raw = step.name in row ? row[step.name] : undefined;
          out[step.name] = step.type.toJson(step.field, step.type.prepareValue(step.field, raw));
          break;
        }
        case EXPORT_EXPAND:
          if (node && exportExpanded) exportRowExpand(out, node, exportExpanded);
          break;
      }
    }
    return out;
  };
}

/** Adds an expanded row's `expand` as `Record`'s `#exportExpand` does (keys sorted). */
function exportRowExpand(
  out: { [key: string]: unknown },
  node: ExpandedRow,
  exportExpanded: (node: ExpandedRow) => { [key: string]: unknown },
): void {
  if (!node.expand && !node.hasExpand) return;
  const expand: { [key: string]: unknown } = {};
  if (node.expand) {
    for (const key of Object.keys(node.expand).sort()) {
      const value = node.expand[key]!;
      expand[key] = Array.isArray(value) ? value.map(exportExpanded) : exportExpanded(value);
    }
  }
  out.expand = expand;
}

/** A record of a collection. */
export class Record {
  readonly collection: Collection;
  readonly #data = new Map<string, unknown>();
  #original: Map<string, unknown> | null = null;
  /** `#original` is `#data` itself until the first change: most loaded records are only read. */
  #originalShared = false;
  /** Expanded relations, keyed by field name, set by the expand logic. */
  expand: { [key: string]: Record | Record[] } = {};
  /** Whether an expand was resolved for this record (then `expand` is output even when empty). */
  hasExpand = false;
  /** Plain passwords set in this session, by field (for validation), never stored. */
  #plainPasswords: Map<string, string> | null = null;
  /** Values under names that are not fields (`set("score", 1)`), exported only with custom data on. */
  #custom: Map<string, unknown> | null = null;
  /** Per-instance visibility (PocketBase's `Hide`/`Unhide`): names hidden or shown whatever the
   * field or the export options say. Null until used, so plain records carry nothing. */
  #hidden: Set<string> | null = null;
  #unhidden: Set<string> | null = null;
  #withCustomData = false;
  /** `ignoreEmailVisibility(on)`: when set, it decides about `email` instead of the export options. */
  #ignoreEmailVisibility: boolean | undefined = undefined;

  constructor(collection: Collection, row?: Row) {
    this.collection = collection;
    for (const field of collection.fields) {
      const raw = row && field.name in row ? row[field.name] : undefined;
      this.#data.set(field.name, getFieldType(field.type).prepareValue(field, raw));
    }
  }

  /** Builds a stored record from a table row (legacy column types accepted). */
  static fromRow(collection: Collection, row: Row): Record {
    const record = new Record(collection, row);
    record.markAsStored();
    return record;
  }

  /** Marks the current values as the stored state (after load or save). */
  markAsStored(): void {
    this.#original = this.#data;
    this.#originalShared = true;
  }

  /** Whether the record has not been stored yet. */
  get isNew(): boolean {
    return this.#original === null;
  }

  /** The record id. */
  get id(): string {
    const id = this.#data.get("id");
    return typeof id === "string" ? id : "";
  }

  set id(value: string) {
    this.set("id", value);
  }

  /** The field definition for a name, if the collection has it. */
  field(name: string): Field | undefined {
    return this.collection.fields.find((f) => f.name === name);
  }

  /** The canonical value of a field, or the custom value of another name (else undefined). */
  get(name: string): unknown {
    return this.#data.has(name) ? this.#data.get(name) : this.#custom?.get(name);
  }

  /** Sets a field value, cast by its type; a name that is no field holds a custom value. */
  set(name: string, value: unknown): void {
    const field = this.field(name);
    if (!field) {
      (this.#custom ??= new Map()).set(name, value);
      return;
    }
    if (this.#originalShared) {
      this.#original = new Map(this.#data);
      this.#originalShared = false;
    }
    this.#data.set(name, getFieldType(field.type).prepareValue(field, value));
  }

  /** The custom (non-field) values, by name. */
  customData(): { [key: string]: unknown } {
    return Object.fromEntries(this.#custom ?? []);
  }

  /** Whether the record holds custom (non-field) values. */
  hasCustomData(): boolean {
    return (this.#custom?.size ?? 0) > 0;
  }

  /** Replaces the custom (non-field) values. */
  setCustomData(values: { [key: string]: unknown }): void {
    const entries = Object.entries(values);
    this.#custom = entries.length > 0 ? new Map(entries) : null;
  }

  // ---- per-instance visibility (PocketBase's Record.Hide/Unhide/WithCustomData/IgnoreEmailVisibility)

  /** Leaves these fields (or `collectionId`, `collectionName`, `expand`, custom keys) out of the
   * JSON export of this record, whatever else says to show them. */
  hide(...names: string[]): this {
    for (const name of names) {
      (this.#hidden ??= new Set()).add(name);
      this.#unhidden?.delete(name);
    }
    return this;
  }

  /** Puts these names in the JSON export of this record, hidden fields included. */
  unhide(...names: string[]): this {
    for (const name of names) {
      (this.#unhidden ??= new Set()).add(name);
      this.#hidden?.delete(name);
    }
    return this;
  }

  /** Names hidden on this instance. */
  hiddenNames(): string[] {
    return [...(this.#hidden ?? [])];
  }

  /** Names unhidden on this instance. */
  unhiddenNames(): string[] {
    return [...(this.#unhidden ?? [])];
  }

  /** Whether the JSON export includes the custom (non-field) values. */
  withCustomData(on: boolean): this {
    this.#withCustomData = on;
    return this;
  }

  /** Whether custom data is exported (see `withCustomData`). */
  get isCustomDataAllowed(): boolean {
    return this.#withCustomData;
  }

  /** Whether `email` is exported regardless of `emailVisibility` (overrides the export options). */
  ignoreEmailVisibility(on: boolean): this {
    this.#ignoreEmailVisibility = on;
    return this;
  }

  /** The `ignoreEmailVisibility` override, undefined when never set. */
  get emailVisibilityOverride(): boolean | undefined {
    return this.#ignoreEmailVisibility;
  }

  /** Whether a name is in the export, given whether it is shown by default. */
  #visible(name: string, byDefault: boolean): boolean {
    if (this.#unhidden?.has(name)) return true;
    return byDefault && !this.#hidden?.has(name);
  }

  /** The value loaded from the database (undefined for new records). */
  original(name: string): unknown {
    return this.#original?.get(name);
  }

  /** A field value as a string ("" when not a string). */
  getString(name: string): string {
    const value = this.#data.get(name);
    return typeof value === "string"
      ? value
      : typeof value === "number" || typeof value === "boolean"
        ? String(value)
        : "";
  }

  /** A field value as a boolean. */
  getBool(name: string): boolean {
    return this.#data.get(name) === true;
  }

  /** Canonical values of every field, in field order. */
  entries(): [Field, unknown][] {
    return this.collection.fields.map((f) => [f, this.#data.get(f.name)]);
  }

  /** Column values for INSERT/UPDATE, as SQL bind values. */
  dbValues(): { name: string; value: ReturnType<ReturnType<typeof getFieldType>["toDbValue"]> }[] {
    return this.collection.fields.map((f) => ({
      name: f.name,
      value: getFieldType(f.type).toDbValue(f, this.#data.get(f.name)),
    }));
  }

  // ---- auth records --------------------------------------------------------------------

  /** The auth record's email. */
  get email(): string {
    return this.getString("email");
  }

  /** The auth record's token key (part of every token's signing key). */
  get tokenKey(): string {
    return this.getString("tokenKey");
  }

  /** Whether the auth record is verified. */
  get verified(): boolean {
    return this.getBool("verified");
  }

  /** Replaces the token key, which invalidates every token issued before. */
  refreshTokenKey(): void {
    this.set("tokenKey", randomString(50, ALPHANUMERIC));
  }

  /** Hashes and sets a new password (and rotates the token key, as PocketBase does). */
  async setPassword(plain: string): Promise<void> {
    const field = this.field("password");
    const cost =
      field && "cost" in field && typeof field.cost === "number" && field.cost > 0 ? field.cost : 10;
    this.notePlainPassword("password", plain);
    this.set("password", await hashPassword(plain, cost));
    this.refreshTokenKey();
  }

  /** The plain password given to `setPassword` in this session, for validation. */
  get plainPassword(): string | undefined {
    return this.plainPasswordOf("password");
  }

  /** Remembers the plain value a password field's new hash was made from (for validation). */
  notePlainPassword(fieldName: string, plain: string): void {
    (this.#plainPasswords ??= new Map()).set(fieldName, plain);
  }

  /** The plain value of a password field set in this session, if any. */
  plainPasswordOf(fieldName: string): string | undefined {
    return this.#plainPasswords?.get(fieldName);
  }

  /** Checks a plain password against the stored hash (`signal`: drop it if the caller leaves). */
  validatePassword(plain: string, signal?: AbortSignal): Promise<boolean> {
    return verifyPassword(plain, this.getString("password"), signal);
  }

  // ---- output --------------------------------------------------------------------------

  /**
   * The record as API JSON (§6.4): visible fields + collectionId/collectionName (+ expand),
   * keys sorted; `password` and `tokenKey` never, `email` only when visible. The instance's
   * `hide`/`unhide`/`withCustomData`/`ignoreEmailVisibility` win over the options.
   */
  toPublicJson(options: ExportOptions = {}): { [key: string]: unknown } {
    // The usual record (no per-instance visibility, no custom data) takes the collection's
    // precompiled export plan; anything else the general path, which sorts its keys itself.
    if (this.#hidden || this.#unhidden || (this.#withCustomData && this.#custom)) {
      return this.#toPublicJsonGeneral(options);
    }
    const plan = exportPlanOf(this.collection);
    if (!plan) return this.#toPublicJsonGeneral(options);
    const out: { [key: string]: unknown } = {};
    const showHidden = options.showHidden === true;
    const showEmail =
      (this.#ignoreEmailVisibility ?? options.showEmail === true) ||
      this.#data.get("emailVisibility") === true;
    for (const step of plan.steps) {
      switch (step.kind) {
        case EXPORT_COLLECTION_ID:
          out.collectionId = this.collection.id;
          break;
        case EXPORT_COLLECTION_NAME:
          out.collectionName = this.collection.name;
          break;
        case EXPORT_FIELD:
          if (step.field.hidden && !showHidden) break;
          out[step.name] = step.type.toJson(step.field, this.#data.get(step.name));
          break;
        case EXPORT_EMAIL:
          if (step.field.hidden && !showHidden) break;
          if (showEmail) out[step.name] = step.type.toJson(step.field, this.#data.get(step.name));
          break;
        case EXPORT_EXPAND:
          this.#exportExpand(out, options);
          break;
      }
    }
    return out;
  }

  /** Adds `expand` (keys sorted) when an expand was resolved or set. */
  #exportExpand(out: { [key: string]: unknown }, options: ExportOptions): void {
    const expandKeys = Object.keys(this.expand);
    if (expandKeys.length === 0 && !this.hasExpand) return;
    const expand: { [key: string]: unknown } = {};
    for (const key of expandKeys.sort()) {
      const value = this.expand[key]!;
      // Expanded records get their own visibility (e.g. the requester's own email).
      const exportOf = (r: Record) => r.toPublicJson(options.forRecord?.(r) ?? options);
      expand[key] = Array.isArray(value) ? value.map(exportOf) : exportOf(value);
    }
    out.expand = expand;
  }

  /** `toPublicJson` for records with per-instance visibility or custom data. */
  #toPublicJsonGeneral(options: ExportOptions): { [key: string]: unknown } {
    const out: { [key: string]: unknown } = {};
    if (this.#visible("collectionId", true)) out.collectionId = this.collection.id;
    if (this.#visible("collectionName", true)) out.collectionName = this.collection.name;
    const isAuth = this.collection.type === "auth";
    const showEmail = this.#ignoreEmailVisibility ?? options.showEmail === true;
    for (const field of this.collection.fields) {
      if (!this.#visible(field.name, !field.hidden || options.showHidden === true)) continue;
      if (isAuth && (field.name === "password" || field.name === "tokenKey")) continue;
      if (field.type === "password") continue;
      if (isAuth && field.name === "email" && !showEmail && !this.getBool("emailVisibility")) continue;
      out[field.name] = getFieldType(field.type).toJson(field, this.#data.get(field.name));
    }
    if (this.#withCustomData && this.#custom) {
      for (const [key, value] of this.#custom) if (this.#visible(key, true)) out[key] = value;
    }
    if (this.#visible("expand", true)) this.#exportExpand(out, options);
    const sorted: { [key: string]: unknown } = {};
    for (const key of Object.keys(out).sort()) sorted[key] = out[key];
    return sorted;
  }
}

/** A record of an auth collection. */
export type AuthRecord = Record;
