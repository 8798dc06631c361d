/**
 * The worker side of the tagged value encoding: script objects become `{$record: RecordWire}`,
 * `{$collection: CollectionWire}`, `{$app: id}`, `{$settings: …}` or `{$error: ErrorWire}` on the
 * way out, and are rebuilt with the installed script classes on the way in.
 */
import { str } from "./text.ts";
import type { CollectionWire, ErrorWire, RecordWire } from "./wire.ts";
import { BridgeError } from "./worker-channel.ts";

type Obj = { [key: string]: unknown };

/** How the worker rebuilds script objects. */
export interface ScriptModels {
  recordFromWire(w: RecordWire): unknown;
  collectionFromWire(w: CollectionWire): unknown;
  appFor(id: string): unknown;
  /** A realtime client handle (`e.client` of the realtime events; absent in migrations). */
  clientFor?(info: { id: string; subscriptions: string[] }): unknown;
}

const APP_ID = Symbol.for("satchel.appId");
const SETTINGS = Symbol.for("satchel.settings");

/** Marks an object as the `$app` of a handle. */
export function markApp<T extends object>(app: T, id: string): T {
  Object.defineProperty(app, APP_ID, { value: id });
  return app;
}

/** The handle of an `$app` object, if it is one. */
export function appIdOf(v: unknown): string | undefined {
  return v && (typeof v === "object" || typeof v === "function")
    ? ((v as { [APP_ID]?: string })[APP_ID] ?? undefined)
    : undefined;
}

function isRecordWire(w: unknown): w is RecordWire {
  return !!w && typeof w === "object" && "isNew" in w && "data" in w && "collection" in w;
}

/** The wire form of anything a script thrown or rejected. */
export function errorToWire(err: unknown): ErrorWire {
  if (err instanceof BridgeError)
    return { kind: err.kind, status: err.status, message: err.message, data: err.data, stack: err.origin };
  const e = err as { status?: unknown; data?: unknown; message?: unknown; stack?: unknown; code?: unknown };
  if (err && typeof err === "object" && typeof e.status === "number" && "data" in e) {
    const data = e.data && typeof e.data === "object" ? (JSON.parse(JSON.stringify(e.data)) as Obj) : {};
    return {
      kind: "api",
      status: e.status,
      message: str(e.message),
      data,
      stack: str(e.stack),
    };
  }
  if (err instanceof Error)
    return {
      kind: "error",
      // a Go "no rows" error raised in the worker (GoError status 404) stays a 404
      status: e.status === 404 ? 404 : 0,
      message: `${err.name}: ${err.message}`,
      data: {},
      stack: err.stack ?? "",
    };
  return { kind: "error", status: 0, message: String(err), data: {} };
}

/** Encodes a script value for the main thread. */
export function encode(v: unknown, seen?: Set<unknown>): unknown {
  if (v === null || v === undefined || typeof v !== "object") {
    return typeof v === "function" || typeof v === "symbol" ? undefined : v;
  }
  if (seen?.has(v)) return null;
  const id = appIdOf(v);
  if (id !== undefined) return { $app: id };
  if ((v as { [SETTINGS]?: boolean })[SETTINGS])
    return { $settings: JSON.parse(JSON.stringify(v)) as unknown };
  const toWire = (v as { toWire?: (forMain?: boolean) => unknown }).toWire;
  if (typeof toWire === "function") {
    // records leave their collection's schema behind (the main thread has it)
    const w = toWire.call(v, true);
    return isRecordWire(w) ? { $record: w } : { $collection: w };
  }
  if (v instanceof Error) return { $error: errorToWire(v) };
  const build = (v as { build?: (db: unknown, params: Obj) => string }).build;
  if (typeof build === "function") {
    // a $dbx expression: built here, bound on the main thread
    const params: Obj = {};
    const sql = build.call(v, null, params);
    return { $expr: { sql, params: encode(params, seen) } };
  }
  if (v instanceof Uint8Array || v instanceof Date) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  // made on the first container: most values sent are a record or a primitive
  seen ??= new Set();
  seen.add(v);
  try {
    if (Array.isArray(v)) return v.map((x) => encode(x, seen));
    const proto = Object.getPrototypeOf(v) as unknown;
    const toJSON = (v as { toJSON?: () => unknown }).toJSON;
    if (proto !== Object.prototype && proto !== null && typeof toJSON === "function")
      return encode(toJSON.call(v), seen);
    const out: Obj = {};
    for (const [k, x] of Object.entries(v)) {
      const e = encode(x, seen);
      if (e !== undefined) out[k] = e;
    }
    return out;
  } finally {
    seen.delete(v);
  }
}

/** Wraps an object so that every assignment in it (at any depth) is also reported to `write`. */
function liveObject(target: Obj, path: string[], write: (path: string[], value: unknown) => void): Obj {
  return new Proxy(target, {
    get(t, key, receiver) {
      const v: unknown = Reflect.get(t, key, receiver);
      return typeof key === "string" && v !== null && typeof v === "object" && !(v instanceof Date)
        ? liveObject(v as Obj, [...path, key], write)
        : v;
    },
    set(t, key, value, receiver) {
      const ok = Reflect.set(t, key, value, receiver);
      if (ok && typeof key === "string") write([...path, key], encode(value));
      return ok;
    },
  });
}

/** Decodes a value from the main thread into script objects. */
export function decode(v: unknown, models: ScriptModels): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return v.map((x) => decode(x, models));
  if (v instanceof Uint8Array || v instanceof Date) return v;
  const o = v as Obj;
  if ("$record" in o) return models.recordFromWire(o.$record as RecordWire);
  if ("$collection" in o) return models.collectionFromWire(o.$collection as CollectionWire);
  if ("$app" in o) return models.appFor(String(o.$app));
  if ("$client" in o && models.clientFor)
    return models.clientFor(o.$client as { id: string; subscriptions: string[] });
  if ("$error" in o) return new BridgeError(o.$error as ErrorWire);
  if ("$settings" in o) {
    const s = o.$settings as Obj;
    Object.defineProperty(s, SETTINGS, { value: true });
    const app = o.$settingsApp ? (decode(o.$settingsApp, models) as Obj) : undefined;
    if (!app) return s;
    // `$app.settings()` is PocketBase's live object: what a script assigns takes effect at once
    // (unvalidated, unsaved until `$app.save(settings)`)
    return liveObject(s, [], (path, value) =>
      (app.__setSettingsPath as (p: string[], v: unknown) => void)(path, value),
    );
  }
  const out: Obj = {};
  for (const [k, x] of Object.entries(o)) out[k] = decode(x, models);
  return out;
}
