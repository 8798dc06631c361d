/**
 * `app.save(model)`, `app.validate(model)` and `app.delete(model)`: one entry point for every
 * model kind, dispatching to its own save path with its full hook chains (records, collections,
 * and the settings, as `$app.save($app.settings())` persists them in PocketBase).
 */
import type { App } from "./app.ts";
import { collectionFromRow } from "./collections/collection-json.ts";
import type { Collection } from "./collections/collection-model.ts";
import { deleteCollection, saveCollection } from "./collections/collection-save.ts";
import { validateCollection } from "./collections/collection-validate.ts";
import { Record } from "./records/record.ts";
import { deleteRecord, saveRecord, validateRecordWithHooks } from "./records/record-save.ts";
import type { Settings } from "./settings/settings-model.ts";
import { validateSettings } from "./settings/settings-validate.ts";
import { ValidationErrors, isEmptyErrorTree } from "../tools/validation.ts";

/** What `save`, `validate` and `delete` accept. */
export type SavableModel = Record | Collection | Settings;

function isSettings(model: SavableModel): model is Settings {
  return !(model instanceof Record) && "meta" in model && "smtp" in model && !("fields" in model);
}

function isCollection(model: SavableModel): model is Collection {
  return !(model instanceof Record) && "fields" in model && Array.isArray(model.fields) && "name" in model;
}

function unsupported(model: unknown): Error {
  const kind = model === null ? "null" : typeof model === "object" ? model.constructor.name : typeof model;
  return new TypeError(
    `Cannot save, validate or delete a ${kind}: expected a Record, a Collection or the Settings.`,
  );
}

/** The stored version of a collection (read from `_collections`, not the cache), or null when new. */
async function storedCollection(app: App, c: Collection): Promise<Collection | null> {
  if (!c.id) return null;
  const row = await app.db.get("SELECT * FROM `_collections` WHERE `id` = ? LIMIT 1", [c.id]);
  return row ? collectionFromRow(row) : null;
}

/** Creates or updates a model (insert when new) through its hooks; `validate: false` skips validation. */
export async function saveModel(
  app: App,
  model: SavableModel,
  options: { validate: boolean },
): Promise<void> {
  if (model instanceof Record) return saveRecord(app, model, { skipValidation: !options.validate });
  if (isSettings(model)) return app.saveSettings(model);
  // Collections are always validated: their schema must stay consistent with their table.
  if (isCollection(model)) {
    await saveCollection(app, model, await storedCollection(app, model));
    return;
  }
  throw unsupported(model);
}

/** Validates a model without saving it (through the validate hooks for records); throws ValidationErrors. */
export async function validateModel(app: App, model: SavableModel): Promise<void> {
  if (model instanceof Record) return validateRecordWithHooks(app, model);
  let tree;
  if (isSettings(model)) tree = validateSettings(model);
  else if (isCollection(model)) tree = validateCollection(app, model, await storedCollection(app, model));
  else throw unsupported(model);
  if (!isEmptyErrorTree(tree)) throw new ValidationErrors(tree);
}

/** Deletes a record or a collection through its hooks. */
export async function deleteModel(app: App, model: SavableModel): Promise<void> {
  if (model instanceof Record) return deleteRecord(app, model);
  if (isCollection(model)) return deleteCollection(app, model);
  throw unsupported(model);
}
