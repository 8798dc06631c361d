/**
 * `satchel superuser otp EMAIL`: an OTP for a superuser created from the command line, for
 * when the mailer is down or not set up yet (the code is printed instead of mailed).
 */
import { isEmailFormat } from "../fields/formats.ts";
import type { App } from "../app.ts";
import { SUPERUSERS } from "../collections/collection-model.ts";
import { createOTP, generateOTPCode } from "./record-auth-otp.ts";
import { findAuthRecordByEmail } from "./record-query.ts";

/** Creates an OTP for the superuser with `email`; throws with a one-line reason otherwise. */
export async function createSuperuserOTP(
  app: App,
  email: string,
): Promise<{ id: string; password: string; validSeconds: number }> {
  if (!email || !isEmailFormat(email)) throw new Error("missing or invalid email address");
  const collection = app.findCollectionByNameOrId(SUPERUSERS);
  if (!collection?.auth) throw new Error("The _superusers collection is missing.");
  const record = await findAuthRecordByEmail(app, collection, email);
  if (!record) throw new Error(`superuser with email "${email}" doesn't exist`);
  if (!collection.auth.otp.enabled) {
    throw new Error("OTP auth is not enabled for the _superusers collection");
  }
  const password = generateOTPCode(collection.auth.otp.length);
  const otp = await createOTP(app, record, password);
  return { id: otp.id, password, validSeconds: collection.auth.otp.duration };
}
