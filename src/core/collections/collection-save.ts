/**
 * Saving, deleting, truncating and importing collections through their hook chains, with the
 * table kept in step in the same transaction: `onCollectionCreate` → `onCollectionValidate` →
 * `onCollectionCreateExecute` (row + schema) → after commit `onCollectionAfterCreateSuccess`.
 */
import { ValidationError, ValidationErrors, isEmptyErrorTree } from "../../tools/validation.ts";
import { nowDateString } from "../../tools/dates.ts";
import { quoteIdent } from "../db/database.ts";
import type { App } from "../app.ts";
import { CollectionErrorEvent, CollectionEvent, ModelErrorEvent, ModelEvent } from "../hook-events.ts";
import { authSystemFields, authSystemIndexes, newCollectionId } from "./collection-defaults.ts";
import { cloneCollection, type Collection } from "./collection-model.ts";
import type { Field } from "../fields/registry.ts";
import {
  createCollectionSchema,
  dropCollectionSchema,
  updateCollectionSchema,
} from "./collection-schema-sync.ts";
import { deleteCollectionRow, insertCollectionRow, updateCollectionRow } from "./collection-store.ts";
import { validateCollection } from "./collection-validate.ts";
import { executorViewColumns, inferViewFields, normalizeViewQuery } from "./collection-view.ts";

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

function afterSuccess(app: App, c: Collection, kind: Kind): void {
  const [model, coll] = [CHAINS[kind][4], CHAINS[kind][5]];
  app.afterCommit(() =>
    app.hooks[model as "onModelAfterCreateSuccess"].trigger(new ModelEvent(app, c, kind), () =>
      app.hooks[coll as "onCollectionAfterCreateSuccess"].trigger(new CollectionEvent(app, c, kind)),
    ),
  );
}

/** Inferred view fields keep the ids of same-named stored fields, so re-saves are stable. */
function keepFieldIds(fields: Field[], old: Collection | null): Field[] {
  if (!old) return fields;
  return fields.map((f) => {
    const previous = old.fields.find((o) => o.name === f.name && o.type === f.type);
    return previous ? { ...f, id: previous.id } : f;
  });
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
  if (c.type === "auth") {
    for (const f of authSystemFields()) {
      if (!c.fields.some((x) => x.name === f.name)) c.fields.push(f);
    }
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
): Promise<Collection> {
  const kind: Kind = old ? "update" : "create";
  const c = collection;
  // The SQL body of a view as stored (its id cast to TEXT when needed), computed at validation.
  let viewBody: string | undefined;
  try {
    await app.runInTransaction(async (tx) => {
      await pair(tx, c, kind, 0, async (txApp) => {
        applySaveDefaults(txApp, c);
        const me = new ModelEvent(txApp, c, "validate");
        await txApp.hooks.onModelValidate.trigger(me, () =>
          txApp.hooks.onCollectionValidate.trigger(new CollectionEvent(txApp, c, "validate"), async () => {
            const tree = validateCollection(txApp, c, old);
            if (c.type === "view" && !tree.viewQuery && c.viewQuery) {
              try {
                const deps = {
                  findCollectionByName: (name: string) => txApp.findCollectionByNameOrId(name),
                  viewColumns: executorViewColumns(txApp.db),
                };
                c.fields = keepFieldIds(await inferViewFields(c.viewQuery, deps), old);
                viewBody = await normalizeViewQuery(c.viewQuery, deps);
              } catch (e) {
                if (e instanceof ValidationError) tree.viewQuery = e;
                else throw e;
              }
            }
            if (!isEmptyErrorTree(tree)) throw new ValidationErrors(tree);
          }),
        );
        await pair(txApp, c, kind, 2, async (execApp) => {
          const now = nowDateString();
          if (!old) c.created = now;
          c.updated = now;
          c.indexes = c.indexes.map((sql) => sql);
          if (old) {
            await updateCollectionSchema(execApp.db, old, c, viewBody);
            await updateCollectionRow(execApp, c);
          } else {
            await createCollectionSchema(execApp.db, c, viewBody);
            await insertCollectionRow(execApp, c);
          }
          await execApp.reloadCollections();
        });
      });
    });
  } catch (error) {
    await afterError(app, c, kind, error);
    throw error;
  }
  afterSuccess(app, c, kind);
  return app.findCollectionByNameOrId(c.id) ?? c;
}

/** Names of collections whose relation fields point at `c` (other than itself). */
function referencingCollections(app: App, c: Collection): string[] {
  return app
    .findAllCollections()
    .filter(
      (o) =>
        o.id !== c.id &&
        o.fields.some((f) => f.type === "relation" && (f as { collectionId?: string }).collectionId === c.id),
    )
    .map((o) => o.name);
}

/** Deletes a collection and its table; system or referenced collections cannot be deleted. */
export async function deleteCollection(app: App, c: Collection): Promise<void> {
  if (c.system)
    throw new ValidationError("validation_system_collection", "System collections cannot be deleted.");
  const refs = referencingCollections(app, c);
  if (refs.length > 0) {
    throw new ValidationError(
      "validation_collection_referenced",
      `Failed to delete collection "${c.name}" probably due to existing reference in ${refs.join(", ")}.`,
    );
  }
  try {
    await app.runInTransaction(async (tx) => {
      await pair(tx, c, "delete", 0, async (txApp) => {
        await pair(txApp, c, "delete", 2, async (execApp) => {
          await dropCollectionSchema(execApp.db, c);
          await deleteCollectionRow(execApp, c.id);
          await execApp.reloadCollections();
        });
      });
    });
  } catch (error) {
    await afterError(app, c, "delete", error);
    throw error;
  }
  afterSuccess(app, c, "delete");
}

/** Deletes every record of a base/auth collection in one transaction. */
export async function truncateCollection(app: App, c: Collection): Promise<void> {
  if (c.type === "view")
    throw new ValidationError("validation_view_truncate", "View collections cannot be truncated.");
  await app.runInTransaction(async (tx) => {
    await tx.db.run(`DELETE FROM ${quoteIdent(c.name)}`);
  });
}

/**
 * Imports a list of collections (create or update, matched by id then name); with
 * `deleteMissing`, non-system collections missing from the list are deleted. All or nothing.
 */
export async function importCollections(app: App, list: Collection[], deleteMissing: boolean): Promise<void> {
  await app.runInTransaction(async (tx) => {
    for (const c of list) {
      const existing =
        (c.id ? tx.findAllCollections().find((o) => o.id === c.id) : undefined) ??
        tx.findAllCollections().find((o) => o.name.toLowerCase() === c.name.toLowerCase());
      if (existing) {
        c.id = existing.id;
        await saveCollection(tx, c, cloneCollection(existing));
      } else await saveCollection(tx, c, null);
    }
    if (deleteMissing) {
      const keep = new Set(list.map((c) => c.id));
      // Views first: they may read from the tables about to go.
      const doomed = tx
        .findAllCollections()
        .filter((o) => !keep.has(o.id) && !o.system)
        .sort((a, b) => (a.type === "view" ? -1 : 0) - (b.type === "view" ? -1 : 0));
      for (const o of doomed) {
        await pair(tx, o, "delete", 0, async (txApp) => {
          await dropCollectionSchema(txApp.db, o);
          await deleteCollectionRow(txApp, o.id);
        });
      }
      await tx.reloadCollections();
    }
  });
}
