/**
 * In-memory, per-app counters of the auth flows: the 2-minute resend locks of verification and
 * password-reset emails, and fixed-window attempt limits (the OTP brute-force guard: 5 tries
 * per 180 s per record, §12.1). State lives beside the app's hooks, so an app and its
 * transaction views share it and two apps in one process never do.
 */
import type { App } from "../app.ts";

interface Window {
  count: number;
  resetAt: number;
}

interface AuthLimits {
  locks: Map<string, number>;
  windows: Map<string, Window>;
}

function stateOf(app: App): AuthLimits {
  return app.store().getOrSet("@authLimits", (): AuthLimits => ({ locks: new Map(), windows: new Map() }));
}

/** How long a sent verification or reset email blocks another one. */
export const RESEND_LOCK_MS = 2 * 60 * 1000;

/** The resend-lock key of a record's verification emails. */
export const verificationResendKey = (collectionId: string, recordId: string): string =>
  `@limitVerificationEmail_${collectionId}${recordId}`;

/** The resend-lock key of a record's password-reset emails. */
export const passwordResetResendKey = (collectionId: string, recordId: string): string =>
  `@limitPasswordResetEmail_${collectionId}${recordId}`;

/** Whether a lock is held. */
export function hasLock(app: App, key: string): boolean {
  const state = stateOf(app);
  const until = state.locks.get(key);
  if (until === undefined) return false;
  if (until <= Date.now()) {
    state.locks.delete(key);
    return false;
  }
  return true;
}

/** Takes a lock for `ms`. */
export function setLock(app: App, key: string, ms: number = RESEND_LOCK_MS): void {
  stateOf(app).locks.set(key, Date.now() + ms);
}

/** Releases a lock. */
export function removeLock(app: App, key: string): void {
  stateOf(app).locks.delete(key);
}

/**
 * Counts one attempt in the fixed window of `key`; returns false when the window already saw
 * `max` attempts (the attempt is refused and not counted).
 */
export function allowAttempt(app: App, key: string, max: number, windowSeconds: number): boolean {
  const state = stateOf(app);
  const now = Date.now();
  let w = state.windows.get(key);
  if (!w || w.resetAt <= now) {
    w = { count: 0, resetAt: now + windowSeconds * 1000 };
    state.windows.set(key, w);
  }
  if (w.count >= max) return false;
  w.count++;
  // Drop stale windows now and then so the map stays small.
  if (state.windows.size > 10_000) {
    for (const [k, v] of state.windows) if (v.resetAt <= now) state.windows.delete(k);
  }
  return true;
}
