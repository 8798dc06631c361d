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

  constructor(collection: Collection, row?: { [key: string]: SQLOutputValue }) {
    this.collection = collection;
    for (const field of collection.fields) {
      const raw = row && field.name in row ? row[field.name] : undefined;
      this.#data.set(field.name, getFieldType(field.type).prepareValue(field, raw));
    }
  }

  /** Builds a stored record from a table row (legacy column types accepted). */
  static fromRow(collection: Collection, row: { [key: string]: SQLOutputValue }): Record {
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

  /** The canonical value of a field (undefined for unknown names). */
  get(name: string): unknown {
    return this.#data.get(name);
  }

  /** Sets a field value, cast by its type; unknown names are ignored. */
  set(name: string, value: unknown): void {
    const field = this.field(name);
    if (!field) return;
    if (this.#originalShared) {
      this.#original = new Map(this.#data);
      this.#originalShared = false;
    }
    this.#data.set(name, getFieldType(field.type).prepareValue(field, value));
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
   * keys sorted; `password` and `tokenKey` never, `email` only when visible.
   */
  toPublicJson(options: ExportOptions = {}): { [key: string]: unknown } {
    const out: { [key: string]: unknown } = {
      collectionId: this.collection.id,
      collectionName: this.collection.name,
    };
    const isAuth = this.collection.type === "auth";
    for (const field of this.collection.fields) {
      if (field.hidden && !options.showHidden) continue;
      if (isAuth && (field.name === "password" || field.name === "tokenKey")) continue;
      if (field.type === "password") continue;
      if (isAuth && field.name === "email" && !options.showEmail && !this.getBool("emailVisibility"))
        continue;
      out[field.name] = getFieldType(field.type).toJson(field, this.#data.get(field.name));
    }
    const expandKeys = Object.keys(this.expand);
    if (expandKeys.length > 0 || this.hasExpand) {
      const expand: { [key: string]: unknown } = {};
      for (const key of expandKeys.sort()) {
        const value = this.expand[key]!;
        // Expanded records get their own visibility (e.g. the requester's own email).
        const exportOf = (r: Record) => r.toPublicJson(options.forRecord?.(r) ?? options);
        expand[key] = Array.isArray(value) ? value.map(exportOf) : exportOf(value);
      }
      out.expand = expand;
    }
    const sorted: { [key: string]: unknown } = {};
    for (const key of Object.keys(out).sort()) sorted[key] = out[key];
    return sorted;
  }
}

/** A record of an auth collection. */
export type AuthRecord = Record;
