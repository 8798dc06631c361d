/**
 * The one backup or restore an app may run at a time (PocketBase's `@activeBackup` store key):
 * the name being created or restored, or null. `/api/health` reports `canBackup` from it.
 */
import type { App } from "../app.ts";

/** The active operation per app (keyed by the hooks, which transaction apps share). */
const active = new WeakMap<object, string>();

/** Thrown when another backup or restore is running. */
export class BackupBusyError extends Error {
  override readonly name = "BackupBusyError";
  constructor() {
    super("Try again later - another backup/restore process has already been started.");
  }
}

/** The name of the backup being created or restored, or null. */
export function activeBackup(app: App): string | null {
  return active.get(app.hooks) ?? null;
}

/** Whether a backup or restore could start now. */
export function canBackup(app: App): boolean {
  return !active.has(app.hooks);
}

/**
 * Marks `name` as the active operation and returns the function that clears the mark; throws
 * BackupBusyError when another operation is active.
 */
export function beginBackup(app: App, name: string): () => void {
  if (active.has(app.hooks)) throw new BackupBusyError();
  active.set(app.hooks, name);
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    active.delete(app.hooks);
  };
}

/** A restart in progress per app: requests wait for it instead of meeting closed databases. */
const restarting = new WeakMap<object, Promise<void>>();

/** Resolves once the app's in-process restart (if any) is over. */
export function whenRestarted(app: App): Promise<void> | undefined {
  return restarting.get(app.hooks);
}

/** Runs `fn` (terminate, swap folders, bootstrap) while requests are held back. */
export async function holdRequestsDuring(app: App, fn: () => Promise<void>): Promise<void> {
  const running = fn();
  const settled = running.then(
    () => undefined,
    () => undefined,
  );
  restarting.set(app.hooks, settled);
  try {
    await running;
  } finally {
    restarting.delete(app.hooks);
  }
}
