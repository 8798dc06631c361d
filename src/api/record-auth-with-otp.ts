/**
 * `POST /api/collections/{collection}/auth-with-otp` (§1.2, §4.5). Every way an OTP can be
 * wrong (unknown id, other collection, expired, wrong code) is the same 400, and the record
 * behind an OTP gets at most 5 tries per 180 s, after which even the right code is refused
 * (429): an 8-digit code can't be brute-forced through this endpoint.
 */
import type { Router } from "./http/router.ts";
import { RecordAuthWithOTPRequestEvent } from "../core/hook-events.ts";
import { findOTPById, deleteOTP, otpHasExpired } from "../core/records/record-auth-otp.ts";
import { allowAttempt } from "../core/records/record-auth-limits.ts";
import { findRecordById } from "../core/records/record-query.ts";
import { newAuthToken } from "../core/records/record-tokens.ts";
import { ALPHANUMERIC, randomString } from "../tools/random.ts";
import { ApiError, badRequest, forbidden } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { checkLength, readForm, throwIfInvalid } from "./record-auth-form.ts";
import { AUTH_METHOD, recordAuthResponse } from "./record-auth-response.ts";
import { requestEventArgs } from "./request-event.ts";

/** OTP guesses allowed per record per window (PocketBase's built-in limiter). */
export const OTP_MAX_ATTEMPTS = 5;
/** The OTP attempts window, in seconds. */
export const OTP_ATTEMPTS_WINDOW = 180;

const invalidOTP = () => badRequest("Invalid or expired OTP");

/** Registers the OTP auth route. */
export function bindAuthWithOTPApi(router: Router<ApiEnv>): void {
  router.post("/api/collections/:collection/auth-with-otp", async (c) => {
    const app = c.get("app");
    const collection = findAuthCollection(c);
    if (!collection.auth.otp.enabled) {
      throw forbidden("The collection is not configured to allow OTP authentication.");
    }
    const get = await readForm(c);
    const otpId = get("otpId");
    const password = get("password");
    throwIfInvalid({ otpId: checkLength(otpId, 1, 255), password: checkLength(password, 1, 71) });

    const otp = await findOTPById(app, otpId);
    if (!otp || otp.getString("collectionRef") !== collection.id) throw invalidOTP();
    const record = await findRecordById(app, collection, otp.getString("recordRef"));
    if (!record) throw invalidOTP();
    // An expired code is left for the cleanup cron: a refused attempt changes nothing.
    if (otpHasExpired(otp, record)) throw invalidOTP();
    if (!allowAttempt(app, `@pb_otp_${record.id}`, OTP_MAX_ATTEMPTS, OTP_ATTEMPTS_WINDOW)) {
      throw new ApiError(429, "Too many attempts, please try again later with a new OTP.");
    }
    if (!(await otp.validatePassword(password))) throw invalidOTP();

    const event = new RecordAuthWithOTPRequestEvent(await requestEventArgs(c, "otp"), {
      collection,
      record,
      otp,
    });
    await app.hooks.onRecordAuthWithOTPRequest.trigger(event, async (e) => {
      // A code that reached the record's own address proves that address.
      const sentTo = e.otp.getString("sentTo");
      if (!e.record.verified && sentTo !== "" && e.record.email === sentTo) {
        e.record.set("verified", true);
        // Anyone who signed up with this address before its owner proved it may know the
        // password: without MFA (where the password is the other factor) it is replaced.
        if (!collection.auth.mfa.enabled) await e.record.setPassword(randomString(30, ALPHANUMERIC));
        try {
          await e.app.save(e.record);
        } catch (err) {
          console.error("[auth] failed to mark the record verified after its OTP:", err);
        }
      }
      try {
        await deleteOTP(e.app, e.otp);
      } catch (err) {
        console.error("[auth] failed to delete a used OTP:", err);
      }
      e.response = await recordAuthResponse(c, collection, e.record, newAuthToken(e.record), AUTH_METHOD.otp);
    });
    return event.response ?? c.body(null, 200);
  });
}
