/**
 * `$app` members of jsvm-surface §3.1 that the core App has no method of its own for, answered
 * on the main thread from the App's primitives: the `*WithContext` variants, the auth helper
 * tables (`_externalAuths`, `_mfas`, `_otps`, `_authOrigins` as records), table/schema helpers,
 * logs, collection helpers. Go-only members throw "not supported in Satchel: …; use …".
 */
import type { App } from "../core/app.ts";
import type { Collection } from "../core/collections/collection-model.ts";
import { Record as CoreRecord } from "../core/records/record.ts";
import { purgeExpired } from "../core/records/record-auth-system.ts";
import { quoteIdent, type SqlValue } from "../core/db/database.ts";
import { NotFoundError } from "../api/errors.ts";
import { str } from "./text.ts";

type Obj = { [key: string]: unknown };
type Fragment = { sql: string; params: SqlValue[] };

/** A Go-only member with no meaning in Node. */
function notSupported(what: string, instead: string): never {
  throw new Error(`not supported in Satchel: ${what}; ${instead}`);
}

const UNSUPPORTED: { [method: string]: string } = {
  resetBootstrapState: "the server bootstraps the app once",
  unsafeWithoutHooks:
    "scripts' writes always run the hooks (guard your handlers with a flag in $app.store())",
  auxRunInTransaction: "write logs with $app.logger(); run your own SQL with $app.runInTransaction()",
  txInfo: "use $app.isTransactional(); code after runInTransaction() runs after the commit",
  auxSave: "logs are written by $app.logger()",
  auxSaveNoValidate: "logs are written by $app.logger()",
  auxSaveWithContext: "logs are written by $app.logger()",
  auxSaveNoValidateWithContext: "logs are written by $app.logger()",
  auxDelete: "use $app.deleteOldLogs(before) or $app.auxDB().delete(...)",
  auxDeleteWithContext: "use $app.deleteOldLogs(before) or $app.auxDB().delete(...)",
  findRecordByViewFile: "query the view collection with $app.findFirstRecordByFilter()",
  findCollectionReferences: "check the relation fields (collectionId) of $app.findAllCollections()",
  findCachedCollectionReferences: "check the relation fields (collectionId) of $app.findAllCollections()",
  syncRecordTableSchema: "$app.save(collection) updates the table",
  modelQuery: "use $app.db().select().from(table)",
  auxModelQuery: "use $app.auxDB().select().from(table)",
  createViewFields: "save a view collection: its fields are derived from the query",
  dryRunView: "run the SELECT with $app.db().newQuery(sql).all(rows)",
  runSystemMigrations: "migrations run on `satchel serve` and `satchel migrate`",
  runAppMigrations: "migrations run on `satchel serve` and `satchel migrate`",
  runAllMigrations: "migrations run on `satchel serve` and `satchel migrate`",
  restoreBackup: "use the API: POST /api/backups/{key}/restore",
};

/** Auth helper tables: `find…By…`/`delete…` over their system collection's records. */
const AUTH_TABLES: { [kind: string]: string } = {
  ExternalAuths: "_externalAuths",
  MFAs: "_mfas",
  OTPs: "_otps",
  AuthOrigins: "_authOrigins",
};

function tableCollection(app: App, name: string): Collection {
  const c = app.findCollectionByNameOrId(name);
  if (!c) throw new NotFoundError("sql: no rows in result set");
  return c;
}

async function recordsWhere(
  app: App,
  name: string,
  where: string,
  params: SqlValue[],
): Promise<CoreRecord[]> {
  const c = tableCollection(app, name);
  const table = quoteIdent(c.name);
  const rows = await app.db.all(
    `SELECT ${table}.* FROM ${table}${where ? ` WHERE ${where}` : ""} ORDER BY \`created\` DESC`,
    params,
  );
  return rows.map((row) => CoreRecord.fromRow(c, row));
}

const isRecord = (v: unknown): v is CoreRecord => v instanceof CoreRecord;

async function authTableMethod(app: App, method: string, a: unknown[]): Promise<{ value: unknown } | null> {
  for (const [kind, name] of Object.entries(AUTH_TABLES)) {
    if (method === `findAll${kind}ByRecord` && isRecord(a[0]))
      return {
        value: await recordsWhere(app, name, "`collectionRef` = ? AND `recordRef` = ?", [
          a[0].collection.id,
          a[0].id,
        ]),
      };
    if (method === `findAll${kind}ByCollection`) {
      const c = a[0] && typeof a[0] === "object" && "id" in a[0] ? (a[0] as Collection) : null;
      const id = c ? c.id : (app.findCollectionByNameOrId(str(a[0]))?.id ?? str(a[0]));
      return { value: await recordsWhere(app, name, "`collectionRef` = ?", [id]) };
    }
    if (method === `deleteAll${kind}ByRecord` && isRecord(a[0])) {
      const records = await recordsWhere(app, name, "`collectionRef` = ? AND `recordRef` = ?", [
        a[0].collection.id,
        a[0].id,
      ]);
      for (const r of records) await app.delete(r);
      return { value: null };
    }
  }
  switch (method) {
    case "findFirstExternalAuthByExpr": {
      const e = a[0] as Fragment | null;
      const [first] = await recordsWhere(app, "_externalAuths", e?.sql ?? "", e?.params ?? []);
      if (!first) throw new NotFoundError("sql: no rows in result set");
      return { value: first };
    }
    case "findMFAById":
      return { value: await app.findRecordById("_mfas", str(a[0])) };
    case "findOTPById":
      return { value: await app.findRecordById("_otps", str(a[0])) };
    case "findAuthOriginById":
      return { value: await app.findRecordById("_authOrigins", str(a[0])) };
    case "findAuthOriginByRecordAndFingerprint": {
      const r = a[0];
      if (!isRecord(r)) throw new Error("findAuthOriginByRecordAndFingerprint: expected a record");
      const [first] = await recordsWhere(
        app,
        "_authOrigins",
        "`collectionRef` = ? AND `recordRef` = ? AND `fingerprint` = ?",
        [r.collection.id, r.id, str(a[1])],
      );
      if (!first) throw new NotFoundError("sql: no rows in result set");
      return { value: first };
    }
    case "deleteExpiredMFAs":
      await purgeExpired(app, "_mfas");
      return { value: null };
    case "deleteExpiredOTPs":
      await purgeExpired(app, "_otps");
      return { value: null };
    default:
      return null;
  }
}

/** `tableInfo(name)`: PocketBase's TableInfoRow shape. */
async function tableInfo(app: App, name: string): Promise<Obj[]> {
  const rows = await app.db.all("SELECT * FROM pragma_table_info(?)", [name]);
  if (rows.length === 0) throw new Error(`empty table info probably due to invalid or missing table ${name}`);
  return rows.map((r) => ({
    pk: Number(r.pk),
    index: Number(r.cid),
    name: str(r.name),
    type: str(r.type),
    notNull: Number(r.notnull) === 1,
    defaultValue: r.dflt_value === null ? null : str(r.dflt_value),
  }));
}

/**
 * Answers the extra `$app` members; `null` when `method` is none of them (the caller then
 * looks for an App method of that name).
 */
export async function extraAppMethod(
  app: App,
  method: string,
  a: unknown[],
): Promise<{ value: unknown } | null> {
  const instead = UNSUPPORTED[method];
  if (instead !== undefined) notSupported(`$app.${method}()`, instead);
  switch (method) {
    // PocketBase's context variants: the context carries nothing a Satchel write uses
    case "saveWithContext":
      await app.save(a[1] as never);
      return { value: isRecord(a[1]) ? a[1] : null };
    case "saveNoValidateWithContext":
      await app.saveNoValidate(a[1] as never);
      return { value: isRecord(a[1]) ? a[1] : null };
    case "deleteWithContext":
      await app.delete(a[1] as never);
      return { value: null };
    case "validateWithContext":
      await app.validate(a[1] as never);
      return { value: null };
    case "auxHasTable": {
      const row = await app.auxDb.get(
        "SELECT 1 AS ok FROM sqlite_schema WHERE type IN ('table','view') AND name = ?",
        [str(a[0])],
      );
      return { value: row !== undefined };
    }
    case "tableInfo":
      return { value: await tableInfo(app, str(a[0])) };
    case "tableIndexes": {
      const rows = await app.db.all(
        "SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
        [str(a[0])],
      );
      const out: Obj = {};
      for (const r of rows) out[str(r.name)] = str(r.sql);
      return { value: out };
    }
    case "deleteTable":
      await app.db.run(`DROP TABLE ${quoteIdent(str(a[0]))}`);
      return { value: null };
    case "deleteView":
      await app.db.run(`DROP VIEW IF EXISTS ${quoteIdent(str(a[0]))}`);
      return { value: null };
    case "saveView": {
      const name = quoteIdent(str(a[0]));
      await app.runInTransaction(async (tx) => {
        await tx.db.run(`DROP VIEW IF EXISTS ${name}`);
        await tx.db.run(`CREATE VIEW ${name} AS ${str(a[1])}`);
      });
      return { value: null };
    }
    case "vacuum":
      await app.db.run("VACUUM");
      return { value: null };
    case "auxVacuum":
      await app.auxDb.run("VACUUM");
      return { value: null };
    case "isCollectionNameUnique": {
      const name = str(a[0]).toLowerCase();
      const exclude = new Set(a.slice(1).map((x) => str(x)));
      const clash = app.findAllCollections().some((c) => c.name.toLowerCase() === name && !exclude.has(c.id));
      return { value: name !== "" && !clash };
    }
    case "importCollectionsByMarshaledJSON": {
      const raw = a[0];
      const text = raw instanceof Uint8Array ? new TextDecoder().decode(raw) : str(raw);
      await app.importCollections(JSON.parse(text) as Obj[], a[1] === true);
      return { value: null };
    }
    case "findLogById": {
      const row = await app.auxDb.get("SELECT * FROM `_logs` WHERE `id` = ?", [str(a[0])]);
      if (!row) throw new NotFoundError("sql: no rows in result set");
      return { value: { ...row, data: JSON.parse(str(row.data) || "{}") as unknown } };
    }
    case "logsStats": {
      const e = a[0] as Fragment | null;
      const rows = await app.auxDb.all(
        "SELECT COUNT(`id`) AS total, strftime('%Y-%m-%d %H:00:00', `created`) AS date FROM `_logs`" +
          `${e?.sql ? ` WHERE ${e.sql}` : ""} GROUP BY date`,
        e?.params ?? [],
      );
      return { value: rows.map((r) => ({ total: Number(r.total), date: str(r.date) })) };
    }
    case "deleteOldLogs": {
      const before = a[0] instanceof Date ? a[0] : new Date(str(a[0]));
      if (Number.isNaN(before.getTime())) throw new Error("deleteOldLogs: invalid date");
      const cutoff = before.toISOString().replace("T", " ");
      await app.auxDb.run("DELETE FROM `_logs` WHERE `created` <= ?", [cutoff]);
      return { value: null };
    }
    default:
      return authTableMethod(app, method, a);
  }
}
