/**
 * The field-type contract. A field is plain data (`{id, name, type, …options}`, as stored in
 * `_collections.fields`); a `FieldType` is the behaviour of one `type`: its options, column DDL,
 * value casting, validation and body modifiers. Each `fields/<type>.ts` exports one
 * `… satisfies FieldType<…>` object and `registry.ts` lists them all.
 */
import type { SQLInputValue } from "node:sqlite";
import type { ErrorTree, ValidationError } from "../../tools/validation.ts";

/** Properties every field has, whatever its type. */
export interface FieldBase {
  id: string;
  name: string;
  type: string;
  system: boolean;
  hidden: boolean;
  presentable: boolean;
  /** UI help text; PocketBase omits it on autodate fields. */
  help?: string;
}

/** What value validation can see of the record being saved. */
export interface RecordView {
  readonly isNew: boolean;
  readonly collectionId: string;
  readonly collectionName: string;
  /** Canonical value of another field of the same record. */
  get(name: string): unknown;
  /** Canonical value the field had when loaded (undefined for new records). */
  original(name: string): unknown;
}

/** Data-access the value validators need (kept narrow so fields stay testable). */
export interface FieldDataAccess {
  /**
   * How many of `ids` exist in the collection's table. Rejects when the collection doesn't
   * exist (the relation field then reports `validation_missing_rel_collection`).
   */
  countExistingIds(collectionId: string, ids: readonly string[]): Promise<number>;
  /**
   * Whether a record with this id exists in the collection, compared case-insensitively
   * (`id = ? COLLATE NOCASE`): the uniqueness check of custom primary keys (non-default
   * pattern). When absent, only the table's own PRIMARY KEY constraint guards uniqueness.
   */
  idExistsCaseInsensitive?(collectionId: string, id: string): Promise<boolean>;
}

/** Context of `validateValue`. */
export interface ValueContext {
  readonly record: RecordView;
  readonly data: FieldDataAccess;
}

/** The minimum a field's settings validation needs to know about collections. */
export interface CollectionInfo {
  readonly id: string;
  readonly name: string;
  readonly type: "base" | "auth" | "view";
  readonly system: boolean;
  readonly fields: readonly FieldBase[];
  readonly indexes: readonly string[];
}

/** Context of `validateSettings`. */
export interface SettingsContext {
  /** The collection being saved (with its new field list). */
  readonly collection: CollectionInfo;
  /** The stored version of the collection, or null when it is new. */
  readonly oldCollection: CollectionInfo | null;
  /** The stored version of this field (matched by id), or null when the field is new. */
  readonly oldField: FieldBase | null;
  /** Looks up another collection by id (stored state). */
  findCollectionById(id: string): CollectionInfo | null;
}

/** Body modifiers a field may support (`field+`, `+field`, `field-`, `field:autogenerate`). */
export type Modifier = "append" | "prepend" | "subtract" | "autogenerate";

/** The behaviour of one field type. */
export interface FieldType<F extends FieldBase = FieldBase> {
  /** The `type` string, e.g. `"text"`. */
  readonly type: string;
  /**
   * Builds a complete field from raw JSON (stored row or API body): fills every option's
   * default, casts loosely-typed options, drops unknown keys. Never throws: invalid option
   * values are kept as-is where possible so that `validateSettings` can report them.
   */
  normalize(raw: Readonly<Record<string, unknown>>): F;
  /** Column DDL for a fresh schema, e.g. `TEXT DEFAULT '' NOT NULL`. */
  columnType(field: F): string;
  /** Whether the field holds a list (multi select/relation/file). */
  isMultiple(field: F): boolean;
  /** Casts anything (a DB column value or request input) to the canonical in-memory value. */
  prepareValue(field: F, raw: unknown): unknown;
  /** The canonical value as an SQL bind value (arrays and JSON as JSON text, bools as 0/1). */
  toDbValue(field: F, value: unknown): SQLInputValue;
  /** The canonical value as it appears in record JSON (§2.2 empty values). */
  toJson(field: F, value: unknown): unknown;
  /**
   * Validates a record's value; null when valid. Synchronous when the check needs no data
   * access (a save validates every field, and an `async` check costs a promise and a turn of
   * the microtask queue each).
   */
  validateValue(
    field: F,
    value: unknown,
    ctx: ValueContext,
  ): ValidationError | null | Promise<ValidationError | null>;
  /** Validates the field's options; the returned tree is keyed by option name (empty = valid). */
  validateSettings(field: F, ctx: SettingsContext): ErrorTree;
  /** Applies a body modifier to the current value, or undefined when the type has none. */
  applyModifier?(field: F, modifier: Modifier, current: unknown, input: unknown): unknown;
  /** Extra request-body bytes this field may need (for the records body limit), §12.3. */
  maxBodySize?(field: F): number;
}
