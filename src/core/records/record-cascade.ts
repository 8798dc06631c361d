/**
 * What deleting a record does to the records that point at it (§3.3 "Relation delete
 * semantics"): its id is removed from every referencing relation; a relation left empty
 * deletes the referencing record when `cascadeDelete` is on, blocks the delete when the field
 * is required, and otherwise the referencing record is saved without validation. Auth records
 * also take their `_externalAuths`, `_mfas`, `_otps` and `_authOrigins` rows with them.
 * Every change goes through the record hooks (PocketBase fires them for cascades too).
 */
import { ValidationError } from "../../tools/validation.ts";
import { quoteIdent } from "../db/database.ts";
import type { App } from "../app.ts";
import { getFieldType } from "../fields/registry.ts";
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
}

/**
 * Detaches (or deletes, or refuses) the records that reference `record`, which is already
 * deleted. Runs inside the delete transaction. Collections are visited by name and fields in
 * their order, so cascades fire their hooks in a stable order (as PocketBase does).
 */
export async function cascadeRelations(app: App, record: Record, ops: CascadeOps): Promise<void> {
  const collections = app
    .findAllCollections("base", "auth")
    .slice()
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const other of collections) {
    for (const field of other.fields) {
      if (field.type !== "relation") continue;
      const rel = field;
      if (rel.collectionId !== record.collection.id) continue;
      const isMulti = getFieldType("relation").isMultiple(rel);
      const column = quoteIdent(rel.name);
      const table = quoteIdent(other.name);
      const match = isMulti
        ? `EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(${column}) THEN ${column} ELSE json_array(${column}) END) WHERE value = ?)`
        : `${column} = ?`;
      const self = other.id === record.collection.id ? " AND `id` != ?" : "";
      const params = other.id === record.collection.id ? [record.id, record.id] : [record.id];
      const rows = await app.db.all(`SELECT * FROM ${table} WHERE ${match}${self}`, params);
      for (const row of rows) {
        const ref = Record.fromRow(other, row);
        const ids = isMulti ? (ref.get(rel.name) as string[]) : [ref.getString(rel.name)];
        const remaining = ids.filter((id) => id !== record.id && id !== "");
        if (remaining.length === 0 && rel.cascadeDelete) {
          await ops.deleteOne(app, ref);
          continue;
        }
        if (remaining.length === 0 && rel.required) throw new RequiredRelationError();
        ref.set(rel.name, isMulti ? remaining : "");
        await ops.saveOne(app, ref);
      }
    }
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
