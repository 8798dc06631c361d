/**
 * System migrations PocketBase added after v0.23, applied to a folder a v0.23–v0.38 PocketBase
 * left behind, as PocketBase applies them on start: each missing one runs in its own
 * transaction and is recorded in `_migrations`. A v0.39 folder has them all and is untouched;
 * a folder from before v0.23 (no v0.23 migration recorded) is not ours to upgrade.
 */
import type { App } from "../app.ts";
import { updateDefaultAuthAlertTemplates } from "./upgrade-auth-alert-template.ts";
import { normalizeIndexes } from "./upgrade-normalize-indexes.ts";

/** The last migration every v0.23+ folder has. */
const V023_MARKER = "1717233559_v0.23_migrate4.go";

/** The later system migrations, in the order PocketBase runs them (file name order). */
export const SYSTEM_UPGRADES: { file: string; up: (txApp: App) => Promise<void> }[] = [
  // the same change registered twice by PocketBase (the first file was re-issued): harmless
  { file: "1762785011_update_default_auth_alert_templates.go", up: updateDefaultAuthAlertTemplates },
  { file: "1763020353_update_default_auth_alert_templates.go", up: updateDefaultAuthAlertTemplates },
  { file: "1778828400_normalize_indexes.go", up: normalizeIndexes },
];

/** Applies the later system migrations a v0.23+ folder lacks; returns the files applied. */
export async function applyMissingSystemMigrations(app: App): Promise<string[]> {
  const rows = await app.db.all("SELECT file FROM `_migrations`");
  const applied = new Set(rows.map((r) => String(r.file)));
  if (!applied.has(V023_MARKER)) return [];
  const done: string[] = [];
  for (const upgrade of SYSTEM_UPGRADES) {
    if (applied.has(upgrade.file)) continue;
    try {
      await app.runInTransaction(async (tx) => {
        await upgrade.up(tx);
        await tx.db.run("INSERT INTO `_migrations` (`file`, `applied`) VALUES (?, ?)", [
          upgrade.file,
          Date.now() * 1000,
        ]);
      });
    } catch (err) {
      // rolled back and not recorded: the folder still opens as it was, and the next start
      // tries again (later upgrades wait, they may depend on this one)
      console.error(`System migration ${upgrade.file} failed:`, err);
      break;
    }
    done.push(upgrade.file);
  }
  return done;
}
