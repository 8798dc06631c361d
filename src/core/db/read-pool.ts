/**
 * The read pool (issue 16 §3): reads that may be slow (list queries whose filter or sort joins,
 * counts over big tables, view collections, the superusers' SQL console) run on worker threads,
 * each with its own read-only connections, and the main thread awaits their rows. A query still
 * running at the query timeout (`--queryTimeout`) is answered with QueryTimeoutError at once,
 * while every other request keeps being served.
 *
 * node:sqlite has no interrupt: a thread inside one long SQLite step cannot be stopped from
 * outside, only terminated, which takes effect when that step returns. So a timed-out thread is
 * terminated and set aside as "stuck" (it exits by itself when its step ends), and a fresh
 * thread takes its place. At most `threads` threads work and at most `maxStuck` more may be
 * stuck at once: when that many are stuck, no replacement is started, pooled queries wait in
 * the queue (and time out there) until a stuck thread exits, and a full queue refuses new ones
 * at once with ReadPoolBusyError (503). Reads kept on the main thread are not affected.
 *
 * A process does not exit while one of its threads is inside a SQLite step, so `serve` ends
 * with `exitPastStuckReads()`: everything is closed by then, and the process kills itself
 * rather than wait for a runaway query (a recursive CTE without end never returns).
 *
 * @example
 *   const rows = await readPool().all("/data/data.db", "SELECT …", [id], 30_000);
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { IdleThreads } from "../../tools/idle-threads.ts";
import { workerEntry } from "../../tools/workers.ts";
import type { QueryTrace, Row, SqlValue } from "./database.ts";
import type { SqlResult } from "./sql-console.ts";
import type { ReadJobError, ReadJobMessage, ReadResultMessage } from "./read-worker.ts";

/** The query ran past the query timeout (PocketBase's "context deadline exceeded"). */
export class QueryTimeoutError extends Error {
  override readonly name = "QueryTimeoutError";
  constructor(ms: number) {
    super(`The query took longer than ${ms / 1000} s and was interrupted (context deadline exceeded).`);
  }
}

/** Refused at once: every pool thread is busy or stuck and the queue is full (the API answers 503). */
export class ReadPoolBusyError extends Error {
  override readonly name = "ReadPoolBusyError";
  constructor() {
    super("Too many slow queries are running; try again later.");
  }
}

/** Pool sizing. */
export interface ReadPoolOptions {
  /** Working threads (default: one per core, at least 2). */
  readonly threads?: number;
  /** Timed-out threads that may still be finishing their step (default: as many as `threads`). */
  readonly maxStuck?: number;
  /** Jobs that may wait for a thread (default: 64 per thread). */
  readonly maxQueue?: number;
  /**
   * A thread idle this long stops (default 10 s): each holds its V8 heap and its SQLite
   * connections' page caches (up to 32 MB each, kept while it lives). The next slow query
   * starts one again.
   */
  readonly idleMs?: number;
}

type JobMessage = Exclude<ReadJobMessage, { op: "forget" }>;
type JobAnswer = Exclude<ReadResultMessage, { error: ReadJobError }>;

interface Job {
  readonly message: JobMessage;
  readonly resolve: (answer: JobAnswer) => void;
  readonly reject: (err: Error) => void;
  readonly timer: NodeJS.Timeout;
  thread: Thread | null;
}

interface Thread {
  readonly worker: Worker;
  job: Job | null;
  idleTimer: NodeJS.Timeout | null;
}

/** The pool; threads start on first use and never keep the process alive. */
export class ReadPool {
  readonly threads: number;
  readonly maxStuck: number;
  readonly maxQueue: number;
  readonly idleMs: number;
  readonly #idle: IdleThreads<Thread>;
  /** Working threads (idle or busy). */
  readonly #working = new Set<Thread>();
  /** Terminated threads whose last step has not returned yet. */
  readonly #stuck = new Set<Thread>();
  readonly #queue: Job[] = [];
  #nextId = 1;

  constructor(options: ReadPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? Math.max(2, availableParallelism()));
    this.maxStuck = Math.max(0, options.maxStuck ?? this.threads);
    this.maxQueue = Math.max(0, options.maxQueue ?? 64 * this.threads);
    this.idleMs = options.idleMs ?? 10_000;
    // An idle thread whose time is up leaves the pool, then exits (its connections with it).
    this.#idle = new IdleThreads(this.idleMs, (thread) => {
      this.#working.delete(thread);
      void thread.worker.terminate();
    });
  }

  /** Working threads (busy or idle). */
  get running(): number {
    return this.#working.size;
  }

  /** Threads terminated at a timeout that are still inside their last step. */
  get stuck(): number {
    return this.#stuck.size;
  }

  /** Jobs waiting for a thread. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Every row of a read of the database file `path`, within `timeoutMs`. */
  async all(
    path: string,
    sql: string,
    params: readonly SqlValue[],
    timeoutMs: number,
    trace?: QueryTrace,
  ): Promise<Row[]> {
    const answer = await this.#submit({ id: 0, op: "all", path, sql, params }, timeoutMs);
    trace?.(sql, params, answer.ms);
    return "rows" in answer ? answer.rows : [];
  }

  /** The first row of a read of the database file `path`, within `timeoutMs`. */
  async get(
    path: string,
    sql: string,
    params: readonly SqlValue[],
    timeoutMs: number,
    trace?: QueryTrace,
  ): Promise<Row | undefined> {
    const answer = await this.#submit({ id: 0, op: "get", path, sql, params }, timeoutMs);
    trace?.(sql, params, answer.ms);
    return "row" in answer ? answer.row : undefined;
  }

  /** A read statement of the SQL console (sql-console.ts), on a connection of its own. */
  async console(
    path: string,
    sql: string,
    maxRows: number,
    timeoutMs: number,
  ): Promise<Omit<SqlResult, "execTime">> {
    const answer = await this.#submit({ id: 0, op: "console", path, sql, maxRows }, timeoutMs);
    if (!("console" in answer)) throw new Error("unexpected answer from the read pool");
    return answer.console;
  }

  /** Closes the connections the threads hold to `path` (its database is closing). */
  forget(path: string): void {
    const message: ReadJobMessage = { id: 0, op: "forget", path };
    for (const thread of this.#working) thread.worker.postMessage(message);
  }

  /** Stops every thread (pending jobs fail); waits only for the idle ones to exit. */
  async close(): Promise<void> {
    const closed = () => new Error("The read pool is closed.");
    for (const job of this.#queue.splice(0)) this.#settle(job, closed());
    const exits: Promise<number>[] = [];
    this.#idle.clear();
    for (const thread of this.#working) {
      const busy = thread.job !== null;
      if (thread.job) this.#settle(thread.job, closed());
      thread.job = null;
      const exited = thread.worker.terminate();
      // A busy thread exits only when its SQLite step returns: that is not waited for.
      if (busy) thread.worker.unref();
      else exits.push(exited);
    }
    this.#working.clear();
    this.#stuck.clear();
    await Promise.all(exits);
  }

  #submit(message: JobMessage, timeoutMs: number): Promise<JobAnswer> {
    const thread = this.#takeThread();
    if (thread === undefined && this.#queue.length >= this.maxQueue) {
      return Promise.reject(new ReadPoolBusyError());
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        message: { ...message, id: this.#nextId++ },
        resolve,
        reject,
        thread: null,
        timer: setTimeout(() => this.#timeOut(job, timeoutMs), timeoutMs),
      };
      if (thread !== undefined) this.#start(thread, job);
      else this.#queue.push(job);
    });
  }

  #settle(job: Job, outcome: Error | JobAnswer): void {
    clearTimeout(job.timer);
    job.thread = null;
    if (outcome instanceof Error) job.reject(outcome);
    else job.resolve(outcome);
  }

  /** The deadline passed: answer now; a running job's thread is terminated and replaced. */
  #timeOut(job: Job, timeoutMs: number): void {
    const thread = job.thread;
    if (thread === null) {
      const index = this.#queue.indexOf(job);
      if (index === -1) return;
      this.#queue.splice(index, 1);
      this.#settle(job, new QueryTimeoutError(timeoutMs));
      return;
    }
    this.#settle(job, new QueryTimeoutError(timeoutMs));
    thread.job = null;
    this.#working.delete(thread);
    this.#stuck.add(thread);
    // It must not keep the process alive: a step may run for as long as its query takes.
    thread.worker.unref();
    // Resolves once the thread's current SQLite step returns: then it is really gone.
    void thread.worker.terminate().finally(() => {
      this.#stuck.delete(thread);
      this.#drain();
    });
    this.#drain();
  }

  /** Starts queued jobs on threads that can be taken. */
  #drain(): void {
    while (this.#queue.length > 0) {
      const thread = this.#takeThread();
      if (thread === undefined) return;
      this.#start(thread, this.#queue.shift()!);
    }
  }

  #takeThread(): Thread | undefined {
    const idle = this.#idle.take();
    if (idle !== undefined) return idle;
    if (
      this.#working.size < this.threads &&
      this.#working.size + this.#stuck.size < this.threads + this.maxStuck
    ) {
      return this.#spawn();
    }
    return undefined;
  }

  #spawn(): Thread {
    const worker = new Worker(workerEntry("core/db/read-worker.ts"));
    worker.unref();
    const thread: Thread = { worker, job: null, idleTimer: null };
    this.#working.add(thread);
    worker.on("message", (answer: ReadResultMessage) => {
      const job = thread.job;
      if (job === null || job.message.id !== answer.id) return;
      thread.job = null;
      if ("error" in answer) this.#settle(job, rebuildError(answer.error));
      else this.#settle(job, answer);
      this.#release(thread);
    });
    worker.on("error", (err) => this.#fail(thread, err));
    worker.on("exit", (code) => {
      if (this.#working.has(thread)) this.#fail(thread, new Error(`read pool thread exited (${code})`));
    });
    return thread;
  }

  /** A working thread died: its job fails, the queue goes on. */
  #fail(thread: Thread, err: Error): void {
    if (!this.#working.delete(thread)) return;
    this.#idle.remove(thread);
    if (thread.job) this.#settle(thread.job, err);
    thread.job = null;
    this.#drain();
  }

  #start(thread: Thread, job: Job): void {
    thread.job = job;
    job.thread = thread;
    thread.worker.ref();
    thread.worker.postMessage(job.message);
  }

  #release(thread: Thread): void {
    const next = this.#queue.shift();
    if (next !== undefined) {
      this.#start(thread, next);
      return;
    }
    this.#idle.park(thread);
  }
}

/** A worker's error as an Error of the main thread, with node:sqlite's codes kept. */
function rebuildError(e: ReadJobError): Error {
  const err = Object.assign(new Error(e.message), e);
  if (e.name === "RangeError") return Object.assign(new RangeError(e.message), e);
  return err;
}

let shared: ReadPool | undefined;

/** The process-wide read pool. */
export function readPool(): ReadPool {
  shared ??= new ReadPool();
  return shared;
}

/**
 * For the very end of a process: when a read pool thread is still stuck in a SQLite step, the
 * process would not exit before that step ends (maybe never), so it is killed (SIGKILL) now.
 * Call it only once everything else is closed and flushed.
 */
export function exitPastStuckReads(): void {
  if (!shared || shared.stuck === 0) return;
  process.stderr.write(
    `${shared.stuck} timed-out queries are still running: exiting without waiting for them.\n`,
  );
  process.kill(process.pid, "SIGKILL");
}

/** Closes the pool's connections to a database file that is closing (starts no thread). */
export function forgetDatabase(path: string): void {
  shared?.forget(path);
}
