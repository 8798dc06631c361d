/**
 * The one backup or restore an app may run at a time (PocketBase's `@activeBackup` store key):
 * the name being created or restored, or null. `/api/health` reports `canBackup` from it.
 */
import type { App } from "../app.ts";

/** The store key of the active operation (in `app.store()`, which transaction apps share). */
const ACTIVE = "@activeBackup";

/** Thrown when another backup or restore is running. */
export class BackupBusyError extends Error {
  override readonly name = "BackupBusyError";
  constructor() {
    super("Try again later - another backup/restore process has already been started.");
  }
}

/** The name of the backup being created or restored, or null. */
export function activeBackup(app: App): string | null {
  return (app.store().get(ACTIVE) as string | undefined) ?? null;
}

/** Whether a backup or restore could start now. */
export function canBackup(app: App): boolean {
  return !app.store().has(ACTIVE);
}

/**
 * Marks `name` as the active operation and returns the function that clears the mark; throws
 * BackupBusyError when another operation is active.
 */
export function beginBackup(app: App, name: string): () => void {
  if (app.store().has(ACTIVE)) throw new BackupBusyError();
  app.store().set(ACTIVE, name);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    app.store().remove(ACTIVE);
  };
}

/** The store key of a restart in progress: requests wait for it instead of meeting closed databases. */
const RESTARTING = "@restarting";

/** Resolves once the app's in-process restart (if any) is over. */
export function whenRestarted(app: App): Promise<void> | undefined {
  return app.store().get(RESTARTING) as Promise<void> | undefined;
}

/** Runs `fn` (terminate, swap folders, bootstrap) while requests are held back. */
export async function holdRequestsDuring(app: App, fn: () => Promise<void>): Promise<void> {
  const running = fn();
  const settled = running.then(
    () => undefined,
    () => undefined,
  );
  app.store().set(RESTARTING, settled);
  try {
    await running;
  } finally {
    app.store().remove(RESTARTING);
  }
}
