/**
 * Reading and writing `_collections` rows. Schema changes of the collection's own table are
 * `collection-schema-sync.ts`'s job; this file only stores the definition.
 */
import { encodeJson } from "../../tools/json.ts";
import type { App } from "../app.ts";
import { fieldToJson } from "../fields/registry.ts";
import { collectionFromRow, collectionOptionsJson } from "./collection-json.ts";
import type { Collection } from "./collection-model.ts";

/** Every stored collection, in storage order. */
export async function loadCollections(app: App): Promise<Collection[]> {
  const rows = await app.db.all("SELECT * FROM `_collections` ORDER BY `rowid`");
  return rows.map((row) => collectionFromRow(row));
}

// Stored JSON columns use Go's encoding (HTML-escaped), like the rows PocketBase writes.
const fieldsJson = (c: Collection) => encodeJson(c.fields.map((f) => fieldToJson(f)));

/** Inserts a collection row. */
export async function insertCollectionRow(app: App, c: Collection): Promise<void> {
  await app.db.run(
    "INSERT INTO `_collections` (`id`, `system`, `type`, `name`, `fields`, `indexes`, `listRule`, `viewRule`, `createRule`, `updateRule`, `deleteRule`, `options`, `created`, `updated`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [
      c.id,
      c.system ? 1 : 0,
      c.type,
      c.name,
      fieldsJson(c),
      encodeJson(c.indexes),
      c.listRule,
      c.viewRule,
      c.createRule,
      c.updateRule,
      c.deleteRule,
      encodeJson(collectionOptionsJson(c)),
      c.created,
      c.updated,
    ],
  );
}

/** Updates a collection row (matched by id). */
export async function updateCollectionRow(app: App, c: Collection): Promise<void> {
  await app.db.run(
    "UPDATE `_collections` SET `system` = ?, `type` = ?, `name` = ?, `fields` = ?, `indexes` = ?, `listRule` = ?, `viewRule` = ?, `createRule` = ?, `updateRule` = ?, `deleteRule` = ?, `options` = ?, `updated` = ? WHERE `id` = ?",
    [
      c.system ? 1 : 0,
      c.type,
      c.name,
      fieldsJson(c),
      encodeJson(c.indexes),
      c.listRule,
      c.viewRule,
      c.createRule,
      c.updateRule,
      c.deleteRule,
      encodeJson(collectionOptionsJson(c)),
      c.updated,
      c.id,
    ],
  );
}

/** Deletes a collection row. */
export async function deleteCollectionRow(app: App, id: string): Promise<void> {
  await app.db.run("DELETE FROM `_collections` WHERE `id` = ?", [id]);
}
