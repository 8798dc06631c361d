/**
 * bcrypt password hashing. Hashes run on a dedicated, bounded pool of threads (hash-pool.ts),
 * never on libuv's pool that file I/O shares, so a login flood cannot stall downloads; a full
 * pool refuses at once (`HashQueueFullError`). PocketBase's Go `$2a$` hashes verify as they are.
 */
import { HashJobAbortedError, HashQueueFullError, hashPool } from "./hash-pool.ts";

export { HashJobAbortedError, HashQueueFullError };

/** Default bcrypt cost, as PocketBase's password field. */
export const DEFAULT_BCRYPT_COST = 10;

/** Hashes a password (on the hashing pool, off the event loop). */
export function hashPassword(
  plain: string,
  cost = DEFAULT_BCRYPT_COST,
  signal?: AbortSignal,
): Promise<string> {
  return hashPool().run("hash", plain, cost, signal);
}

/**
 * Compares a password with a bcrypt hash; false for an empty or malformed hash. `signal` (the
 * request's) drops the check while it still waits for a thread. A full pool throws
 * `HashQueueFullError`.
 */
export async function verifyPassword(plain: string, hashed: string, signal?: AbortSignal): Promise<boolean> {
  if (!hashed) return false;
  try {
    return await hashPool().run("compare", plain, hashed, signal);
  } catch (err) {
    if (err instanceof HashQueueFullError || err instanceof HashJobAbortedError) throw err;
    return false;
  }
}

// A valid hash of a random string, compared against when the account does not exist so that
// "no such user" takes as long as "wrong password" (no account enumeration by timing).
let dummyHash: Promise<string> | undefined;

/** Spends the time of one password check without an account. */
export async function dummyPasswordCheck(plain: string, signal?: AbortSignal): Promise<void> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  await verifyPassword(plain, await dummyHash, signal);
}
