/**
 * The globals this runtime installs in a worker: `$app` (a proxy calling the main App by name),
 * `$apis`, `$http`, `$mails`, `$filesystem`, `sleep`, `cronAdd`/`cronRemove`, `__hooks`,
 * `require`; in the loader, also `routerAdd`, `routerUse` and every `on*` registration function.
 * The model classes, errors and other helpers come from src/hooks/globals/ (or stand-ins).
 */
import { str } from "./text.ts";
import { createRequire } from "node:module";
import { bytesOf, GoBytes } from "./globals/bytes.ts";
import { assignRecordFromWire, Record as ScriptRecord } from "./globals/record.ts";
import type { RecordWire } from "./wire.ts";
import { queryBuilder, recordQuery, type QueryRunner } from "./globals/select-query.ts";
import { filesystems } from "./globals/filesystem.ts";
import { dbx } from "./globals/dbx.ts";
import { GoError } from "./globals/errors.ts";
import { join } from "node:path";
import { APIS_MIDDLEWARES, type FnSource, type MiddlewareReg, type Registrations } from "./registrations.ts";
import type { WorkerChannel } from "./worker-channel.ts";
import { decode, encode, markApp, type ScriptModels } from "./worker-codec.ts";
import { hookCatalogue } from "../core/hooks.ts";
import { scriptBroker } from "./script-broker.ts";

type Obj = { [key: string]: unknown };
type Fn = (...args: unknown[]) => unknown;

/** Functions a script handed to a synchronous call, runnable from a nested run by id. */
export class Callbacks {
  readonly #fns = new Map<number, Fn>();
  #next = 0;
  add(fn: Fn): number {
    const id = ++this.#next;
    this.#fns.set(id, fn);
    return id;
  }
  get(id: number): Fn | undefined {
    return this.#fns.get(id);
  }
  delete(id: number): void {
    this.#fns.delete(id);
  }
}

/** A Go-only member with no meaning in Node. */
export function notSupported(what: string, instead: string): never {
  throw new Error(`not supported in Satchel: ${what}; ${instead}`);
}

/** Gives a script's record(s) the state of the main thread's answer (`{$record}` shapes, in order). */
function assignRecords(target: unknown, answer: unknown[]): void {
  const targets = Array.isArray(target) ? target : [target];
  answer.forEach((item, i) => {
    const wire = item && typeof item === "object" ? (item as { $record?: RecordWire }).$record : undefined;
    if (wire && targets[i] instanceof ScriptRecord) assignRecordFromWire(targets[i], wire);
  });
}

/** Where `$app.rootCmd.addCommand(...)` goes: set by the loader (registrationFunctions). */
export const rootCommands: { sink: ((cmds: unknown[]) => void) | null } = { sink: null };

/** Builds the `$app` objects (one per app handle: "main" or a transaction). */
export function appFactory(channel: WorkerChannel, callbacks: Callbacks, models: () => ScriptModels) {
  const apps = new Map<string, object>();
  const call = (id: string, method: string, args: unknown[]) => {
    const out = channel.call("app", [id, method, args.map((a) => encode(a))]);
    // `$app.save(record)`: the script's own object takes the saved id and state, as in PocketBase
    const saved = out && typeof out === "object" ? (out as { $record?: RecordWire }).$record : undefined;
    // (the *WithContext variants take the model second)
    const model = method.endsWith("WithContext") ? args[1] : args[0];
    if (saved && method.startsWith("save") && model instanceof ScriptRecord) {
      assignRecordFromWire(model, saved);
      return undefined;
    }
    // `$app.expandRecord(s)`: the script's records take their expands, as in PocketBase
    const expanded = out && typeof out === "object" ? (out as { $expanded?: unknown }).$expanded : undefined;
    if (Array.isArray(expanded)) {
      assignRecords(args[0], expanded);
      return decode((out as { errors?: unknown }).errors, models());
    }
    return decode(out, models());
  };

  const runner =
    (id: string): QueryRunner =>
    (mode, sql, params, collection) => {
      const out = channel.call("db", [id, mode, sql, encode(params), collection ?? null]);
      // record queries answer tagged wire records; the builder wants the wire shapes
      return mode === "records" ? (out as { $record: unknown }[]).map((x) => x.$record) : out;
    };
  const builder = (id: string) => queryBuilder(runner(id));
  const systems = filesystems(channel);
  const collectionName = (id: string, collection: unknown): string =>
    collection && typeof collection === "object" && typeof (collection as Obj).name === "string"
      ? ((collection as Obj).name as string)
      : ((call(id, "findCollectionByNameOrId", [collection]) as Obj).name as string);
  const recordQueryOf = (id: string, collection: unknown) =>
    recordQuery(runner(id), collectionName(id, collection));
  /** `findRecordById/findRecordsByIds(coll, …, ...filters)`: each filter gets the record query. */
  const filteredRecords = (id: string, collection: unknown, ids: unknown[], filters: Fn[]) => {
    const table = collectionName(id, collection);
    const q = recordQuery(runner(id), table).andWhere(dbx.in(`${table}.id`, ...ids));
    for (const filter of filters) filter(q);
    const out: unknown[] = [];
    q.all(out);
    return out;
  };

  const logger = (id: string, attrs: Obj): object => {
    const log =
      (level: string) =>
      (msg: unknown, ...kv: unknown[]) => {
        const data: Obj = { ...attrs };
        for (let i = 0; i + 1 < kv.length; i += 2) data[String(kv[i])] = encode(kv[i + 1]);
        channel.call("log", [id, level, String(msg), data]);
      };
    return {
      debug: log("debug"),
      info: log("info"),
      warn: log("warn"),
      error: log("error"),
      with: (...kv: unknown[]) => {
        const more: Obj = { ...attrs };
        for (let i = 0; i + 1 < kv.length; i += 2) more[String(kv[i])] = encode(kv[i + 1]);
        return logger(id, more);
      },
      // slog groups: the attributes given later are qualified by the group name
      withGroup: (name: unknown) => {
        const group = str(name);
        if (group === "") return logger(id, attrs);
        const base = logger(id, attrs) as { [level: string]: (...a: unknown[]) => void };
        const grouped =
          (level: string) =>
          (msg: unknown, ...kv: unknown[]) =>
            base[level]!(msg, ...kv.map((v, i) => (i % 2 === 0 ? `${group}.${String(v)}` : v)));
        return {
          ...base,
          debug: grouped("debug"),
          info: grouped("info"),
          warn: grouped("warn"),
          error: grouped("error"),
        };
      },
      // slog's Log(ctx, level, msg, ...): levels -4 debug, 0 info, 4 warn, 8 error
      log: (_ctx: unknown, level: unknown, msg: unknown, ...kv: unknown[]) => {
        const n = Number(level) || 0;
        log(n >= 8 ? "error" : n >= 4 ? "warn" : n >= 0 ? "info" : "debug")(msg, ...kv);
      },
    };
  };

  const store = () => {
    const s = (method: string, ...args: unknown[]) =>
      decode(channel.call("store", [method, args.map((a) => encode(a))]), models());
    return {
      get: (k: string) => s("get", k),
      set: (k: string, v: unknown) => void s("set", k, v),
      has: (k: string) => s("has", k) as boolean,
      remove: (k: string) => void s("remove", k),
      removeAll: () => void s("removeAll"),
      getAll: () => s("getAll"),
      getOk: (k: string) => [s("get", k), s("has", k)],
      getOrSet: (k: string, fn: () => unknown) => {
        if (s("has", k)) return s("get", k);
        const v = fn();
        s("set", k, v);
        return v;
      },
      setIfLessThanLimit: (k: string, v: unknown, max: number) =>
        s("setIfLessThanLimit", k, v, max) as boolean,
      length: () => s("length") as number,
      values: () => Object.values(s("getAll") as Obj),
      setFunc: (k: string, fn: (old: unknown) => unknown) => void s("set", k, fn(s("get", k))),
      reset: (o: Obj) => void s("reset", o ?? {}),
    };
  };

  const cron = () => ({
    add: (id: string, expr: string, fn: Fn) => void channel.call("cron.add", [id, expr, fnSource(fn)]),
    mustAdd: (id: string, expr: string, fn: Fn) => void channel.call("cron.add", [id, expr, fnSource(fn)]),
    remove: (id: string) => void channel.call("cron.remove", [id]),
    removeAll: () => void channel.call("cron.removeAll", []),
    // PocketBase's jobs have getters: id(), expression(); the system jobs are listed too
    jobs: () =>
      (channel.call("cron.jobs", []) as { id: string; expression: string }[]).map((j) => ({
        id: () => j.id,
        expression: () => j.expression,
        run: () => notSupported("job.run()", "run a job now with POST /api/crons/{id} (superusers)"),
      })),
    total: () => (channel.call("cron.jobs", []) as unknown[]).length,
    setInterval: () => notSupported("$app.cron().setInterval()", "the scheduler ticks every minute"),
    setTimezone: () => notSupported("$app.cron().setTimezone()", "jobs run in the server's timezone (TZ)"),
    start: () => notSupported("$app.cron().start()", "the server runs the scheduler"),
    stop: () => notSupported("$app.cron().stop()", "remove jobs with cronRemove(id)"),
    hasStarted: () => true,
  });

  return (id: string): object => {
    let app = apps.get(id);
    if (app) return app;
    const special: Obj = {
      runInTransaction(fn: Fn) {
        const cb = callbacks.add(fn);
        try {
          channel.call("app.tx", [id, cb]);
        } finally {
          callbacks.delete(cb);
        }
      },
      db: () => builder(id),
      recordQuery: (collection: unknown) => recordQueryOf(id, collection),
      findRecordById: (collection: unknown, recordId: unknown, ...filters: unknown[]) => {
        const fns = filters.filter((f): f is Fn => typeof f === "function");
        if (fns.length === 0) return call(id, "findRecordById", [collection, recordId]);
        const [first] = filteredRecords(id, collection, [str(recordId)], fns);
        if (!first) throw new GoError("sql: no rows in result set", 404);
        return first;
      },
      findRecordsByIds: (collection: unknown, ids: unknown, ...filters: unknown[]) => {
        const fns = filters.filter((f): f is Fn => typeof f === "function");
        if (fns.length === 0) return call(id, "findRecordsByIds", [collection, ids]);
        return filteredRecords(id, collection, Array.isArray(ids) ? ids.map((x) => str(x)) : [], fns);
      },
      concurrentDB: () => builder(id),
      nonconcurrentDB: () => builder(id),
      auxDB: () => builder(`${id}:aux`),
      auxConcurrentDB: () => builder(`${id}:aux`),
      auxNonconcurrentDB: () => builder(`${id}:aux`),
      // rows of _collections / _logs as plain objects (PocketBase fills its models)
      collectionQuery: () => builder(id).select("*").from("_collections"),
      logQuery: () => builder(`${id}:aux`).select("*").from("_logs"),
      logger: () => logger(id, {}),
      store,
      cron,
      newFilesystem: () => systems.app(id),
      newBackupsFilesystem: () => systems.backups(id),
      subscriptionsBroker: () => scriptBroker(channel, models),
      newMailClient: () => ({ send: (m: unknown) => void channel.call("mail.send", [encode(m)]) }),
      isTransactional: () => id !== "main",
      // commands added while the files load run as `satchel <name>`; later additions do nothing,
      // as a command added to PocketBase's root command after it started
      rootCmd: {
        addCommand: (...cmds: unknown[]) => void rootCommands.sink?.(cmds),
      },
      restart: () => notSupported("$app.restart()", "save a file under pb_hooks to reload the hooks"),
      bootstrap: () => notSupported("$app.bootstrap()", "the server bootstraps the app once"),
      start: () => notSupported("$app.start()", "run `satchel serve`"),
      execute: () => notSupported("$app.execute()", "run `satchel serve`"),
    };
    app = new Proxy(special, {
      get(target, name) {
        if (typeof name !== "string") return Reflect.get(target, name);
        if (name in target) return target[name];
        if (name === "then" || name === "toJSON") return undefined;
        return (...args: unknown[]) => call(id, name, args);
      },
    });
    markApp(app, id);
    apps.set(id, app);
    return app;
  };
}

/** The source of a function (or function-source string) for a registration. */
export function fnSource(fn: unknown, file = "", line = 0): FnSource {
  if (typeof fn === "string") return { source: fn, file, line };
  if (typeof fn !== "function")
    throw new Error(`failed to wrap handler: expected a function, got ${typeof fn}`);
  return { source: Function.prototype.toString.call(fn), file, line };
}

/** `$apis`: built-in middlewares as named references, and the helpers run on the main thread. */
export function apisNamespace(channel: WorkerChannel, models: () => ScriptModels): Obj {
  const ref =
    (name: string) =>
    (...args: unknown[]) => ({
      __apis: true,
      apis: name,
      args: args.map((a) => encode(a)),
      id: APIS_MIDDLEWARES[name]?.id ?? "",
      priority: APIS_MIDDLEWARES[name]?.priority ?? 0,
    });
  const callWithEvent = (name: string, e: { __run?: number }, args: unknown[]) =>
    channel.call(`apis.${name}`, [e.__run, ...args.map((a) => encode(a))]);
  const withEvent =
    (name: string) =>
    (e: { __run?: number; response?: unknown }, ...args: unknown[]) =>
      decode(callWithEvent(name, e, args), models());
  // the records are enriched in place (expand, visibility, onRecordEnrich), as in PocketBase
  const enrich =
    (name: string) =>
    (e: { __run?: number }, records: unknown, ...expands: unknown[]) => {
      const out = callWithEvent(name, e, [records, ...expands]);
      assignRecords(records, Array.isArray(out) ? out : [out]);
    };
  return {
    requireGuestOnly: ref("requireGuestOnly"),
    requireAuth: ref("requireAuth"),
    requireSuperuserAuth: ref("requireSuperuserAuth"),
    requireSuperuserOrOwnerAuth: ref("requireSuperuserOrOwnerAuth"),
    requireSameCollectionContextAuth: ref("requireSameCollectionContextAuth"),
    skipSuccessActivityLog: ref("skipSuccessActivityLog"),
    gzip: ref("gzip"),
    bodyLimit: ref("bodyLimit"),
    static: ref("static"),
    recordAuthResponse: withEvent("recordAuthResponse"),
    enrichRecord: enrich("enrichRecord"),
    enrichRecords: enrich("enrichRecords"),
  };
}

/** `$http.send(config)`, done by the main thread (so a script can call this same server). */
export function httpNamespace(channel: WorkerChannel): Obj {
  return {
    send(config: Obj) {
      const cfg: Obj = { ...(config ?? {}) };
      const body = cfg.body as { entries?: () => Iterable<[string, unknown]>; append?: unknown } | undefined;
      if (
        body &&
        typeof body === "object" &&
        typeof body.entries === "function" &&
        typeof body.append === "function"
      )
        cfg.body = { $form: [...body.entries()].map(([k, v]) => [k, encode(v)]) };
      else cfg.body = encode(cfg.body);
      if (cfg.data !== undefined) cfg.data = encode(cfg.data);
      const r = channel.call("http.send", [cfg]) as Obj & { body: Uint8Array };
      // Go's []byte, so `toString(res.body)` gives the text
      return { ...r, body: GoBytes.fromData(r.body), raw: Buffer.from(r.body).toString("utf8") };
    },
  };
}

/** `$mails.*`: record emails built and sent by the main thread. */
export function mailsNamespace(channel: WorkerChannel): Obj {
  const send =
    (name: string) =>
    (_app: unknown, ...args: unknown[]) =>
      void channel.call("mails", [name, args.map((a) => encode(a))]);
  return {
    sendRecordPasswordReset: send("sendRecordPasswordReset"),
    sendRecordVerification: send("sendRecordVerification"),
    sendRecordChangeEmail: send("sendRecordChangeEmail"),
    sendRecordOTP: send("sendRecordOTP"),
    sendRecordAuthAlert: send("sendRecordAuthAlert"),
  };
}

/** `$filesystem`: files for records, prepared and held by the main thread (see main-files.ts). */
export function filesystemNamespace(channel: WorkerChannel): Obj {
  const file = (wire: unknown) => ({ ...(wire as Obj) });
  const toBytes = (data: unknown): Uint8Array | string => {
    if (typeof data === "string") return data;
    const bytes = bytesOf(data);
    if (bytes) return new Uint8Array(bytes);
    if (Array.isArray(data)) return Uint8Array.from(data, (n) => Number(n) & 0xff);
    return typeof data === "number" || typeof data === "boolean" ? String(data) : "";
  };
  const systems = filesystems(channel);
  return {
    fileFromPath: (path: unknown) => file(channel.call("fs.file", ["path", str(path)])),
    fileFromBytes: (data: unknown, name: unknown) =>
      file(channel.call("fs.file", ["bytes", toBytes(data), str(name)])),
    fileFromURL: (url: unknown, secTimeout?: unknown) =>
      file(channel.call("fs.file", ["url", str(url), "", Number(secTimeout) || 120])),
    // a header from e.request.formFile(key) carries the upload it describes
    fileFromMultipart: (header: unknown) => {
      const h = header as { $file?: unknown; handle?: unknown } | null;
      const wire = h?.$file ?? (typeof h?.handle === "string" && h.handle !== "" ? h : undefined);
      if (!wire) throw new Error("fileFromMultipart: expected a file header from e.request.formFile(key)");
      return file(wire);
    },
    local: systems.local,
    s3: systems.s3,
  };
}

/** `require` resolving from the hooks dir (files beside it, packages in node_modules beside it). */
export function hooksRequire(hooksDir: string): NodeJS.Require {
  return createRequire(join(hooksDir, "pb.js"));
}

/**
 * The hook functions scripts can register: every catalogue hook (`onServe` too: its handlers see
 * `e.address` and `e.next()`; routes come from `routerAdd`, the router stays on the main thread).
 */
export const SCRIPT_HOOKS = Object.keys(hookCatalogue);

/** Where in the hook files a registration call was made. */
function callSite(files: Set<string>): { file: string; line: number } {
  const descriptor = Object.getOwnPropertyDescriptor(Error, "prepareStackTrace");
  Error.prepareStackTrace = (_e, sites) => sites;
  const holder: { stack?: NodeJS.CallSite[] } = {};
  Error.captureStackTrace(holder);
  const sites = holder.stack ?? [];
  if (descriptor) Object.defineProperty(Error, "prepareStackTrace", descriptor);
  else Reflect.deleteProperty(Error, "prepareStackTrace");
  for (const site of sites) {
    const file = site.getFileName();
    if (file && files.has(file)) return { file, line: site.getLineNumber() ?? 0 };
  }
  return { file: "", line: 0 };
}

/** The loader's registration functions, recording into `regs`. */
export function registrationFunctions(regs: Registrations, files: Set<string>, scope: Obj): Obj {
  const capture = (fn: unknown): number => {
    const site = callSite(files);
    regs.handlers.push(fnSource(fn, site.file, site.line));
    return regs.handlers.length - 1;
  };
  const middleware = (m: unknown, where: string): MiddlewareReg => {
    if (typeof m === "function" || typeof m === "string")
      return { kind: "script", handler: capture(m), priority: 0, id: "" };
    const o = m as Obj | null;
    if (o && o.__apis) {
      return {
        kind: "apis",
        apis: String(o.apis),
        args: o.args as unknown[],
        id: String(o.id),
        priority: Number(o.priority),
      };
    }
    const MiddlewareClass = scope.Middleware as (new (...a: unknown[]) => object) | undefined;
    if (o && ((MiddlewareClass !== undefined && o instanceof MiddlewareClass) || "priority" in o)) {
      const fn = o.handler ?? o.fn ?? o.func ?? o.action;
      const inner = middleware(fn, where);
      const priority = Number(o.priority ?? 0) || 0;
      const id = typeof o.id === "string" ? o.id : "";
      return inner.kind === "script"
        ? { ...inner, priority, id }
        : { ...inner, priority, id: id || inner.id };
    }
    throw new Error(`[${where}] failed to wrap middlewares: unsupported middleware ${String(m)}`);
  };
  const out: Obj = {
    routerAdd(method: unknown, path: unknown, handler: unknown, ...mws: unknown[]) {
      if (handler === null || handler === undefined)
        throw new Error("[routerAdd] failed to wrap handler: missing handler");
      regs.routes.push({
        method: str(method).toUpperCase(),
        path: String(path),
        handler: middleware(handler, "routerAdd"),
        middlewares: mws.map((m) => middleware(m, "routerAdd")),
      });
    },
    routerUse(...mws: unknown[]) {
      regs.middlewares.push(...mws.map((m) => middleware(m, "routerUse")));
    },
    cronAdd(id: unknown, expr: unknown, fn: unknown) {
      regs.crons = regs.crons.filter((c) => c.id !== String(id));
      regs.crons.push({ id: String(id), expr: String(expr), handler: capture(fn) });
    },
    cronRemove(id: unknown) {
      regs.crons = regs.crons.filter((c) => c.id !== String(id));
      regs.removedCrons.push(String(id));
    },
  };
  // `$app.rootCmd.addCommand(new Command({use, short, run}))`, subcommands included
  const addCommands = (cmds: unknown[], parent: string[]) => {
    for (const c of cmds) {
      const cmd = c as { use?: unknown; short?: unknown; run?: unknown; commands?: () => unknown[] } | null;
      const name = str(cmd?.use).trim().split(/\s+/)[0] ?? "";
      if (!cmd || !name) throw new Error("[rootCmd.addCommand] a command needs a use text");
      const path = [...parent, name];
      regs.commands = regs.commands.filter((r) => r.path.join(" ") !== path.join(" "));
      regs.commands.push({
        path,
        use: str(cmd.use),
        short: str(cmd.short),
        handler: typeof cmd.run === "function" ? capture(cmd.run) : null,
      });
      if (typeof cmd.commands === "function") addCommands(cmd.commands(), path);
    }
  };
  rootCommands.sink = (cmds) => addCommands(cmds, []);
  for (const name of SCRIPT_HOOKS) {
    const tagged = hookCatalogue[name as keyof typeof hookCatalogue].tagged;
    out[name] = (handler: unknown, ...tags: unknown[]) => {
      if (!tagged && tags.length > 0) throw new Error(`${name} does not take tags`);
      regs.hooks.push({ hook: name, tags: tags.map(String), handler: capture(handler) });
    };
  }
  return out;
}
