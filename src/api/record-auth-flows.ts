/**
 * The auth flow routes besides password auth, refresh and OAuth2: OTP, verification, password
 * reset, email change, impersonation, and the settings' test email.
 */
import type { Router } from "./http/router.ts";
import type { ApiEnv } from "./env.ts";
import { bindEmailChangeApi } from "./record-auth-email-change.ts";
import { bindImpersonateApi } from "./record-auth-impersonate.ts";
import { bindRequestOTPApi } from "./record-auth-otp-request.ts";
import { bindPasswordResetApi } from "./record-auth-password-reset.ts";
import { bindVerificationApi } from "./record-auth-verification.ts";
import { bindAuthWithOTPApi } from "./record-auth-with-otp.ts";
import { bindSettingsTestEmailApi } from "./settings-test-email.ts";

/** Registers every auth flow route of this module. */
export function bindRecordAuthFlowsApi(router: Router<ApiEnv>): void {
  bindRequestOTPApi(router);
  bindAuthWithOTPApi(router);
  bindPasswordResetApi(router);
  bindVerificationApi(router);
  bindEmailChangeApi(router);
  bindImpersonateApi(router);
  bindSettingsTestEmailApi(router);
}
