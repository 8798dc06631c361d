/**
 * The main-thread end of the bridge: every synchronous call a script makes (`$app.*` by name,
 * `$app.db()` queries, `runInTransaction`, `$http.send`, `$mails`, the logger, the store, crons,
 * and the event/request operations) is answered here, after the real async work.
 */
import { str } from "./text.ts";
import type { App } from "../core/app.ts";
import type { Collection } from "../core/collections/collection-model.ts";
import { quoteIdent, type SqlValue } from "../core/db/database.ts";
import { Record as CoreRecord } from "../core/records/record.ts";
import {
  findAuthRecordByEmail,
  findFirstRecordByData,
  findRecordById,
} from "../core/records/record-query.ts";
import { deleteRecord, saveRecord, validateRecord } from "../core/records/record-save.ts";
import { listRecords } from "../core/records/record-access.ts";
import { findAuthRecordByToken, TOKEN_TYPES, type TokenType } from "../core/records/record-tokens.ts";
import { deleteCollection, truncateCollection } from "../core/collections/collection-save.ts";
import { importCollectionsData } from "../core/collections/collection-import.ts";
import { sendMail } from "../core/mails/mail-send.ts";
import * as recordMails from "../core/mails/record-mails.ts";
import type { MailMessage } from "../core/mails/mailer.ts";
import type { Settings } from "../core/settings/settings-model.ts";
import { NotFoundError } from "../api/errors.ts";
import type { AppHandles } from "./main-codec.ts";
import { decodeValue, encodeValue } from "./main-codec.ts";
import type { CallContext, RunContext, WorkerPool } from "./pool.ts";
import type { FnSource } from "./registrations.ts";

type Obj = { [key: string]: unknown };

/** What the ops need from the runtime. */
export interface OpsHost {
  app: App;
  handles: AppHandles;
  pool(): WorkerPool;
  /** The shared key/value store (`$app.store()`). */
  store: Map<string, unknown>;
  /** Registers a cron job whose function is script source. */
  cronAdd(id: string, expr: string, fn: FnSource): void;
  cronRemove(id: string): void;
  cronJobs(): { id: string; expression: string }[];
  log(level: string, message: string, data: Obj): void;
}

const noRows = () => new NotFoundError("sql: no rows in result set");

/** A SQL text with `{:name}` placeholders and `[[col]]`/`{{table}}` quoting, bound positionally. */
export function bindNamed(sql: string, params: Obj): { sql: string; values: SqlValue[] } {
  const values: SqlValue[] = [];
  const text = sql
    .replace(/\{\{([^}]+)\}\}/g, (_m, name: string) => quoteIdent(name.trim()))
    .replace(/\[\[([^\]]+)\]\]/g, (_m, name: string) =>
      name
        .split(".")
        .map((part) => quoteIdent(part.trim()))
        .join("."),
    )
    .replace(/\{:(\w+)\}/g, (_m, name: string) => {
      const v = params[name];
      values.push(toSqlValue(v));
      return "?";
    });
  return { sql: text, values };
}

function toSqlValue(v: unknown): SqlValue {
  if (v === undefined || v === null) return null;
  if (typeof v === "boolean") return v ? 1 : 0;
  if (typeof v === "number" || typeof v === "string" || typeof v === "bigint") return v;
  if (v instanceof Uint8Array) return v;
  return JSON.stringify(v);
}

/** A filter literal for a `{:name}` placeholder of findRecordsByFilter. */
function filterLiteral(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : "0";
  if (typeof v === "boolean") return v ? "true" : "false";
  const s = typeof v === "string" ? v : JSON.stringify(v);
  return s.includes("'") && !s.includes('"') ? `"${s}"` : `'${s.replaceAll("'", "\\'")}'`;
}

function fillFilter(filter: string, params: Obj[]): string {
  const merged: Obj = Object.assign({}, ...params.filter((p) => p && typeof p === "object"));
  return filter.replace(/\{:(\w+)\}/g, (m, name: string) =>
    name in merged ? filterLiteral(merged[name]) : m,
  );
}

function collectionOf(app: App, c: unknown): Collection {
  if (c && typeof c === "object" && "fields" in c) return c as Collection;
  const found = app.findCollectionByNameOrId(str(c));
  if (!found) throw noRows();
  return found;
}

function exprWhere(exprs: unknown[]): { sql: string; values: SqlValue[] } | null {
  const parts: string[] = [];
  const values: SqlValue[] = [];
  for (const e of exprs) {
    if (!e || typeof e !== "object" || !("$expr" in e)) continue;
    const x = (e as { $expr: { sql: string; params: Obj } }).$expr;
    if (!x.sql) continue;
    const bound = bindNamed(x.sql, x.params ?? {});
    parts.push(`(${bound.sql})`);
    values.push(...bound.values);
  }
  return parts.length ? { sql: parts.join(" AND "), values } : null;
}

async function saveModel(app: App, model: unknown, skipValidation: boolean): Promise<unknown> {
  if (model instanceof CoreRecord) {
    await saveRecord(app, model, { skipValidation });
    return model;
  }
  if (model && typeof model === "object" && "$settings" in model) {
    await app.saveSettings((model as { $settings: Settings }).$settings);
    return null;
  }
  if (model && typeof model === "object" && "fields" in model) {
    // app.save tells a new collection from a stored one (by its id in _collections)
    const c = model as Collection;
    await (skipValidation ? app.saveNoValidate(c) : app.save(c));
    return app.findCollectionByNameOrId(c.id) ?? c;
  }
  throw new Error("save: unsupported model");
}

/** `$app.<method>(…args)` on the main thread (args already decoded). */
async function appMethod(host: OpsHost, app: App, method: string, a: unknown[]): Promise<unknown> {
  switch (method) {
    case "findCollectionByNameOrId":
    case "findCachedCollectionByNameOrId":
      return collectionOf(app, a[0]);
    case "findAllCollections":
      return app.findAllCollections(...(a as never[]));
    case "findRecordById": {
      const r = await findRecordById(app, collectionOf(app, a[0]), str(a[1]));
      if (!r) throw noRows();
      return r;
    }
    case "findRecordsByIds": {
      const c = collectionOf(app, a[0]);
      const ids = Array.isArray(a[1]) ? a[1].map(String) : [];
      if (ids.length === 0) return [];
      const rows = await app.db.all(
        `SELECT * FROM ${quoteIdent(c.name)} WHERE \`id\` IN (${ids.map(() => "?").join(",")})`,
        ids,
      );
      return rows.map((row) => CoreRecord.fromRow(c, row));
    }
    case "findFirstRecordByData": {
      const c = collectionOf(app, a[0]);
      const field = str(a[1]);
      if (!c.fields.some((f) => f.name === field)) throw new Error(`invalid or missing field ${field}`);
      const r = await findFirstRecordByData(app, c, field, a[2] as string);
      if (!r) throw noRows();
      return r;
    }
    case "findRecordsByFilter":
    case "findFirstRecordByFilter": {
      const c = collectionOf(app, a[0]);
      const first = method === "findFirstRecordByFilter";
      const params = (first ? a.slice(2) : a.slice(5)) as Obj[];
      const filter = fillFilter(str(a[1]), params);
      const sort = first ? "" : str(a[2]);
      const limit = first ? 1 : Number(a[3] ?? 0) || 0;
      const offset = first ? 0 : Number(a[4] ?? 0) || 0;
      const perPage = limit > 0 ? limit : Number.MAX_SAFE_INTEGER;
      const page = limit > 0 ? Math.floor(offset / limit) + 1 : 1;
      const info = { query: {}, headers: {}, body: {}, auth: null, method: "", context: "default" };
      const { records } = await listRecords(
        app,
        c,
        { filter, sort, page, perPage, skipTotal: true },
        { requestInfo: info, isSuperuser: true },
      );
      const shifted = limit > 0 && offset % limit !== 0 ? records.slice(offset % limit) : records;
      if (first) {
        if (!shifted[0]) throw noRows();
        return shifted[0];
      }
      return shifted;
    }
    case "findAllRecords":
    case "countRecords": {
      const c = collectionOf(app, a[0]);
      const where = exprWhere(a.slice(1));
      const sql = `SELECT ${method === "countRecords" ? "COUNT(*) AS n" : "*"} FROM ${quoteIdent(c.name)}${where ? ` WHERE ${where.sql}` : ""}`;
      const rows = await app.db.all(sql, where?.values ?? []);
      return method === "countRecords"
        ? Number(rows[0]?.n ?? 0)
        : rows.map((row) => CoreRecord.fromRow(c, row));
    }
    case "findAuthRecordByEmail": {
      const r = await findAuthRecordByEmail(app, collectionOf(app, a[0]), str(a[1]));
      if (!r) throw noRows();
      return r;
    }
    case "findAuthRecordByToken": {
      const token = str(a[0]);
      const types = (a.length > 1 ? a.slice(1).map(String) : Object.keys(TOKEN_TYPES)) as TokenType[];
      for (const type of types) {
        const found = await findAuthRecordByToken(app, token, type);
        if (found) return found.record;
      }
      throw new Error("invalid or expired token");
    }
    case "save":
    case "saveNoValidate":
      return saveModel(app, a[0], method === "saveNoValidate");
    case "validate":
      if (a[0] instanceof CoreRecord) await validateRecord(app, a[0]);
      return null;
    case "delete":
      if (a[0] instanceof CoreRecord) await deleteRecord(app, a[0]);
      else if (a[0] && typeof a[0] === "object" && "fields" in a[0])
        await deleteCollection(app, a[0] as Collection);
      else throw new Error("delete: unsupported model");
      return null;
    case "importCollections": {
      const list = Array.isArray(a[0]) ? (a[0] as unknown[]) : [];
      const raw = list.filter((x): x is Obj => typeof x === "object" && x !== null);
      await importCollectionsData(app, raw, a[1] === true);
      return null;
    }
    case "truncateCollection":
      await truncateCollection(app, collectionOf(app, a[0]));
      return null;
    case "dataDir":
      return app.dataDir;
    case "isDev":
      return app.isDev;
    case "encryptionEnv":
      return app.config.encryptionEnv;
    case "isBootstrapped":
      return app.isBootstrapped;
    case "isTransactional":
      return app.isTransactional;
    case "settings":
      return { $settings: structuredClone(app.settings()) };
    case "reloadSettings":
      await app.reloadSettings();
      return null;
    case "reloadCachedCollections":
      await app.reloadCollections();
      return null;
    case "hasTable": {
      const row = await app.db.get(
        "SELECT 1 AS ok FROM sqlite_schema WHERE type IN ('table','view') AND name = ?",
        [str(a[0])],
      );
      return row !== undefined;
    }
    case "tableColumns": {
      const rows = await app.db.all(`SELECT name FROM pragma_table_info(?)`, [str(a[0])]);
      return rows.map((r) => String(r.name));
    }
    default: {
      // App methods with PocketBase's JS names as the core grows them.
      const fn = (app as unknown as { [k: string]: unknown })[method];
      if (typeof fn === "function") return (await (fn as (...x: unknown[]) => unknown).apply(app, a)) ?? null;
      void host;
      throw new Error(`not supported in Satchel: $app.${method}()`);
    }
  }
}

async function httpSend(cfg: Obj): Promise<Obj> {
  const url = str(cfg.url);
  if (!url) throw new Error("invalid url");
  const method = (str(cfg.method) || "GET").toUpperCase();
  const timeout = Number(cfg.timeout) > 0 ? Number(cfg.timeout) : 120;
  const headers = new Headers();
  for (const [k, v] of Object.entries((cfg.headers as Obj | undefined) ?? {})) headers.append(k, String(v));
  let body: BodyInit | undefined;
  const data = cfg.data;
  if (data && typeof data === "object" && Object.keys(data).length > 0) body = JSON.stringify(data);
  else if (cfg.body && typeof cfg.body === "object" && "$form" in cfg.body) {
    const form = new FormData();
    for (const [k, v] of (cfg.body as { $form: [string, unknown][] }).$form) form.append(k, String(v));
    body = form;
    headers.delete("content-type");
  } else if (typeof cfg.body === "string") body = cfg.body;
  else if (typeof cfg.body === "number" || typeof cfg.body === "boolean") body = String(cfg.body);
  else if (cfg.body instanceof Uint8Array) body = new Blob([cfg.body as Uint8Array<ArrayBuffer>]);
  if (!headers.has("user-agent")) headers.set("User-Agent", "Go-http-client/1.1");
  const res = await fetch(url, {
    method,
    headers,
    body: method === "GET" || method === "HEAD" ? undefined : body,
    signal: AbortSignal.timeout(timeout * 1000),
    redirect: "follow",
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const outHeaders: { [name: string]: string[] } = {};
  for (const [k, v] of res.headers) {
    const name = k.replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
    (outHeaders[name] ??= []).push(v);
  }
  const cookies: Obj = {};
  for (const line of res.headers.getSetCookie()) {
    const [pair] = line.split(";");
    const i = pair!.indexOf("=");
    if (i > 0)
      cookies[pair!.slice(0, i).trim()] = {
        name: pair!.slice(0, i).trim(),
        value: pair!.slice(i + 1).trim(),
      };
  }
  let json: unknown = null;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
    json = parsed !== null && typeof parsed === "object" ? parsed : null;
  } catch {
    json = null;
  }
  return { statusCode: res.status, headers: outHeaders, cookies, body: bytes, json };
}

function mailMessage(app: App, m: Obj): MailMessage {
  const addr = (x: unknown) => {
    const o = (x ?? {}) as Obj;
    return { address: str(o.address), name: str(o.name) };
  };
  const list = (x: unknown) => (Array.isArray(x) ? x.map(addr) : []);
  const s = app.settings().meta;
  return {
    from: m.from ? addr(m.from) : { address: s.senderAddress, name: s.senderName },
    to: list(m.to),
    cc: list(m.cc),
    bcc: list(m.bcc),
    subject: str(m.subject),
    html: str(m.html),
    text: str(m.text),
    headers: (m.headers as { [k: string]: string } | undefined) ?? {},
  };
}

/** Builds the op handler of a runtime. */
export function createOps(host: OpsHost) {
  const { handles } = host;
  return async (op: string, args: unknown[], ctx: CallContext): Promise<unknown> => {
    const appOf = async (id: unknown): Promise<App> => {
      const app = handles.get(str(id, "main"));
      if (app === handles.main) return app;
      // a transaction that ended (e.g. an after-success hook holding its txApp): the main app
      const closed = await app.db.get("SELECT 1").then(
        () => false,
        () => true,
      );
      if (closed) handles.release(app);
      return closed ? handles.main : app;
    };
    const runOf = (id: unknown): RunContext => {
      const run = ctx.run(Number(id));
      if (!run) throw new Error("the event is no longer available");
      return run;
    };
    switch (op) {
      case "next": {
        const run = runOf(args[0]);
        if (!run.next) throw new Error("this event has no next()");
        return run.next(args[1] as never);
      }
      case "app": {
        const app = await appOf(args[0]);
        const decoded = (await decodeValue(args[2], app, handles)) as unknown[];
        return encodeValue(await appMethod(host, app, String(args[1]), decoded), handles);
      }
      case "app.tx": {
        const app = await appOf(args[0]);
        await app.runInTransaction(async (tx) => {
          try {
            await host
              .pool()
              .run({ kind: "callback", cb: Number(args[1]) }, null, [{ $app: handles.idOf(tx) }], {});
          } finally {
            handles.release(tx);
          }
        });
        return null;
      }
      case "db": {
        const app = await appOf(args[0]);
        const mode = String(args[1]);
        const bound = bindNamed(str(args[2]), (args[3] as Obj) ?? {});
        if (mode === "execute") {
          const r = await app.db.run(bound.sql, bound.values);
          return { lastInsertId: r.lastInsertRowid, rowsAffected: r.changes };
        }
        const rows = await app.db.all(bound.sql, bound.values);
        if (mode === "one") {
          if (!rows[0]) throw noRows();
          return rows[0];
        }
        return rows;
      }
      case "log": {
        host.log(String(args[1]), str(args[2]), (args[3] as Obj) ?? {});
        return null;
      }
      case "store": {
        const [method, a = []] = args as [string, unknown[]];
        const s = host.store;
        const k = str(a[0]);
        switch (method) {
          case "get":
            return s.get(k) ?? null;
          case "set":
            s.set(k, a[1]);
            return null;
          case "has":
            return s.has(k);
          case "remove":
            s.delete(k);
            return null;
          case "removeAll":
            s.clear();
            return null;
          case "getAll":
            return Object.fromEntries(s);
          case "length":
            return s.size;
          case "setIfLessThanLimit":
            if (s.size >= Number(a[2])) return false;
            s.set(k, a[1]);
            return true;
          case "reset":
            s.clear();
            for (const [key, v] of Object.entries((a[0] as Obj) ?? {})) s.set(key, v);
            return null;
          default:
            throw new Error(`store: unknown method ${method}`);
        }
      }
      case "cron.add":
        host.cronAdd(String(args[0]), String(args[1]), args[2] as FnSource);
        return null;
      case "cron.remove":
        host.cronRemove(String(args[0]));
        return null;
      case "cron.jobs":
        return host.cronJobs();
      case "http.send":
        return httpSend((args[0] as Obj) ?? {});
      case "mail.send": {
        await sendMail(host.app, mailMessage(host.app, (args[0] as Obj) ?? {}));
        return null;
      }
      case "mails": {
        const name = String(args[0]);
        const decoded = (await decodeValue(args[1], host.app, handles)) as unknown[];
        const fn = (recordMails as unknown as { [k: string]: (...x: unknown[]) => Promise<void> })[name];
        if (typeof fn !== "function") throw new Error(`not supported in Satchel: $mails.${name}`);
        await fn(host.app, ...decoded);
        return null;
      }
      default: {
        if (op.startsWith("request.") || op.startsWith("apis.")) {
          const run = runOf(args[0]);
          if (!run.request) throw new Error(`${op} is only available in request handlers`);
          return run.request(op, args.slice(1));
        }
        throw new Error(`unknown bridge operation ${op}`);
      }
    }
  };
}
