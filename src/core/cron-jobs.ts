/**
 * The jobs PocketBase's scheduler always has, under its ids and schedules (§12.8): expired
 * OTP and MFA rows every hour, old logs every six hours, and a daily WAL checkpoint plus
 * `PRAGMA optimize` of both databases. The backups feature adds `__pbAutoBackup__` itself.
 */
import type { App } from "./app.ts";
import { deleteOldLogs } from "./logs/log-cleanup.ts";
import { MFAS, OTPS, purgeExpired } from "./records/record-auth-system.ts";

/** Registers (or re-registers: ids replace) the built-in jobs on `app.cron()`. */
export function registerSystemCronJobs(app: App): void {
  const cron = app.cron();
  cron.add("__pbOTPCleanup__", "0 * * * *", () => purgeExpired(app, OTPS));
  cron.add("__pbMFACleanup__", "0 * * * *", () => purgeExpired(app, MFAS));
  cron.add("__pbLogsCleanup__", "0 */6 * * *", () => deleteOldLogs(app));
  cron.add("__pbDBOptimize__", "0 0 * * *", () => optimizeDatabases(app));
}

/** Checkpoints and truncates both WAL files and lets SQLite refresh its query statistics. */
export async function optimizeDatabases(app: App): Promise<void> {
  for (const db of [app.db, app.auxDb]) {
    await db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    await db.exec("PRAGMA optimize");
  }
}
