/**
 * `POST /api/collections/{collection}/request-otp` (§1.2, §4.5): mails a one-time code and
 * answers its `otpId`. An unknown email gets a random id of the same shape and no mail, so the
 * answer never tells whether an account exists; the mail goes out in the background, so the
 * response time doesn't either.
 */
import type { Hono } from "hono";
import type { App } from "../core/app.ts";
import { RecordCreateOTPRequestEvent } from "../core/hook-events.ts";
import { sendRecordOTP } from "../core/mails/record-mails.ts";
import { findAuthRecordByEmail } from "../core/records/record-query.ts";
import {
  createOTP,
  deleteOTP,
  generateOTPCode,
  markOTPSent,
  reusableOTP,
} from "../core/records/record-auth-otp.ts";
import type { Record } from "../core/records/record.ts";
import { LOWER_ALPHANUMERIC, RECORD_ID_LENGTH, randomString } from "../tools/random.ts";
import { forbidden } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { checkEmail, readForm, throwIfInvalid } from "./record-auth-form.ts";
import { requestEventArgs } from "./request-event.ts";
import { jsonResponse } from "./response.ts";

/** Mails an OTP in the background; a failed send deletes the OTP and is logged. */
export function sendOTPInBackground(app: App, record: Record, otp: Record, code: string): void {
  void (async () => {
    try {
      await sendRecordOTP(app, record, otp.id, code, (a, sentTo) => markOTPSent(a, otp.id, sentTo));
    } catch (err) {
      console.error(`[auth] failed to send the OTP email of ${record.collection.name}/${record.id}:`, err);
      await deleteOTP(app, otp).catch(() => undefined);
    }
  })();
}

/** Registers the OTP request route. */
export function bindRequestOTPApi(router: Hono<ApiEnv>): void {
  router.post("/api/collections/:collection/request-otp", async (c) => {
    const app = c.var.app;
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
      let otp = app.isDev ? null : await reusableOTP(e.app, e.record);
      if (!otp) {
        otp = await createOTP(e.app, e.record, e.password);
        sendOTPInBackground(app, e.record, otp, e.password);
      }
      e.response = jsonResponse(c, 200, { otpId: otp.id });
    });
    return event.response ?? c.body(null, 204);
  });
}
