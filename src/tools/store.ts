/**
 * A concurrency-safe key/value store, PocketBase's `tools/store.Store`: `app.store()` holds the
 * app's per-process state (realtime broker, rate-limit windows, …) in one place instead of
 * module-level maps, and hooks get it as `$app.store()`. JavaScript runs one task at a time, so
 * each method is atomic as in Go.
 */
export class Store<K = string, V = unknown> {
  #data = new Map<K, V>();

  /** The value of a key (undefined when missing). */
  get(key: K): V | undefined {
    return this.#data.get(key);
  }

  /** The value of a key and whether it exists. */
  getOk(key: K): [V | undefined, boolean] {
    return [this.#data.get(key), this.#data.has(key)];
  }

  /** Whether the key exists. */
  has(key: K): boolean {
    return this.#data.has(key);
  }

  /** Sets a key. */
  set(key: K, value: V): void {
    this.#data.set(key, value);
  }

  /** Sets a key to `fn(current value)`. */
  setFunc(key: K, fn: (old: V | undefined) => V): void {
    this.#data.set(key, fn(this.#data.get(key)));
  }

  /** The value of a key, set first to `create()` when missing. */
  getOrSet<T extends V>(key: K, create: () => T): T {
    if (this.#data.has(key)) return this.#data.get(key) as T;
    const value = create();
    this.#data.set(key, value);
    return value;
  }

  /** Sets a key only while the store holds fewer than `maxAllowedElements` keys; returns whether it did. */
  setIfLessThanLimit(key: K, value: V, maxAllowedElements: number): boolean {
    if (!this.#data.has(key) && this.#data.size >= maxAllowedElements) return false;
    this.#data.set(key, value);
    return true;
  }

  /** Removes a key. */
  remove(key: K): void {
    this.#data.delete(key);
  }

  /** Removes every key. */
  removeAll(): void {
    this.#data.clear();
  }

  /** Replaces the whole content (a copy of `data`). */
  reset(data: Iterable<[K, V]> | { [key: string]: V } = []): void {
    this.#data = new Map(Symbol.iterator in data ? data : (Object.entries(data) as unknown as [K, V][]));
  }

  /** A shallow copy of the content as an object. */
  getAll(): { [key: string]: V } {
    return Object.fromEntries(this.#data) as { [key: string]: V };
  }

  /** The values. */
  values(): V[] {
    return [...this.#data.values()];
  }

  /** The number of keys. */
  length(): number {
    return this.#data.size;
  }
}
