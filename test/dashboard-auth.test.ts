/**
 * Dashboard sign-in paths in a real Chromium: MFA with an emailed OTP for superusers (real SMTP
 * server), a bad installer token, and the guard that sends a signed-out visitor to the login form.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  browserSkipReason,
  ensureDashboardBuilt,
  launchBrowser,
  newPage,
  screenshot,
} from "./helpers/browser.ts";
import { startTestServer, SUPERUSER } from "./helpers/server.ts";
import { startSmtpSink } from "./helpers/smtp.ts";

const skip = browserSkipReason();

describe("dashboard sign-in", { skip: skip ?? false }, () => {
  test("password then emailed OTP when MFA and OTP are on for superusers", async (t) => {
    ensureDashboardBuilt();
    const srv = await startTestServer(t);
    const smtp = await startSmtpSink(t);
    await smtp.configure(srv.app);
    await srv.pb.collections.update("_superusers", { mfa: { enabled: true }, otp: { enabled: true } });
    const browser = await launchBrowser(t);
    const { page, errors } = await newPage(browser);

    // A signed-out visitor of any screen lands on the login form.
    await page.goto(`${srv.url}/_/#/settings`);
    await page.getByRole("heading", { name: /superuser login/i }).waitFor();
    await page.getByText("(1/3)").waitFor();
    await page.getByLabel("Email").fill(SUPERUSER.email);
    await page.getByLabel("Password", { exact: true }).fill(SUPERUSER.password);
    await page.getByRole("button", { name: "Next" }).click();
    await page.getByLabel("One-time password").waitFor();
    const mail = await smtp.waitFor((m) => m.to.includes(SUPERUSER.email));
    const code = /\b(\d{6,})\b/.exec(mail.text)?.[1];
    assert.ok(code, `an OTP in: ${mail.text}`);
    await screenshot(page, "login-otp");
    await page.getByLabel("One-time password").fill(code);
    await page.getByRole("button", { name: "Login" }).click();
    await page.getByRole("complementary", { name: "Collections" }).waitFor();
    const stored = await page.evaluate(() =>
      Object.keys(localStorage).find((k) => k.startsWith("__pb_superusers__")),
    );
    assert.ok(stored, "the session is kept in the superusers auth store");
    assert.deepEqual(errors, [], "no uncaught page errors");
  });

  test("an invalid installer token is refused", async (t) => {
    ensureDashboardBuilt();
    const srv = await startTestServer(t);
    const browser = await launchBrowser(t);
    const { page, errors } = await newPage(browser);
    await page.goto(`${srv.url}/_/#/pbinstall/not-a-token`);
    await page.getByText("The installer token is invalid or has expired.").waitFor();
    await page.getByRole("heading", { name: /superuser login/i }).waitFor();
    assert.deepEqual(errors, [], "no uncaught page errors");
  });
});
