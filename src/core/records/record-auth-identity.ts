/**
 * Finding an auth record by an identity field for password auth (§1.2). A field can serve as
 * identity only with a single-column UNIQUE index; the lookup is case-insensitive exactly when
 * that index column says `COLLATE NOCASE`, so two accounts can never match one identity.
 */
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import { quoteIdent } from "../db/database.ts";
import { Record } from "./record.ts";

/** The single column of a UNIQUE index on `field`, with its collation, or null. */
export function findSingleColumnUniqueIndex(
  indexes: readonly string[],
  field: string,
): { collate: string } | null {
  for (const sql of indexes) {
    const m =
      /^\s*create\s+unique\s+index\s+(?:if\s+not\s+exists\s+)?.+?\s+on\s+\S+?\s*\(([\s\S]*?)\)\s*(?:where\b[\s\S]*)?;?\s*$/i.exec(
        sql,
      );
    if (!m?.[1]) continue;
    const columns = m[1].split(",").map((c) => c.trim());
    if (columns.length !== 1) continue;
    const col = /^[`"'[]?([^`"'\]\s]+)[`"'\]]?(?:\s+collate\s+(\w+))?(?:\s+(?:asc|desc))?$/i.exec(
      columns[0]!,
    );
    if (!col || col[1]!.toLowerCase() !== field.toLowerCase()) continue;
    return { collate: col[2] ?? "" };
  }
  return null;
}

/** The record whose identity `field` equals `value`, or null (also when the field can't identify). */
export async function findRecordByIdentityField(
  app: App,
  collection: Collection,
  field: string,
  value: string,
): Promise<Record | null> {
  if (!collection.auth?.passwordAuth.identityFields.includes(field)) return null;
  if (!collection.fields.some((f) => f.name === field)) return null;
  const index = findSingleColumnUniqueIndex(collection.indexes, field);
  if (!index) return null;
  const nocase = index.collate.toLowerCase() === "nocase" ? " COLLATE NOCASE" : "";
  const row = await app.db.get(
    `SELECT * FROM ${quoteIdent(collection.name)} WHERE ${quoteIdent(field)} = ?${nocase} LIMIT 1`,
    [value],
  );
  return row ? Record.fromRow(collection, row) : null;
}
