/**
 * The worker pool on the main thread. A handler run goes to an idle worker (the pool grows on
 * demand up to its size, then runs queue); while the worker runs, its synchronous calls arrive
 * here and are answered after the real (async) work. A hook fired by such a call runs on the
 * same worker, which serves it while it waits: AsyncLocalStorage tells which worker and call a
 * trigger belongs to. A run that exceeds the time limit has its worker stopped and replaced.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import type { EventState, EventWire, FromWorker, RunTarget, ToWorker, WorkerInit } from "./protocol.ts";
import type { FnSource, Registrations } from "./registrations.ts";
import type { ErrorWire } from "./wire.ts";
import { HookTimeoutError, errorFromWire, errorToWire } from "./main-codec.ts";
import { ApiError } from "../api/errors.ts";
import { workerEntry } from "../tools/workers.ts";
import { ring } from "./wake-flag.ts";
import { pack, unpack } from "./message-pack.ts";

/** What the main thread keeps about a run while it is in flight (its event's bridge). */
export interface RunContext {
  /** `e.next()` from the script: apply its state, continue the chain, return the new state. */
  next?(state: EventState): Promise<EventState>;
  /** Request operations (`e.request.body`, `e.requestInfo()`, …) by name. */
  request?(op: string, args: unknown[]): Promise<unknown>;
}

/** Who made a synchronous call. */
export interface CallContext {
  worker: HookWorker;
  /** The context of one of this worker's runs. */
  run(id: number): RunContext | undefined;
}

/** Answers a worker's synchronous calls. */
export type OpHandler = (op: string, args: unknown[], ctx: CallContext) => Promise<unknown>;

/** The outcome of a run. */
export interface RunResult {
  value: unknown;
  state: EventState | null;
  /** The handler ended with `e.next()`, which the caller runs after applying the state. */
  next: boolean;
}

/** A run that threw: the error as the main thread sees it, and the event state at the time. */
export class RunError extends Error {
  readonly error: Error;
  readonly wire: ErrorWire;
  readonly state: EventState | null;
  constructor(wire: ErrorWire, state: EventState | null) {
    super(wire.message);
    this.wire = wire;
    this.error = errorFromWire(wire);
    this.state = state;
  }
}

interface PendingRun {
  ctx: RunContext;
  /** When the run has overrun its time limit (ms since the epoch; 0: never). */
  deadline: number;
  /** What runs, for the time limit's log line. */
  target: RunTarget;
  resolve(r: RunResult): void;
  reject(err: unknown): void;
}

/**
 * The worker's entry. From a checkout (TypeScript sources), a JavaScript prelude first turns on
 * Node's compile cache in the thread, as bin/satchel.js does on the main thread: the thread then
 * loads its modules already stripped from the cache and never instantiates the TypeScript
 * stripper (a WebAssembly module that costs each thread ~10 MB of resident memory and CPU).
 */
function hooksWorkerEntry(): { entry: URL | string; evalCode: boolean } {
  const entry = workerEntry("hooks/worker.ts");
  if (!(entry instanceof URL) || !entry.pathname.endsWith(".ts")) return { entry, evalCode: false };
  const code =
    `import("node:module").then((m) => { if (process.env.NODE_DISABLE_COMPILE_CACHE !== "1") m.enableCompileCache?.(); ` +
    `return import(${JSON.stringify(entry.href)}); });`;
  return { entry: code, evalCode: true };
}

/** The young generation of a worker's heap, in MB (see HookWorker's resourceLimits). */
const YOUNG_GENERATION_MB = 8;

/** One worker thread and what is in flight on it. */
export class HookWorker {
  readonly worker: Worker;
  readonly port: MessagePort;
  readonly #flag: Int32Array;
  readonly runs = new Map<number, PendingRun>();
  readonly pendingCalls = new Set<number>();
  dead = false;
  readonly ready: Promise<void>;
  onMessage: (m: FromWorker) => void = () => undefined;
  onExit: (err: Error) => void = () => undefined;

  constructor(init: Omit<WorkerInit, "flag">, output?: (text: string) => void) {
    const flag = new SharedArrayBuffer(4);
    this.#flag = new Int32Array(flag);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const { entry, evalCode } = hooksWorkerEntry();
    this.worker = new Worker(entry, {
      eval: evalCode,
      workerData: { ...init, flag, port: port2 },
      transferList: [port2],
      // a handler's garbage is short-lived: a small young generation keeps the thread's
      // resident memory after a burst of events low (V8's default lets it grow to ~48 MB)
      resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      // console.* of scripts goes to the server's output (or the runtime's sink)
      stdout: output !== undefined,
      stderr: output !== undefined,
    });
    if (output) {
      this.worker.stdout.on("data", (chunk: Buffer) => output(chunk.toString("utf8")));
      this.worker.stderr.on("data", (chunk: Buffer) => output(chunk.toString("utf8")));
    }
    let ready: () => void = () => undefined;
    this.ready = new Promise((resolve) => (ready = resolve));
    const deliver = (data: unknown) => {
      const m = unpack<FromWorker>(data);
      if (m.t === "ready") ready();
      else this.onMessage(m);
    };
    port1.on("message", deliver);
    const fail = (err: Error) => {
      if (this.dead) return;
      this.dead = true;
      this.port.close();
      this.onExit(err);
      ready();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => {
      // a loader ends as soon as it has posted its registrations, and its exit may overtake that
      // message: deliver what is still queued before calling the exit a failure
      for (let got = receiveMessageOnPort(port1); got && !this.dead; got = receiveMessageOnPort(port1))
        deliver(got.message);
      fail(new Error(`the hooks worker exited (code ${code})`));
    });
  }

  /**
   * Posts to the worker and wakes it if it waits on its flag: inside a call, or idle right after
   * a run (worker-channel.ts, linger); a worker in its event loop takes the message from there.
   */
  send(message: ToWorker): void {
    if (this.dead) return;
    this.port.postMessage(pack(message));
    ring(this.#flag);
  }

  /**
   * Lets an idle worker end itself (its thread exits normally, so `--cpu-prof` writes its
   * profile); one with runs in flight is killed.
   */
  stop(err: Error): void {
    if (this.dead || this.runs.size > 0) return this.kill(err);
    // woken like a run: an idle worker may be waiting on its flag (worker-channel.ts, linger)
    this.send({ t: "stop" });
    this.dead = true;
    const timer = setTimeout(() => void this.worker.terminate(), 1000);
    timer.unref();
    this.worker.once("exit", () => clearTimeout(timer));
  }

  /**
   * Answers one of the worker's calls: over the port (its native structured clone costs less
   * than serializing into shared memory with node:v8), waking the waiting worker.
   */
  reply(message: Extract<ToWorker, { t: "reply" }>): void {
    this.send(message);
  }

  /** Stops the worker; every run in flight on it fails with `err`. */
  kill(err: Error): void {
    const runs = [...this.runs.values()];
    this.runs.clear();
    if (!this.dead) {
      this.dead = true;
      this.port.close();
      void this.worker.terminate();
    }
    for (const run of runs) run.reject(err);
  }
}

/** A worker waiting on one of its calls. */
export interface Nesting {
  worker: HookWorker;
  callId: number;
}

const nesting = new AsyncLocalStorage<Nesting>();

/**
 * The async context of this module's load: workers are created in it, so their message
 * listeners (and every call they serve) do not inherit the context of the request that happened
 * to start the worker (the hook chain's AsyncLocalStorage would take it for a running link).
 */
const rootContext = AsyncLocalStorage.snapshot();

/** Which worker call the current async context serves (to re-enter it from another context). */
export function currentNesting(): Nesting | undefined {
  return nesting.getStore();
}

/** Runs `fn` as part of a worker call, so hooks it fires run on that worker. */
export function withNesting<T>(n: Nesting | undefined, fn: () => T): T {
  return n ? nesting.run(n, fn) : fn();
}

/** Options of a pool. */
export interface PoolOptions {
  hooksDir: string;
  handlers: FnSource[];
  /** Most workers at once. */
  size: number;
  /** Per-run time limit in ms (0 = none). */
  timeoutMs: number;
  ops: OpHandler;
  /** Where errors of the pool itself are reported. */
  log(message: string): void;
  /** Where scripts' console output goes (default: the process's stdout/stderr). */
  output?: (text: string) => void;
  /** Idle time after which a worker beyond the first is stopped (ms; default 60 s, 0 = never). */
  idleMs?: number;
  /** A started worker to serve from (the thread that ran the files' top-level code). */
  first?: HookWorker;
}

/** The pool of handler workers. */
export class WorkerPool {
  readonly #options: PoolOptions;
  readonly #workers = new Set<HookWorker>();
  readonly #idle: HookWorker[] = [];
  readonly #waiting: ((w: HookWorker) => void)[] = [];
  #starting = 0;
  #runSeq = 0;
  #closed = false;
  #active = 0;
  #draining = false;

  constructor(options: PoolOptions) {
    this.#options = options;
    if (options.first && !options.first.dead) {
      this.#adopt(options.first);
      this.#idle.push(options.first);
    }
  }

  /** Workers alive now. */
  get size(): number {
    return this.#workers.size;
  }

  /**
   * Runs a handler (or a callback) with an event; resolves with its result and final state.
   * Not an async function: the common case (an idle worker) dispatches at once and settles
   * its bookkeeping in the run's own callbacks, without the promises of async layers.
   */
  run(target: RunTarget, event: EventWire | null, args: unknown[], ctx: RunContext): Promise<RunResult> {
    const nest = nesting.getStore();
    this.#active++;
    // a hook fired by one of this pool's waiting workers runs on that worker
    if (nest && this.#workers.has(nest.worker) && nest.worker.pendingCalls.has(nest.callId))
      return this.#dispatch(nest.worker, target, event, args, ctx, false, () => this.#settled());
    const idle = this.#closed ? undefined : this.#idle.pop();
    if (idle) return this.#dispatch(idle, target, event, args, ctx, true, () => this.#settled(idle));
    return this.#acquire().then(
      (w) => this.#dispatch(w, target, event, args, ctx, true, () => this.#settled(w)),
      (err: unknown) => {
        this.#settled();
        throw err;
      },
    );
  }

  /** A run ended: its worker (when it had one of its own) goes back to the pool. */
  #settled(worker?: HookWorker): void {
    if (worker) this.#release(worker);
    this.#active--;
    if (this.#active === 0 && this.#draining) void this.close();
  }

  /** Closes the pool once the runs in flight have finished (a reload replaced it). */
  closeWhenIdle(): void {
    this.#draining = true;
    if (this.#active === 0) void this.close();
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#trimTimer);
    const err = new Error("the hooks pool was closed");
    for (const w of this.#workers) w.stop(err);
    this.#workers.clear();
    this.#idle.length = 0;
  }

  #dispatch(
    w: HookWorker,
    target: RunTarget,
    event: EventWire | null,
    args: unknown[],
    ctx: RunContext,
    timed: boolean,
    settled: () => void,
  ): Promise<RunResult> {
    const run = ++this.#runSeq;
    const limit = timed ? this.#options.timeoutMs : 0;
    if (limit > 0) this.#watch(limit);
    return new Promise<RunResult>((resolve, reject) => {
      const done = () => {
        if (limit > 0 && --this.#timedRuns === 0) this.#unwatch();
        settled();
      };
      w.runs.set(run, {
        ctx,
        deadline: limit > 0 ? Date.now() + limit : 0,
        target,
        resolve: (r) => {
          done();
          resolve(r);
        },
        reject: (e) => {
          done();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      });
      w.send({ t: "run", run, target, event, args });
    });
  }

  /** Timed runs in flight, and the check of their deadlines while there are any. */
  #timedRuns = 0;
  #watchdog: NodeJS.Timeout | undefined;

  /**
   * One periodic check for all timed runs rather than a timer per run (a timer armed and
   * cleared per event costs the main thread about a microsecond and a few hundred bytes): an
   * overrun is caught within a tenth of the limit (at most a second) after it.
   */
  #watch(limit: number): void {
    this.#timedRuns++;
    if (this.#watchdog) return;
    const period = Math.min(1000, Math.max(5, Math.floor(limit / 10)));
    this.#watchdog = setInterval(() => this.#checkDeadlines(), period);
  }

  #unwatch(): void {
    clearInterval(this.#watchdog);
    this.#watchdog = undefined;
  }

  #checkDeadlines(): void {
    const now = Date.now();
    for (const w of [...this.#workers]) {
      for (const pending of w.runs.values()) {
        if (pending.deadline === 0 || pending.deadline > now) continue;
        const { target } = pending;
        const limit = this.#options.timeoutMs;
        const what = target.kind === "handler" ? this.#options.handlers[target.handler] : undefined;
        const where = what ? ` registered at ${what.file}:${what.line}` : "";
        this.#options.log(`pb_hooks: a handler${where} ran longer than ${limit} ms; its worker was stopped`);
        this.#drop(w);
        w.kill(new ApiError(500, "", {}, new HookTimeoutError(`handler timed out after ${limit} ms`)));
        break;
      }
    }
  }

  #spawn(): HookWorker {
    const w = rootContext(
      () =>
        new HookWorker(
          { mode: "pool", hooksDir: this.#options.hooksDir, files: [], handlers: this.#options.handlers },
          this.#options.output,
        ),
    );
    this.#adopt(w);
    return w;
  }

  #adopt(w: HookWorker): void {
    this.#workers.add(w);
    w.onMessage = (m) => this.#onMessage(w, m);
    w.onExit = (err) => {
      this.#drop(w);
      w.kill(err);
    };
  }

  #drop(w: HookWorker): void {
    this.#workers.delete(w);
    const i = this.#idle.indexOf(w);
    if (i >= 0) this.#idle.splice(i, 1);
  }

  async #acquire(): Promise<HookWorker> {
    if (this.#closed) throw new Error("the hooks pool was closed");
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#workers.size + this.#starting < this.#options.size || this.#workers.size === 0) {
      const w = this.#spawn();
      await w.ready;
      if (w.dead) throw new Error("a hooks worker failed to start");
      return w;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #release(w: HookWorker): void {
    if (w.dead || this.#closed) {
      // a replacement takes the place of a stopped worker for whoever is waiting
      const next = this.#waiting.shift();
      if (next && !this.#closed) {
        const fresh = this.#spawn();
        void fresh.ready.then(() => next(fresh));
      }
      return;
    }
    const next = this.#waiting.shift();
    if (next) next(w);
    else {
      this.#idle.push(w);
      this.#idleSince.set(w, Date.now());
      this.#scheduleTrim();
    }
  }

  /** When each idle worker became idle. */
  readonly #idleSince = new WeakMap<HookWorker, number>();
  #trimTimer: NodeJS.Timeout | undefined;

  #scheduleTrim(): void {
    const idleMs = this.#options.idleMs ?? 60_000;
    if (this.#trimTimer || this.#closed || idleMs <= 0 || this.#idle.length < 2) return;
    this.#trimTimer = setTimeout(() => {
      this.#trimTimer = undefined;
      this.#trim(idleMs);
    }, idleMs);
    this.#trimTimer.unref();
  }

  /**
   * Stops the workers idle for `idleMs`, keeping one warm: each holds its own heap (~30 MB), and a
   * burst that grew the pool should not keep that memory for good.
   */
  #trim(idleMs: number): void {
    const cutoff = Date.now() - idleMs;
    // acquire takes from the end, so the front holds the longest idle
    while (this.#idle.length > 1 && (this.#idleSince.get(this.#idle[0]!) ?? 0) <= cutoff) {
      const w = this.#idle.shift()!;
      this.#drop(w);
      w.kill(new Error("stopped while idle"));
    }
    this.#scheduleTrim();
  }

  #onMessage(w: HookWorker, m: FromWorker): void {
    if (m.t === "done") {
      const pending = w.runs.get(m.run);
      if (!pending) return;
      w.runs.delete(m.run);
      if (m.ok) pending.resolve({ value: m.value, state: m.state, next: m.next === true });
      else pending.reject(new RunError(m.error, m.state));
      return;
    }
    if (m.t === "call") {
      w.pendingCalls.add(m.id);
      const ctx: CallContext = { worker: w, run: (id) => w.runs.get(id)?.ctx };
      void nesting.run({ worker: w, callId: m.id }, async () => {
        try {
          const value = await this.#options.ops(m.op, m.args, ctx);
          w.reply({ t: "reply", id: m.id, ok: true, value });
        } catch (err) {
          w.reply({
            t: "reply",
            id: m.id,
            ok: false,
            error: errorToWire(err instanceof RunError ? err.error : err),
          });
        } finally {
          w.pendingCalls.delete(m.id);
        }
      });
    }
  }
}

/** What loading the hook files gives: the registrations and, when any, the thread to serve them. */
export interface Loaded {
  registrations: Registrations;
  /**
   * The thread that ran the files' top-level code, ready to serve the handlers as the pool's
   * first worker (one thread instead of a loader and then a pool thread: the loader's memory is
   * not left behind); null when nothing was registered (no thread stays) or when it loaded
   * `.pb.ts` scripts (the pool starts a fresh thread).
   */
  worker: HookWorker | null;
}

/** Runs the hook files' top-level code once in a worker; resolves with the registrations. */
export function loadRegistrations(
  hooksDir: string,
  files: string[],
  ops: OpHandler,
  timeoutMs: number,
  output?: (text: string) => void,
): Promise<Loaded> {
  return new Promise((resolve, reject) => {
    const w = rootContext(() => new HookWorker({ mode: "load", hooksDir, files, handlers: [] }, output));
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            w.kill(new Error(`loading the hooks took longer than ${timeoutMs} ms`));
            reject(new Error(`loading the hooks took longer than ${timeoutMs} ms`));
          }, timeoutMs)
        : undefined;
    const finish = (fn: () => void, keep = false) => {
      clearTimeout(timer);
      w.onExit = () => undefined;
      w.onMessage = () => undefined;
      if (!keep) w.kill(new Error("loaded"));
      fn();
    };
    w.onExit = (err) => finish(() => reject(err));
    w.onMessage = (m) => {
      if (m.t === "loaded") {
        // a thread that stripped the types of `.pb.ts` scripts holds Node's TypeScript stripper
        // (~10 MB): a fresh pool thread serves those instead
        const keep = m.registrations.handlers.length > 0 && !files.some((f) => f.endsWith(".ts"));
        finish(() => resolve({ registrations: m.registrations, worker: keep ? w : null }), keep);
      } else if (m.t === "loadError") finish(() => reject(new HookLoadError(m.file, m.line, m.message)));
      else if (m.t === "call") {
        const ctx: CallContext = { worker: w, run: () => undefined };
        void ops(m.op, m.args, ctx).then(
          (value) => w.reply({ t: "reply", id: m.id, ok: true, value }),
          (err: unknown) => w.reply({ t: "reply", id: m.id, ok: false, error: errorToWire(err) }),
        );
      }
    };
  });
}

/** A hook file that failed to load. */
export class HookLoadError extends Error {
  readonly file: string;
  readonly line: number;
  constructor(file: string, line: number, message: string) {
    super(`failed to execute ${file}${line ? `:${line}` : ""}:\n - ${message}`);
    this.name = "HookLoadError";
    this.file = file;
    this.line = line;
  }
}
