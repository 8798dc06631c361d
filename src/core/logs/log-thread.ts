/**
 * Log batches written from a worker thread (log-thread-worker.ts) with its own connection to
 * `auxiliary.db`: the INSERT, its index updates and WAL writes cost about 10 % of a small
 * request's CPU when run on the event loop, and nothing there when run beside it. The thread
 * starts on the first write, stops after `IDLE_MS` without one (a thread is ~25 MB resident: a
 * quiet server gives it back) and is stopped by `close()` (before the app closes or swaps its
 * data folder); a later write starts it again.
 */
import { Worker } from "node:worker_threads";
import { workerEntry } from "../../tools/workers.ts";
import type { LogThreadReply, LogThreadRequest } from "./log-thread-worker.ts";

/** How long the thread outlives its last write, by default. */
const IDLE_MS = 15_000;

/** A running thread and the replies it owes. */
interface Thread {
  worker: Worker;
  waiting: Map<number, { resolve: () => void; reject: (err: Error) => void }>;
}

export class LogThread {
  #thread: Thread | null = null;
  #nextId = 1;
  #idleTimer: ReturnType<typeof setTimeout> | null = null;
  readonly #idleMs: number;

  constructor(options: { idleMs?: number } = {}) {
    this.#idleMs = options.idleMs ?? IDLE_MS;
  }

  /** Whether a thread is running. */
  get running(): boolean {
    return this.#thread !== null;
  }

  /** Stores a batch (`json`: a JSON array of entries) into the `_logs` of the database at `path`. */
  write(path: string, json: string): Promise<void> {
    if (this.#idleTimer !== null) {
      clearTimeout(this.#idleTimer);
      this.#idleTimer = null;
    }
    return this.#post((this.#thread ??= this.#start()), { id: this.#nextId++, path, json });
  }

  /** Closes the thread's connection and stops it (a no-op when it is not running). */
  async close(): Promise<void> {
    const thread = this.#thread;
    if (!thread) return;
    // Writes from now on start a new thread; this one only closes its connection.
    this.#thread = null;
    try {
      await this.#post(thread, { id: this.#nextId++, close: true });
    } finally {
      await thread.worker.terminate();
    }
  }

  #post(thread: Thread, msg: LogThreadRequest): Promise<void> {
    // Referenced while a write is in flight, so that a shutdown waits for it.
    if (thread.waiting.size === 0) thread.worker.ref();
    return new Promise<void>((resolve, reject) => {
      thread.waiting.set(msg.id, { resolve, reject });
      thread.worker.postMessage(msg);
    });
  }

  #start(): Thread {
    const thread: Thread = {
      worker: new Worker(workerEntry("core/logs/log-thread-worker.ts")),
      waiting: new Map(),
    };
    thread.worker.on("message", (reply: LogThreadReply) => {
      const waiting = thread.waiting.get(reply.id);
      thread.waiting.delete(reply.id);
      if (reply.error !== undefined) waiting?.reject(new Error(reply.error));
      else waiting?.resolve();
      if (thread.waiting.size === 0) this.#idle(thread);
    });
    const fail = (err: Error) => {
      if (this.#thread === thread) this.#thread = null;
      for (const waiting of thread.waiting.values()) waiting.reject(err);
      thread.waiting.clear();
    };
    thread.worker.on("error", fail);
    thread.worker.on("exit", (code) => fail(new Error(`the log thread exited (code ${code})`)));
    return thread;
  }

  /** An idle thread must not keep the process alive, and stops after a while. */
  #idle(thread: Thread): void {
    thread.worker.unref();
    if (this.#thread !== thread || this.#idleTimer !== null) return;
    this.#idleTimer = setTimeout(() => {
      this.#idleTimer = null;
      if (this.#thread === thread && thread.waiting.size === 0) void this.close().catch(() => {});
    }, this.#idleMs);
    this.#idleTimer.unref();
  }
}
