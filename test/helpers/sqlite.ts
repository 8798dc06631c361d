/** Read-only looks into a data folder's SQLite files, next to the running server. */
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";

/** Runs `fn` on a read-only connection to `<dir>/data.db` (or another file). */
export function withDb<T>(dir: string, fn: (db: DatabaseSync) => T, file = "data.db"): T {
  const db = new DatabaseSync(join(dir, file), { readOnly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The column names of a table, in table order. */
export function tableColumns(dir: string, table: string): string[] {
  return withDb(dir, (db) =>
    db
      .prepare("SELECT name FROM pragma_table_info(?)")
      .all(table)
      .map((r) => String(r.name)),
  );
}

/** `PRAGMA table_info` rows (name, type, notnull, dflt_value, pk) of a table. */
export function tableInfo(
  dir: string,
  table: string,
): { name: string; type: string; notnull: number; dflt_value: string | null; pk: number }[] {
  return withDb(dir, (db) =>
    db.prepare("SELECT name, type, `notnull`, dflt_value, pk FROM pragma_table_info(?)").all(table),
  ) as never;
}

/** The `sqlite_master` row of an object, or undefined. */
export function masterRow(dir: string, name: string): { type: string; sql: string | null } | undefined {
  return withDb(dir, (db) =>
    db.prepare("SELECT type, sql FROM sqlite_master WHERE name = ?").get(name),
  ) as never;
}

/** Index names of a table (auto indexes excluded). */
export function tableIndexes(dir: string, table: string): string[] {
  return withDb(dir, (db) =>
    db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
      )
      .all(table)
      .map((r) => String(r.name)),
  );
}

/** Whether a table or view exists. */
export function hasTable(dir: string, name: string): boolean {
  return masterRow(dir, name) !== undefined;
}

/** Every row of a query. */
export function query(
  dir: string,
  sql: string,
  ...params: (string | number | null)[]
): Record<string, unknown>[] {
  return withDb(dir, (db) => db.prepare(sql).all(...params));
}
