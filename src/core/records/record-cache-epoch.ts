/**
 * When a cache of what the database holds must start over, besides this process's own writes
 * (which each cache follows through `Database.writesTo`/`writes`): after a reload of the
 * collections (any schema or rule change makes a new list), or when another process committed
 * to the same file, seen through SQLite's `data_version`, read at most every
 * `EXTERNAL_CHECK_MS` (a read costs a read transaction, as much as a look-up a cache saves; this
 * process's commits move it too, so under writes a cache starts over about that often).
 * The auth record cache (record-auth-cache.ts) and the list totals (record-count-cache.ts)
 * begin each of their generations at such an epoch.
 */
import type { Database } from "../db/database.ts";
import type { Collection } from "../collections/collection-model.ts";

/** How stale a write of another process to the same file may be seen, at most. */
export const EXTERNAL_CHECK_MS = 250;

const UNKNOWN_VERSION = -1;

/** Where a cache generation began (kept on the cache object, updated by `renewedEpoch`). */
export interface CacheEpoch {
  /** The collections (their list object) when it began. */
  readonly collections: readonly Collection[];
  /** SQLite's `data_version` when it was last read, and when (`performance.now()`). */
  dataVersion: number;
  checkedAt: number;
}

/**
 * Null while `epoch` still holds (its check time and version brought up to date), else the
 * epoch a new generation begins at. A new generation does not read `data_version` at once (a
 * write-heavy load would pay it on every request): its first check finds it "changed" and starts
 * over, a check later.
 */
export function renewedEpoch(
  db: Database,
  collections: readonly Collection[],
  epoch: CacheEpoch | undefined,
): CacheEpoch | null {
  const now = performance.now();
  let dataVersion = UNKNOWN_VERSION;
  if (epoch !== undefined && epoch.collections === collections) {
    if (now - epoch.checkedAt < EXTERNAL_CHECK_MS) return null;
    dataVersion = db.dataVersion();
    epoch.checkedAt = now;
    if (dataVersion === epoch.dataVersion) return null;
  }
  return { collections, dataVersion, checkedAt: now };
}
