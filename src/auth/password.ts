/**
 * bcrypt password hashing, off the event loop: on Node through the `bcrypt` addon (libuv's
 * thread pool, TEST-INFRA §9); in the single executable, which runs on Bun and cannot load a
 * native addon from a package folder, through Bun's built-in `Bun.password` (also native and
 * asynchronous). PocketBase's Go `$2a$` hashes verify with both.
 */
import { isBun } from "../tools/runtime.ts";

/** Default bcrypt cost, as PocketBase's password field. */
export const DEFAULT_BCRYPT_COST = 10;

interface Hasher {
  hash(plain: string, cost: number): Promise<string>;
  compare(plain: string, hashed: string): Promise<boolean>;
}

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

let hasher: Promise<Hasher> | undefined;
function loadHasher(): Promise<Hasher> {
  hasher ??= isBun()
    ? Promise.resolve<Hasher>({
        hash: (plain, cost) =>
          (globalThis as unknown as { Bun: { password: BunPassword } }).Bun.password.hash(
            bcryptBytes(plain),
            {
              algorithm: "bcrypt",
              cost,
            },
          ),
        compare: (plain, hashed) =>
          (globalThis as unknown as { Bun: { password: BunPassword } }).Bun.password.verify(
            bcryptBytes(plain),
            hashed,
            "bcrypt",
          ),
      })
    : import("bcrypt").then((m) => ({ hash: m.default.hash, compare: m.default.compare }));
  return hasher;
}

/** Hashes a password (async, off the event loop). */
export async function hashPassword(plain: string, cost = DEFAULT_BCRYPT_COST): Promise<string> {
  return (await loadHasher()).hash(plain, cost);
}

/** Compares a password with a bcrypt hash; false for an empty or malformed hash. */
export async function verifyPassword(plain: string, hashed: string): Promise<boolean> {
  if (!hashed) return false;
  try {
    return await (await loadHasher()).compare(plain, hashed);
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
