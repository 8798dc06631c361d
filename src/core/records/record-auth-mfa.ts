/**
 * Multi-factor sessions (§4.5): after a first successful auth method the server stores an
 * `_mfas` row (record + method) and answers 401 `{"mfaId"}`; a second, different method
 * presenting that id within `mfa.duration` completes the login and consumes the row.
 */
import type { App } from "../app.ts";
import type { Record } from "./record.ts";
import { deleteRecord, saveRecord } from "./record-save.ts";
import { MFAS, findSystemRecord, hasExpired, newSystemRecord } from "./record-auth-system.ts";

/** Why a second-step MFA check failed (each maps to PocketBase's 400 message). */
export class MFAError extends Error {
  override name = "MFAError";
}

/** Starts an MFA session for `owner` after a successful `method`; returns its id. */
export async function createMFA(app: App, owner: Record, method: string): Promise<string> {
  const mfa = newSystemRecord(app, MFAS, owner);
  mfa.set("method", method);
  await saveRecord(app, mfa);
  return mfa.id;
}

/**
 * Completes an MFA session with a second `method`: the session must exist, be unexpired,
 * belong to `owner` and have been started by another method. The session is consumed (an
 * expired one is deleted too). Throws MFAError with PocketBase's message otherwise.
 */
export async function completeMFA(app: App, owner: Record, mfaId: string, method: string): Promise<void> {
  const mfa = await findSystemRecord(app, MFAS, mfaId);
  const drop = async () => {
    if (!mfa) return;
    try {
      await deleteRecord(app, mfa);
    } catch (err) {
      console.warn("[auth] failed to delete an MFA session:", err);
    }
  };
  if (!mfa || hasExpired(mfa, owner.collection.auth?.mfa.duration ?? 0)) {
    await drop();
    throw new MFAError("Invalid or expired MFA session.");
  }
  if (mfa.getString("recordRef") !== owner.id || mfa.getString("collectionRef") !== owner.collection.id) {
    throw new MFAError("Invalid MFA session.");
  }
  if (mfa.getString("method") === method) {
    throw new MFAError("A different authentication method is required.");
  }
  await drop();
}
