/**
 * Consistent copies of the live databases, taken while the app keeps reading and writing:
 * SQLite's online backup API (`node:sqlite` `backup()`) from a separate read-only connection,
 * copying every page in one step, i.e. inside one read transaction. In WAL mode that
 * transaction sees the last commit before it started and never blocks the writer; the copy
 * runs on libuv's thread pool, so the event loop keeps serving.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync, backup } from "node:sqlite";

/** Pages per backup step: all of them, so the copy is one snapshot (no restart on writes). */
const ALL_PAGES = 2 ** 31 - 1;

/** Copies `<dataDir>/<name>` into `<targetDir>/<name>`; false when the database is missing. */
export async function snapshotDatabase(dataDir: string, name: string, targetDir: string): Promise<boolean> {
  const source = join(dataDir, name);
  if (!existsSync(source)) return false;
  const db = new DatabaseSync(source, { readOnly: true, timeout: 10_000 });
  try {
    await backup(db, join(targetDir, name), { rate: ALL_PAGES });
  } finally {
    db.close();
  }
  return true;
}
