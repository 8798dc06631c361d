/**
 * Scheduled backups (§12.7): the `__pbAutoBackup__` cron job creates `@auto_pb_backup_…` zips
 * by `settings.backups.cron` and keeps only the newest `cronMaxKeep` of them. The job is
 * (re)registered on a cron scheduler whenever settings load (`syncAutoBackupJob`).
 */
import type { App } from "../app.ts";
import { AUTO_BACKUP_PREFIX, autoBackupName } from "./backup-names.ts";
import { createBackup } from "./backup-create.ts";
import { withBackupsStorage } from "./backup-storage.ts";

/** The job id PocketBase uses. */
export const AUTO_BACKUP_JOB_ID = "__pbAutoBackup__";

/** The part of a cron scheduler this needs (`app.cron()`). */
export interface CronScheduler {
  add(id: string, expression: string, fn: () => void | Promise<void>): void;
  remove(id: string): void;
}

/** Deletes the oldest automatic backups beyond `maxKeep`. */
export async function pruneAutoBackups(app: App, maxKeep: number): Promise<void> {
  await withBackupsStorage(app, async (storage) => {
    const autos = (await storage.list("")).filter(
      (e) => e.key.startsWith(AUTO_BACKUP_PREFIX) && !e.key.includes("/") && !e.key.endsWith(".attrs"),
    );
    // newest first: by time, then by name (their names end in a timestamp)
    autos.sort((a, b) => b.modified.getTime() - a.modified.getTime() || (a.key < b.key ? 1 : -1));
    for (const entry of autos.slice(Math.max(maxKeep, 0))) await storage.delete(entry.key);
  });
}

/** One run of the job: a new automatic backup, then pruning. Errors are logged, not thrown. */
export async function runAutoBackup(app: App): Promise<void> {
  try {
    await createBackup(app, autoBackupName(app));
    await pruneAutoBackups(app, app.settings().backups.cronMaxKeep);
  } catch (err) {
    console.error("Auto backup failed:", err);
  }
}

/** Registers (or removes, when `backups.cron` is empty) the job on `scheduler`. */
export function syncAutoBackupJob(app: App, scheduler: CronScheduler): void {
  const expression = app.settings().backups.cron;
  scheduler.remove(AUTO_BACKUP_JOB_ID);
  if (expression !== "") scheduler.add(AUTO_BACKUP_JOB_ID, expression, () => runAutoBackup(app));
}
