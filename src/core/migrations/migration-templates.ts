/**
 * The JavaScript of generated migrations: a blank one (`migrate create`), a snapshot of every
 * collection (`migrate collections`) and the automigrate files written when a collection is
 * created, updated or deleted through the API. The shapes are PocketBase's, so the files replay on
 * PocketBase and on Satchel alike; JSON is indented by 2 with sorted keys, as PocketBase writes it.
 */
import { sortKeysDeep } from "../../tools/json.ts";

type Obj = { [key: string]: unknown };

const TYPES_REFERENCE = '/// <reference path="../pb_data/types.d.ts" />';

/** `value` as sorted, 2-space indented JSON, every line after the first indented by `indent`. */
function json(value: unknown, indent = ""): string {
  return JSON.stringify(sortKeysDeep(value), null, 2).replaceAll("\n", `\n${indent}`);
}

function migration(up: string, down: string): string {
  return `${TYPES_REFERENCE}\nmigrate((app) => {\n${up}\n}, (app) => {\n${down}\n})\n`;
}

/** `migrate create NAME`. */
export function blankMigration(): string {
  return migration("  // add up queries...", "  // add down queries...");
}

/** `migrate collections`: imports every collection as it is now (down does nothing). */
export function snapshotMigration(collections: readonly Obj[]): string {
  return migration(
    `  const snapshot = ${json(collections, "  ")};\n\n  return app.importCollections(snapshot, false);`,
    "  return null;",
  );
}

function createBody(collection: Obj): string {
  return `  const collection = new Collection(${json(collection, "  ")});\n\n  return app.save(collection);`;
}

function deleteBody(id: string): string {
  return `  const collection = app.findCollectionByNameOrId(${JSON.stringify(id)});\n\n  return app.delete(collection);`;
}

/** A collection created through the API. */
export function createdMigration(collection: Obj): string {
  return migration(createBody(collection), deleteBody(String(collection.id)));
}

/** A collection deleted through the API. */
export function deletedMigration(collection: Obj): string {
  return migration(deleteBody(String(collection.id)), createBody(collection));
}

/**
 * What changed in an object, as `unmarshal` should apply it: changed keys with their new value,
 * nested objects diffed key by key, removed keys as null. Undefined when nothing changed.
 */
function objectChanges(from: Obj, to: Obj): Obj | undefined {
  const out: Obj = {};
  for (const key of new Set([...Object.keys(from), ...Object.keys(to)])) {
    const a = from[key];
    const b = to[key];
    if (!(key in to)) {
      out[key] = null;
    } else if (isObject(a) && isObject(b)) {
      const nested = objectChanges(a, b);
      if (nested) out[key] = nested;
    } else if (json(a) !== json(b)) {
      out[key] = b;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

function isObject(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fieldsOf(collection: Obj): Obj[] {
  return Array.isArray(collection.fields) ? (collection.fields as Obj[]) : [];
}

/** The statements that turn the collection `from` into `to` (empty when they are the same). */
function updateSteps(from: Obj, to: Obj): string[] {
  const steps: string[] = [];
  const { fields: _fromFields, ...fromRest } = from;
  const { fields: _toFields, ...toRest } = to;
  const changes = objectChanges(fromRest, toRest);
  if (changes) steps.push(`  // update collection data\n  unmarshal(${json(changes, "  ")}, collection)`);

  const oldById = new Map(fieldsOf(from).map((f) => [String(f.id), f]));
  const newIds = new Set(fieldsOf(to).map((f) => String(f.id)));
  for (const id of oldById.keys()) {
    if (!newIds.has(id))
      steps.push(`  // remove field\n  collection.fields.removeById(${JSON.stringify(id)})`);
  }
  // Only added or changed fields are written; a new order alone is not a change.
  fieldsOf(to).forEach((field, index) => {
    const old = oldById.get(String(field.id));
    if (old && json(old) === json(field)) return;
    const comment = old ? "update field" : "add field";
    steps.push(`  // ${comment}\n  collection.fields.addAt(${index}, new Field(${json(field, "  ")}))`);
  });
  return steps;
}

function updateBody(id: string, steps: string[]): string {
  return `  const collection = app.findCollectionByNameOrId(${JSON.stringify(id)})\n\n${steps.join("\n\n")}\n\n  return app.save(collection)`;
}

/**
 * A collection updated through the API: up turns `from` into `to`, down the reverse. Null when
 * nothing a migration records changed.
 */
export function updatedMigration(from: Obj, to: Obj): string | null {
  const up = updateSteps(from, to);
  if (up.length === 0) return null;
  return migration(updateBody(String(from.id), up), updateBody(String(to.id), updateSteps(to, from)));
}
