/**
 * The `_migrations` table: one row per applied migration file, `applied` in Unix microseconds.
 * A file counts as applied iff its row exists; PocketBase and Satchel share the table, so a folder
 * migrated by one is not migrated again by the other.
 */
import type { DbExecutor } from "../db/database.ts";

/** The row a migration leaves. */
export interface AppliedMigration {
  file: string;
  applied: number;
}

/** Every recorded migration. */
export async function appliedMigrations(db: DbExecutor): Promise<AppliedMigration[]> {
  const rows = await db.all("SELECT `file`, `applied` FROM `_migrations`");
  return rows.map((r) => ({ file: String(r.file), applied: Number(r.applied) }));
}

/** Records `file` as applied now. */
export async function recordMigration(db: DbExecutor, file: string, now = Date.now()): Promise<void> {
  await db.run("INSERT INTO `_migrations` (`file`, `applied`) VALUES (?, ?)", [file, now * 1000]);
}

/** Forgets `file` (reverted, or no longer on disk). */
export async function forgetMigration(db: DbExecutor, file: string): Promise<void> {
  await db.run("DELETE FROM `_migrations` WHERE `file` = ?", [file]);
}

/**
 * The last `count` applied migrations among `loaded`, newest first (PocketBase's order: the
 * applied time, normalised to 16 digits because older versions stored seconds, then the file name,
 * both descending). A negative count means all of them.
 */
export function lastApplied(history: AppliedMigration[], loaded: readonly string[], count: number): string[] {
  const known = new Set(loaded);
  const normalised = (t: number) => {
    let n = t;
    while (n > 0 && n < 1e15) n *= 10;
    return n;
  };
  const sorted = history
    .filter((m) => known.has(m.file))
    .sort((a, b) => normalised(b.applied) - normalised(a.applied) || (a.file < b.file ? 1 : -1))
    .map((m) => m.file);
  return count < 0 ? sorted : sorted.slice(0, count);
}
