/**
 * bcrypt password hashing, off the event loop. On Node, hashes run on a dedicated, bounded pool
 * of threads (hash-pool.ts), never on libuv's pool that file I/O shares, so a login flood cannot
 * stall downloads; a full pool refuses at once (`HashQueueFullError`). In the single executable,
 * which runs on Bun and cannot load a native addon from a package folder, Bun's built-in
 * `Bun.password` (also native and asynchronous) does the work. PocketBase's Go `$2a$` hashes
 * verify with both.
 */
import { isBun } from "../tools/runtime.ts";
import { HashJobAbortedError, HashQueueFullError, hashPool } from "./hash-pool.ts";

export { HashJobAbortedError, HashQueueFullError };

/** Default bcrypt cost, as PocketBase's password field. */
export const DEFAULT_BCRYPT_COST = 10;

interface BunPassword {
  hash(password: Uint8Array, options: { algorithm: "bcrypt"; cost: number }): Promise<string>;
  verify(password: Uint8Array, hash: string, algorithm: "bcrypt"): Promise<boolean>;
}

/**
 * bcrypt reads at most 72 bytes of a password. Bun.password hashes longer ones with SHA-512
 * first, which no other bcrypt does; cut them at 72 bytes so hashes stay interchangeable with
 * PocketBase's and the addon's.
 */
const bcryptBytes = (plain: string): Uint8Array => new TextEncoder().encode(plain).subarray(0, 72);

const bunPassword = (): BunPassword =>
  (globalThis as unknown as { Bun: { password: BunPassword } }).Bun.password;

/** Hashes a password (off the event loop). */
export function hashPassword(
  plain: string,
  cost = DEFAULT_BCRYPT_COST,
  signal?: AbortSignal,
): Promise<string> {
  if (isBun()) return bunPassword().hash(bcryptBytes(plain), { algorithm: "bcrypt", cost });
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
    if (isBun()) return await bunPassword().verify(bcryptBytes(plain), hashed, "bcrypt");
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
