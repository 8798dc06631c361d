/**
 * What deleting a record does to the records that point at it (§3.3 "Relation delete
 * semantics"): its id is removed from every referencing relation; a relation left empty
 * deletes the referencing record when `cascadeDelete` is on, blocks the delete when the field
 * is required, and otherwise the referencing record is saved without validation. Auth records
 * also take their `_externalAuths`, `_mfas`, `_otps` and `_authOrigins` rows with them.
 * Every change goes through the record hooks (PocketBase fires them for cascades too).
 */
import { ValidationError } from "../../tools/validation.ts";
import { quoteIdent, type SqlValue } from "../db/database.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { RelationField } from "../fields/relation.ts";
import { getFieldType } from "../fields/registry.ts";
import { deleteRecordIdsFilesAfterCommit } from "./record-files.ts";
import { Record } from "./record.ts";

/** Raised when a required relation still points at the record being deleted. */
export class RequiredRelationError extends ValidationError {
  constructor() {
    super(
      "validation_required_relation",
      "Failed to delete record. Make sure that the record is not part of a required relation reference.",
    );
  }
}

/** The record pipelines a cascade runs through (passed in to keep this module hook-agnostic). */
export interface CascadeOps {
  /** Deletes a referencing record (recursively cascading). */
  deleteOne(app: App, record: Record): Promise<void>;
  /** Saves a referencing record without validation. */
  saveOne(app: App, record: Record): Promise<void>;
  /**
   * Whether deleting a record of `collection` needs nothing per record but its rows (no hook
   * handler with work to do, no realtime client): its cascaded records are then deleted in
   * bulk, one statement per relation and level, as the limit server does. Unset: never.
   */
  canDeleteInBulk?(collection: Collection): boolean;
}

/** The auth side collections whose rows go with a deleted auth record. */
export const AUTH_SIDE_TABLES = ["_externalAuths", "_mfas", "_otps", "_authOrigins"] as const;

/** Ids per statement (well under SQLite's bound parameter limit). */
const BULK_CHUNK = 500;

/** A relation field pointing at a collection, and the collection holding it. */
interface Reference {
  readonly other: Collection;
  readonly rel: RelationField;
}

/**
 * The references to each collection id, per loaded collection list: the list is a new array
 * whenever the collections are reloaded (any schema change), so a delete walks the schema only
 * the first time a collection is deleted from (it sorted and walked every field of every
 * collection on each delete).
 */
const referencesByList = new WeakMap<readonly Collection[], Map<string, readonly Reference[]>>();

/** Base and auth collections with a relation field pointing at `target`, by collection name then field order. */
function referencesTo(app: App, target: Collection): readonly Reference[] {
  const all = app.findAllCollections();
  let byTarget = referencesByList.get(all);
  if (!byTarget) {
    byTarget = new Map();
    referencesByList.set(all, byTarget);
  }
  const known = byTarget.get(target.id);
  if (known) return known;
  const out: Reference[] = [];
  const collections = all
    .filter((c) => c.type === "base" || c.type === "auth")
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const other of collections) {
    for (const field of other.fields) {
      if (field.type === "relation" && field.collectionId === target.id) out.push({ other, rel: field });
    }
  }
  byTarget.set(target.id, out);
  return out;
}

/** Whether any base or auth collection has a relation field pointing at `target`. */
export function hasReferences(app: App, target: Collection): boolean {
  return referencesTo(app, target).length > 0;
}

const placeholders = (n: number): string => Array.from({ length: n }, () => "?").join(",");

/** Whether a single-value cascading relation whose records can go in bulk. */
function bulkCascade(rel: RelationField, other: Collection, ops: CascadeOps): boolean {
  return (
    rel.cascadeDelete && !getFieldType("relation").isMultiple(rel) && (ops.canDeleteInBulk?.(other) ?? false)
  );
}

/**
 * Deletes records of `collection` by id without their per-record pipeline (only called when
 * `ops.canDeleteInBulk` says nothing needs it), then what references them, level by level:
 * bulk again where allowed, otherwise record by record as `cascadeRelations` does. The same
 * rows end up deleted or detached as deleting each record on its own would.
 */
async function deleteInBulk(
  app: App,
  collection: Collection,
  ids: readonly string[],
  ops: CascadeOps,
): Promise<void> {
  for (let i = 0; i < ids.length; i += BULK_CHUNK) {
    const chunk = ids.slice(i, i + BULK_CHUNK);
    const ph = placeholders(chunk.length);
    await app.db.run(`DELETE FROM ${quoteIdent(collection.name)} WHERE \`id\` IN (${ph})`, chunk);
    deleteRecordIdsFilesAfterCommit(app, collection, chunk);
    const gone = new Set(chunk);
    for (const { other, rel } of referencesTo(app, collection)) {
      const table = quoteIdent(other.name);
      const column = quoteIdent(rel.name);
      if (bulkCascade(rel, other, ops)) {
        const rows = await app.db.all(`SELECT \`id\` FROM ${table} WHERE ${column} IN (${ph})`, chunk);
        if (rows.length > 0)
          await deleteInBulk(
            app,
            other,
            rows.map((r) => String(r.id)),
            ops,
          );
        continue;
      }
      const isMulti = getFieldType("relation").isMultiple(rel);
      const match = isMulti
        ? `EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(${column}) THEN ${column} ELSE json_array(${column}) END) WHERE value IN (${ph}))`
        : `${column} IN (${ph})`;
      const rows = await app.db.all(`SELECT * FROM ${table} WHERE ${match}`, chunk);
      for (const row of rows) await detachOrDelete(app, Record.fromRow(other, row), rel, gone, ops);
    }
    if (collection.type === "auth") await deleteAuthSideInBulk(app, collection, chunk, ops);
  }
}

/** The auth side rows of deleted auth records: in bulk where allowed, else through the hooks. */
async function deleteAuthSideInBulk(
  app: App,
  owner: Collection,
  ids: readonly string[],
  ops: CascadeOps,
): Promise<void> {
  for (const name of AUTH_SIDE_TABLES) {
    const side = app.findCollectionByNameOrId(name);
    if (!side) continue;
    const bulk = ops.canDeleteInBulk?.(side) ?? false;
    const rows = await app.db.all(
      `SELECT ${bulk ? "`id`" : "*"} FROM ${quoteIdent(side.name)} WHERE \`collectionRef\` = ? AND \`recordRef\` IN (${placeholders(ids.length)})`,
      [owner.id, ...ids] as SqlValue[],
    );
    if (bulk) {
      if (rows.length > 0)
        await deleteInBulk(
          app,
          side,
          rows.map((r) => String(r.id)),
          ops,
        );
    } else {
      for (const row of rows) await ops.deleteOne(app, Record.fromRow(side, row));
    }
  }
}

/**
 * What a referencing record becomes once the ids in `gone` are deleted: deleted itself (a
 * cascading relation left empty), refused (a required one left empty) or saved without them.
 */
async function detachOrDelete(
  app: App,
  ref: Record,
  rel: RelationField,
  gone: ReadonlySet<string>,
  ops: CascadeOps,
): Promise<void> {
  const isMulti = getFieldType("relation").isMultiple(rel);
  const ids = isMulti ? (ref.get(rel.name) as string[]) : [ref.getString(rel.name)];
  const remaining = ids.filter((id) => !gone.has(id) && id !== "");
  if (remaining.length === 0 && rel.cascadeDelete) {
    await ops.deleteOne(app, ref);
    return;
  }
  if (remaining.length === 0 && rel.required) throw new RequiredRelationError();
  ref.set(rel.name, isMulti ? remaining : "");
  await ops.saveOne(app, ref);
}

/**
 * Detaches (or deletes, or refuses) the records that reference `record`, which is already
 * deleted. Runs inside the delete transaction. Collections are visited by name and fields in
 * their order, so cascades fire their hooks in a stable order (as PocketBase does).
 */
export async function cascadeRelations(app: App, record: Record, ops: CascadeOps): Promise<void> {
  const gone = new Set([record.id]);
  for (const { other, rel } of referencesTo(app, record.collection)) {
    const column = quoteIdent(rel.name);
    const table = quoteIdent(other.name);
    const isSelf = other.id === record.collection.id;
    if (bulkCascade(rel, other, ops)) {
      const rows = await app.db.all(
        `SELECT \`id\` FROM ${table} WHERE ${column} = ?${isSelf ? " AND `id` != ?" : ""}`,
        isSelf ? [record.id, record.id] : [record.id],
      );
      if (rows.length > 0)
        await deleteInBulk(
          app,
          other,
          rows.map((r) => String(r.id)),
          ops,
        );
      continue;
    }
    const isMulti = getFieldType("relation").isMultiple(rel);
    const match = isMulti
      ? `EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(${column}) THEN ${column} ELSE json_array(${column}) END) WHERE value = ?)`
      : `${column} = ?`;
    const self = isSelf ? " AND `id` != ?" : "";
    const params = isSelf ? [record.id, record.id] : [record.id];
    const rows = await app.db.all(`SELECT * FROM ${table} WHERE ${match}${self}`, params);
    for (const row of rows) await detachOrDelete(app, Record.fromRow(other, row), rel, gone, ops);
  }
}

/** Deletes the rows of auth side collections (`_externalAuths`, …) owned by an auth record. */
export async function deleteAuthSideRecords(
  app: App,
  owner: Record,
  tables: readonly string[],
  deleteOne: (app: App, record: Record) => Promise<void>,
): Promise<void> {
  for (const name of tables) {
    const collection = app.findCollectionByNameOrId(name);
    if (!collection) continue;
    const rows = await app.db.all(
      `SELECT * FROM ${quoteIdent(collection.name)} WHERE \`collectionRef\` = ? AND \`recordRef\` = ?`,
      [owner.collection.id, owner.id],
    );
    for (const row of rows) await deleteOne(app, Record.fromRow(collection, row));
  }
}
