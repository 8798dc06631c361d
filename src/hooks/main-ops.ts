/**
 * The main-thread end of the bridge: every synchronous call a script makes (`$app.*` by name,
 * `$app.db()` queries, `runInTransaction`, `$http.send`, `$mails`, the logger, the store, crons,
 * filesystems (main-filesystems.ts), form submits (main-forms.ts) and the event/request
 * operations) is answered here, after the real async work.
 */
import { str } from "./text.ts";
import type { App } from "../core/app.ts";
import type { Collection } from "../core/collections/collection-model.ts";
import { Record as CoreRecord } from "../core/records/record.ts";
import { newAuthToken, newRecordToken, newStaticAuthToken } from "../core/records/record-tokens.ts";
import { sendMail } from "../core/mails/mail-send.ts";
import { createBackup } from "../core/backups/backup-create.ts";
import { defaultBackupName } from "../core/backups/backup-names.ts";
import * as recordMails from "../core/mails/record-mails.ts";
import type { MailMessage } from "../core/mails/mailer.ts";
import { defaultSettings, type Settings } from "../core/settings/settings-model.ts";
import { NotFoundError } from "../api/errors.ts";
import type { AppHandles } from "./main-codec.ts";
import { bindNamed, collectionByRef, decodeValue, encodeValue, recordFromWire } from "./main-codec.ts";
import type { RecordWire } from "./wire.ts";
import { fileFromBytes, fileFromPath, fileFromURL, uploadHandles } from "./main-files.ts";
import { ScriptFilesystems } from "./main-filesystems.ts";
import { submitForm } from "./main-forms.ts";
import { extraAppMethod } from "./main-app-extras.ts";
import { realtimeOp } from "./main-realtime.ts";
import type { CallContext, RunContext, WorkerPool } from "./pool.ts";
import type { FnSource } from "./registrations.ts";

type Obj = { [key: string]: unknown };

/** What the ops need from the runtime. */
export interface OpsHost {
  app: App;
  handles: AppHandles;
  pool(): WorkerPool;
  /** Registers a cron job whose function is script source. */
  cronAdd(id: string, expr: string, fn: FnSource): void;
  cronRemove(id: string): void;
  /** Removes every job of the app's scheduler (PocketBase's `cron().removeAll()`). */
  cronRemoveAll(): void;
  cronJobs(): { id: string; expression: string }[];
  log(level: string, message: string, data: Obj): void;
}

const noRows = () => new NotFoundError("sql: no rows in result set");

function collectionOf(app: App, c: unknown): Collection {
  if (c && typeof c === "object" && "fields" in c) return c as Collection;
  const found = app.findCollectionByNameOrId(str(c));
  if (!found) throw noRows();
  return found;
}

/** `$app.<method>(…args)` on the main thread (args already decoded). */
async function appMethod(app: App, method: string, a: unknown[]): Promise<unknown> {
  switch (method) {
    case "findCollectionByNameOrId":
    case "findCachedCollectionByNameOrId":
      return collectionOf(app, a[0]);
    case "findAllCollections":
      return app.findAllCollections(...(a as never[]));
    case "save":
    case "saveNoValidate": {
      const model = unwrapSettings(a[0]);
      await (method === "save" ? app.save(model as never) : app.saveNoValidate(model as never));
      // the saved record goes back so the script's object takes its id and stored state
      return model instanceof CoreRecord ? model : null;
    }
    case "expandRecord":
    case "expandRecords": {
      // the records go back so the script's objects take their expands (worker-scope.ts)
      const records = (method === "expandRecord" ? [a[0]] : Array.isArray(a[0]) ? a[0] : []).filter(
        (r): r is CoreRecord => r instanceof CoreRecord,
      );
      const expands = (Array.isArray(a[1]) ? a[1] : []).map((x) => str(x));
      const errors = await app.expandRecords(records, expands, null);
      return { $expanded: records, errors };
    }
    case "validate":
      await app.validate(unwrapSettings(a[0]) as never);
      return null;
    case "delete":
      await app.delete(a[0] as never);
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
      // the app rides along so the script's copy can write through (see worker-codec liveObject)
      return { $settings: structuredClone(app.settings()), $settingsApp: app };
    case "__setSettingsPath":
      setAtPath(app.settings() as unknown as { [key: string]: unknown }, a[0] as string[], a[1]);
      return null;
    case "reloadSettings":
      await app.reloadSettings();
      return null;
    case "reloadCachedCollections":
      await app.reloadCollections();
      return null;
    case "createBackup":
      // an empty name gets the generated one, as in PocketBase
      await createBackup(app, str(a[0]) || defaultBackupName(app));
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
      return rows.map((r) => str(r.name));
    }
    default: {
      // members the App answers through its primitives, or Go-only ones (main-app-extras.ts)
      const extra = await extraAppMethod(app, method, a);
      if (extra) return extra.value;
      // every other App method with PocketBase's JS name (findRecordById, countRecords, …)
      const fn = (app as unknown as { [k: string]: unknown })[method];
      if (typeof fn === "function" && !method.startsWith("on") && !HIDDEN_METHODS.has(method))
        return (await (fn as (...x: unknown[]) => unknown).apply(app, a)) ?? null;
      throw new Error(`not supported in Satchel: $app.${method}(); see docs/hooks.md for what $app has`);
    }
  }
}

/** App members that are not part of the script API. */
const HIDDEN_METHODS = new Set(["constructor", "bootstrap", "terminate", "runInTransaction", "afterCommit"]);

/**
 * Assigns `value` at `path` inside `root` (a live settings object), creating nothing on the way.
 * Objects a script assigns get the zero value of each field they leave out (as Go structs do),
 * taken from the shape of the default settings at the same place.
 */
function setAtPath(root: { [key: string]: unknown }, path: string[], value: unknown): void {
  let at: unknown = root;
  let shape: unknown = defaultSettings();
  for (const key of path.slice(0, -1)) {
    if (at === null || typeof at !== "object" || !Object.hasOwn(at, key)) return;
    at = (at as { [key: string]: unknown })[key];
    shape = shapeAt(shape, key);
  }
  const last = path.at(-1);
  if (last === undefined || at === null || typeof at !== "object" || last === "__proto__") return;
  (at as { [key: string]: unknown })[last] = withZeroFields(value, shapeAt(shape, last));
}

/** The default value's part under `key` (any element of an array stands for all of them). */
function shapeAt(shape: unknown, key: string): unknown {
  if (Array.isArray(shape)) return shape[0];
  return shape !== null && typeof shape === "object" ? (shape as { [key: string]: unknown })[key] : undefined;
}

function zeroOf(shape: unknown): unknown {
  if (typeof shape === "string") return "";
  if (typeof shape === "number") return 0;
  if (typeof shape === "boolean") return false;
  if (Array.isArray(shape)) return [];
  return shape !== null && typeof shape === "object" ? withZeroFields({}, shape) : null;
}

function withZeroFields(value: unknown, shape: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => withZeroFields(v, shapeAt(shape, "0")));
  if (value === null || typeof value !== "object" || shape === null || typeof shape !== "object")
    return value;
  if (Array.isArray(shape)) return value;
  const out: { [key: string]: unknown } = {};
  for (const [k, s] of Object.entries(shape)) out[k] = k in value ? undefined : zeroOf(s);
  for (const [k, v] of Object.entries(value))
    out[k] = withZeroFields(v, (shape as { [key: string]: unknown })[k]);
  return out;
}

/**
 * The settings a script saves (its copy), with the zero value of every field an object it
 * assigned left out (`rateLimits.rules = [{label, maxRequests, duration}]`: `audience` ""), as Go
 * structs have them.
 */
function unwrapSettings(model: unknown): unknown {
  return model && typeof model === "object" && "$settings" in model
    ? withZeroFields((model as { $settings: Settings }).$settings, defaultSettings())
    : model;
}

/** `record.newToken` of the script library: the tokens of an auth record. */
function newToken(record: CoreRecord, kind: string, extra: unknown[]): string {
  switch (kind) {
    case "auth":
      return newAuthToken(record);
    case "static": {
      const ns = Number(extra[0]) || 0;
      return newStaticAuthToken(record, ns > 0 ? Math.max(1, Math.round(ns / 1e9)) : 0);
    }
    case "verification":
      return newRecordToken(record, "verification", { email: record.email });
    case "passwordReset":
      return newRecordToken(record, "passwordReset", { email: record.email });
    case "emailChange":
      return newRecordToken(record, "emailChange", { email: record.email, newEmail: str(extra[0]) });
    case "file":
      return newRecordToken(record, "file");
    default:
      throw new Error(`unknown token kind ${kind}`);
  }
}

/** A `$filesystem` file as the worker holds it (FileWire). */
function isFileWire(v: unknown): v is { handle: string } {
  return typeof v === "object" && v !== null && typeof (v as { handle?: unknown }).handle === "string";
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
    for (const [k, v] of (cfg.body as { $form: [string, unknown][] }).$form) {
      // a `$filesystem` file travels as its handle: send its content under its original name
      const upload = isFileWire(v) ? uploadHandles.get(v.handle) : undefined;
      if (upload) form.append(k, upload.blob, upload.originalName);
      else form.append(k, isFileWire(v) ? "" : String(v));
    }
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
  const filesystems = new ScriptFilesystems();
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
        return encodeValue(await appMethod(app, str(args[1]), decoded), handles);
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
        // `$app.auxDB()` queries go to auxiliary.db (logs), as in PocketBase
        const db = str(args[0]).endsWith(":aux") ? app.auxDb : app.db;
        const mode = String(args[1]);
        const bound = bindNamed(str(args[2]), (args[3] as Obj) ?? {});
        if (mode === "execute") {
          const r = await db.run(bound.sql, bound.values);
          return { lastInsertId: r.lastInsertRowid, rowsAffected: r.changes };
        }
        const rows = await db.all(bound.sql, bound.values);
        if (mode === "records") {
          // $app.recordQuery(…): the rows as records of the collection
          const collection = collectionOf(app, args[4]);
          return encodeValue(
            rows.map((row) => CoreRecord.fromRow(collection, row)),
            handles,
          );
        }
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
        // PocketBase's `$app.store()` is the app's own store (where `@activeBackup` lives…)
        const [method, a = []] = args as [string, unknown[]];
        const s = host.app.store();
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
            s.remove(k);
            return null;
          case "removeAll":
            s.removeAll();
            return null;
          case "getAll":
            return s.getAll();
          case "length":
            return s.length();
          case "setIfLessThanLimit":
            return s.setIfLessThanLimit(k, a[1], Number(a[2]));
          case "reset":
            s.reset((a[0] as Obj) ?? {});
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
        // every job of the app's scheduler (the system ones too), as PocketBase lists them
        return host.app.cron().jobs();
      case "collection.ref":
        return collectionByRef(str(args[0]));
      case "fs.file": {
        // $filesystem.fileFrom*: the content prepared here, the worker keeps a handle
        const [kind, source, name, timeout] = args as [string, unknown, unknown, unknown];
        if (kind === "path") return fileFromPath(str(source));
        if (kind === "url") return fileFromURL(str(source), Number(timeout) || 0);
        const bytes = source instanceof Uint8Array ? source : new TextEncoder().encode(str(source));
        return fileFromBytes(bytes, str(name));
      }
      case "cron.removeAll":
        host.cronRemoveAll();
        return null;
      case "realtime":
        return realtimeOp(handles.main, handles, args);
      case "http.send":
        return httpSend((args[0] as Obj) ?? {});
      case "record.newToken": {
        // the script library sends the record's plain wire shape
        const record = await recordFromWire(host.app, args[0] as RecordWire);
        if (record.collection.type !== "auth") throw new Error("not an auth collection record");
        return newToken(record, str(args[1]), args.slice(2));
      }
      case "os.exit":
        host.log("info", `$os.exit(${str(args[0])}) called by a script`, {});
        process.exit(Number(args[0]) || 0);
        return null;
      case "form.submit": {
        const state = (args[1] as Obj | undefined) ?? {};
        const record = await submitForm(await appOf(state.appId), str(args[0]), state);
        // the script's record takes the saved state back
        return record ? (encodeValue(record, handles) as { $record: unknown }).$record : null;
      }
      case "fs.open": {
        // $filesystem.local/s3, $app.newFilesystem/newBackupsFilesystem: a handle to the store
        const [kind, a = []] = args as [string, unknown[]];
        return filesystems.open(host.app, kind, a);
      }
      case "fs.system": {
        const [handle, method, a = []] = args as [string, string, unknown[]];
        return filesystems.call(handle, method, a);
      }
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
