/**
 * The main-thread side of the wire: core records, collections, apps and errors to and from the
 * shapes of wire.ts, and the tagged encoding of event fields and call results
 * (`{$record}`, `{$collection}`, `{$app}`, `{$error}`, `{$settings}`, `{$expr}`).
 */
import { Client as RealtimeClient } from "../realtime/client.ts";
import { clientInfo } from "./main-realtime.ts";
import { str } from "./text.ts";
import type { App } from "../core/app.ts";
import type { Collection } from "../core/collections/collection-model.ts";
import { collectionToExportJson } from "../core/collections/collection-json.ts";
import { applyCollectionBody, collectionFromCreateBody } from "../core/collections/collection-input.ts";
import { Record as CoreRecord } from "../core/records/record.ts";
import { hashPassword } from "../auth/password.ts";
import { pendingUploads, setPendingUploads, type UploadedFile } from "../core/records/record-files.ts";
import { uploadHandles } from "./main-files.ts";
import { ApiError, NotFoundError, safeErrorData } from "../api/errors.ts";
import { ValidationError, ValidationErrors } from "../tools/validation.ts";
import type { CollectionWire, ErrorWire, RecordWire } from "./wire.ts";
import { quoteIdent, type SqlValue } from "../core/db/database.ts";

type Obj = { [key: string]: unknown };

/** Transaction apps lent to workers, by handle ("main" is the app itself). */
export class AppHandles {
  readonly main: App;
  readonly #byId = new Map<string, App>();
  readonly #ids = new WeakMap<App, string>();
  #next = 0;
  constructor(main: App) {
    this.main = main;
  }
  /** The handle of an app (registered while it is in use). */
  idOf(app: App): string {
    if (app === this.main || !app.isTransactional) return "main";
    let id = this.#ids.get(app);
    if (!id) {
      id = `tx${++this.#next}`;
      this.#ids.set(app, id);
      this.#byId.set(id, app);
    }
    return id;
  }
  /** The app of a handle; a finished transaction's handle falls back to the main app. */
  get(id: string): App {
    return this.#byId.get(id.replace(/:aux$/, "")) ?? this.main;
  }
  /** Forgets a transaction app (its transaction ended). */
  release(app: App): void {
    const id = this.#ids.get(app);
    if (id) this.#byId.delete(id);
    this.#ids.delete(app);
  }
}

/** A script error that crossed into the main thread; keeps its wire form for the way back. */
export class ScriptError extends Error {
  readonly wire: ErrorWire;
  constructor(wire: ErrorWire) {
    super(wire.message);
    this.name = "ScriptError";
    this.wire = wire;
    if (wire.stack) this.stack = wire.stack;
  }
}

/** A handler ran out of time (its worker was stopped). */
export class HookTimeoutError extends Error {
  override name = "HookTimeoutError";
}

/** Each collection object's wire, its reference and the `updated` it was made at. */
const collectionWires = new WeakMap<Collection, { wire: CollectionWire; ref: string; updated: string }>();
/** Wires by reference, for workers that meet a reference they have not seen (recent ones kept). */
const wiresByRef = new Map<string, CollectionWire>();
const MAX_REFS = 500;
let refSeq = 0;

function cachedWire(c: Collection): { wire: CollectionWire; ref: string } {
  let entry = collectionWires.get(c);
  if (!entry || entry.updated !== c.updated) {
    const wire = JSON.parse(JSON.stringify(collectionToExportJson(c))) as CollectionWire;
    entry = { wire, ref: `c${++refSeq}@${c.updated}`, updated: c.updated };
    collectionWires.set(c, entry);
    wiresByRef.set(entry.ref, wire);
    if (wiresByRef.size > MAX_REFS) wiresByRef.delete(wiresByRef.keys().next().value!);
  }
  return entry;
}

/** A collection as its export JSON (secrets kept). */
export function collectionToWire(c: Collection): CollectionWire {
  return cachedWire(c).wire;
}

/**
 * A record's collection as it travels to a worker: a reference (`{$ref, id, name}`) the worker
 * resolves from its own cache, asking for the wire (`collectionByRef`) only the first time.
 */
function collectionRefWire(c: Collection): CollectionWire {
  return { $ref: cachedWire(c).ref, id: c.id, name: c.name };
}

/** The wire of a collection reference (a worker's cache miss). */
export function collectionByRef(ref: string): CollectionWire {
  const wire = wiresByRef.get(ref);
  if (!wire) throw new Error(`unknown collection reference ${ref}`);
  return wire;
}

/** A collection from a script: the stored one with the script's values applied, or a new one. */
export function collectionFromWire(app: App, w: CollectionWire): Collection {
  const stored = typeof w.id === "string" && w.id ? app.findCollectionByNameOrId(w.id) : null;
  if (stored && stored.id === w.id) return applyCollectionBody(stored, w).collection;
  return collectionFromCreateBody(w).collection;
}

/**
 * A core record as its (compact) wire shape: members that would be empty are left out as they
 * are made, not built and then dropped (compactRecordWire), since every script event carries
 * one or more records each way.
 */
export function recordToWire(r: CoreRecord): RecordWire {
  const data: Obj = {};
  const original: Obj | null = r.isNew ? null : {};
  let plainPasswords: { [field: string]: string } | undefined;
  let files = false;
  for (const field of r.collection.fields) {
    const name = field.name;
    data[name] = r.get(name);
    if (original) original[name] = r.original(name);
    if (field.type === "password") {
      const plain = r.plainPasswordOf(name);
      if (plain !== undefined) (plainPasswords ??= {})[name] = plain;
    } else if (field.type === "file") files = true;
  }
  const w: RecordWire = { collection: collectionRefWire(r.collection), id: r.id, isNew: r.isNew, data };
  if (original) w.original = original;
  if (plainPasswords) w.plainPasswords = plainPasswords;
  const custom = r.customData();
  for (const _ in custom) {
    w.custom = custom;
    break;
  }
  for (const k in r.expand) {
    const v = r.expand[k]!;
    (w.expand ??= {})[k] = Array.isArray(v) ? v.map(recordToWire) : recordToWire(v);
  }
  const hidden = r.hiddenNames();
  if (hidden.length > 0) w.hidden = hidden;
  const unhidden = r.unhiddenNames();
  if (unhidden.length > 0) w.unhidden = unhidden;
  if (r.emailVisibilityOverride) w.ignoreEmailVisibility = true;
  if (r.isCustomDataAllowed) w.withCustomData = true;
  if (files) {
    for (const { field, file } of pendingUploads(r))
      ((w.unsavedFiles ??= {})[field.name] ??= []).push(uploadHandles.wireOf(file));
  }
  return w;
}

function sameValue(a: unknown, b: unknown): boolean {
  return a === b || JSON.stringify(a) === JSON.stringify(b);
}

/** Applies a record's visibility and custom data from its wire state (what `onRecordEnrich` sets). */
function applyVisibility(r: CoreRecord, w: RecordWire): void {
  // a compact wire leaves empty members out: only a record with custom data can lose it
  if (w.custom || r.hasCustomData()) r.setCustomData(w.custom ?? {});
  // the script's sets are disjoint and start from the core's, so applying both is exact
  if (w.hidden) r.hide(...w.hidden);
  if (w.unhidden) r.unhide(...w.unhidden);
  r.withCustomData(w.withCustomData === true);
  const ignoreEmailVisibility = w.ignoreEmailVisibility === true;
  if (ignoreEmailVisibility !== (r.emailVisibilityOverride ?? false))
    r.ignoreEmailVisibility(ignoreEmailVisibility);
}

/** Makes the files a script attached (by handle) the record's pending uploads. */
function applyUnsavedFiles(r: CoreRecord, w: RecordWire): void {
  if (!w.unsavedFiles) return;
  for (const [fieldName, files] of Object.entries(w.unsavedFiles)) {
    const uploads: UploadedFile[] = [];
    for (const f of files) {
      const upload = uploadHandles.get(f.handle);
      if (!upload)
        throw new Error(`the file ${f.name} is no longer available; create it again with $filesystem`);
      uploads.push(upload);
    }
    setPendingUploads(r, fieldName, uploads);
  }
}

/**
 * Applies a record's wire state to a core record in place (fields, passwords, stored state).
 * Asynchronous only when a plain password must be hashed.
 */
export function applyRecordWire(r: CoreRecord, w: RecordWire): Promise<void> | undefined {
  applyVisibility(r, w);
  if (w.original && r.isNew) {
    for (const field of r.collection.fields)
      if (field.name in w.original) r.set(field.name, w.original[field.name]);
    r.markAsStored();
  }
  for (const field of r.collection.fields) {
    if (!(field.name in w.data)) continue;
    const value = w.data[field.name];
    if (!sameValue(r.get(field.name), value)) r.set(field.name, value);
  }
  applyUnsavedFiles(r, w);
  if (!w.plainPasswords) return;
  const changed = Object.entries(w.plainPasswords).filter(
    ([name, plain]) => r.plainPasswordOf(name) !== plain,
  );
  if (changed.length === 0) return;
  return (async () => {
    for (const [name, plain] of changed) {
      if (name === "password" && r.collection.type === "auth") await r.setPassword(plain);
      else {
        r.notePlainPassword(name, plain);
        r.set(name, await hashPassword(plain));
      }
    }
  })();
}

/** A core record from a script's wire record. */
export async function recordFromWire(app: App, w: RecordWire): Promise<CoreRecord> {
  const key = str(w.collection.id) || str(w.collection.name);
  const collection =
    app.findCollectionByNameOrId(key) ?? app.findCollectionByNameOrId(str(w.collection.name));
  if (!collection) throw new Error(`missing collection "${key}"`);
  const r = new CoreRecord(collection);
  await applyRecordWire(r, w);
  if (w.id && r.id !== w.id) r.set("id", w.id);
  return r;
}

/**
 * Errors raised on the main thread that went to a script, by id: when the script lets one
 * escape, the same error object comes back (as PocketBase keeps a Go error's identity).
 */
const origins = new Map<number, unknown>();
let originSeq = 0;
const ORIGIN = /^satchel-origin:(\d+)\n/;

function withOrigin(wire: ErrorWire, err: unknown): ErrorWire {
  const id = ++originSeq;
  origins.set(id, err);
  if (origins.size > 1000) origins.delete(origins.keys().next().value!);
  return { ...wire, stack: `satchel-origin:${id}\n${wire.stack ?? ""}` };
}

/** The wire form of an error raised on the main thread. */
export function errorToWire(err: unknown): ErrorWire {
  if (err instanceof ScriptError) return err.wire;
  return withOrigin(plainErrorToWire(err), err);
}

function plainErrorToWire(err: unknown): ErrorWire {
  if (err instanceof ApiError)
    return { kind: "api", status: err.status, message: err.message, data: err.data };
  if (err instanceof ValidationErrors) {
    const data = safeErrorData(err.errors);
    const message = Object.entries(data)
      .map(([k, v]) => `${k}: ${String((v as { message?: string }).message ?? "")}`)
      .join("; ");
    return { kind: "validation", status: 400, message: message || err.message, data };
  }
  if (err instanceof ValidationError)
    return { kind: "validation", status: 400, message: err.message, data: {} };
  if (err instanceof NotFoundError)
    return { kind: "error", status: 404, message: "sql: no rows in result set", data: {} };
  if (err instanceof HookTimeoutError)
    return { kind: "api", status: 500, message: "", data: {}, stack: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { kind: "error", status: 0, message, data: {}, stack: err instanceof Error ? err.stack : undefined };
}

/** The main-thread error for a script's error wire. */
export function errorFromWire(w: ErrorWire): Error {
  const origin = ORIGIN.exec(w.stack ?? "");
  if (origin && origins.has(Number(origin[1]))) {
    const original = origins.get(Number(origin[1]));
    if (original instanceof Error) return original;
  }
  if (w.kind === "api") return new ApiError(w.status, w.message, w.data, new ScriptError(w));
  if (w.kind === "validation") return new ApiError(400, "", w.data, new ScriptError(w));
  if (w.status === 404) return new ApiError(404, "", {}, new ScriptError(w));
  return new ScriptError(w);
}

/** Whether a value is a core collection. */
function isCollection(v: Obj): boolean {
  return (
    Array.isArray(v.fields) && typeof v.name === "string" && typeof v.type === "string" && "listRule" in v
  );
}

/** Encodes a main-thread value for a worker. */
export function encodeValue(v: unknown, handles: AppHandles, depth = 0): unknown {
  if (v === null || v === undefined) return v ?? null;
  if (typeof v === "function" || typeof v === "symbol") return undefined;
  if (typeof v === "bigint") return Number(v);
  if (typeof v !== "object") return v;
  if (depth > 20) return null;
  if (v instanceof CoreRecord) return { $record: recordToWire(v) };
  if (v instanceof Error) return { $error: errorToWire(v) };
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return v;
  if (v instanceof Request || v instanceof Response) return undefined;
  // a realtime client travels as a handle (script-broker.ts acts on it by id)
  if (v instanceof RealtimeClient) return { $client: clientInfo(v) };
  if (Array.isArray(v)) return v.map((x) => encodeValue(x, handles, depth + 1) ?? null);
  if (
    (v as { hooks?: unknown }).hooks &&
    typeof (v as { runInTransaction?: unknown }).runInTransaction === "function"
  )
    return { $app: handles.idOf(v as App) };
  const o = v as Obj;
  if (isCollection(o)) return { $collection: collectionToWire(o as unknown as Collection) };
  const out: Obj = {};
  for (const [k, x] of Object.entries(o)) {
    const e = encodeValue(x, handles, depth + 1);
    if (e !== undefined) out[k] = e;
  }
  return out;
}

/** Decodes a worker value into main-thread values (records, collections, apps). */
export async function decodeValue(v: unknown, app: App, handles: AppHandles): Promise<unknown> {
  if (v === null || typeof v !== "object") return v;
  if (v instanceof Uint8Array || v instanceof Date) return v;
  if (Array.isArray(v)) return Promise.all(v.map((x) => decodeValue(x, app, handles)));
  const o = v as Obj;
  if ("$record" in o) return recordFromWire(app, o.$record as RecordWire);
  if ("$collection" in o) return collectionFromWire(app, o.$collection as CollectionWire);
  if ("$app" in o) return handles.get(String(o.$app));
  if ("$error" in o) return errorFromWire(o.$error as ErrorWire);
  if ("$settings" in o) return { $settings: o.$settings };
  if ("$expr" in o) {
    // a $dbx expression: `{:name}` placeholders bound as positional values
    const x = o.$expr as { sql: string; params: Obj };
    const bound = bindNamed(x.sql, x.params ?? {});
    return { sql: bound.sql, params: bound.values };
  }
  const out: Obj = {};
  for (const [k, x] of Object.entries(o)) out[k] = await decodeValue(x, app, handles);
  return out;
}

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
      values.push(toSqlValue(params[name]));
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
