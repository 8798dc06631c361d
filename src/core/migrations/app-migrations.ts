/**
 * Applying and reverting the app's migrations (`pb_migrations`). Each file runs in a transaction
 * of its own together with its `_migrations` row, so a failing file leaves nothing behind and the
 * files before it stay applied. How a file's `up`/`down` are run (the pb_hooks runtime, for
 * PocketBase's synchronous JavaScript) is given by the caller as a loader.
 */
import type { App } from "../app.ts";
import { listMigrationFiles } from "./migration-files.ts";
import { appliedMigrations, forgetMigration, lastApplied, recordMigration } from "./migration-history.ts";

/** One loaded migration file. */
export interface MigrationScript {
  /** The file's base name (its `_migrations` key). */
  file: string;
  up(txApp: App): Promise<void>;
  /** Null when the file gave no down function: reverting then only forgets the row. */
  down: ((txApp: App) => Promise<void>) | null;
}

/** Loads the migration files of a folder, in order (throws naming the file that fails to load). */
export type MigrationLoader = (dir: string, files: readonly string[]) => Promise<MigrationScript[]>;

/** A migration that failed, naming its file. */
export class MigrationError extends Error {
  readonly file: string;
  constructor(action: "apply" | "revert", file: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`failed to ${action} migration ${file}: ${reason}`, { cause });
    this.file = file;
  }
}

/** The files of `dir` that are not applied yet, in order. */
export async function pendingMigrationFiles(app: App, dir: string): Promise<string[]> {
  const applied = new Set((await appliedMigrations(app.db)).map((m) => m.file));
  return listMigrationFiles(dir).filter((file) => !applied.has(file));
}

/** Applies every pending migration of `dir`; returns the files applied. */
export async function applyPendingMigrations(
  app: App,
  dir: string,
  load: MigrationLoader,
): Promise<string[]> {
  const pending = await pendingMigrationFiles(app, dir);
  if (pending.length === 0) return [];
  const scripts = await load(dir, pending);
  const applied: string[] = [];
  for (const script of scripts) {
    try {
      await app.runInTransaction(async (txApp) => {
        await script.up(txApp);
        await recordMigration(txApp.db, script.file);
      });
    } catch (err) {
      throw new MigrationError("apply", script.file, err);
    }
    applied.push(script.file);
  }
  return applied;
}

/** The files `revertMigrations` would revert (newest first); a negative count means all. */
export async function migrationsToRevert(app: App, dir: string, count: number): Promise<string[]> {
  return lastApplied(await appliedMigrations(app.db), listMigrationFiles(dir), count);
}

/** Reverts the last `count` applied migrations of `dir`, newest first; returns the files reverted. */
export async function revertMigrations(
  app: App,
  dir: string,
  load: MigrationLoader,
  count: number,
): Promise<string[]> {
  const files = await migrationsToRevert(app, dir, count);
  if (files.length === 0) return [];
  const scripts = new Map((await load(dir, files)).map((s) => [s.file, s]));
  const reverted: string[] = [];
  for (const file of files) {
    const script = scripts.get(file);
    try {
      await app.runInTransaction(async (txApp) => {
        await script?.down?.(txApp);
        await forgetMigration(txApp.db, file);
      });
    } catch (err) {
      throw new MigrationError("revert", file, err);
    }
    reverted.push(file);
  }
  return reverted;
}

/**
 * Forgets the applied app migrations whose file is gone. The system migrations Satchel applies
 * itself (`*.go` names, shared with PocketBase) are kept.
 */
export async function syncMigrationHistory(app: App, dir: string): Promise<string[]> {
  const present = new Set(listMigrationFiles(dir));
  const gone = (await appliedMigrations(app.db))
    .map((m) => m.file)
    .filter((file) => !present.has(file) && !file.endsWith(".go"));
  for (const file of gone) await forgetMigration(app.db, file);
  return gone;
}
