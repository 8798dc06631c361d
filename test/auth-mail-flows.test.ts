import { existsSync } from "node:fs";
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { ClientResponseError } from "pocketbase";
import { request } from "./helpers/http.ts";
import { startSmtpSink, tokenFromLink, SMTP_USER, type SmtpSink } from "./helpers/smtp.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { createUser, loadUser, updateAuthOptions } from "./helpers/auth-fixtures.ts";

const PASSWORD = "1234567890";

describe("verification, password reset and email change by email", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  let smtp: SmtpSink;
  before(async () => {
    s = await startTestServer(cleanup, { template: await buildTemplate(cleanup) });
    smtp = await startSmtpSink(cleanup);
    await smtp.configure(s.app);
  });

  test("requestVerification mails a link whose token confirmVerification accepts", async () => {
    await createUser(s.app, "verify@example.com", PASSWORD, { verified: false });
    const pb = s.client();
    assert.equal(await pb.collection("users").requestVerification("verify@example.com"), true);
    const mail = await smtp.waitFor((m) => m.to.includes("verify@example.com"));
    assert.equal(mail.subject, "Verify your Satchel Test email");
    assert.equal(mail.from, "support@example.test");
    assert.equal(mail.user, SMTP_USER.username, "delivered with SMTP AUTH");
    assert.ok(mail.html.includes("http://app.example.test/_/#/auth/confirm-verification/"));
    assert.ok(mail.text.includes("confirm-verification"), "a text part is generated from the HTML");
    const token = tokenFromLink(mail, "confirm-verification");
    assert.equal(await pb.collection("users").confirmVerification(token), true);
    assert.equal((await loadUser(s.app, "verify@example.com")).verified, true);
  });

  test("a verification token for an address the record no longer has is refused", async () => {
    const user = await createUser(s.app, "moving@example.com", PASSWORD, { verified: false });
    const pb = s.client();
    await pb.collection("users").requestVerification("moving@example.com");
    const token = tokenFromLink(
      await smtp.waitFor((m) => m.to.includes("moving@example.com")),
      "confirm-verification",
    );
    const key = user.tokenKey;
    const stored = await loadUser(s.app, "moving@example.com");
    stored.set("email", "moved@example.com");
    stored.set("tokenKey", key);
    const { saveRecord } = await import("../src/core/records/record-save.ts");
    await saveRecord(s.app, stored);
    const res = await request(s.url, "POST", "/api/collections/users/confirm-verification", {
      body: { token },
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.data.token.code, "validation_token_email_mismatch");
  });

  test("a second verification request within two minutes sends nothing", async () => {
    await createUser(s.app, "twice@example.com", PASSWORD, { verified: false });
    const pb = s.client();
    await pb.collection("users").requestVerification("twice@example.com");
    await smtp.waitFor((m) => m.to.includes("twice@example.com"));
    await pb.collection("users").requestVerification("twice@example.com");
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(smtp.inbox.filter((m) => m.to.includes("twice@example.com")).length, 1);
  });

  test("password reset: the mailed token sets a new password once, and old tokens die", async () => {
    const user = await createUser(s.app, "reset@example.com", PASSWORD, { verified: false });
    const pb = s.client();
    const login = await pb.collection("users").authWithPassword("reset@example.com", PASSWORD);
    const oldSessionToken = login.token;
    assert.equal(await s.client().collection("users").requestPasswordReset("reset@example.com"), true);
    const mail = await smtp.waitFor((m) => m.to.includes("reset@example.com"));
    assert.equal(mail.subject, "Reset your Satchel Test password");
    const token = tokenFromLink(mail, "confirm-password-reset");
    await s.client().collection("users").confirmPasswordReset(token, "new-password-1", "new-password-1");

    await assert.rejects(
      s.client().collection("users").authWithPassword("reset@example.com", PASSWORD),
      (err: ClientResponseError) => err.status === 400,
    );
    const again = await s
      .client()
      .collection("users")
      .authWithPassword("reset@example.com", "new-password-1");
    assert.equal(again.record.id, user.id);
    assert.equal(again.record.verified, true, "the reset link proved the address");

    const reused = await request(s.url, "POST", "/api/collections/users/confirm-password-reset", {
      body: { token, password: "other-password-2", passwordConfirm: "other-password-2" },
    });
    assert.equal(reused.status, 400, "a reset token works once");
    assert.equal(reused.json.data.token.code, "validation_invalid_token");

    const refresh = await request(s.url, "POST", "/api/collections/users/auth-refresh", {
      token: oldSessionToken,
    });
    assert.equal(refresh.status, 401, "a session from before the password change is a guest's now");
  });

  test("confirm-password-reset validates the new password", async () => {
    await createUser(s.app, "weak@example.com", PASSWORD);
    await s.client().collection("users").requestPasswordReset("weak@example.com");
    const token = tokenFromLink(
      await smtp.waitFor((m) => m.to.includes("weak@example.com")),
      "confirm-password-reset",
    );
    const res = await request(s.url, "POST", "/api/collections/users/confirm-password-reset", {
      body: { token, password: "abc", passwordConfirm: "abd" },
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.data.password.code, "validation_length_out_of_range");
    assert.equal(res.json.data.passwordConfirm.code, "validation_values_mismatch");
  });

  test("request-* endpoints answer the same for unknown accounts (no enumeration)", async () => {
    await createUser(s.app, "known@example.com", PASSWORD, { verified: false });
    for (const path of ["request-password-reset", "request-verification"]) {
      const known = await request(s.url, "POST", `/api/collections/users/${path}`, {
        body: { email: "known@example.com" },
      });
      const unknown = await request(s.url, "POST", `/api/collections/users/${path}`, {
        body: { email: "nobody-here@example.com" },
      });
      assert.equal(known.status, 204, path);
      assert.equal(unknown.status, known.status, path);
      assert.equal(unknown.text, known.text, path);
    }
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(smtp.inbox.filter((m) => m.to.includes("nobody-here@example.com")).length, 0);
  });

  test("request-* validate the email and 404 on non-auth collections", async () => {
    const bad = await request(s.url, "POST", "/api/collections/users/request-password-reset", {
      body: { email: "nope" },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.data.email.code, "validation_is_email");
    const empty = await request(s.url, "POST", "/api/collections/users/request-verification", { body: {} });
    assert.equal(
      empty.text,
      '{"data":{"email":{"code":"validation_required","message":"Cannot be blank."}},"message":"An error occurred while validating the submitted data.","status":400}\n',
    );
    const su = await request(s.url, "POST", "/api/collections/_superusers/request-verification", {
      body: { email: "a@example.com" },
    });
    assert.equal(su.status, 400);
    assert.equal(su.json.message, "All superusers are verified by default.");
  });

  test("email change: mail to the new address, confirmed with the password", async () => {
    const user = await createUser(s.app, "old-address@example.com", PASSWORD);
    const pb = s.client();
    await pb.collection("users").authWithPassword("old-address@example.com", PASSWORD);
    assert.equal(await pb.collection("users").requestEmailChange("new-address@example.com"), true);
    const mail = await smtp.waitFor((m) => m.to.includes("new-address@example.com"));
    assert.equal(mail.subject, "Confirm your Satchel Test new email address");
    const token = tokenFromLink(mail, "confirm-email-change");

    const wrong = await request(s.url, "POST", "/api/collections/users/confirm-email-change", {
      body: { token, password: "not-the-password" },
    });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.json.data.password.code, "validation_invalid_password");

    assert.equal(await s.client().collection("users").confirmEmailChange(token, PASSWORD), true);
    const stored = await loadUser(s.app, "new-address@example.com");
    assert.equal(stored.id, user.id);
    assert.equal(stored.verified, true);
    const reused = await request(s.url, "POST", "/api/collections/users/confirm-email-change", {
      body: { token, password: PASSWORD },
    });
    assert.equal(reused.status, 400, "an email-change token works once");
    const refresh = await request(s.url, "POST", "/api/collections/users/auth-refresh", {
      token: pb.authStore.token,
    });
    assert.equal(refresh.status, 401, "the email change ended the old session");
  });

  test("request-email-change needs the record's own session and a free, different address", async () => {
    await createUser(s.app, "taken@example.com", PASSWORD);
    await createUser(s.app, "changer@example.com", PASSWORD);
    const guest = await request(s.url, "POST", "/api/collections/users/request-email-change", {
      body: { newEmail: "x@example.com" },
    });
    assert.equal(guest.status, 401);
    const pb = s.client();
    await pb.collection("users").authWithPassword("changer@example.com", PASSWORD);
    const same = await request(s.url, "POST", "/api/collections/users/request-email-change", {
      token: pb.authStore.token,
      body: { newEmail: "changer@example.com" },
    });
    assert.equal(same.json.data.newEmail.code, "validation_not_in_invalid");
    const taken = await request(s.url, "POST", "/api/collections/users/request-email-change", {
      token: pb.authStore.token,
      body: { newEmail: "taken@example.com" },
    });
    assert.equal(taken.json.data.newEmail.code, "validation_invalid_new_email");
    const su = await request(s.url, "POST", "/api/collections/users/request-email-change", {
      token: s.token,
      body: { newEmail: "x@example.com" },
    });
    assert.equal(su.status, 403, "a superuser token is not a users session");
  });

  test("per-collection templates and {RECORD:…} placeholders are used (escaped)", async () => {
    await updateAuthOptions(s, "users", {
      resetPasswordTemplate: {
        subject: "Reset for {RECORD:name} at {APP_NAME}",
        body: '<p>Hi {RECORD:name}, verified={RECORD:verified}: <a href="{APP_URL}/reset/{TOKEN}">go</a></p>',
      },
    });
    await createUser(s.app, "templated@example.com", PASSWORD, { name: "<b>Ann</b>", verified: true });
    await s.client().collection("users").requestPasswordReset("templated@example.com");
    const mail = await smtp.waitFor((m) => m.to.includes("templated@example.com"));
    assert.equal(mail.subject, "Reset for &lt;b&gt;Ann&lt;/b&gt; at Satchel Test");
    assert.ok(mail.html.includes("Hi &lt;b&gt;Ann&lt;/b&gt;, verified=true"));
    assert.match(mail.html, /http:\/\/app\.example\.test\/reset\/[\w-]+\.[\w-]+\.[\w-]+/);
  });

  test("POST /api/settings/test/email sends each template, superusers only", async () => {
    for (const template of ["verification", "password-reset", "email-change", "otp", "login-alert"]) {
      await s.pb.settings.testEmail("users", "probe@example.com", template);
    }
    await smtp.waitFor(
      (m) => m.to.includes("probe@example.com") && m.subject === "Login from a new location",
    );
    const subjects = smtp.inbox.filter((m) => m.to.includes("probe@example.com")).map((m) => m.subject);
    assert.ok(subjects.includes("Verify your Satchel Test email"));
    assert.ok(subjects.includes("OTP for Satchel Test"));
    const otpMail = smtp.inbox.find(
      (m) => m.subject === "OTP for Satchel Test" && m.to.includes("probe@example.com"),
    )!;
    assert.ok(otpMail.html.includes("123456"));
    const bad = await request(s.url, "POST", "/api/settings/test/email", {
      token: s.token,
      body: { email: "probe@example.com", template: "nope", collection: "posts" },
    });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.data.template.code, "validation_in_invalid");
    assert.equal(bad.json.data.collection.code, "validation_invalid_auth_collection");
    const guest = await request(s.url, "POST", "/api/settings/test/email", {
      body: { email: "probe@example.com", template: "otp" },
    });
    assert.equal(guest.status, 401);
  });

  test("POST /api/settings/test/email answers 400 when the mail would be dropped", async (t) => {
    if (["/usr/sbin/sendmail", "/usr/bin/sendmail", "/usr/lib/sendmail"].some((p) => existsSync(p))) {
      t.skip("a sendmail binary is installed: mails are not dropped here");
      return;
    }
    const settings = structuredClone(s.app.settings());
    settings.smtp.enabled = false;
    await s.app.saveSettings(settings);
    try {
      const res = await request(s.url, "POST", "/api/settings/test/email", {
        token: s.token,
        body: { email: "probe@example.com", template: "otp" },
      });
      assert.equal(res.status, 400, res.text);
      assert.match(res.json.message, /^Failed to send the test email\./);
      assert.deepEqual(res.json.data, {});
    } finally {
      await smtp.configure(s.app);
    }
  });

  test("a mail server failure never fails a request-password-reset", async () => {
    const settings = structuredClone(s.app.settings());
    settings.smtp.port = 1; // nothing listens there
    await s.app.saveSettings(settings);
    try {
      await createUser(s.app, "unlucky@example.com", PASSWORD);
      const res = await request(s.url, "POST", "/api/collections/users/request-password-reset", {
        body: { email: "unlucky@example.com" },
      });
      assert.equal(res.status, 204);
      const testMail = await request(s.url, "POST", "/api/settings/test/email", {
        token: s.token,
        body: { email: "probe@example.com", template: "otp" },
      });
      assert.equal(testMail.status, 400, "the test email reports the failure");
    } finally {
      await smtp.configure(s.app);
    }
  });
});
