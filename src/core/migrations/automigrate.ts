/**
 * Automigrate: every collection created, updated or deleted through the collections API writes a
 * migration file that replays the change (and is recorded as applied here), so schema edits made
 * in the dashboard end up in version control and deploy with `migrate up`. Imports and saves made
 * by hooks or migrations are not recorded, as in PocketBase.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { App } from "../app.ts";
import { collectionToApiJson } from "../collections/collection-json.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { CollectionRequestEvent } from "../hook-events.ts";
import { listMigrationFiles, migrationFileName } from "./migration-files.ts";
import { recordMigration } from "./migration-history.ts";
import { createdMigration, deletedMigration, updatedMigration } from "./migration-templates.ts";

type Obj = { [key: string]: unknown };

/** Runs around every other handler, so it sees what was finally stored. */
const PRIORITY = -1000;

/**
 * A collection as migrations write it: the API JSON (token secrets are never in it) without the
 * timestamps and the OAuth2 providers, which hold client secrets and differ per deployment.
 */
export function migrationCollectionJson(c: Collection): Obj {
  const { created: _c, updated: _u, ...json } = collectionToApiJson(c);
  if (c.type === "auth" && typeof json.oauth2 === "object" && json.oauth2 !== null) {
    const { providers: _p, ...oauth2 } = json.oauth2 as Obj;
    json.oauth2 = oauth2;
  }
  return json;
}

/**
 * The time of a new file: now, or just after the newest file of the folder, so that changes made
 * within one second still get distinct names that sort in the order they were made.
 */
function nextTimestamp(dir: string): number {
  const newest = Math.max(0, ...listMigrationFiles(dir).map((f) => Number(/^(\d+)_/.exec(f)?.[1] ?? 0)));
  return Math.max(Date.now(), (newest + 1) * 1000);
}

async function write(app: App, dir: string, action: string, name: string, content: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const file = migrationFileName(`${action}_${name}`, nextTimestamp(dir));
  writeFileSync(join(dir, file), content);
  await recordMigration(app.db, file);
}

/** Binds automigrate to the collection request hooks; migration files go to `dir`. */
export function bindAutomigrate(app: App, dir: string): void {
  app.onCollectionCreateRequest().bind({
    id: "__satchelAutomigrateCreate__",
    priority: PRIORITY,
    func: async (e: CollectionRequestEvent) => {
      await e.next();
      const created = e.app.findCollectionByNameOrId(e.collection.id || e.collection.name);
      if (!created) return;
      await write(e.app, dir, "created", created.name, createdMigration(migrationCollectionJson(created)));
    },
  });
  app.onCollectionUpdateRequest().bind({
    id: "__satchelAutomigrateUpdate__",
    priority: PRIORITY,
    func: async (e: CollectionRequestEvent) => {
      const before = e.app.findCollectionByNameOrId(e.collection.id);
      const from = before ? migrationCollectionJson(before) : null;
      await e.next();
      const after = e.app.findCollectionByNameOrId(e.collection.id);
      if (!from || !after || !before) return;
      const content = updatedMigration(from, migrationCollectionJson(after));
      if (content) await write(e.app, dir, "updated", before.name, content);
    },
  });
  app.onCollectionDeleteRequest().bind({
    id: "__satchelAutomigrateDelete__",
    priority: PRIORITY,
    func: async (e: CollectionRequestEvent) => {
      const before = e.app.findCollectionByNameOrId(e.collection.id);
      const from = before ? migrationCollectionJson(before) : null;
      await e.next();
      if (!from || !before || e.app.findCollectionByNameOrId(before.id)) return;
      await write(e.app, dir, "deleted", before.name, deletedMigration(from));
    },
  });
}
