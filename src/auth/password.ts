/**
 * bcrypt password hashing. The native async calls run on libuv's thread pool, so hashing never
 * blocks the event loop (TEST-INFRA §9). PocketBase's Go `$2a$` hashes verify as they are.
 */
import bcrypt from "bcrypt";

/** Default bcrypt cost, as PocketBase's password field. */
export const DEFAULT_BCRYPT_COST = 10;

/** Hashes a password (async, off the event loop). */
export function hashPassword(plain: string, cost = DEFAULT_BCRYPT_COST): Promise<string> {
  return bcrypt.hash(plain, cost);
}

/** Compares a password with a bcrypt hash; false for an empty or malformed hash. */
export async function verifyPassword(plain: string, hashed: string): Promise<boolean> {
  if (!hashed) return false;
  try {
    return await bcrypt.compare(plain, hashed);
  } catch {
    return false;
  }
}

// A valid hash of a random string, compared against when the account does not exist so that
// "no such user" takes as long as "wrong password" (no account enumeration by timing).
let dummyHash: Promise<string> | undefined;

/** Spends the time of one password check without an account. */
export async function dummyPasswordCheck(plain: string): Promise<void> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  await verifyPassword(plain, await dummyHash);
}
