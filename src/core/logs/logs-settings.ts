/**
 * Keeps stored logs in line with `settings.logs`: when a settings reload changes them, the
 * change applies to what is already in `_logs` (see `applyLogsSettings`), as PocketBase does
 * on `onSettingsReload`.
 */
import type { App } from "../app.ts";
import type { SettingsReloadEvent } from "../hook-events.ts";
import { applyLogsSettings } from "./log-cleanup.ts";

const LOGS_SETTINGS_HOOK_ID = "__pbLogsSettingsReload__";

/** Binds the settings-reload handler (idempotent: bound by id). */
export function bindLogsSettings(app: App): void {
  let previous = { ...app.settings().logs };
  app.hooks.onSettingsReload.bind({
    id: LOGS_SETTINGS_HOOK_ID,
    func: async (e: SettingsReloadEvent) => {
      await e.next();
      const next = { ...e.app.settings().logs };
      const before = previous;
      previous = next;
      if (before.maxDays !== next.maxDays || before.minLevel !== next.minLevel) {
        await applyLogsSettings(e.app, before, next);
      }
    },
  });
}
