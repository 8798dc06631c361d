/**
 * `POST /api/collections/{collection}/request-otp` (§1.2, §4.5): mails a one-time code and
 * answers its `otpId`. An unknown email gets a random id of the same shape and no mail, so the
 * answer never tells whether an account exists; the mail goes out in the background, so the
 * response time doesn't either.
 */
import type { Router } from "./http/router.ts";
import type { App } from "../core/app.ts";
import { RecordCreateOTPRequestEvent } from "../core/hook-events.ts";
import { sendRecordOTP } from "../core/mails/record-mails.ts";
import { findAuthRecordByEmail } from "../core/records/record-query.ts";
import { OTPS, purgeExpired } from "../core/records/record-auth-system.ts";
import {
  createOTP,
  deleteOTP,
  generateOTPCode,
  liveOTPs,
  markOTPSent,
  MAX_ACTIVE_OTPS,
} from "../core/records/record-auth-otp.ts";
import type { Record } from "../core/records/record.ts";
import { LOWER_ALPHANUMERIC, RECORD_ID_LENGTH, randomString } from "../tools/random.ts";
import { forbidden } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { checkEmail, readForm, throwIfInvalid } from "./record-auth-form.ts";
import { requestEventArgs } from "./request-event.ts";
import { jsonResponse } from "./response.ts";

/** Mails an OTP; a failed send deletes the OTP and is logged. */
async function sendOTP(app: App, record: Record, otp: Record, code: string): Promise<void> {
  try {
    await sendRecordOTP(app, record, otp.id, code, (a, sentTo) => markOTPSent(a, otp.id, sentTo));
  } catch (err) {
    console.error(`[auth] failed to send the OTP email of ${record.collection.name}/${record.id}:`, err);
    await deleteOTP(app, otp).catch(() => undefined);
  }
}

/**
 * Hashes, stores and mails a new OTP whose id was already answered. All of it runs after the
 * response, so a known address answers as fast as an unknown one (no enumeration by timing);
 * the code only reaches the inbox after the row exists.
 */
function createAndSendOTPInBackground(app: App, record: Record, otpId: string, code: string): void {
  const key = `${record.collection.id}/${record.id}`;
  const pending = pendingOTPs.get(key) ?? [];
  pending.push(otpId);
  pendingOTPs.set(key, pending);
  void (async () => {
    let otp: Record;
    try {
      await purgeExpired(app, OTPS, record);
      otp = await createOTP(app, record, code, otpId);
    } catch (err) {
      console.error(`[auth] failed to create the OTP of ${record.collection.name}/${record.id}:`, err);
      return;
    } finally {
      pending.splice(pending.indexOf(otpId), 1);
      if (pending.length === 0) pendingOTPs.delete(key);
    }
    await sendOTP(app, record, otp, code);
  })();
}

/**
 * Ids of OTPs answered but not stored yet, by owner: they count towards `MAX_ACTIVE_OTPS` so
 * that a burst of requests cannot create (and mail) more codes than the limit.
 */
const pendingOTPs = new Map<string, string[]>();

/** The id to answer again instead of creating a code, when the owner has enough live ones. */
async function reusableOTPId(app: App, record: Record): Promise<string | undefined> {
  const pending = pendingOTPs.get(`${record.collection.id}/${record.id}`) ?? [];
  const live = await liveOTPs(app, record);
  if (live.length + pending.length <= MAX_ACTIVE_OTPS) return undefined;
  return pending.at(-1) ?? live[0]?.id;
}

/** Registers the OTP request route. */
export function bindRequestOTPApi(router: Router<ApiEnv>): void {
  router.post("/api/collections/:collection/request-otp", async (c) => {
    const app = c.get("app");
    const collection = findAuthCollection(c);
    if (!collection.auth.otp.enabled) {
      throw forbidden("The collection is not configured to allow OTP authentication.");
    }
    const get = await readForm(c);
    const email = get("email");
    throwIfInvalid({ email: checkEmail(email) });

    const record = await findAuthRecordByEmail(app, collection, email);
    const event = new RecordCreateOTPRequestEvent(await requestEventArgs(c), {
      collection,
      record,
      password: generateOTPCode(collection.auth.otp.length),
    });
    await app.hooks.onRecordRequestOTPRequest.trigger(event, async (e) => {
      if (!e.record) {
        // Same status and shape as a real request: a random id that matches no OTP.
        e.response = jsonResponse(c, 200, { otpId: randomString(RECORD_ID_LENGTH, LOWER_ALPHANUMERIC) });
        return;
      }
      let otpId = app.isDev ? undefined : await reusableOTPId(e.app, e.record);
      if (otpId === undefined) {
        otpId = randomString(RECORD_ID_LENGTH, LOWER_ALPHANUMERIC);
        createAndSendOTPInBackground(app, e.record, otpId, e.password);
      }
      e.response = jsonResponse(c, 200, { otpId });
    });
    return event.response ?? c.body(null, 200);
  });
}
