/**
 * System upgrade `1778828400_normalize_indexes` (PocketBase v0.39): a collection's `indexes`
 * list becomes the whole truth about its table's indexes. Every index SQLite has on a
 * (non-system, non-view) collection table that the list doesn't name is dropped, then:
 * - a duplicate single-column unique index on an auth collection's `email` or `tokenKey` stays
 *   dropped (the collection always has its own);
 * - one whose definition the list already has under another name stays dropped;
 * - any other (say, made with the sqlite3 shell) is added to the list, for the owner to keep or
 *   remove.
 * The collection is then saved, which recreates the listed indexes as written.
 */
import type { App } from "../app.ts";
import { cloneCollection, type Collection } from "../collections/collection-model.ts";
import { indexNameOf, rewriteIndexTable } from "../collections/collection-schema-sync.ts";
import { saveCollection } from "../collections/collection-save.ts";
import { quoteIdent } from "../db/database.ts";

const unquote = (s: string) => s.trim().replace(/^[`"[]|[`"\]]$/g, "");

/** An index statement with its name replaced, for comparing definitions. */
function definition(sql: string, table: string): string {
  const name = indexNameOf(sql) ?? "";
  return rewriteIndexTable(sql, table)
    .replace(/\bif\s+not\s+exists\b/i, "")
    .replace(new RegExp(`(\\bindex\\s+)[\`"[]?${name.replace(/\W/g, "\\$&")}[\`"\\]]?`, "i"), "$1_")
    .replace(/[`"[\]]/g, "")
    .replace(/\s+/g, " ")
    .replace(/\s*([(),])\s*/g, "$1")
    .trim()
    .toLowerCase();
}

/** The columns of a `CREATE INDEX … ON t (a, b)` statement (names only). */
function indexColumns(sql: string): string[] {
  const m = /\bon\s+(?:`[^`]+`|"[^"]+"|\[[^\]]+\]|\w+)\s*\(([\s\S]*?)\)\s*(?:where\b|$)/i.exec(sql.trim());
  if (!m?.[1]) return [];
  return m[1].split(",").map((part) => unquote(part.trim().split(/\s+/)[0] ?? ""));
}

async function normalizeCollection(app: App, stored: Collection): Promise<void> {
  const present = (await app.db.all(
    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL AND name NOT LIKE 'sqlite_autoindex_%'",
    [stored.name],
  )) as { name: string; sql: string }[];
  if (present.length === 0 && stored.indexes.length === 0) return;
  const listed = new Set(stored.indexes.map((sql) => (indexNameOf(sql) ?? "").toLowerCase()));
  const c = cloneCollection(stored);
  for (const index of present) {
    if (listed.has(index.name.toLowerCase())) continue;
    await app.db.exec(`DROP INDEX IF EXISTS ${quoteIdent(index.name)}`);
    const sql = rewriteIndexTable(index.sql, stored.name);
    const columns = indexColumns(sql);
    const unique = /^\s*create\s+unique\b/i.test(sql);
    if (
      stored.type === "auth" &&
      unique &&
      columns.length === 1 &&
      ["email", "tokenkey"].includes(columns[0]!.toLowerCase())
    ) {
      continue;
    }
    const wanted = definition(sql, stored.name);
    if (stored.indexes.some((own) => definition(own, stored.name) === wanted)) continue;
    c.indexes.push(sql);
  }
  // resaved even when nothing was added: the save writes the listed indexes as PocketBase would
  await saveCollection(app, c, stored);
}

/** Brings every collection's indexes in line with its `indexes` list. */
export async function normalizeIndexes(app: App): Promise<void> {
  for (const c of app.findAllCollections()) {
    if (c.system || c.type === "view") continue;
    await normalizeCollection(app, c);
  }
}
