/**
 * An async mutex: the single SQLite writer is shared by every request, so writes (and whole
 * transactions) queue here instead of failing with "database is locked".
 */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();
  #locked = false;

  /** Whether someone holds the lock right now. */
  get isLocked(): boolean {
    return this.#locked;
  }

  /** Waits for the lock and returns its release function (call it exactly once). */
  async acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const previous = this.#tail;
    this.#tail = previous.then(() => next);
    await previous;
    this.#locked = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#locked = false;
      release();
    };
  }

  /** Runs `fn` while holding the lock. */
  async run<T>(fn: () => Promise<T> | T): Promise<T> {
    const release = await this.acquire();
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
