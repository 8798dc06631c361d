/**
 * TypeScript and ES module hooks: `*.pb.mjs` files, and `*.pb.ts` files with a default export,
 * run on the main thread as ES modules (Node strips the types), so handlers may be `async`, use
 * npm packages and Node's built-ins, and `await e.next()`. Each module default-exports
 * `(app) => void | Promise<void>`; `app` is the App with PocketBase's registration functions
 * (`app.onRecordCreate(handler, ...tags)`, `app.routerAdd(…)`, `app.cronAdd(…)`) in place of the
 * App's own hook accessors. `import … from "satchel"` resolves to this running server's package.
 * A `.pb.ts` without a default export stays a PocketBase script (the worker runtime runs it).
 */
import { readFileSync } from "node:fs";
import * as nodeModule from "node:module";
import { extname } from "node:path";
import { pathToFileURL } from "node:url";
import type { App } from "../core/app.ts";
import { hookCatalogue, type HookEventMap, type HookName } from "../core/hooks.ts";
import { Record as CoreRecord } from "../core/records/record.ts";
import type { HookEvent } from "../tools/hook.ts";
import { encodeJson } from "../tools/json.ts";
import { bundleDir } from "../tools/runtime.ts";
import { ApiError } from "../api/errors.ts";
import { NotFoundError } from "../core/errors.ts";
import {
  apisStep,
  setScriptRouting,
  type ScriptMiddleware,
  type ScriptRequest,
  type ScriptRoute,
  type ScriptStep,
} from "../api/script-routes.ts";

/** Whether a hook file is an ES module for the main thread (else a PocketBase script). */
export function isModuleHookFile(path: string): boolean {
  if (path.endsWith(".pb.mjs")) return true;
  if (!path.endsWith(".pb.ts")) return false;
  // PocketBase runs .pb.ts files as plain scripts: only a default export makes one a module.
  return /^\s*export\s+default\b/m.test(readFileSync(path, "utf8"));
}

// ---- `import "satchel"` from a hooks folder anywhere -----------------------------------------

/**
 * This package's public entry, in the form this file runs as (.ts from source, .js compiled, the
 * bundle's own entry from dist/bundle/: a hook must get the very classes the server uses).
 */
const OWN_ENTRY = bundleDir()
  ? new URL("index.mjs", bundleDir()!).href
  : new URL(`../index${extname(new URL(import.meta.url).pathname)}`, import.meta.url).href;
let selfResolution = false;

function resolveSatchelToSelf(): void {
  // Node 23.5+; the single executable's runtime (Bun) has no module hooks
  const registerHooks = (nodeModule as Partial<typeof nodeModule>).registerHooks;
  if (selfResolution || typeof registerHooks !== "function") return;
  selfResolution = true;
  registerHooks({
    resolve(specifier, context, next) {
      if (specifier === "satchel") return { url: OWN_ENTRY, shortCircuit: true };
      return next(specifier, context);
    },
  });
}

// ---- the request event of module routes -------------------------------------------------------

/** Values as JSON: records as their public export, everything else as JavaScript writes it. */
function toJson(value: unknown): string {
  return encodeJson(
    JSON.parse(
      JSON.stringify(value, (_k, v: unknown) => (v instanceof CoreRecord ? v.toPublicJson() : v)) ?? "null",
    ),
  );
}

/** What a module route or middleware handler receives. */
export class ModuleRequestEvent {
  readonly app: ModuleApp;
  readonly #req: ScriptRequest;
  readonly #next: () => Promise<void>;
  /** The request: the standard Request, plus PocketBase's `pathValue(name)`. */
  readonly request: Request & { pathValue(name: string): string };

  constructor(app: ModuleApp, req: ScriptRequest, next: () => Promise<void>) {
    this.app = app;
    this.#req = req;
    this.#next = next;
    this.request = Object.assign(req.c.req.raw, {
      pathValue: (name: string) => req.params[name] ?? "",
    });
  }

  /** The authenticated record, or null. */
  get auth(): CoreRecord | null {
    return this.#req.auth;
  }
  set auth(record: CoreRecord | null) {
    this.#req.auth = record;
  }

  /** Runs the rest of the chain (the next middleware or the route). */
  next(): Promise<void> {
    return this.#next();
  }

  /** Query, headers, parsed body, auth and method (PocketBase's requestInfo). */
  requestInfo() {
    return this.#req.info();
  }

  realIP(): string {
    return this.#req.realIP();
  }

  hasSuperuserAuth(): boolean {
    return this.#req.auth?.collection.name === "_superusers";
  }

  /** The per-request store shared by the chain. */
  get(key: string): unknown {
    return this.#req.store[key];
  }
  set(key: string, value: unknown): void {
    this.#req.store[key] = value;
  }

  /** Sets a response header. */
  header(name: string, value: string): void {
    this.#req.setHeader(name, value);
  }

  #write(status: number, type: string, body: string | Uint8Array | null): void {
    const r = this.#req.response;
    if (!r.headers.some(([n]) => n.toLowerCase() === "content-type") && type)
      r.headers.push(["Content-Type", type]);
    this.#req.response = { ...r, status, body, written: true };
  }

  json(status: number, data: unknown): void {
    this.#write(status, "application/json", `${toJson(data)}\n`);
  }
  string(status: number, text: string): void {
    this.#write(status, "text/plain; charset=utf-8", text);
  }
  html(status: number, text: string): void {
    this.#write(status, "text/html; charset=utf-8", text);
  }
  blob(status: number, contentType: string, bytes: Uint8Array): void {
    this.#write(status, contentType, bytes);
  }
  noContent(status = 204): void {
    this.#write(status, "", null);
  }
  redirect(status: number, url: string): void {
    if (status < 300 || status > 399) throw new ApiError(500, "Invalid redirect status code.");
    this.#req.setHeader("Location", url);
    this.#write(status, "", null);
  }
}

// ---- the app a module sees ----------------------------------------------------------------------

type Handler<E> = (e: E) => void | Promise<void>;
type RouteHandler = (e: ModuleRequestEvent) => unknown;
/** A middleware: a function, or one with a priority and an id (PocketBase's `Middleware`). */
export type ModuleMiddleware = RouteHandler | { func: RouteHandler; priority?: number; id?: string };

/** The hook registration functions, by PocketBase's JS names. */
export type ModuleHookFunctions = {
  [K in HookName]: (handler: Handler<HookEventMap[K]>, ...tags: string[]) => void;
};

/** The `app` of a TypeScript hooks module: the App, with PocketBase's registration functions. */
export type ModuleApp = Omit<App, HookName> &
  ModuleHookFunctions & {
    routerAdd(method: string, path: string, handler: RouteHandler, ...middlewares: ModuleMiddleware[]): void;
    routerUse(...middlewares: ModuleMiddleware[]): void;
    cronAdd(id: string, expression: string, fn: () => void | Promise<void>): void;
    cronRemove(id: string): void;
    /** PocketBase's built-in route middlewares (`requireAuth`, `requireSuperuserAuth`, …). */
    apis: { [name: string]: (...args: unknown[]) => ModuleMiddleware };
  };

/**
 * A request handler's outcome: an ApiError stays, "no rows" is a 404 (as PocketBase's
 * `ToApiError` makes `sql.ErrNoRows`), anything else is PocketBase's generic 400.
 */
function asApiError(err: unknown): unknown {
  if (err instanceof ApiError || (err instanceof Error && "status" in err)) return err;
  if (err instanceof NotFoundError) return new ApiError(404, "", {}, err);
  return new ApiError(400, "", {}, err);
}

function step(app: () => ModuleApp, handler: RouteHandler): ScriptStep {
  return async (req, next) => {
    try {
      await handler(new ModuleRequestEvent(app(), req, next));
    } catch (err) {
      throw asApiError(err);
    }
  };
}

/** Everything the modules of one load registered, so a reload can take it back. */
interface Registered {
  unbind: (() => void)[];
  routes: ScriptRoute[];
  middlewares: ScriptMiddleware[];
  crons: string[];
}

/** The TypeScript/ES module hooks of an app. */
export class ModuleHooks {
  readonly #app: App;
  /** Which routing source its routes are (the hooks folder's modules, or a program's). */
  readonly #source: string;
  #registered: Registered = { unbind: [], routes: [], middlewares: [], crons: [] };
  #generation = 0;

  constructor(app: App, source = "modules") {
    this.#app = app;
    this.#source = source;
  }

  /** Builds the `app` handed to modules, recording what they register into `into`. */
  #facade(into: Registered): ModuleApp {
    const app = this.#app;
    // the facade is built last; steps made before it look it up when they run
    const ref: { facade?: ModuleApp } = {};
    const current = (): ModuleApp => ref.facade!;
    const middleware = (m: ModuleMiddleware): ScriptMiddleware =>
      typeof m === "function"
        ? { id: "", priority: 0, step: step(current, m) }
        : { id: m.id ?? "", priority: m.priority ?? 0, step: step(current, m.func) };
    const builtIns = new Proxy(
      {},
      {
        get:
          (_t, name: string) =>
          (...args: unknown[]) => ({
            id: `apis.${name}`,
            priority: 0,
            // marks a built-in: the route layer runs it as is
            func: Object.assign(() => undefined, { builtIn: apisStep(name, args) }),
          }),
      },
    ) as ModuleApp["apis"];
    const toScriptMiddleware = (m: ModuleMiddleware): ScriptMiddleware => {
      const builtIn = typeof m === "object" ? (m.func as { builtIn?: ScriptStep }).builtIn : undefined;
      return builtIn
        ? { id: typeof m === "object" ? (m.id ?? "") : "", priority: 0, step: builtIn }
        : middleware(m);
    };
    const extra = {
      routerAdd: (method: string, path: string, handler: RouteHandler, ...mws: ModuleMiddleware[]) => {
        into.routes.push({
          method: method.toUpperCase(),
          path,
          handler: step(current, handler),
          middlewares: mws.map(toScriptMiddleware),
        });
      },
      routerUse: (...mws: ModuleMiddleware[]) => {
        into.middlewares.push(...mws.map(toScriptMiddleware));
      },
      cronAdd: (id: string, expression: string, fn: () => void | Promise<void>) => {
        app.cron().add(id, expression, async () => {
          await fn();
        });
        into.crons.push(id);
      },
      cronRemove: (id: string) => {
        app.cron().remove(id);
      },
      apis: builtIns,
    };
    const facade = new Proxy(app, {
      get(target, prop, receiver) {
        if (typeof prop === "string" && prop in extra) return extra[prop as keyof typeof extra];
        if (typeof prop === "string" && Object.hasOwn(hookCatalogue, prop)) {
          return (handler: Handler<HookEvent>, ...tags: string[]) => {
            const binder = target.hooks[prop as HookName];
            const id = (
              hookCatalogue[prop as HookName].tagged
                ? target[prop as HookName](...tags)
                : target[prop as HookName]()
            ).bindFunc(handler);
            into.unbind.push(() => binder.unbind(id));
          };
        }
        const value: unknown = Reflect.get(target, prop, receiver);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as unknown as ModuleApp;
    ref.facade = facade;
    return facade;
  }

  /**
   * Imports the module files (again, on a reload) and runs their default export; what the
   * previous load registered is taken back first. Throws naming the file that failed.
   */
  async load(files: readonly string[]): Promise<void> {
    this.unload();
    if (files.length === 0) return;
    resolveSatchelToSelf();
    const registered: Registered = { unbind: [], routes: [], middlewares: [], crons: [] };
    const facade = this.#facade(registered);
    const generation = ++this.#generation;
    try {
      for (const file of files) {
        // a new URL per load, so an edited module is evaluated anew
        const url = `${pathToFileURL(file).href}?v=${generation}`;
        let mod: { default?: unknown };
        try {
          mod = (await import(url)) as { default?: unknown };
        } catch (err) {
          throw new Error(`failed to load ${file}: ${err instanceof Error ? err.message : String(err)}`, {
            cause: err,
          });
        }
        if (typeof mod.default !== "function")
          throw new Error(`failed to load ${file}: its default export must be a function (app) => {…}`);
        try {
          await (mod.default as (app: ModuleApp) => unknown)(facade);
        } catch (err) {
          throw new Error(`failed to run ${file}: ${err instanceof Error ? err.message : String(err)}`, {
            cause: err,
          });
        }
      }
    } catch (err) {
      this.#registered = registered;
      this.unload();
      throw err;
    }
    this.#install(registered);
  }

  /**
   * Runs `setup` with the same `app` a module's default export gets (a Node program embedding
   * Satchel registers its hooks, routes and crons this way); what it registered before is taken
   * back first.
   */
  async register(setup: (app: ModuleApp) => void | Promise<void>): Promise<void> {
    this.unload();
    const registered: Registered = { unbind: [], routes: [], middlewares: [], crons: [] };
    try {
      await setup(this.#facade(registered));
    } catch (err) {
      this.#registered = registered;
      this.unload();
      throw err;
    }
    this.#install(registered);
  }

  #install(registered: Registered): void {
    this.#registered = registered;
    setScriptRouting(
      this.#app,
      { routes: registered.routes, middlewares: registered.middlewares },
      this.#source,
    );
  }

  /** Takes back everything the loaded modules registered. */
  unload(): void {
    const r = this.#registered;
    for (const unbind of r.unbind) unbind();
    for (const id of r.crons) this.#app.cron().remove(id);
    setScriptRouting(this.#app, null, this.#source);
    this.#registered = { unbind: [], routes: [], middlewares: [], crons: [] };
  }
}

let programs = 0;

/**
 * The framework API's way to extend an app from code: `setup` gets the app with PocketBase's
 * registration functions (`app.onRecordCreate(…)`, `app.routerAdd(…)`, `app.cronAdd(…)`), as a
 * hooks module's default export does. Resolves with a function that takes it all back.
 */
export async function registerHooks(
  app: App,
  setup: (app: ModuleApp) => void | Promise<void>,
): Promise<() => void> {
  const hooks = new ModuleHooks(app, `program${++programs}`);
  await hooks.register(setup);
  return () => hooks.unload();
}
