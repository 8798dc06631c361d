/**
 * Async mutexes by key, created on demand and dropped when idle: for serialising the
 * read-modify-write of one record by concurrent requests without holding up the others.
 */
import { Mutex } from "./mutex.ts";

export class KeyedMutex {
  readonly #locks = new Map<string, { mutex: Mutex; users: number }>();

  /** Runs `fn` while holding the lock of `key`. */
  async run<T>(key: string, fn: () => Promise<T> | T): Promise<T> {
    let entry = this.#locks.get(key);
    if (!entry) {
      entry = { mutex: new Mutex(), users: 0 };
      this.#locks.set(key, entry);
    }
    entry.users++;
    try {
      return await entry.mutex.run(fn);
    } finally {
      if (--entry.users === 0) this.#locks.delete(key);
    }
  }

  /** Keys with a holder or waiters (for tests). */
  get size(): number {
    return this.#locks.size;
  }
}
