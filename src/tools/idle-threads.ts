/**
 * The idle threads of a worker pool (the read pool, the password hashing pool): a thread parked
 * here no longer keeps the process alive and stops after `idleMs` unused, giving its heap back;
 * taking one cancels that. The last parked is taken first, so that under a light load the same
 * thread serves and the others expire.
 */
import type { Worker } from "node:worker_threads";

/** What a pool's thread must have to be parked. */
export interface PooledThread {
  readonly worker: Worker;
  idleTimer: NodeJS.Timeout | null;
}

export class IdleThreads<T extends PooledThread> {
  readonly #threads: T[] = [];
  readonly #idleMs: number;
  readonly #expired: (thread: T) => void;

  /** `expired` is called with a thread whose time is up (already removed from here). */
  constructor(idleMs: number, expired: (thread: T) => void) {
    this.#idleMs = idleMs;
    this.#expired = expired;
  }

  /** Parks a thread that has nothing to do. */
  park(thread: T): void {
    thread.worker.unref();
    this.#threads.push(thread);
    thread.idleTimer = setTimeout(() => {
      if (this.remove(thread)) this.#expired(thread);
    }, this.#idleMs);
    thread.idleTimer.unref();
  }

  /** The most recently parked thread, if any, no longer idle. */
  take(): T | undefined {
    const thread = this.#threads.pop();
    if (thread !== undefined) this.#cancel(thread);
    return thread;
  }

  /** Removes a thread (it died, or its time is up); whether it was here. */
  remove(thread: T): boolean {
    const index = this.#threads.indexOf(thread);
    if (index === -1) return false;
    this.#threads.splice(index, 1);
    this.#cancel(thread);
    return true;
  }

  /** Forgets every parked thread (the pool is closing and stops them itself). */
  clear(): void {
    for (const thread of this.#threads) this.#cancel(thread);
    this.#threads.length = 0;
  }

  #cancel(thread: T): void {
    if (thread.idleTimer !== null) clearTimeout(thread.idleTimer);
    thread.idleTimer = null;
  }
}
