/**
 * Saving, deleting, truncating and importing collections through their hook chains, with the
 * table kept in step in the same transaction: `onCollectionCreate` → `onCollectionValidate` →
 * `onCollectionCreateExecute` (row + schema) → after commit `onCollectionAfterCreateSuccess`.
 */
import {
  ValidationError,
  ValidationErrors,
  isEmptyErrorTree,
  type ErrorTree,
} from "../../tools/validation.ts";
import { nowDateString } from "../../tools/dates.ts";
import { ALPHANUMERIC, randomString } from "../../tools/random.ts";
import { Record } from "../records/record.ts";
import { deleteRecord } from "../records/record-save.ts";
import { deleteCollectionFilesAfterCommit } from "../records/record-files.ts";
import { quoteIdent } from "../db/database.ts";
import type { App } from "../app.ts";
import { CollectionErrorEvent, CollectionEvent, ModelErrorEvent, ModelEvent } from "../hook-events.ts";
import { authSystemFields, authSystemIndexes, idField, newCollectionId } from "./collection-defaults.ts";
import { cloneCollection, type Collection } from "./collection-model.ts";
import { hasFieldType, newFieldId, type Field } from "../fields/registry.ts";
import {
  createCollectionSchema,
  dropCollectionSchema,
  updateCollectionSchema,
} from "./collection-schema-sync.ts";
import { deleteCollectionRow, insertCollectionRow, updateCollectionRow } from "./collection-store.ts";
import { validateCollection } from "./collection-validate.ts";
import {
  executorViewColumns,
  inferViewFields,
  invalidViewQuery,
  normalizeViewQuery,
} from "./collection-view.ts";

type Kind = "create" | "update" | "delete";
const CHAINS = {
  create: [
    "onModelCreate",
    "onCollectionCreate",
    "onModelCreateExecute",
    "onCollectionCreateExecute",
    "onModelAfterCreateSuccess",
    "onCollectionAfterCreateSuccess",
    "onModelAfterCreateError",
    "onCollectionAfterCreateError",
  ],
  update: [
    "onModelUpdate",
    "onCollectionUpdate",
    "onModelUpdateExecute",
    "onCollectionUpdateExecute",
    "onModelAfterUpdateSuccess",
    "onCollectionAfterUpdateSuccess",
    "onModelAfterUpdateError",
    "onCollectionAfterUpdateError",
  ],
  delete: [
    "onModelDelete",
    "onCollectionDelete",
    "onModelDeleteExecute",
    "onCollectionDeleteExecute",
    "onModelAfterDeleteSuccess",
    "onCollectionAfterDeleteSuccess",
    "onModelAfterDeleteError",
    "onCollectionAfterDeleteError",
  ],
} as const;

async function pair(
  app: App,
  c: Collection,
  kind: Kind,
  step: 0 | 2,
  fn: (app: App) => Promise<void>,
): Promise<void> {
  const [model, coll] = [CHAINS[kind][step], CHAINS[kind][step + 1]] as const;
  const me = new ModelEvent(app, c, kind);
  const ce = new CollectionEvent(app, c, kind);
  await app.hooks[model as "onModelCreate"].trigger(me, () =>
    app.hooks[coll as "onCollectionCreate"].trigger(ce, (e) => fn(e.app)),
  );
}

async function afterError(app: App, c: Collection, kind: Kind, error: unknown): Promise<void> {
  const [model, coll] = [CHAINS[kind][6], CHAINS[kind][7]];
  await app.hooks[model as "onModelAfterCreateError"].trigger(new ModelErrorEvent(app, c, kind, error), () =>
    app.hooks[coll as "onCollectionAfterCreateError"].trigger(new CollectionErrorEvent(app, c, kind, error)),
  );
}

/**
 * The success hooks run right after the write outside a transaction (before the response, as
 * in PocketBase); inside one they wait for its commit, and when it rolls back instead (e.g. a
 * later collection of an import failed) the error hooks fire.
 */
async function afterSuccess(app: App, c: Collection, kind: Kind): Promise<void> {
  const [model, coll] = [CHAINS[kind][4], CHAINS[kind][5]];
  const run = (hooksApp: App) =>
    hooksApp.hooks[model as "onModelAfterCreateSuccess"].trigger(new ModelEvent(hooksApp, c, kind), () =>
      hooksApp.hooks[coll as "onCollectionAfterCreateSuccess"].trigger(
        new CollectionEvent(hooksApp, c, kind),
      ),
    );
  if (!app.isTransactional) {
    await run(app);
    return;
  }
  const hooksApp = app.nonTransactional;
  app.afterCommit(() => run(hooksApp));
  app.afterRollback((err) => afterError(hooksApp, c, kind, err));
}

/** Field errors a table cannot be written with (the rest only fail validation). */
const SCHEMA_BREAKING = new Set([
  "validation_duplicated_field_name",
  "validation_duplicated_field_id",
  "validation_missing_primary_key",
]);

/** Whether validation errors mean the collection's table could not even be written. */
function breaksSchema(tree: ErrorTree): boolean {
  const fields = tree.fields;
  if (fields instanceof ValidationError)
    return SCHEMA_BREAKING.has(fields.code) || fields.code.startsWith("validation_missing_");
  if (!fields) return false;
  return Object.values(fields).some((entry) => {
    if (entry instanceof ValidationError) return false;
    return Object.entries(entry).some(
      ([key, e]) =>
        e instanceof ValidationError &&
        (key === "type" ? e.code !== "validation_field_type_change" : SCHEMA_BREAKING.has(e.code)),
    );
  });
}

/** Whether a table or view that is not a collection's own already has this name (`_params`…). */
async function isInternalTable(app: App, name: string): Promise<boolean> {
  const lower = name.toLowerCase();
  if (app.findAllCollections().some((o) => o.name.toLowerCase() === lower)) return false;
  const row = await app.db.get(
    "SELECT 1 AS found FROM sqlite_master WHERE type IN ('table', 'view') AND lower(name) = ? LIMIT 1",
    [lower],
  );
  return row !== undefined;
}

/** Inferred view fields keep the ids of same-named stored fields, so re-saves are stable. */
function keepFieldIds(fields: Field[], old: Collection | null): Field[] {
  if (!old) return fields;
  return fields.map((f) => {
    const previous = old.fields.find((o) => o.name === f.name && o.type === f.type);
    return previous ? { ...f, id: previous.id } : f;
  });
}

/**
 * Fields submitted without an id get PocketBase's default one, `type + crc32(name)` (suffixed
 * 2…999 when another field of the list has it already), like its FieldsList does on add.
 */
function assignFieldIds(c: Collection): void {
  for (const f of c.fields) {
    if (f.id || !hasFieldType(f.type)) continue;
    const base = newFieldId(f.type, f.name);
    let id = base;
    for (let i = 2; i < 1000 && c.fields.some((o) => o.id === id); i++) id = `${base}${i}`;
    f.id = id;
  }
}

/** The field named `name` when it has the expected type (PocketBase's typed GetByName). */
function typedField(c: Collection, name: string, type: string): Field | undefined {
  return c.fields.find((f) => f.name === name && f.type === type);
}

/**
 * PocketBase's initDefaultFields: base and auth collections always get the `id` primary key
 * (prepended when missing, system flags enforced when submitted), auth collections their
 * system fields (appended when missing, flags enforced otherwise). Views infer their fields.
 */
function initDefaultFields(c: Collection): void {
  if (c.type === "view") return;
  const id = typedField(c, "id", "text");
  if (id?.type !== "text") c.fields.unshift(idField());
  else {
    Object.assign(id, { system: true, required: true, primaryKey: true, hidden: false });
    if (!id.pattern) id.pattern = "^[a-z0-9]+$";
  }
  if (c.type !== "auth") return;
  const enforced: { [name: string]: Partial<Field> } = {
    password: { system: true, hidden: true, required: true },
    tokenKey: { system: true, hidden: true, required: true },
    email: { system: true, hidden: false },
    emailVisibility: { system: true },
    verified: { system: true },
  };
  for (const f of authSystemFields()) {
    const existing = typedField(c, f.name, f.type);
    if (existing) Object.assign(existing, enforced[f.name]);
    else c.fields.push(f);
  }
}

/** Fills what PocketBase fills on save: ids, auth system fields and indexes, table names in indexes. */
function applySaveDefaults(app: App, c: Collection): void {
  if (!c.id) {
    let id = newCollectionId(c.type, c.name);
    for (let i = 2; app.findAllCollections().some((o) => o.id === id) && i < 1000; i++) {
      id = `${newCollectionId(c.type, c.name)}${i}`;
    }
    c.id = id;
  }
  assignFieldIds(c);
  initDefaultFields(c);
  if (c.type === "auth") {
    for (const sql of authSystemIndexes(c.id, c.name)) {
      const column = /\(`(\w+)`\)/.exec(sql)?.[1];
      const has = c.indexes.some(
        (i) => /unique/i.test(i) && new RegExp(`\\(\\s*[\`"]?${column}[\`"]?\\s*\\)`).test(i),
      );
      if (!has) c.indexes.push(sql);
    }
  }
  if (c.name === "_superusers" && c.auth) {
    c.auth.oauth2.enabled = false;
    c.auth.oauth2.providers = [];
    c.auth.passwordAuth.enabled = true;
    if (c.auth.otp.enabled) c.auth.mfa.enabled = true;
  }
}

/**
 * Creates or updates a collection (`old` = stored version when updating). Throws
 * ValidationErrors with PocketBase's error tree when invalid.
 */
export async function saveCollection(
  app: App,
  collection: Collection,
  old: Collection | null = null,
  options: { validate?: boolean } = {},
): Promise<Collection> {
  const kind: Kind = old ? "update" : "create";
  const c = collection;
  // The SQL body of a view as stored (its id cast to TEXT when needed), computed at validation.
  let viewBody: string | undefined;
  // Like PocketBase, a view's fields come from its query before anything is validated:
  // whatever fields the body sent are replaced, never validated.
  const inferView = async (txApp: App): Promise<ValidationError | undefined> => {
    if (c.type !== "view") return undefined;
    c.fields = [];
    if (!c.viewQuery?.trim()) return undefined;
    try {
      // the query's columns are read from a temporary view: a short transaction
      await txApp.runInTransaction(async (tx) => {
        const deps = {
          findCollectionByName: (name: string) => tx.findCollectionByNameOrId(name),
          viewColumns: executorViewColumns(tx.db),
        };
        c.fields = keepFieldIds(await inferViewFields(c.viewQuery ?? "", deps), old);
        viewBody = await normalizeViewQuery(c.viewQuery ?? "", deps);
      });
    } catch (e) {
      if (e instanceof ValidationError) return e;
      throw e;
    }
    return undefined;
  };
  // As in PocketBase, the hooks run outside any transaction of their own (inside the caller's,
  // if any); the schema change and the row are one transaction opened by the execute step.
  try {
    await pair(app, c, kind, 0, async (txApp) => {
      applySaveDefaults(txApp, c);
      if (options.validate === false) {
        // PocketBase's SaveNoValidate (imports): no validate hooks, the caller validates later.
        const viewQueryError = await inferView(txApp);
        if (viewQueryError) throw new ValidationErrors({ viewQuery: viewQueryError });
        // What would make the write itself fail is still refused here, with validation's
        // own errors rather than SQLite's (an unknown field type, a duplicated column…).
        const tree = validateCollection(txApp, c, old);
        if (breaksSchema(tree)) throw new ValidationErrors(tree);
      } else {
        const me = new ModelEvent(txApp, c, "validate");
        await txApp.hooks.onModelValidate.trigger(me, () =>
          txApp.hooks.onCollectionValidate.trigger(new CollectionEvent(txApp, c, "validate"), async () => {
            const viewQueryError = await inferView(txApp);
            const tree = validateCollection(txApp, c, old);
            if (viewQueryError && !tree.viewQuery) tree.viewQuery = viewQueryError;
            if (!tree.name && c.name !== old?.name && (await isInternalTable(txApp, c.name))) {
              tree.name = new ValidationError(
                "validation_collection_name_invalid",
                "The name shouldn't match with an existing internal table.",
              );
            }
            if (!isEmptyErrorTree(tree)) throw new ValidationErrors(tree);
          }),
        );
      }
      await pair(txApp, c, kind, 2, (exec) =>
        exec.runInTransaction(async (execApp) => {
          const now = nowDateString();
          if (!old) c.created = now;
          c.updated = now;
          // A changed authRule may exclude records that hold tokens already: PocketBase
          // rotates the auth token secret so every issued auth token stops working.
          if (old?.auth && c.auth && (old.auth.authRule ?? "") !== (c.auth.authRule ?? "")) {
            c.auth.authToken.secret = randomString(50, ALPHANUMERIC);
          }
          c.indexes = c.indexes.map((sql) => sql);
          if (old) {
            await updateCollectionSchema(execApp.db, old, c, viewBody);
            await updateCollectionRow(execApp, c);
          } else {
            await createCollectionSchema(execApp.db, c, viewBody);
            await insertCollectionRow(execApp, c);
          }
          if (c.type === "view") await ensureViewRuns(execApp, c);
          await execApp.reloadCollections();
        }),
      );
    });
  } catch (error) {
    await afterError(app, c, kind, error);
    throw error;
  }
  await afterSuccess(app, c, kind);
  return app.findCollectionByNameOrId(c.id) ?? c;
}

/** Names of collections whose relation fields point at `c` (other than itself). */
export function referencingCollections(app: App, c: Collection): string[] {
  return app
    .findAllCollections()
    .filter(
      (o) =>
        o.id !== c.id &&
        o.fields.some((f) => f.type === "relation" && (f as { collectionId?: string }).collectionId === c.id),
    )
    .map((o) => o.name);
}

/**
 * SQLite keeps a view whose table is gone and fails only when it is read; PocketBase re-saves
 * the views after a delete and so refuses to delete what a view still reads from.
 */
/** Why reading a view fails (SQLite's message), or null when it can be read. */
async function viewReadError(app: App, view: Collection): Promise<string | null> {
  try {
    await app.db.all(`SELECT * FROM ${quoteIdent(view.name)} LIMIT 0`);
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/**
 * A saved view must be readable: SQLite accepts some queries in CREATE VIEW that fail when the
 * view is read (e.g. functions defensive mode refuses), which would leave a view that breaks
 * every later schema change. Such a query is a `viewQuery` error, and the save rolls back.
 */
async function ensureViewRuns(app: App, view: Collection): Promise<void> {
  const detail = await viewReadError(app, view);
  if (detail !== null) throw new ValidationErrors({ viewQuery: invalidViewQuery(detail) });
}

async function ensureViewsStillWork(app: App, deleted: Collection): Promise<void> {
  for (const view of app.findAllCollections("view")) {
    if (view.id === deleted.id) continue;
    const detail = await viewReadError(app, view);
    if (detail !== null) {
      throw new Error(`[${deleted.name}] failed to delete due to existing view dependency: ${detail}`);
    }
  }
}

/** The system collections whose rows belong to a record of an auth collection. */
const AUTH_SIDE_COLLECTIONS = ["_externalAuths", "_mfas", "_otps", "_authOrigins"];

/**
 * Once an auth collection is gone, the rows of the auth side collections pointing at it
 * (`collectionRef`) are deleted one by one through the record pipeline, as PocketBase does.
 */
async function deleteAuthSideRecordsOf(app: App, c: Collection): Promise<void> {
  if (c.type !== "auth") return;
  for (const name of AUTH_SIDE_COLLECTIONS) {
    const side = app.findCollectionByNameOrId(name);
    if (!side) continue;
    const rows = await app.db.all(`SELECT * FROM ${quoteIdent(side.name)} WHERE \`collectionRef\` = ?`, [
      c.id,
    ]);
    for (const row of rows) await deleteRecord(app, Record.fromRow(side, row));
  }
}

/** Deletes a collection and its table; system or referenced collections cannot be deleted. */
export async function deleteCollection(app: App, c: Collection): Promise<void> {
  try {
    await pair(app, c, "delete", 0, async (txApp) => {
      await pair(txApp, c, "delete", 2, (exec) =>
        exec.runInTransaction(async (execApp) => {
          // Checked in the execute step, as PocketBase does, so hooks see every attempt.
          if (c.system) {
            throw new ValidationError(
              "validation_system_collection",
              "System collections cannot be deleted.",
            );
          }
          const refs = referencingCollections(execApp, c);
          if (refs.length > 0) {
            throw new ValidationError(
              "validation_collection_referenced",
              `Failed to delete collection "${c.name}" probably due to existing reference in ${refs.join(", ")}.`,
            );
          }
          await dropCollectionSchema(execApp.db, c);
          await ensureViewsStillWork(execApp, c);
          await deleteCollectionRow(execApp, c.id);
          deleteCollectionFilesAfterCommit(execApp, c);
          await execApp.reloadCollections();
          await deleteAuthSideRecordsOf(execApp, c);
        }),
      );
    });
  } catch (error) {
    await afterError(app, c, "delete", error);
    throw error;
  }
  await afterSuccess(app, c, "delete");
}

/**
 * Deletes every record of a base/auth collection in one transaction, each through the record
 * delete pipeline as PocketBase does (hooks fire, relations cascade, a required reference
 * fails the whole truncate).
 */
export async function truncateCollection(app: App, c: Collection): Promise<void> {
  if (c.type === "view")
    throw new ValidationError("validation_view_truncate", "View collections cannot be truncated.");
  await app.runInTransaction(async (tx) => {
    const collection = tx.findCollectionByNameOrId(c.id) ?? c;
    for (;;) {
      const rows = await tx.db.all(`SELECT * FROM ${quoteIdent(collection.name)} LIMIT 500`);
      if (rows.length === 0) return;
      for (const row of rows) await deleteRecord(tx, Record.fromRow(collection, row));
    }
  });
}

/** An error tree as ozzo-validation marshals it: the messages only. */
function errorMessages(tree: ErrorTree): unknown {
  const out: { [key: string]: unknown } = {};
  for (const [key, value] of Object.entries(tree)) {
    out[key] = value instanceof ValidationError ? value.message : errorMessages(value);
  }
  return out;
}

/**
 * Imports a list of collections (create or update, matched by id then name); with
 * `deleteMissing`, non-system collections missing from the list are deleted. All or nothing.
 */
export async function importCollections(app: App, list: Collection[], deleteMissing: boolean): Promise<void> {
  // Views last (stable otherwise): their queries may read from collections of the same import.
  const ordered = [...list].sort((a, b) => Number(a.type === "view") - Number(b.type === "view"));
  await app.runInTransaction(async (tx) => {
    // Like PocketBase, collections left out are deleted first (views first: they may read from
    // the tables about to go), so their names can be reused and their views don't get in the way.
    if (deleteMissing) {
      const keep = new Set(list.map((c) => c.id).filter(Boolean));
      const keepNames = new Set(list.filter((c) => !c.id).map((c) => c.name.toLowerCase()));
      const doomed = tx
        .findAllCollections()
        .filter((o) => !o.system && !keep.has(o.id) && !keepNames.has(o.name.toLowerCase()))
        .sort((a, b) => Number(b.type === "view") - Number(a.type === "view"));
      for (const o of doomed) {
        try {
          await pair(tx, o, "delete", 0, async (txApp) => {
            await pair(txApp, o, "delete", 2, async (execApp) => {
              await dropCollectionSchema(execApp.db, o);
              await deleteCollectionRow(execApp, o.id);
              deleteCollectionFilesAfterCommit(execApp, o);
              await deleteAuthSideRecordsOf(execApp, o);
            });
          });
        } catch (error) {
          await afterError(tx, o, "delete", error);
          throw error;
        }
        await afterSuccess(tx, o, "delete");
      }
      await tx.reloadCollections();
    }
    // Like PocketBase, everything is saved first without validation, then each imported
    // collection is validated against the final state (so they may refer to each other).
    const checks: { c: Collection; old: Collection | null }[] = [];
    for (const c of ordered) {
      const existing =
        (c.id ? tx.findAllCollections().find((o) => o.id === c.id) : undefined) ??
        tx.findAllCollections().find((o) => o.name.toLowerCase() === c.name.toLowerCase());
      try {
        if (existing) {
          c.id = existing.id;
          await saveCollection(tx, c, cloneCollection(existing), { validate: false });
        } else await saveCollection(tx, c, null, { validate: false });
      } catch (err) {
        if (!(err instanceof ValidationErrors)) throw err;
        throw importFailure(c, err.errors);
      }
      checks.push({ c, old: existing ? cloneCollection(existing) : null });
    }
    for (const { c, old } of checks) {
      const saved = tx.findCollectionByNameOrId(c.id) ?? c;
      const tree = validateCollection(tx, saved, old ?? saved);
      if (!isEmptyErrorTree(tree)) throw importFailure(saved, tree);
    }
  });
}

/** PocketBase names the failing collection and lists its errors, as indented JSON. */
export function importFailure(c: Collection, tree: ErrorTree): ValidationErrors {
  return new ValidationErrors({
    collections: new ValidationError(
      "validation_collections_import_failure",
      `Data validations failed for collection "${c.name}" (${c.id}):\n${JSON.stringify(errorMessages(tree), null, 2)}`,
    ),
  });
}
