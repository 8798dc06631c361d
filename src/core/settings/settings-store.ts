/**
 * Settings persistence: the single `_params` row with id `settings` (§7.5). PocketBase writes
 * the value as a BLOB of JSON text (or of the encrypted base64 string); both are read here.
 */
import type { App } from "../app.ts";
import { nowDateString } from "../../tools/dates.ts";
import { defaultSettings, type Settings } from "./settings-model.ts";
import { encodeStoredSettings, readStoredSettings } from "./settings-encryption.ts";

const asText = (v: unknown): string =>
  typeof v === "string" ? v : v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : "";

/** Loads settings; a missing row is created with the defaults. */
export async function loadSettings(app: App): Promise<Settings> {
  const row = await app.db.get("SELECT `value` FROM `_params` WHERE `id` = 'settings'");
  if (!row || row.value === null) {
    const settings = defaultSettings();
    await saveSettings(app, settings);
    return settings;
  }
  return readStoredSettings(asText(row.value), app.settingsEncryptionKey() || undefined);
}

/** Stores settings (encrypted when an encryption key is configured). */
export async function saveSettings(app: App, settings: Settings): Promise<void> {
  const value = encodeStoredSettings(settings, app.settingsEncryptionKey() || undefined);
  const now = nowDateString();
  await app.db.run(
    "INSERT INTO `_params` (`id`, `value`, `created`, `updated`) VALUES ('settings', ?, ?, ?) ON CONFLICT (`id`) DO UPDATE SET `value` = excluded.`value`, `updated` = excluded.`updated`",
    [value, now, now],
  );
}
