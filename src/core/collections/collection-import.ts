/**
 * Importing collection definitions (the import API, `$app.importCollections` and the snapshot
 * migrations of `migrate collections`): each raw definition is matched to a stored collection by
 * id, then by name, and applied onto it, or created; everything is saved in one transaction.
 */
import type { App } from "../app.ts";
import { applyCollectionBody, collectionFromCreateBody } from "./collection-input.ts";
import { cloneCollection, type Collection } from "./collection-model.ts";
import { importCollections, importFailure } from "./collection-save.ts";
import { ValidationError, isEmptyErrorTree, type ErrorTree } from "../../tools/validation.ts";

/**
 * An imported definition applied onto an existing collection as PocketBase's import does:
 * stored fields left out of the import are kept (appended), unless `deleteMissing` asks to
 * drop them; system fields are always kept. Without `fields` and with `deleteMissing`, only
 * the system fields remain.
 */
function importOnto(
  existing: Collection,
  raw: { [key: string]: unknown },
  deleteMissing: boolean,
): Collection {
  const body = deleteMissing && raw.fields == null ? { ...raw, fields: [] } : raw;
  const imported = applyCollectionBody(cloneCollection(existing), body).collection;
  // A different type is kept so that validation refuses it, as on PATCH.
  if ("type" in raw && raw.type !== existing.type) imported.type = raw.type as Collection["type"];
  for (const field of existing.fields) {
    if (!field.system && deleteMissing) continue;
    if (imported.fields.some((f) => f.id === field.id || f.name === field.name)) continue;
    imported.fields.push(structuredClone(field));
  }
  return imported;
}

/** Imports raw collection definitions; throws ValidationErrors (or the save's error) when refused. */
export async function importCollectionsData(
  app: App,
  rawList: readonly { [key: string]: unknown }[],
  deleteMissing: boolean,
): Promise<void> {
  const list: Collection[] = [];
  for (const raw of rawList) {
    const existing =
      (typeof raw.id === "string" && raw.id ? app.findCollectionByNameOrId(raw.id) : null) ??
      (typeof raw.name === "string" ? app.findCollectionByNameOrId(raw.name) : null);
    if (existing) {
      list.push(importOnto(existing, raw, deleteMissing));
      continue;
    }
    const input = collectionFromCreateBody(raw);
    // A definition that does not even decode (fields not a list, an unknown type) is refused
    // before anything is written.
    const shape: ErrorTree = {};
    for (const [key, message] of Object.entries(input.shapeErrors)) {
      shape[key] = new ValidationError("validation_invalid_value", message);
    }
    if (input.typeError) shape.type = new ValidationError("validation_in_invalid", input.typeError);
    if (!isEmptyErrorTree(shape)) throw importFailure(input.collection, shape);
    list.push(input.collection);
  }
  await importCollections(app, list, deleteMissing);
}
