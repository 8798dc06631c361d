/**
 * A pb_hooks worker thread. In "load" mode it runs every hook file's top-level code once, in one
 * shared global scope of its own (a separate V8 context), sends back what was registered, and
 * then serves runs as the pool's first thread (the main thread stops it when nothing was
 * registered). In "pool" mode it only serves runs: it compiles handlers from their source text
 * on first use and runs the handler runs the main thread sends it. Handlers are compiled in the
 * thread's own context, never in the files' one, so they cannot see the files' variables.
 */
import { str } from "./text.ts";
import { unpack } from "./message-pack.ts";
import { readFileSync } from "node:fs";
import * as nodeModule from "node:module";
import vm from "node:vm";
import { workerData, type MessagePort } from "node:worker_threads";
import type { ToWorker, WorkerInit } from "./protocol.ts";
import { emptyRegistrations, type FnSource } from "./registrations.ts";
import type { CollectionWire, RecordWire } from "./wire.ts";
import { WorkerChannel } from "./worker-channel.ts";
import { decode, encode, errorToWire, type ScriptModels } from "./worker-codec.ts";
import { buildScriptEvent, deferNext, type ScriptEventHandle } from "./worker-event.ts";
import { DEFER_NAME, rewriteTailNext } from "./tail-next.ts";
import {
  Callbacks,
  apisNamespace,
  appFactory,
  filesystemNamespace,
  fnSource,
  hooksRequire,
  httpNamespace,
  mailsNamespace,
  registrationFunctions,
} from "./worker-scope.ts";
import { installGlobals } from "./globals/index.ts";
import { scriptClient } from "./script-broker.ts";

interface BunTranspiler {
  transformSync(code: string): string;
}

/** A `.pb.ts` script's JavaScript: Node's type stripping, or Bun's transpiler in the executable. */
function stripTypes(code: string): string {
  const strip = (nodeModule as Partial<typeof nodeModule>).stripTypeScriptTypes;
  if (strip) return strip(code, { mode: "strip" });
  const bun = (globalThis as { Bun?: { Transpiler: new (o: { loader: "ts" }) => BunTranspiler } }).Bun;
  if (bun) return new bun.Transpiler({ loader: "ts" }).transformSync(code);
  throw new Error("this runtime cannot strip TypeScript types (Node 23.2+ or Bun needed)");
}

type Obj = { [key: string]: unknown };
type Fn = (...args: unknown[]) => unknown;

/** How long an idle pool worker waits for its next run before going back to its event loop (ms). */
const LINGER_MS = 20;

const init = workerData as WorkerInit & { port: MessagePort };
const channel = new WorkerChannel(init.port, init.flag);
const scope = globalThis as unknown as Obj;
const callbacks = new Callbacks();

// the script library (models, errors, helpers, $security, $os, $filepath, $template, $dbx)
installGlobals(scope, channel);

const models: ScriptModels = {
  recordFromWire: (w: RecordWire) => (scope.Record as { fromWire(w: RecordWire): unknown }).fromWire(w),
  collectionFromWire: (w: CollectionWire) => {
    const C = scope.Collection as { fromWire?: (w: CollectionWire) => unknown } & (new (
      w: CollectionWire,
    ) => unknown);
    return typeof C.fromWire === "function" ? C.fromWire(w) : new C(w);
  },
  appFor: (id: string) => appFor(id),
  clientFor: (info) => scriptClient(channel, () => models, info),
};
const appFor = appFactory(channel, callbacks, () => models);

scope.$app = appFor("main");
scope.$apis = apisNamespace(channel, () => models);
scope.$http = httpNamespace(channel);
scope.$mails = mailsNamespace(channel);
scope.$filesystem = filesystemNamespace(channel);
scope.__hooks = init.hooksDir;
scope.require = hooksRequire(init.hooksDir);

function lineOf(err: unknown, file: string): number {
  const stack = str((err as { stack?: unknown })?.stack);
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`${escaped}:(\\d+)`).exec(stack);
  return m ? Number(m[1]) : 0;
}

/**
 * Runs the hook files' top-level code in a context of their own: its global object forwards to
 * this thread's globals (the library, `$app`, `require`, Node's globals) and whatever the files
 * declare stays there, out of the handlers' reach (PocketBase: a handler cannot see its file's
 * variables). Posts the registrations or the error. Afterwards this thread is as a fresh pool
 * thread: the registration functions are gone and the modules the files required are dropped
 * from the require cache (a handler's `require()` evaluates them again, as in another thread).
 */
function loadFiles(files: string[]): FnSource[] | null {
  const regs = emptyRegistrations();
  const register = registrationFunctions(regs, new Set(files), scope);
  // on this thread's scope too: a module the files require() may register
  Object.assign(scope, register);
  const cache = (scope.require as NodeJS.Require).cache;
  const cached = new Set(Object.keys(cache));
  try {
    const context = vm.createContext();
    const global = vm.runInContext("globalThis", context) as Obj;
    for (const key of Reflect.ownKeys(scope)) {
      // the context's own builtins (Object, Array, JSON, …) stay, except V8's bare console
      if (key in global && key !== "console") continue;
      // forwarded on use, never copied: reading the descriptor of one of Node's lazy globals
      // (`Headers`, `fetch`, …) would load its implementation (undici, ~4 MB of heap) here
      Reflect.defineProperty(global, key, {
        configurable: true,
        get: () => Reflect.get(scope, key) as unknown,
        set: (value: unknown) =>
          Reflect.defineProperty(global, key, {
            value,
            writable: true,
            enumerable: true,
            configurable: true,
          }),
      });
    }
    for (const file of files) {
      try {
        const code = readFileSync(file, "utf8");
        const text = file.endsWith(".ts") ? stripTypes(code) : code;
        vm.runInContext(text, context, { filename: file });
      } catch (err) {
        const e = err as { name?: unknown; message?: unknown } | null;
        // an error of the files' context is not an `instanceof Error` here
        const message =
          e && typeof e === "object" && typeof e.message === "string"
            ? `${str(e.name) || "Error"}: ${e.message}`
            : String(err);
        channel.post({ t: "loadError", file, line: lineOf(err, file), message });
        return null;
      }
    }
  } finally {
    for (const name of Object.keys(register)) Reflect.deleteProperty(scope, name);
    for (const key of Object.keys(cache)) if (!cached.has(key)) Reflect.deleteProperty(cache, key);
  }
  channel.post({ t: "loaded", registrations: regs });
  return regs.handlers;
}

/** The handler sources this thread serves: captured by its own load, or given by the pool. */
const handlers = init.mode === "load" ? loadFiles(init.files) : init.handlers;

if (handlers === null) {
  // the load failed: the main thread stops this thread
} else {
  scope.cronAdd = (id: unknown, expr: unknown, fn: unknown) =>
    void channel.call("cron.add", [String(id), String(expr), fnSource(fn)]);
  scope.cronRemove = (id: unknown) => void channel.call("cron.remove", [String(id)]);

  const compiled = new Map<number, Fn>();
  const bySource = new Map<string, Fn>();
  const compile = (src: FnSource): Fn => {
    // a handler ending with `e.next()` leaves that call to the main thread (tail-next.ts)
    const tail = rewriteTailNext(src.source);
    const code = tail
      ? `"use strict";(function (${DEFER_NAME}) { return (${tail}\n) })`
      : `"use strict";(${src.source}\n)`;
    const script = new vm.Script(code, {
      filename: src.file || "pb_hooks handler",
      lineOffset: Math.max(0, src.line - 1),
    });
    const made = script.runInThisContext() as unknown;
    const fn =
      tail && typeof made === "function" ? (made as (defer: typeof deferNext) => unknown)(deferNext) : made;
    if (typeof fn !== "function") throw new Error("the registered handler is not a function");
    return fn as Fn;
  };
  const target = (m: Extract<ToWorker, { t: "run" }>): Fn => {
    const t = m.target;
    if (t.kind === "handler") {
      let fn = compiled.get(t.handler);
      if (!fn) {
        const src = handlers[t.handler];
        if (!src) throw new Error(`unknown handler ${t.handler}`);
        fn = compile(src);
        compiled.set(t.handler, fn);
      }
      return fn;
    }
    if (t.kind === "callback") {
      const fn = callbacks.get(t.cb);
      if (!fn) throw new Error("the callback is no longer available");
      return fn;
    }
    let fn = bySource.get(t.fn.source);
    if (!fn) {
      fn = compile(t.fn);
      bySource.set(t.fn.source, fn);
    }
    return fn;
  };

  const isErrorValue = (v: unknown) =>
    v instanceof Error ||
    (!!v && typeof v === "object" && typeof (v as Obj).status === "number" && "data" in v);

  channel.serveRun = (m) => {
    let handle: ScriptEventHandle | null = null;
    const previousApp = scope.$app;
    try {
      const fn = target(m);
      let result: unknown;
      if (m.event) {
        handle = buildScriptEvent(m.run, m.event, { channel, models, scope });
        scope.$app = handle.event.app;
        result = fn.call(undefined, handle.event);
      } else {
        result = fn.call(undefined, ...m.args.map((a) => decode(a, models)));
      }
      if (result instanceof Promise) {
        console.warn("pb_hooks: a handler must be non-async (its promise is not awaited)");
        result.catch(() => undefined);
        result = undefined;
      }
      if (isErrorValue(result)) throw result;
      channel.post({
        t: "done",
        run: m.run,
        ok: true,
        value: m.event ? null : encode(result),
        state: handle?.state() ?? null,
        ...(handle?.deferredNext() ? { next: true as const } : {}),
      });
    } catch (err) {
      let state = null;
      try {
        state = handle?.state() ?? null;
      } catch {
        state = null;
      }
      channel.post({ t: "done", run: m.run, ok: false, error: errorToWire(err), state });
    } finally {
      scope.$app = previousApp;
    }
  };
  const serve = (m: ToWorker) => {
    if (m.t === "run") channel.serveRun(m);
    else if (m.t === "stop") process.exit(0);
  };
  // a run that comes through the event loop is followed by a short wait for the next one on the
  // wake-up flag (worker-channel.ts, linger)
  init.port.on("message", (data: unknown) => {
    serve(unpack<ToWorker>(data));
    channel.linger(serve, LINGER_MS);
  });
  channel.post({ t: "ready" });
}
