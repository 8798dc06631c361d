/**
 * Keeps a collection's table (or view) in step with its definition: create, rename, add,
 * rename and drop columns, convert single↔multiple values, rebuild indexes. Runs inside the
 * collection save transaction, so a failure leaves the schema untouched.
 */
import { quoteIdent, type DbExecutor } from "../db/database.ts";
import { getFieldType, type Field } from "../fields/registry.ts";
import type { Collection } from "./collection-model.ts";
import { ValidationError, ValidationErrors } from "../../tools/validation.ts";

/** The column DDL of a field. */
export function columnDdl(field: Field): string {
  return `${quoteIdent(field.name)} ${getFieldType(field.type).columnType(field)}`;
}

/** `CREATE TABLE` for a base/auth collection: one column per field, sorted by name (§7.2). */
export function createTableDdl(c: Collection): string {
  const columns = [...c.fields]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map(columnDdl);
  return `CREATE TABLE ${quoteIdent(c.name)} (${columns.join(", ")})`;
}

/** `CREATE VIEW` as PocketBase stores it. */
export function createViewDdl(c: Collection, viewBody?: string): string {
  return `CREATE VIEW ${quoteIdent(c.name)} AS SELECT * FROM (${viewBody ?? c.viewQuery ?? ""})`;
}

/** The name of an index from its `CREATE [UNIQUE] INDEX [IF NOT EXISTS] name ON …` SQL. */
export function indexNameOf(sql: string): string | null {
  const m =
    /^\s*create\s+(?:unique\s+)?index\s+(?:if\s+not\s+exists\s+)?(`[^`]+`|"[^"]+"|\[[^\]]+\]|[\w]+)/i.exec(
      sql,
    );
  if (!m?.[1]) return null;
  const raw = m[1];
  return /^[`"[]/.test(raw) ? raw.slice(1, -1) : raw;
}

/** Rewrites the table of an index statement to the collection's table, as PocketBase does on save. */
export function rewriteIndexTable(sql: string, table: string): string {
  return sql.replace(
    /(\bon\s+)(`[^`]+`|"[^"]+"|\[[^\]]+\]|[\w]+)(\s*\()/i,
    (_m, on: string, _t: string, paren: string) => `${on}${quoteIdent(table)}${paren}`,
  );
}

/**
 * Creates the indexes of a collection. One that SQLite refuses (a missing column, duplicate
 * values for a unique index…) is reported on `indexes.<i>`, as PocketBase does.
 */
async function createIndexes(db: DbExecutor, c: Collection): Promise<void> {
  for (const [i, sql] of c.indexes.entries()) {
    try {
      await db.exec(rewriteIndexTable(sql, c.name));
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new ValidationErrors({
        indexes: {
          [String(i)]: new ValidationError(
            "validation_invalid_index_expression",
            `Failed to create index ${indexNameOf(sql) ?? ""} - ${detail}.`,
          ),
        },
      });
    }
  }
}

async function dropIndexes(db: DbExecutor, c: Collection): Promise<void> {
  for (const sql of c.indexes) {
    const name = indexNameOf(sql);
    if (name) await db.exec(`DROP INDEX IF EXISTS ${quoteIdent(name)}`);
  }
}

/** Creates the table or view of a new collection, with its indexes. */
export async function createCollectionSchema(
  db: DbExecutor,
  c: Collection,
  viewBody?: string,
): Promise<void> {
  if (c.type === "view") {
    await db.exec(createViewDdl(c, viewBody));
    return;
  }
  await db.exec(createTableDdl(c));
  await createIndexes(db, c);
}

/** Drops the table or view of a deleted collection. */
export async function dropCollectionSchema(db: DbExecutor, c: Collection): Promise<void> {
  await db.exec(
    c.type === "view"
      ? `DROP VIEW IF EXISTS ${quoteIdent(c.name)}`
      : `DROP TABLE IF EXISTS ${quoteIdent(c.name)}`,
  );
}

/** The names of the columns a table has now. */
async function tableColumns(db: DbExecutor, table: string): Promise<Set<string>> {
  const rows = await db.all("SELECT `name` FROM pragma_table_info(?)", [table]);
  return new Set(rows.map((r) => String(r.name)));
}

/**
 * Alters an existing collection's table from `old` to `next`: rename the table, drop removed
 * fields, rename renamed ones (through temporary names, so swaps work), add new ones, and
 * convert stored values when a field switches between single and multiple. Indexes are
 * dropped first and recreated last (SQLite refuses to drop indexed columns).
 */
export async function updateCollectionSchema(
  db: DbExecutor,
  old: Collection,
  next: Collection,
  viewBody?: string,
): Promise<void> {
  if (next.type === "view") {
    await db.exec(`DROP VIEW IF EXISTS ${quoteIdent(old.name)}`);
    await db.exec(createViewDdl(next, viewBody));
    return;
  }
  await dropIndexes(db, old);
  if (old.name !== next.name) {
    await db.exec(`ALTER TABLE ${quoteIdent(old.name)} RENAME TO ${quoteIdent(next.name)}`);
  }
  const table = next.name;
  const oldById = new Map(old.fields.map((f) => [f.id, f]));
  const nextIds = new Set(next.fields.map((f) => f.id));
  const columns = await tableColumns(db, table);

  for (const f of old.fields) {
    if (!nextIds.has(f.id) && columns.has(f.name) && f.name !== "id") {
      await db.exec(`ALTER TABLE ${quoteIdent(table)} DROP COLUMN ${quoteIdent(f.name)}`);
      columns.delete(f.name);
    }
  }

  const renames = next.fields.filter((f) => {
    const prev = oldById.get(f.id);
    return prev && prev.name !== f.name && columns.has(prev.name);
  });
  for (const f of renames) {
    const prev = oldById.get(f.id)!;
    await db.exec(
      `ALTER TABLE ${quoteIdent(table)} RENAME COLUMN ${quoteIdent(prev.name)} TO ${quoteIdent(`_tmp_${f.id}`)}`,
    );
    columns.delete(prev.name);
  }
  for (const f of renames) {
    await db.exec(
      `ALTER TABLE ${quoteIdent(table)} RENAME COLUMN ${quoteIdent(`_tmp_${f.id}`)} TO ${quoteIdent(f.name)}`,
    );
    columns.add(f.name);
  }

  for (const f of next.fields) {
    if (!columns.has(f.name)) {
      await db.exec(`ALTER TABLE ${quoteIdent(table)} ADD COLUMN ${columnDdl(f)}`);
      columns.add(f.name);
    }
  }

  for (const f of next.fields) {
    const prev = oldById.get(f.id);
    if (!prev || prev.type !== f.type) continue;
    const wasMulti = getFieldType(prev.type).isMultiple(prev);
    const isMulti = getFieldType(f.type).isMultiple(f);
    const col = quoteIdent(f.name);
    if (!wasMulti && isMulti) {
      await db.run(
        `UPDATE ${quoteIdent(table)} SET ${col} = CASE WHEN COALESCE(${col}, '') = '' THEN '[]' WHEN json_valid(${col}) AND json_type(${col}) = 'array' THEN ${col} ELSE json_array(${col}) END`,
      );
    } else if (wasMulti && !isMulti) {
      // PocketBase keeps the last element when a multiple field becomes single.
      await db.run(
        `UPDATE ${quoteIdent(table)} SET ${col} = CASE WHEN json_valid(${col}) AND json_type(${col}) = 'array' THEN COALESCE(json_extract(${col}, '$[#-1]'), '') ELSE COALESCE(${col}, '') END`,
      );
    }
  }

  await createIndexes(db, next);
}
