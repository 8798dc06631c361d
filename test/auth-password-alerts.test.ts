import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { request } from "./helpers/http.ts";
import { startSmtpSink, type SmtpSink } from "./helpers/smtp.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { createUser, updateAuthOptions } from "./helpers/auth-fixtures.ts";
import { query } from "./helpers/sqlite.ts";
import { decodeJwt } from "./helpers/jwt.ts";

const PASSWORD = "1234567890";

function login(s: TestServer, email: string, userAgent: string, password = PASSWORD) {
  return request(s.url, "POST", "/api/collections/users/auth-with-password", {
    body: { identity: email, password },
    headers: { "user-agent": userAgent },
  });
}

describe("password auth, login alerts, refresh and impersonation", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  let smtp: SmtpSink;
  before(async () => {
    s = await startTestServer(cleanup, { template: await buildTemplate(cleanup) });
    smtp = await startSmtpSink(cleanup);
    await smtp.configure(s.app);
  });

  test("the SDK signs in with a password and refreshes the session", async () => {
    await createUser(s.app, "sdk@example.com", PASSWORD);
    const pb = s.client();
    const auth = await pb.collection("users").authWithPassword("sdk@example.com", PASSWORD);
    assert.equal(auth.record.email, "sdk@example.com");
    assert.ok(pb.authStore.isValid);
    const refreshed = await pb.collection("users").authRefresh();
    assert.equal(refreshed.record.id, auth.record.id);
    assert.equal(decodeJwt(refreshed.token).claims.refreshable, true);
  });

  test("a wrong password and an unknown account get the same answer", async () => {
    await createUser(s.app, "exists@example.com", PASSWORD);
    const wrong = await login(s, "exists@example.com", "ua", "wrong-password");
    const missing = await login(s, "missing-account@example.com", "ua", "wrong-password");
    assert.equal(wrong.status, 400);
    assert.equal(missing.status, wrong.status);
    assert.equal(missing.text, wrong.text);
    assert.equal(wrong.text, '{"data":{},"message":"Failed to authenticate.","status":400}\n');
  });

  test("the first login records the origin silently; a new device gets an alert; a known one doesn't", async () => {
    const user = await createUser(s.app, "alerts@example.com", PASSWORD);
    assert.equal((await login(s, "alerts@example.com", "Device-A")).status, 200);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(
      smtp.inbox.filter((m) => m.to.includes("alerts@example.com")).length,
      0,
      "first login: no alert",
    );
    assert.equal((await login(s, "alerts@example.com", "Device-A")).status, 200);
    assert.equal((await login(s, "alerts@example.com", "Device-B")).status, 200);
    const alert = await smtp.waitFor((m) => m.to.includes("alerts@example.com"));
    assert.equal(alert.subject, "Login from a new location");
    assert.ok(alert.html.includes("Device-B"), "the alert says which client signed in");
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(smtp.inbox.filter((m) => m.to.includes("alerts@example.com")).length, 1);
    const origins = query(s.dir, "SELECT fingerprint FROM _authOrigins WHERE recordRef = ?", user.id);
    assert.equal(origins.length, 2);
  });

  test("at most five origins are kept per record", async () => {
    const user = await createUser(s.app, "many@example.com", PASSWORD);
    for (let i = 0; i < 8; i++) assert.equal((await login(s, "many@example.com", `Device-${i}`)).status, 200);
    const origins = query(s.dir, "SELECT id FROM _authOrigins WHERE recordRef = ?", user.id);
    assert.equal(origins.length, 5);
  });

  test("a disabled auth alert still tracks origins but sends nothing", async () => {
    await updateAuthOptions(s, "users", {
      authAlert: {
        enabled: false,
        emailTemplate: { subject: "Login from a new location", body: "{ALERT_INFO}" },
      },
    });
    try {
      const user = await createUser(s.app, "quiet@example.com", PASSWORD);
      await login(s, "quiet@example.com", "One");
      await login(s, "quiet@example.com", "Two");
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(smtp.inbox.filter((m) => m.to.includes("quiet@example.com")).length, 0);
      assert.equal(query(s.dir, "SELECT id FROM _authOrigins WHERE recordRef = ?", user.id).length, 2);
    } finally {
      await updateAuthOptions(s, "users", {
        authAlert: {
          enabled: true,
          emailTemplate: { subject: "Login from a new location", body: "{ALERT_INFO}" },
        },
      });
    }
  });

  test("the authRule is checked on every login", async () => {
    await updateAuthOptions(s, "users", { authRule: "verified = true" });
    try {
      await createUser(s.app, "unverified@example.com", PASSWORD, { verified: false });
      const res = await login(s, "unverified@example.com", "ua");
      assert.equal(res.status, 403);
      assert.equal(
        res.json.message,
        "The request doesn't satisfy the collection requirements to authenticate.",
      );
    } finally {
      await updateAuthOptions(s, "users", { authRule: "" });
    }
  });

  test("password auth can be turned off per collection", async () => {
    await updateAuthOptions(s, "users", { passwordAuth: { enabled: false, identityFields: ["email"] } });
    try {
      const res = await login(s, "sdk@example.com", "ua");
      assert.equal(res.status, 403);
      const reset = await request(s.url, "POST", "/api/collections/users/request-password-reset", {
        body: { email: "sdk@example.com" },
      });
      assert.equal(reset.status, 400);
    } finally {
      await updateAuthOptions(s, "users", { passwordAuth: { enabled: true, identityFields: ["email"] } });
    }
  });

  test("a superuser impersonates a user with a non-refreshable token of a chosen duration", async () => {
    const user = await createUser(s.app, "impersonated@example.com", PASSWORD);
    const client = await s.pb.collection("users").impersonate(user.id, 120);
    assert.equal(client.authStore.record?.id, user.id);
    const { claims } = decodeJwt(client.authStore.token);
    assert.equal(claims.refreshable, false);
    const remaining = Number(claims.exp) - Date.now() / 1000;
    assert.ok(remaining > 100 && remaining <= 120);
    const refreshed = await request(s.url, "POST", "/api/collections/users/auth-refresh", {
      token: client.authStore.token,
    });
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.json.token, client.authStore.token, "a static token is never extended");

    const byUser = await request(s.url, "POST", `/api/collections/users/impersonate/${user.id}`, {
      token: client.authStore.token,
    });
    assert.equal(byUser.status, 403);
    const missing = await request(s.url, "POST", "/api/collections/users/impersonate/missingmissingm", {
      token: s.token,
    });
    assert.equal(missing.status, 404);
    const negative = await request(s.url, "POST", `/api/collections/users/impersonate/${user.id}`, {
      token: s.token,
      body: { duration: -1 },
    });
    assert.equal(negative.status, 400);
    assert.equal(negative.json.data.duration.code, "validation_min_greater_equal_than_required");
  });

  test("auth-refresh with a token of another collection is a 403", async () => {
    const res = await request(s.url, "POST", "/api/collections/users/auth-refresh", { token: s.token });
    assert.equal(res.status, 403);
  });
});
