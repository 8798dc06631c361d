/**
 * Retention of `_logs`: the `__pbLogsCleanup__` job deletes entries older than
 * `settings.logs.maxDays`, and a change of the logs settings applies at once (entries below the
 * new `minLevel` go; `maxDays: 0` empties the table and VACUUMs auxiliary.db).
 */
import type { App } from "../app.ts";
import { formatDate } from "../../tools/dates.ts";
import type { LogsConfig } from "../settings/settings-model.ts";

const DAY_MS = 24 * 60 * 60 * 1000;

/** Deletes the entries older than `maxDays` (nothing when logging is off); returns the count. */
export async function deleteOldLogs(app: App, now = Date.now()): Promise<number> {
  const { maxDays } = app.settings().logs;
  if (maxDays <= 0) return 0;
  const result = await app.auxDb.run("DELETE FROM `_logs` WHERE `created` <= ?", [
    formatDate(now - maxDays * DAY_MS),
  ]);
  return result.changes;
}

/** Applies a change of the logs settings to what is already stored. */
export async function applyLogsSettings(app: App, previous: LogsConfig, next: LogsConfig): Promise<void> {
  if (next.maxDays <= 0) {
    app.logger().writer.clear();
    if (previous.maxDays > 0) {
      await app.auxDb.run("DELETE FROM `_logs`");
      await app.auxDb.exec("VACUUM");
    }
    return;
  }
  if (next.minLevel > previous.minLevel) {
    await app.auxDb.run("DELETE FROM `_logs` WHERE `level` < ?", [next.minLevel]);
  }
  if (next.maxDays < previous.maxDays) await deleteOldLogs(app);
}
