/**
 * The app's migration files (`pb_migrations`): which files count, their order, and the names of
 * new ones. PocketBase orders migrations by the plain string order of their base names, so files
 * start with a 10-digit Unix timestamp.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The files PocketBase loads as migrations: `.js` and `.ts`, direct children of the folder. */
const MIGRATION_FILE = /^.*\.(js|ts)$/;

/** The migration files of `dir` in applying order (none when the folder is missing). */
export function listMigrationFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter(
      (name) => MIGRATION_FILE.test(name) && !name.endsWith(".d.ts") && statSync(join(dir, name)).isFile(),
    )
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** `Add Notes!` → `add_notes`: the name part of a migration file. */
export function snakeCase(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .replace(/[^A-Za-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .toLowerCase();
}

/** The current Unix time in seconds, as migration file names start. */
export function migrationTimestamp(now = Date.now()): string {
  return String(Math.floor(now / 1000));
}

/**
 * A new migration's file name. A name ending in "test" gets a trailing `_`, as PocketBase does:
 * Go treats `*_test.go` files specially, and PocketBase keeps its JS names the same shape.
 */
export function migrationFileName(name: string, now = Date.now()): string {
  let snake = snakeCase(name);
  if (snake.toLowerCase().endsWith("test")) snake += "_";
  return `${migrationTimestamp(now)}_${snake}.js`;
}
