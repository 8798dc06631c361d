/**
 * What deleting a record does to the records that point at it (§3.3 "Relation delete
 * semantics"): its id is removed from every referencing relation; a relation left empty
 * deletes the referencing record when `cascadeDelete` is on, blocks the delete when the field
 * is required, and otherwise the referencing record is saved without validation. Auth records
 * also take their `_externalAuths`, `_mfas`, `_otps` and `_authOrigins` rows with them.
 */
import { ValidationError } from "../../tools/validation.ts";
import { quoteIdent } from "../db/database.ts";
import type { App } from "../app.ts";
import type { RelationField } from "../fields/relation.ts";
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

const AUTH_SIDE_TABLES = ["_externalAuths", "_mfas", "_otps", "_authOrigins"];

/**
 * Detaches (or deletes, or refuses) the records that reference `record`. Runs inside the
 * delete transaction; `deleteOne` is the record delete pipeline (for cascades).
 */
export async function cascadeRelations(
  app: App,
  record: Record,
  deleteOne: (app: App, record: Record) => Promise<void>,
): Promise<void> {
  for (const other of app.findAllCollections("base", "auth")) {
    for (const field of other.fields) {
      if (field.type !== "relation") continue;
      const rel = field as RelationField;
      if (rel.collectionId !== record.collection.id) continue;
      const isMulti = getFieldType("relation").isMultiple(rel);
      const column = quoteIdent(rel.name);
      const table = quoteIdent(other.name);
      const rows = isMulti
        ? await app.db.all(
            `SELECT ${table}.* FROM ${table} WHERE EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(${column}) THEN ${column} ELSE '[]' END) WHERE value = ?)`,
            [record.id],
          )
        : await app.db.all(`SELECT * FROM ${table} WHERE ${column} = ?`, [record.id]);
      for (const row of rows) {
        const ref = Record.fromRow(other, row);
        if (ref.collection.id === record.collection.id && ref.id === record.id) continue;
        const remaining = isMulti
          ? (ref.get(rel.name) as string[]).filter((id) => id !== record.id)
          : "";
        const isEmpty = Array.isArray(remaining) ? remaining.length === 0 : remaining === "";
        if (isEmpty && rel.cascadeDelete) {
          await deleteOne(app, ref);
          continue;
        }
        if (isEmpty && rel.required) throw new RequiredRelationError();
        ref.set(rel.name, remaining);
        const values = ref.dbValues().find((v) => v.name === rel.name);
        await app.db.run(`UPDATE ${table} SET ${column} = ? WHERE \`id\` = ?`, [values?.value ?? null, ref.id]);
      }
    }
  }
  if (record.collection.type === "auth") {
    for (const name of AUTH_SIDE_TABLES) {
      if (!app.findCollectionByNameOrId(name)) continue;
      await app.db.run(`DELETE FROM ${quoteIdent(name)} WHERE \`collectionRef\` = ? AND \`recordRef\` = ?`, [
        record.collection.id,
        record.id,
      ]);
    }
  }
}
