/**
 * The pb_hooks runtime of one app: finds the hook files, runs their top-level code once in a
 * worker, then binds what they registered (hooks, routes, middlewares, crons) to a pool of
 * handler workers whose first thread is that worker. With watch on, a change under the hooks
 * dir loads everything again and swaps it in: the new registrations replace the old ones at
 * once, the old pool finishes its runs in flight and stops. No hook files: no worker is ever
 * started; files that register nothing: none stays.
 */
import { existsSync, readdirSync, statSync, watch, writeFileSync, type FSWatcher } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative, resolve } from "node:path";
import type { App } from "../core/app.ts";
import { setScriptRouting } from "../api/script-routes.ts";
import { parseCron, type CronSchedule } from "../tools/cron-expression.ts";
import { bindScriptHooks, logScriptError } from "./event-bridge.ts";
import { AppHandles } from "./main-codec.ts";
import { createOps } from "./main-ops.ts";
import { RunError, WorkerPool, loadRegistrations } from "./pool.ts";
import { emptyRegistrations, type CommandReg, type FnSource, type Registrations } from "./registrations.ts";
import { scriptRouting } from "./route-bridge.ts";
import { isModuleHookFile, ModuleHooks } from "./module-hooks.ts";

/** Options of the runtime (from the CLI). */
export interface HooksOptions {
  /** The hooks folder (PocketBase's default: `pb_hooks` beside the data folder). */
  hooksDir: string;
  /** Reload when something under the hooks folder changes. */
  watch: boolean;
  /** Most handler workers at once. */
  poolSize: number;
  /** Per-run time limit of a handler in ms (0 = none). */
  timeoutMs: number;
  /** Where the runtime logs (default: stderr). */
  log?: (message: string) => void;
  /** Where scripts' console.* output goes (default: the process's stdout/stderr). */
  output?: (text: string) => void;
}

/**
 * The default pool size. PocketBase keeps 15 pre-warmed VMs, which are cheap goroutines; a
 * Node worker is a whole isolate (~10 MB), so the pool is as wide as the CPU, at most 4, and
 * grows on demand.
 */
export function defaultPoolSize(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

/**
 * The hook files of a folder in load order: `*.pb.js` / `*.pb.ts` scripts and `*.pb.mjs` /
 * default-exporting `*.pb.ts` modules (see module-hooks.ts), direct children, byte order.
 */
export function hookFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => /\.pb\.(js|ts|mjs)$/.test(name))
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

interface Loaded {
  regs: Registrations;
  pool: WorkerPool | null;
  unbind: () => void;
}

interface CronJob {
  id: string;
  expression: string;
  schedule: CronSchedule;
  fn: FnSource;
  running: boolean;
}

/** The pb_hooks runtime of an app. */
export class HooksRuntime {
  readonly app: App;
  readonly options: Required<Omit<HooksOptions, "output">> & Pick<HooksOptions, "output">;
  readonly #handles: AppHandles;
  readonly #modules: ModuleHooks;
  readonly #ops;
  #current: Loaded | null = null;
  #watcher: FSWatcher | null = null;
  #debounce: NodeJS.Timeout | undefined;
  #reloading: Promise<void> = Promise.resolve();
  readonly #crons = new Map<string, CronJob>();
  #cronTimer: NodeJS.Timeout | undefined;

  constructor(app: App, options: HooksOptions) {
    this.app = app;
    this.options = {
      log: (m: string) => process.stderr.write(`${m}\n`),
      ...options,
      hooksDir: resolve(options.hooksDir),
    };
    this.#handles = new AppHandles(app);
    this.#modules = new ModuleHooks(app);
    this.#ops = createOps({
      app,
      handles: this.#handles,
      pool: () => {
        const pool = this.#current?.pool;
        if (!pool) throw new Error("no hooks are loaded");
        return pool;
      },
      cronAdd: (id, expr, fn) => this.#cronAdd(id, expr, fn),
      cronRemove: (id) => this.#cronRemove(id),
      cronRemoveAll: () => {
        for (const id of [...this.#crons.keys()]) this.#cronRemove(id);
        (this.app as unknown as { cron?: () => { removeAll(): void } }).cron?.call(this.app).removeAll();
      },
      cronJobs: () => [...this.#crons.values()].map((j) => ({ id: j.id, expression: j.expression })),
      log: (level, message, data) => this.#logEntry(level, message, data),
    });
  }

  /** Loads the hooks (throws a HookLoadError naming the file and line) and starts watching. */
  async start(): Promise<void> {
    await this.#load();
    if (this.options.watch) this.#watch();
  }

  /** Workers alive now (0 when no hook files). */
  get workers(): number {
    return this.#current?.pool?.size ?? 0;
  }

  /** What the hook files registered. */
  get registrations(): Registrations | null {
    return this.#current?.regs ?? null;
  }

  /**
   * The console command `argv` calls (`$app.rootCmd.addCommand`), the longest match of its
   * words, with the arguments after them; null when no hook file added one of that name.
   */
  findCommand(argv: readonly string[]): { command: CommandReg; args: string[] } | null {
    let best: CommandReg | null = null;
    for (const c of this.#current?.regs.commands ?? []) {
      const matches = c.path.every((word, i) => argv[i] === word);
      if (matches && c.path.length > (best?.path.length ?? 0)) best = c;
    }
    return best ? { command: best, args: argv.slice(best.path.length) } : null;
  }

  /** Runs a console command's `run(cmd, args)` in the pool; a throw rejects. */
  async runCommand(command: CommandReg, args: string[]): Promise<void> {
    const pool = this.#current?.pool;
    const fn = command.handler === null ? undefined : this.#current?.regs.handlers[command.handler];
    if (!pool || !fn) throw new Error(`the command "${command.path.join(" ")}" has nothing to run`);
    const cmd = { use: command.use, short: command.short };
    try {
      await pool.run({ kind: "source", fn }, null, [cmd, args], {});
    } catch (err) {
      if (!(err instanceof RunError)) throw err;
      logScriptError(err.wire, this.options.hooksDir, this.options.log);
      throw new Error(err.wire.message, { cause: err });
    }
  }

  /** Loads everything again now (what a file change does). Keeps the old hooks if loading fails. */
  reload(): Promise<void> {
    this.#reloading = this.#reloading.then(async () => {
      try {
        await this.#load();
        this.options.log("pb_hooks: reloaded");
      } catch (err) {
        this.options.log(`pb_hooks: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
    return this.#reloading;
  }

  async close(): Promise<void> {
    this.#watcher?.close();
    this.#watcher = null;
    clearTimeout(this.#debounce);
    clearTimeout(this.#cronTimer);
    await this.#reloading;
    this.#modules.unload();
    const current = this.#current;
    this.#current = null;
    if (current) {
      current.unbind();
      setScriptRouting(this.app, null);
      await current.pool?.close();
    }
  }

  async #load(): Promise<void> {
    const dir = this.options.hooksDir;
    const all = hookFiles(dir);
    for (const file of all) {
      // as PocketBase: an empty hook file gets the types reference line
      if (statSync(file).size === 0) {
        const types = relative(dir, join(this.app.dataDir, "types.d.ts"));
        writeFileSync(file, `/// <reference path="${types}" />\n\n`);
      }
    }
    // ES/TypeScript modules run on the main thread; the rest are PocketBase scripts for the pool
    const modules = all.filter(isModuleHookFile);
    const files = all.filter((f) => !modules.includes(f));
    const log = this.options.log;
    let regs: Registrations | null = null;
    let pool: WorkerPool | null = null;
    if (files.length > 0) {
      // the loader gets at least a minute: starting its thread alone takes a moment
      const loadLimit = this.options.timeoutMs > 0 ? Math.max(this.options.timeoutMs, 60_000) : 0;
      const loaded = await loadRegistrations(dir, files, this.#ops, loadLimit, this.options.output);
      regs = loaded.registrations;
      pool = new WorkerPool({
        ...(loaded.worker ? { first: loaded.worker } : {}),
        hooksDir: dir,
        handlers: regs.handlers,
        size: this.options.poolSize,
        timeoutMs: this.options.timeoutMs,
        ops: this.#ops,
        log,
        ...(this.options.output ? { output: this.options.output } : {}),
      });
    }
    const previous = this.#current;
    previous?.unbind();
    const getPool = () => pool!;
    const unbindHooks = regs
      ? bindScriptHooks(this.app, regs.hooks, getPool, this.#handles, dir, log)
      : () => undefined;
    setScriptRouting(this.app, regs ? scriptRouting(regs, getPool, this.#handles, dir, log) : null);
    this.#current = {
      regs: regs ?? emptyRegistrations(),
      pool,
      unbind: unbindHooks,
    };
    // crons registered by the files
    for (const id of [...this.#crons.keys()]) this.#cronRemove(id);
    for (const c of regs?.crons ?? []) this.#cronAdd(c.id, c.expr, regs!.handlers[c.handler]!);
    previous?.pool?.closeWhenIdle();
    await this.#modules.load(modules);
  }

  #watch(): void {
    const dir = this.options.hooksDir;
    if (!existsSync(dir)) return;
    try {
      this.#watcher = watch(dir, { recursive: true }, (_event, name) => {
        const path = String(name ?? "");
        if (path.split(/[\\/]/).some((part) => part.startsWith(".") || part === "node_modules")) return;
        clearTimeout(this.#debounce);
        this.#debounce = setTimeout(() => {
          this.options.log(`File ${path} changed, reloading the hooks...`);
          void this.reload();
        }, 50);
      });
      this.#watcher.unref();
    } catch (err) {
      this.options.log(`pb_hooks: cannot watch ${dir}: ${String(err)}`);
    }
  }

  #logEntry(level: string, message: string, data: { [key: string]: unknown }): void {
    const logger = (this.app as unknown as { logger?: () => { [l: string]: (...a: unknown[]) => void } })
      .logger;
    if (typeof logger === "function") {
      const l = logger.call(this.app);
      const fn = l[level];
      if (typeof fn === "function") {
        fn.call(l, message, ...Object.entries(data).flat());
        return;
      }
    }
    const text = Object.keys(data).length ? ` ${JSON.stringify(data)}` : "";
    this.options.log(`${level.toUpperCase()} ${message}${text}`);
  }

  // ---- crons: the app's scheduler when it has one, else a minute ticker here -------------------

  #cronAdd(id: string, expr: string, fn: FnSource): void {
    const schedule = parseCron(expr);
    const job: CronJob = { id, expression: schedule.expression, schedule, fn, running: false };
    this.#crons.set(id, job);
    const cron = (
      this.app as unknown as { cron?: () => { add(id: string, expr: string, fn: () => Promise<void>): void } }
    ).cron;
    if (typeof cron === "function") cron.call(this.app).add(id, expr, () => this.#runCron(job));
    else this.#scheduleTick();
  }

  #runCron(job: CronJob): Promise<void> {
    const pool = this.#current?.pool;
    if (!pool || job.running) return Promise.resolve();
    job.running = true;
    return pool
      .run({ kind: "source", fn: job.fn }, null, [], {})
      .then(() => undefined)
      .catch((err: unknown) => {
        if (err instanceof RunError) logScriptError(err.wire, this.options.hooksDir, this.options.log);
        const reason =
          err instanceof RunError ? err.wire.message : err instanceof Error ? err.message : String(err);
        this.options.log(`[cronAdd] failed to execute cron job ${job.id}: ${reason}`);
      })
      .finally(() => {
        job.running = false;
      });
  }

  /** Without an app scheduler: wakes at each minute and runs the jobs due. */
  #scheduleTick(): void {
    if (this.#cronTimer) return;
    this.#cronTimer = setTimeout(
      () => {
        this.#cronTimer = undefined;
        const now = new Date();
        for (const job of this.#crons.values()) if (job.schedule.isDue(now)) void this.#runCron(job);
        if (this.#crons.size > 0) this.#scheduleTick();
      },
      60_000 - (Date.now() % 60_000) + 5,
    );
    this.#cronTimer.unref();
  }

  #cronRemove(id: string): void {
    const cron = (this.app as unknown as { cron?: () => { remove(id: string): void } }).cron;
    if (typeof cron === "function") cron.call(this.app).remove(id);
    this.#crons.delete(id);
  }
}
