/**
 * A dedicated, bounded pool of threads for password hashing (issue 16 §1). bcrypt's async calls
 * run on libuv's 4 threads, the same ones that serve file reads: a flood of wrong-password
 * logins then stalls every download. Here hashing gets its own threads, one per core: logins keep
 * PocketBase's throughput, and file reads never queue behind a hash (the OS still gives the event
 * loop its share of the CPU; one thread fewer halved login throughput on 2 cores). Jobs wait in a
 * bounded queue, a full queue refuses new work at once (`HashQueueFullError`, the API's
 * 429), and a queued job whose caller has gone (its AbortSignal fired, e.g. the client
 * disconnected) is dropped before it costs anything.
 *
 * @example
 *   const hash = await hashPool().run("hash", "secret", 10);
 *   const ok = await hashPool().run("compare", "secret", hash, request.signal);
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { HashJobMessage, HashResultMessage } from "./hash-worker.ts";
import { IdleThreads } from "../tools/idle-threads.ts";
import { workerEntry } from "../tools/workers.ts";

/** Refused because the queue is full (the API answers 429). */
export class HashQueueFullError extends Error {
  override readonly name = "HashQueueFullError";
  constructor() {
    super("Too many password checks are waiting.");
  }
}

/** The queued job was dropped because its caller went away. */
export class HashJobAbortedError extends Error {
  override readonly name = "HashJobAbortedError";
  constructor() {
    super("The password check was cancelled.");
  }
}

/** Pool sizing. */
export interface HashPoolOptions {
  /** Threads (default: one per core the process may use, less one for the event loop). */
  readonly threads?: number;
  /** Jobs that may wait for a thread (default: 32 per thread). */
  readonly maxQueue?: number;
  /**
   * A thread idle this long stops (default 10 s): each holds ~10–25 MB of resident memory, and
   * logins come in bursts. The next job starts one again (~30 ms).
   */
  readonly idleMs?: number;
}

interface Job {
  readonly message: HashJobMessage;
  readonly resolve: (value: string | boolean) => void;
  readonly reject: (err: Error) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

interface Thread {
  worker: Worker;
  job: Job | null;
  idleTimer: ReturnType<typeof setTimeout> | null;
}

/** The pool; threads start on first use and never keep the process alive. */
export class HashPool {
  readonly threads: number;
  readonly maxQueue: number;
  readonly idleMs: number;
  readonly #idle: IdleThreads<Thread>;
  readonly #all = new Set<Thread>();
  readonly #queue: Job[] = [];
  #nextId = 1;

  constructor(options: HashPoolOptions = {}) {
    this.threads = Math.max(1, options.threads ?? availableParallelism());
    this.maxQueue = Math.max(0, options.maxQueue ?? 32 * this.threads);
    this.idleMs = options.idleMs ?? 10_000;
    // An idle thread whose time is up leaves the pool, then exits.
    this.#idle = new IdleThreads(this.idleMs, (thread) => {
      this.#all.delete(thread);
      void thread.worker.terminate();
    });
  }

  /** Threads running (busy or idle). */
  get running(): number {
    return this.#all.size;
  }

  /** Jobs waiting for a thread. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Hashes `plain` with bcrypt `cost`. */
  run(op: "hash", plain: string, cost: number, signal?: AbortSignal): Promise<string>;
  /** Compares `plain` with a bcrypt hash. */
  run(op: "compare", plain: string, hash: string, signal?: AbortSignal): Promise<boolean>;
  run(op: "hash" | "compare", plain: string, arg: string | number, signal?: AbortSignal): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(new HashJobAbortedError());
    const thread = this.#takeThread();
    if (thread === undefined && this.#queue.length >= this.maxQueue) {
      return Promise.reject(new HashQueueFullError());
    }
    return new Promise((resolve, reject) => {
      const job: Job = {
        message: { id: this.#nextId++, op, plain, arg },
        resolve,
        reject,
        signal,
        onAbort: () => {
          // Only a job still waiting is dropped; a running one finishes on its thread.
          const index = this.#queue.indexOf(job);
          if (index === -1) return;
          this.#queue.splice(index, 1);
          reject(new HashJobAbortedError());
        },
      };
      signal?.addEventListener("abort", job.onAbort, { once: true });
      if (thread !== undefined) this.#start(thread, job);
      else this.#queue.push(job);
    });
  }

  /** Stops every thread (pending jobs fail). */
  async close(): Promise<void> {
    for (const job of this.#queue.splice(0)) job.reject(new Error("The hashing pool is closed."));
    this.#idle.clear();
    await Promise.all([...this.#all].map((t) => t.worker.terminate()));
    this.#all.clear();
  }

  #takeThread(): Thread | undefined {
    const idle = this.#idle.take();
    if (idle !== undefined) return idle;
    if (this.#all.size < this.threads) return this.#spawn();
    return undefined;
  }

  #spawn(): Thread {
    const worker = new Worker(workerEntry("auth/hash-worker.ts"));
    worker.unref();
    const thread: Thread = { worker, job: null, idleTimer: null };
    this.#all.add(thread);
    worker.on("message", (answer: HashResultMessage) => {
      const job = thread.job;
      thread.job = null;
      if (job !== null && job.message.id === answer.id) {
        job.signal?.removeEventListener("abort", job.onAbort);
        if ("error" in answer) job.reject(new Error(answer.error));
        else job.resolve(answer.result);
      }
      this.#release(thread);
    });
    worker.on("error", (err) => this.#fail(thread, err));
    worker.on("exit", (code) => {
      if (this.#all.has(thread)) this.#fail(thread, new Error(`hashing thread exited (${code})`));
    });
    return thread;
  }

  /** A thread died: its job fails, a replacement takes the queue. */
  #fail(thread: Thread, err: Error): void {
    if (!this.#all.delete(thread)) return;
    this.#idle.remove(thread);
    thread.job?.reject(err);
    thread.job = null;
    const next = this.#queue.shift();
    if (next !== undefined) this.#start(this.#spawn(), next);
  }

  #start(thread: Thread, job: Job): void {
    thread.job = job;
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

let shared: HashPool | undefined;

/** The process-wide pool used by password hashing. */
export function hashPool(): HashPool {
  shared ??= new HashPool();
  return shared;
}
