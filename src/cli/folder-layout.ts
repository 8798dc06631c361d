/**
 * The folder layout a command is about to use (the data folder and its databases, pb_hooks,
 * pb_migrations, pb_public), checked before anything is created or opened: a regular file
 * where a folder is expected, or a database file that isn't SQLite, stops the command with one
 * line naming the path, and is left exactly as it is. Without this, a file named `pb_data`
 * reads as "not writable", a foreign `data.db` as SQLite's bare "file is not a database", and a
 * file named `pb_public` is silently ignored.
 */
import { closeSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";

/** The first 16 bytes of every SQLite database file. */
const SQLITE_HEADER = Buffer.from("SQLite format 3\0", "latin1");

/** The folders to check, each with the flag that moves it (named in the message). */
export interface FolderLayout {
  dataDir: string;
  hooksDir?: string;
  migrationsDir?: string;
  publicDir?: string;
}

/** Throws one line about the first path of the layout that is not what it must be. */
export function checkFolderLayout(layout: FolderLayout): void {
  checkFolder(layout.dataDir, "the data folder", "--dir");
  for (const db of ["data.db", "auxiliary.db"]) checkDatabaseFile(join(layout.dataDir, db));
  checkFolder(join(layout.dataDir, "storage"), "the uploaded files' folder", null);
  if (layout.hooksDir) checkFolder(layout.hooksDir, "the pb_hooks folder", "--hooksDir");
  if (layout.migrationsDir) checkFolder(layout.migrationsDir, "the migrations folder", "--migrationsDir");
  if (layout.publicDir) checkFolder(layout.publicDir, "the public files' folder", "--publicDir");
}

/** `stat` of an existing path, null when there is nothing there; other failures are reported. */
function statOf(path: string): Stats | null {
  try {
    return statSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    // ENOTDIR: a parent is a file; the folder's creation reports it ("not writable").
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw new Error(`${path} can't be read (${code ?? String(err)})`);
  }
}

function checkFolder(path: string, what: string, flag: string | null): void {
  const stat = statOf(path);
  if (!stat || stat.isDirectory()) return;
  const instead = flag ? ` or choose another folder with ${flag}` : "";
  throw new Error(`${path} is not a folder but ${what} must be one; move the file away${instead}`);
}

/** A database file may be missing or empty (SQLite creates it), else it must be SQLite's. */
function checkDatabaseFile(path: string): void {
  const stat = statOf(path);
  if (!stat || stat.size === 0) return;
  if (!stat.isFile()) throw new Error(`${path} is not a file but an SQLite database must be one`);
  const head = Buffer.alloc(SQLITE_HEADER.length);
  let read = 0;
  try {
    const fd = openSync(path, "r");
    try {
      read = readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new Error(`${path} can't be read (${code ?? String(err)}); check its owner and permissions`);
  }
  if (read < head.length || !head.equals(SQLITE_HEADER)) {
    throw new Error(
      `${path} is not an SQLite database (corrupt or foreign file); it was left untouched: move it away or restore it from a backup`,
    );
  }
}
