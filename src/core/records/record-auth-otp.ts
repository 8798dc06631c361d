/**
 * One-time passwords (§4.5): an `_otps` row holds the bcrypt hash of a numeric code (cost 8,
 * the field's) for one auth record, and `sentTo` once the code was mailed. A code is valid for
 * the collection's `otp.duration` from creation, can be used once, and a record gets at most
 * `MAX_ACTIVE_OTPS` live codes at a time (further requests reuse the newest one).
 */
import { DIGITS, randomString } from "../../tools/random.ts";
import type { App } from "../app.ts";
import type { Record } from "./record.ts";
import { deleteRecord, saveRecord } from "./record-save.ts";
import {
  OTPS,
  findSystemRecord,
  findSystemRecordsOf,
  hasExpired,
  newSystemRecord,
  purgeExpired,
} from "./record-auth-system.ts";

/** Live OTPs a record may have before new requests reuse the newest one. */
export const MAX_ACTIVE_OTPS = 9;

/** A random numeric code of the collection's OTP length. */
export function generateOTPCode(length: number): string {
  return randomString(Math.max(length, 4), DIGITS);
}

/** An OTP by id, or null. */
export function findOTPById(app: App, id: string): Promise<Record | null> {
  return findSystemRecord(app, OTPS, id);
}

/** Whether an OTP is past its collection's `otp.duration`. */
export function otpHasExpired(otp: Record, owner: Record): boolean {
  return hasExpired(otp, owner.collection.auth?.otp.duration ?? 0);
}

/**
 * The newest live OTP when the record already has more than `MAX_ACTIVE_OTPS` of them (so a
 * flood of requests cannot fill the table or the inbox), else null.
 */
export async function reusableOTP(app: App, owner: Record): Promise<Record | null> {
  // Expired rows are dead weight: drop them while we are here.
  await purgeExpired(app, OTPS, owner);
  const live = await liveOTPs(app, owner);
  return live.length > MAX_ACTIVE_OTPS ? live[0]! : null;
}

/** The owner's unexpired OTPs, newest first (a read only). */
export async function liveOTPs(app: App, owner: Record): Promise<Record[]> {
  const otps = await findSystemRecordsOf(app, OTPS, owner);
  return otps.filter((o) => !otpHasExpired(o, owner));
}

/** Creates and stores an OTP for `owner` with the plain `code` (hashed before storage). */
export async function createOTP(app: App, owner: Record, code: string, id?: string): Promise<Record> {
  const otp = newSystemRecord(app, OTPS, owner);
  if (id !== undefined) otp.id = id;
  await otp.setPassword(code);
  await saveRecord(app, otp);
  return otp;
}

/** Records where an OTP was mailed, unless it already went somewhere. */
export async function markOTPSent(app: App, otpId: string, sentTo: string): Promise<void> {
  const otp = await findOTPById(app, otpId);
  if (!otp || otp.getString("sentTo") !== "") return;
  otp.set("sentTo", sentTo);
  await saveRecord(app, otp);
}

/** Deletes a used or expired OTP (errors are the caller's to log). */
export function deleteOTP(app: App, otp: Record): Promise<void> {
  return deleteRecord(app, otp);
}
