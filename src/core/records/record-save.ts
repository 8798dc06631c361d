/**
 * Saving and deleting records through their hook chains: `onRecordCreate` (before validation)
 * → `onRecordValidate` → `onRecordCreateExecute` (the INSERT) → `onRecordAfterCreateSuccess`
 * (or `…Error`). Each record chain runs inside its model chain, so model-level handlers see
 * every record write too.
 *
 * Transactions are PocketBase's: a save opens none (its hooks hold no lock, only its statements
 * take the write lock); a delete opens one around the DELETE and its cascade, after its execute
 * handlers (none when the DELETE is all there is: `deletesAlone`). Called with a txApp,
 * everything runs in the caller's transaction and the after hooks wait for its end (`runWrite`).
 */
import {
  errors as v,
  ValidationError,
  ValidationErrors,
  isEmptyErrorTree,
  type ErrorTree,
} from "../../tools/validation.ts";
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
import { validatePlain, type PasswordField } from "../fields/password.ts";
import { SUPERUSERS } from "../collections/collection-model.ts";
import type { Record } from "./record.ts";
import {
  AUTH_SIDE_TABLES,
  cascadeRelations,
  deleteAuthSideRecords,
  hasReferences,
} from "./record-cascade.ts";
import type { Collection } from "../collections/collection-model.ts";
import {
  deleteRecordFilesAfterCommit,
  deleteStoredRecordFiles,
  discardWrittenUploads,
  keepWrittenUploads,
  validateRecordFiles,
  writeRecordWithFiles,
} from "./record-files.ts";

/** Options of `saveRecord`. */
export interface SaveRecordOptions {
  /** Skip field validation (system writes such as cascades). */
  skipValidation?: boolean;
  /** Context passed to the hook events. */
  context?: { [key: string]: unknown };
}

/**
 * The relation check's `COUNT` by table and number of ids, built once: every create with a
 * relation ran it with a newly joined text, which the statement cache hashed again each time.
 */
const countSqlByTable = new Map<string, string[]>();
const COUNT_SQL_MAX_IDS = 32;

function countExistingSql(table: string, n: number): string {
  const build = () =>
    `SELECT COUNT(DISTINCT \`id\`) AS n FROM ${quoteIdent(table)} WHERE \`id\` IN (${Array.from({ length: n }, () => "?").join(",")})`;
  if (n > COUNT_SQL_MAX_IDS) return build();
  let byCount = countSqlByTable.get(table);
  if (byCount === undefined) {
    if (countSqlByTable.size >= 200) countSqlByTable.clear();
    byCount = [];
    countSqlByTable.set(table, byCount);
  }
  return (byCount[n] ??= build());
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
      // A missing target is reported as validation_missing_rel_collection by the field.
      if (!target) throw new Error(`Missing relation collection ${collectionId}.`);
      if (ids.length === 0) return 0;
      const row = await app.db.get(countExistingSql(target.name, ids.length), [...ids]);
      return Number(row?.n ?? 0);
    },
    // Custom primary keys must stay unique case-insensitively (new records only).
    idExistsCaseInsensitive: async (collectionId: string, id: string) => {
      const target = app.findCollectionByNameOrId(collectionId);
      if (!target) return false;
      const row = await app.db.get(
        `SELECT 1 AS x FROM ${quoteIdent(target.name)} WHERE \`id\` = ? COLLATE NOCASE LIMIT 1`,
        [id],
      );
      return row !== undefined;
    },
  };
  for (const [field, value] of record.entries()) {
    // A new plain password is checked against the field's min/max/pattern here, with the other
    // field errors (PocketBase's password field validator sees the plain value).
    const plain = field.type === "password" ? record.plainPasswordOf(field.name) : undefined;
    const plainErr = plain ? validatePlain(field as PasswordField, plain) : null;
    const err =
      plainErr ?? (await getFieldType(field.type).validateValue(field, value, { record: view, data }));
    if (err) tree[field.name] = err;
  }
  validateRecordFiles(record, tree);
  if (!isEmptyErrorTree(tree)) throw new ValidationErrors(tree);
}

/**
 * Validates a record through its hook chains (`onModelValidate` → `onRecordValidate` → the
 * field checks), as a save does and `app.validate(record)` does on its own.
 */
export async function validateRecordWithHooks(
  app: App,
  record: Record,
  context: { [key: string]: unknown } = {},
): Promise<void> {
  // No handler with work to do: the field checks alone, without building events and chains.
  if (app.hooks.onModelValidate.isIdle() && app.hooks.onRecordValidate.isIdle()) {
    return validateRecord(app, record);
  }
  await app.hooks.onModelValidate.trigger(new ModelEvent(app, record, "validate", context), () =>
    app.hooks.onRecordValidate.trigger(new RecordEvent(app, record, "validate", context), () =>
      validateRecord(app, record),
    ),
  );
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
  // Superusers are always verified (PocketBase forces it on every save).
  if (record.collection.name === SUPERUSERS) record.set("verified", true);
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

/** A collection's INSERT and UPDATE statements (every column, in field order). */
interface WriteSql {
  table: string;
  columns: readonly string[];
  insert: string;
  update: string;
}

/**
 * Built once per collection object (a changed collection is a new object; a mutated one is
 * caught by the name checks), so a write neither rebuilds its SQL nor hashes a new string to
 * find its prepared statement.
 */
const writeSqlCache = new WeakMap<Collection, WriteSql>();

function writeSql(collection: Collection): WriteSql {
  const fields = collection.fields;
  const cached = writeSqlCache.get(collection);
  if (
    cached &&
    cached.table === collection.name &&
    cached.columns.length === fields.length &&
    cached.columns.every((name, i) => name === fields[i]!.name)
  ) {
    return cached;
  }
  const columns = fields.map((f) => f.name);
  const table = quoteIdent(collection.name);
  const built: WriteSql = {
    table: collection.name,
    columns,
    insert: `INSERT INTO ${table} (${columns.map(quoteIdent).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
    update: `UPDATE ${table} SET ${columns.map((c) => `${quoteIdent(c)} = ?`).join(", ")} WHERE \`id\` = ?`,
  };
  writeSqlCache.set(collection, built);
  return built;
}

async function insertRow(app: App, record: Record): Promise<void> {
  const sql = writeSql(record.collection).insert;
  await app.db.run(
    sql,
    record.dbValues().map((c) => c.value),
  );
}

async function updateRow(app: App, record: Record): Promise<void> {
  const sql = writeSql(record.collection).update;
  const originalId = record.original("id");
  await app.db.run(sql, [
    ...record.dbValues().map((c) => c.value),
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
  const modelHook = app.hooks[which === "main" ? names.model : names.modelExec];
  const recordHook = app.hooks[which === "main" ? names.record : names.recordExec];
  // No handler with work to do (Hook.isIdle): the default behaviour alone, as the chain would
  // run it, without building two events and two chains for every write.
  if (modelHook.isIdle() && recordHook.isIdle()) return action(app);
  const modelEvent = new ModelEvent(app, record, type, context);
  const recordEvent = new RecordEvent(app, record, type, context);
  await modelHook.trigger(modelEvent, () => recordHook.trigger(recordEvent, (e) => action(e.app)));
}

/**
 * Runs a write and fires its after hooks, with PocketBase's transaction scopes. Outside a
 * transaction the write's hooks hold no lock (only its statements take the write lock, briefly)
 * and the success hooks run right after it. Inside one (a txApp), the error hooks run at once
 * when the write fails, and otherwise wait for the outermost transaction to end: success after
 * its commit, error (with the transaction's error) after its rollback, both on the outer app.
 */
async function runWrite(
  app: App,
  write: () => Promise<void>,
  hooks: (app: App) => { success: () => Promise<void>; error: (err: unknown) => Promise<void> },
): Promise<void> {
  try {
    await write();
  } catch (err) {
    await hooks(app).error(err);
    throw err;
  }
  if (!app.isTransactional) {
    await hooks(app).success();
    return;
  }
  const deferred = hooks(app.nonTransactional);
  app.afterCommit(deferred.success);
  app.afterRollback(deferred.error);
}

function afterHooks(
  app: App,
  record: Record,
  type: Exclude<ModelEventType, "validate">,
  context: { [key: string]: unknown },
) {
  const names = HOOKS[type];
  const idle = (a: keyof typeof names, b: keyof typeof names) =>
    app.hooks[names[a]].isIdle() && app.hooks[names[b]].isIdle();
  return {
    success: async () => {
      if (idle("modelOk", "recordOk")) return;
      await app.hooks[names.modelOk].trigger(new ModelEvent(app, record, type, context), () =>
        app.hooks[names.recordOk].trigger(new RecordEvent(app, record, type, context)),
      );
    },
    error: async (err: unknown) => {
      if (idle("modelErr", "recordErr")) return;
      await app.hooks[names.modelErr].trigger(new ModelErrorEvent(app, record, type, err, context), () =>
        app.hooks[names.recordErr].trigger(new RecordErrorEvent(app, record, type, err, context)),
      );
    },
  };
}

/** Auth record ids are unique across every auth collection (the table only guards its own). */
async function checkAuthIdUnique(app: App, record: Record): Promise<void> {
  for (const other of app.findAllCollections("auth")) {
    if (other.id === record.collection.id) continue;
    const row = await app.db.get(`SELECT 1 AS x FROM ${quoteIdent(other.name)} WHERE \`id\` = ? LIMIT 1`, [
      record.id,
    ]);
    if (row) {
      throw new ValidationErrors({
        id: new ValidationError("validation_invalid_auth_id", "Invalid or duplicated auth record id."),
      });
    }
  }
}

/**
 * What an auth record's update does to its side records: a new password forgets its MFA
 * sessions and login origins, a new token key its OTPs (each deleted through the hooks).
 */
async function afterAuthUpdate(app: App, record: Record, context: { [key: string]: unknown }): Promise<void> {
  const tables: string[] = [];
  if (record.get("password") !== record.original("password")) tables.push("_mfas", "_authOrigins");
  if (record.get("tokenKey") !== record.original("tokenKey")) tables.push("_otps");
  if (tables.length > 0)
    await deleteAuthSideRecords(app, record, tables, (a, r) => deleteRecord(a, r, { context }));
}

/**
 * Creates or updates a record in a transaction: hooks, system values (ids, autodates,
 * token keys), validation, the write, and after-commit success/error hooks.
 */
export async function saveRecord(app: App, record: Record, options: SaveRecordOptions = {}): Promise<void> {
  const type = record.isNew ? "create" : "update";
  const context = options.context ?? {};
  await runWrite(
    app,
    () =>
      triggerPair(app, record, type, "main", context, async (txApp) => {
        fillSystemValues(record);
        if (record.collection.type === "auth" && record.tokenKey === "") record.refreshTokenKey();
        if (!options.skipValidation) await validateRecordWithHooks(txApp, record, context);
        await triggerPair(txApp, record, type, "exec", context, async (execApp) => {
          if (record.collection.type === "auth") await checkAuthIdUnique(execApp, record);
          try {
            // New files are stored right before the row (outside the write lock, unless the
            // caller holds a transaction), and deleted again if the row fails.
            await writeRecordWithFiles(execApp, record, async () => {
              if (type === "create") return insertRow(execApp, record);
              // an auth record's update and what it does to its side records are one write
              if (record.collection.type !== "auth") return updateRow(execApp, record);
              await execApp.runInTransaction(async (tx) => {
                await updateRow(tx, record);
                await afterAuthUpdate(tx, record, context);
              });
            });
          } catch (err) {
            throw uniqueViolation(err, record) ?? err;
          }
        });
        // Stored from here on: the after-success hooks see a record that is no longer new.
        record.markAsStored();
      }),
    (hooksApp) => {
      const hooks = afterHooks(hooksApp, record, type, context);
      return {
        success: async () => {
          await keepWrittenUploads(hooksApp, record);
          await hooks.success();
        },
        // a failed (or rolled back) save removes the files it had already stored
        error: async (err) => {
          await discardWrittenUploads(hooksApp, record);
          await hooks.error(err);
        },
      };
    },
  );
}

/**
 * Whether a record of `collection` can be deleted without its hook chains: every handler of
 * the delete hooks is idle (none bound but built-in ones with nothing to do, e.g. realtime with
 * no client), and the collection is not `_superusers` (whose last record is guarded).
 */
function canDeleteInBulk(app: App, collection: Collection): boolean {
  if (collection.type === "view" || collection.name === SUPERUSERS) return false;
  const h = HOOKS.delete;
  return (
    app.hooks[h.model].isIdle() &&
    app.hooks[h.record].isIdle() &&
    app.hooks[h.modelExec].isIdle() &&
    app.hooks[h.recordExec].isIdle() &&
    app.hooks[h.modelOk].isIdle() &&
    app.hooks[h.recordOk].isIdle() &&
    app.hooks[h.modelErr].isIdle() &&
    app.hooks[h.recordErr].isIdle()
  );
}

/**
 * Whether a record's delete is its DELETE statement alone: a base record (an auth record takes
 * its side rows, a view has no row) that no relation field can point at, deleted outside any
 * transaction. One statement is atomic by itself; a transaction around it (BEGIN IMMEDIATE,
 * COMMIT, the schema check after it, a transaction-bound app) was ~10 % of such a delete's CPU.
 */
function deletesAlone(app: App, record: Record): boolean {
  return !app.isTransactional && record.collection.type === "base" && !hasReferences(app, record.collection);
}

/** The DELETE of a record that `deletesAlone`, then its stored files (as after a commit). */
async function deleteAlone(app: App, record: Record): Promise<void> {
  await app.db.run(`DELETE FROM ${quoteIdent(record.collection.name)} WHERE \`id\` = ?`, [record.id]);
  try {
    await deleteStoredRecordFiles(app, record);
  } catch (err) {
    // as a transaction's after-commit callback: reported, never undoing the committed delete
    console.error(err);
  }
}

/**
 * Deletes a record through its hook chains: the row goes first, then the records that
 * reference it are detached, cascade-deleted or block the delete (§3.3), and an auth record's
 * external auths, MFA sessions, OTPs and login origins go with it.
 */
export async function deleteRecord(app: App, record: Record, options: SaveRecordOptions = {}): Promise<void> {
  const context = options.context ?? {};
  const deleteOne = (a: App, r: Record) => deleteRecord(a, r, { context });
  await runWrite(
    app,
    () =>
      triggerPair(app, record, "delete", "main", context, async (txApp) => {
        if (record.collection.name === SUPERUSERS) {
          const row = await txApp.db.get(`SELECT COUNT(*) AS n FROM ${quoteIdent(SUPERUSERS)}`);
          if (Number(row?.n ?? 0) <= 1) throw new Error("You can't delete the only existing superuser.");
        }
        await triggerPair(txApp, record, "delete", "exec", context, (execApp) =>
          deletesAlone(execApp, record)
            ? deleteAlone(execApp, record)
            : // The DELETE and its cascade are one transaction (PocketBase's, opened after the
              // execute handlers); the after hooks of the cascaded writes wait for its end.
              execApp.runInTransaction(async (tx) => {
                await tx.db.run(`DELETE FROM ${quoteIdent(record.collection.name)} WHERE \`id\` = ?`, [
                  record.id,
                ]);
                if (record.collection.type === "view") return;
                deleteRecordFilesAfterCommit(tx, record);
                await cascadeRelations(tx, record, {
                  deleteOne,
                  saveOne: (a, r) => saveRecord(a, r, { skipValidation: true, context }),
                  canDeleteInBulk: (c) => canDeleteInBulk(tx, c),
                });
                if (record.collection.type === "auth") {
                  await deleteAuthSideRecords(tx, record, AUTH_SIDE_TABLES, deleteOne);
                }
              }),
        );
      }),
    (hooksApp) => afterHooks(hooksApp, record, "delete", context),
  );
}
