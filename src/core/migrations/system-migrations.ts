/**
 * The system schema. A fresh data folder gets PocketBase's tables (§7.2) and system
 * collections (§7.3), and the migrations PocketBase would have recorded, so that PocketBase
 * itself could open the folder afterwards. An existing v0.23+ folder is left exactly as it is:
 * its recorded migrations are never re-run.
 */
import type { App } from "../app.ts";
import { createCollectionSchema } from "../collections/collection-schema-sync.ts";
import { systemCollections } from "../collections/collection-defaults.ts";
import { insertCollectionRow } from "../collections/collection-store.ts";
import { nowDateString } from "../../tools/dates.ts";

/** The system migrations a fresh PocketBase v0.39 folder records as applied. */
export const SYSTEM_MIGRATIONS = [
  "1640988000_init.go",
  "1640988000_aux_init.go",
  "1717233556_v0.23_migrate.go",
  "1717233557_v0.23_migrate2.go",
  "1717233558_v0.23_migrate3.go",
  "1717233559_v0.23_migrate4.go",
  "1762785011_update_default_auth_alert_templates.go",
  "1763020353_update_default_auth_alert_templates.go",
  "1778828400_normalize_indexes.go",
];

const NOW_SQL = "(strftime('%Y-%m-%d %H:%M:%fZ'))";

const DATA_DDL = `
CREATE TABLE \`_migrations\` (file VARCHAR(255) PRIMARY KEY NOT NULL, applied INTEGER NOT NULL);
CREATE TABLE \`_params\` (id TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL, value JSON DEFAULT NULL, created TEXT DEFAULT ${NOW_SQL} NOT NULL, updated TEXT DEFAULT ${NOW_SQL} NOT NULL);
CREATE TABLE \`_collections\` (id TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL, system BOOLEAN DEFAULT FALSE NOT NULL, type TEXT DEFAULT "base" NOT NULL, name TEXT UNIQUE NOT NULL, fields JSON DEFAULT "[]" NOT NULL, indexes JSON DEFAULT "[]" NOT NULL, listRule TEXT DEFAULT NULL, viewRule TEXT DEFAULT NULL, createRule TEXT DEFAULT NULL, updateRule TEXT DEFAULT NULL, deleteRule TEXT DEFAULT NULL, options JSON DEFAULT "{}" NOT NULL, created TEXT DEFAULT ${NOW_SQL} NOT NULL, updated TEXT DEFAULT ${NOW_SQL} NOT NULL);
CREATE INDEX idx__collections_type on \`_collections\` (\`type\`);
`;

const AUX_DDL = `
CREATE TABLE \`_logs\` (id TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL, level INTEGER DEFAULT 0 NOT NULL, message TEXT DEFAULT "" NOT NULL, data JSON DEFAULT "{}" NOT NULL, created TEXT DEFAULT ${NOW_SQL} NOT NULL);
CREATE INDEX idx_logs_level on \`_logs\` (\`level\`);
CREATE INDEX idx_logs_message on \`_logs\` (\`message\`);
CREATE INDEX idx_logs_created_hour on \`_logs\` (strftime('%Y-%m-%d %H:00:00', \`created\`));
`;

async function hasTable(db: App["db"], name: string): Promise<boolean> {
  return (
    (await db.get("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name])) !== undefined
  );
}

/** Creates the system schema of a fresh folder; does nothing to an initialised one. */
export async function runSystemMigrations(app: App): Promise<void> {
  if (!(await hasTable(app.auxDb, "_logs"))) await app.auxDb.exec(AUX_DDL);
  if (await hasTable(app.db, "_migrations")) return;
  await app.runInTransaction(async (tx) => {
    await tx.db.exec(DATA_DDL);
    const now = nowDateString();
    for (const c of systemCollections()) {
      c.created = c.updated = now;
      await createCollectionSchema(tx.db, c);
      await insertCollectionRow(tx, c);
    }
    const appliedMicros = Date.now() * 1000;
    for (const file of SYSTEM_MIGRATIONS) {
      await tx.db.run("INSERT INTO `_migrations` (`file`, `applied`) VALUES (?, ?)", [file, appliedMicros]);
    }
  });
}
