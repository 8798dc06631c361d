/**
 * Saving and deleting records through their hook chains: `onRecordCreate` (before validation)
 * → `onRecordValidate` → `onRecordCreateExecute` (the INSERT) → after commit
 * `onRecordAfterCreateSuccess` (or `…Error`). Each record chain runs inside its model chain,
 * so model-level handlers see every record write too.
 */
import { errors as v, ValidationErrors, isEmptyErrorTree, type ErrorTree } from "../../tools/validation.ts";
import { nowDateString } from "../../tools/dates.ts";
import { randomStringByRegex } from "../../tools/random.ts";
import { quoteIdent } from "../db/database.ts";
import type { App } from "../app.ts";
import {
  ModelErrorEvent,
  ModelEvent,
  RecordErrorEvent,
  RecordEvent,
  type ModelEventType,
} from "../hook-events.ts";
import { getFieldType } from "../fields/registry.ts";
import type { Record } from "./record.ts";
import { cascadeRelations } from "./record-cascade.ts";

/** Options of `saveRecord`. */
export interface SaveRecordOptions {
  /** Skip field validation (system writes such as cascades). */
  skipValidation?: boolean;
  /** Context passed to the hook events. */
  context?: { [key: string]: unknown };
}

/** Validates every field value; throws ValidationErrors keyed by field name. */
export async function validateRecord(app: App, record: Record): Promise<void> {
  const tree: ErrorTree = {};
  const view = {
    isNew: record.isNew,
    collectionId: record.collection.id,
    collectionName: record.collection.name,
    get: (name: string) => record.get(name),
    original: (name: string) => record.original(name),
  };
  const data = {
    countExistingIds: async (collectionId: string, ids: readonly string[]) => {
      const target = app.findCollectionByNameOrId(collectionId);
      if (!target || ids.length === 0) return 0;
      const placeholders = ids.map(() => "?").join(",");
      const row = await app.db.get(
        `SELECT COUNT(DISTINCT \`id\`) AS n FROM ${quoteIdent(target.name)} WHERE \`id\` IN (${placeholders})`,
        [...ids],
      );
      return Number(row?.n ?? 0);
    },
  };
  for (const [field, value] of record.entries()) {
    const err = await getFieldType(field.type).validateValue(field, value, { record: view, data });
    if (err) tree[field.name] = err;
  }
  if (!isEmptyErrorTree(tree)) throw new ValidationErrors(tree);
}

/** Maps a UNIQUE constraint failure to `validation_not_unique` on the columns it names. */
function uniqueViolation(err: unknown, record: Record): ValidationErrors | null {
  const message = err instanceof Error ? err.message : "";
  const m = /UNIQUE constraint failed: (.+)$/.exec(message);
  if (!m?.[1]) return null;
  const tree: ErrorTree = {};
  for (const part of m[1].split(",")) {
    const column = part.trim().split(".").pop() ?? "";
    if (record.field(column)) tree[column] = v.notUnique();
  }
  return isEmptyErrorTree(tree) ? null : new ValidationErrors(tree);
}

function fillSystemValues(record: Record): void {
  const now = nowDateString();
  for (const field of record.collection.fields) {
    if (field.type === "autodate") {
      const f = field as { onCreate?: boolean; onUpdate?: boolean };
      if ((record.isNew && f.onCreate) || (!record.isNew && f.onUpdate)) record.set(field.name, now);
    }
    if (field.type === "text" && record.isNew && record.getString(field.name) === "") {
      const pattern = (field as { autogeneratePattern?: string }).autogeneratePattern;
      if (pattern) record.set(field.name, randomStringByRegex(pattern));
    }
  }
}

async function insertRow(app: App, record: Record): Promise<void> {
  const values = record.dbValues();
  const columns = values.map((c) => quoteIdent(c.name)).join(", ");
  const placeholders = values.map(() => "?").join(", ");
  await app.db.run(
    `INSERT INTO ${quoteIdent(record.collection.name)} (${columns}) VALUES (${placeholders})`,
    values.map((c) => c.value),
  );
}

async function updateRow(app: App, record: Record): Promise<void> {
  const values = record.dbValues();
  const sets = values.map((c) => `${quoteIdent(c.name)} = ?`).join(", ");
  const originalId = record.original("id");
  await app.db.run(`UPDATE ${quoteIdent(record.collection.name)} SET ${sets} WHERE \`id\` = ?`, [
    ...values.map((c) => c.value),
    typeof originalId === "string" ? originalId : record.id,
  ]);
}

const HOOKS = {
  create: {
    model: "onModelCreate",
    record: "onRecordCreate",
    modelExec: "onModelCreateExecute",
    recordExec: "onRecordCreateExecute",
    modelOk: "onModelAfterCreateSuccess",
    recordOk: "onRecordAfterCreateSuccess",
    modelErr: "onModelAfterCreateError",
    recordErr: "onRecordAfterCreateError",
  },
  update: {
    model: "onModelUpdate",
    record: "onRecordUpdate",
    modelExec: "onModelUpdateExecute",
    recordExec: "onRecordUpdateExecute",
    modelOk: "onModelAfterUpdateSuccess",
    recordOk: "onRecordAfterUpdateSuccess",
    modelErr: "onModelAfterUpdateError",
    recordErr: "onRecordAfterUpdateError",
  },
  delete: {
    model: "onModelDelete",
    record: "onRecordDelete",
    modelExec: "onModelDeleteExecute",
    recordExec: "onRecordDeleteExecute",
    modelOk: "onModelAfterDeleteSuccess",
    recordOk: "onRecordAfterDeleteSuccess",
    modelErr: "onModelAfterDeleteError",
    recordErr: "onRecordAfterDeleteError",
  },
} as const;

/** Runs a record chain inside its model chain, sharing the default behaviour. */
async function triggerPair(
  app: App,
  record: Record,
  type: Exclude<ModelEventType, "validate">,
  which: "main" | "exec",
  context: { [key: string]: unknown },
  action: (app: App) => Promise<void>,
): Promise<void> {
  const names = HOOKS[type];
  const modelEvent = new ModelEvent(app, record, type, context);
  const recordEvent = new RecordEvent(app, record, type, context);
  const modelHook = app.hooks[which === "main" ? names.model : names.modelExec];
  const recordHook = app.hooks[which === "main" ? names.record : names.recordExec];
  await modelHook.trigger(modelEvent, () => recordHook.trigger(recordEvent, (e) => action(e.app)));
}

/**
 * Creates or updates a record in a transaction: hooks, system values (ids, autodates,
 * token keys), validation, the write, and after-commit success/error hooks.
 */
export async function saveRecord(app: App, record: Record, options: SaveRecordOptions = {}): Promise<void> {
  const type = record.isNew ? "create" : "update";
  const context = options.context ?? {};
  try {
    await app.runInTransaction(async (tx) => {
      await triggerPair(tx, record, type, "main", context, async (txApp) => {
        fillSystemValues(record);
        if (record.collection.type === "auth" && record.tokenKey === "") record.refreshTokenKey();
        if (!options.skipValidation) {
          const validate = new ModelEvent(txApp, record, "validate", context);
          await txApp.hooks.onModelValidate.trigger(validate, () =>
            txApp.hooks.onRecordValidate.trigger(new RecordEvent(txApp, record, "validate", context), () =>
              validateRecord(txApp, record),
            ),
          );
        }
        await triggerPair(txApp, record, type, "exec", context, async (execApp) => {
          try {
            await (type === "create" ? insertRow(execApp, record) : updateRow(execApp, record));
          } catch (err) {
            throw uniqueViolation(err, record) ?? err;
          }
        });
      });
    });
  } catch (err) {
    await app.hooks[HOOKS[type].modelErr].trigger(new ModelErrorEvent(app, record, type, err, context), () =>
      app.hooks[HOOKS[type].recordErr].trigger(new RecordErrorEvent(app, record, type, err, context)),
    );
    throw err;
  }
  record.markAsStored();
  app.afterCommit(() =>
    app.hooks[HOOKS[type].modelOk].trigger(new ModelEvent(app, record, type, context), () =>
      app.hooks[HOOKS[type].recordOk].trigger(new RecordEvent(app, record, type, context)),
    ),
  );
}

/** Deletes a record through its hook chains. */
export async function deleteRecord(app: App, record: Record, options: SaveRecordOptions = {}): Promise<void> {
  const context = options.context ?? {};
  try {
    await app.runInTransaction(async (tx) => {
      await triggerPair(tx, record, "delete", "main", context, async (txApp) => {
        await triggerPair(txApp, record, "delete", "exec", context, async (execApp) => {
          if (record.collection.type !== "view") {
            await cascadeRelations(execApp, record, (a, r) => deleteRecord(a, r, { context }));
          }
          await execApp.db.run(`DELETE FROM ${quoteIdent(record.collection.name)} WHERE \`id\` = ?`, [
            record.id,
          ]);
        });
      });
    });
  } catch (err) {
    await app.hooks.onModelAfterDeleteError.trigger(
      new ModelErrorEvent(app, record, "delete", err, context),
      () =>
        app.hooks.onRecordAfterDeleteError.trigger(new RecordErrorEvent(app, record, "delete", err, context)),
    );
    throw err;
  }
  app.afterCommit(() =>
    app.hooks.onModelAfterDeleteSuccess.trigger(new ModelEvent(app, record, "delete", context), () =>
      app.hooks.onRecordAfterDeleteSuccess.trigger(new RecordEvent(app, record, "delete", context)),
    ),
  );
}
