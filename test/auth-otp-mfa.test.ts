import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { before, describe, test } from "node:test";
import type { ClientResponseError } from "pocketbase";
import { request } from "./helpers/http.ts";
import { startSmtpSink, type ReceivedMail, type SmtpSink } from "./helpers/smtp.ts";
import {
  SUPERUSER,
  buildTemplate,
  startTestServer,
  suiteCleanup,
  tempDir,
  type TestServer,
} from "./helpers/server.ts";
import { createUser, loadUser, updateAuthOptions } from "./helpers/auth-fixtures.ts";
import { query } from "./helpers/sqlite.ts";
import { waitFor } from "./helpers/wait.ts";
import { App } from "../src/core/app.ts";
import { upsertSuperuser } from "../src/core/records/superusers.ts";
import { cleanupExpiredAuthRows } from "../src/core/records/record-auth-system.ts";

const PASSWORD = "1234567890";
const run = promisify(execFile);

function codeFrom(mail: ReceivedMail): string {
  const m = /\b(\d{8})\b/.exec(mail.text);
  if (!m?.[1]) throw new Error(`no code in ${mail.text}`);
  return m[1];
}

describe("one-time passwords and multi-factor auth", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  let smtp: SmtpSink;
  before(async () => {
    s = await startTestServer(cleanup, { template: await buildTemplate(cleanup) });
    smtp = await startSmtpSink(cleanup);
    await smtp.configure(s.app);
    await updateAuthOptions(s, "users", {
      otp: {
        enabled: true,
        duration: 180,
        length: 8,
        emailTemplate: { subject: "OTP for {APP_NAME}", body: "<p>Code: {OTP} ({OTP_ID})</p>" },
      },
    });
  });

  test("requestOTP mails a code that authWithOTP accepts once, and verifies the address", async () => {
    const user = await createUser(s.app, "otp@example.com", PASSWORD, { verified: false });
    const pb = s.client();
    const { otpId } = await pb.collection("users").requestOTP("otp@example.com");
    const mail = await smtp.waitFor((m) => m.to.includes("otp@example.com"));
    assert.equal(mail.subject, "OTP for Satchel Test");
    assert.ok(mail.html.includes(otpId));
    const code = codeFrom(mail);
    const auth = await pb.collection("users").authWithOTP(otpId, code);
    assert.equal(auth.record.id, user.id);
    assert.equal(auth.record.verified, true, "the code reached the address on file");
    const again = await request(s.url, "POST", "/api/collections/users/auth-with-otp", {
      body: { otpId, password: code },
    });
    assert.equal(again.status, 400, "an OTP works once");
    assert.equal(again.json.message, "Invalid or expired OTP.");
  });

  test("an unknown email gets a random otpId of the same shape and no mail", async () => {
    await createUser(s.app, "real-otp@example.com", PASSWORD);
    const known = await request(s.url, "POST", "/api/collections/users/request-otp", {
      body: { email: "real-otp@example.com" },
    });
    const unknown = await request(s.url, "POST", "/api/collections/users/request-otp", {
      body: { email: "ghost@example.com" },
    });
    assert.equal(unknown.status, known.status);
    assert.deepEqual(Object.keys(unknown.json), ["otpId"]);
    assert.match(unknown.json.otpId, /^[a-z0-9]{15}$/);
    assert.match(known.json.otpId, /^[a-z0-9]{15}$/);
    const res = await request(s.url, "POST", "/api/collections/users/auth-with-otp", {
      body: { otpId: unknown.json.otpId, password: "12345678" },
    });
    assert.equal(res.status, 400);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(smtp.inbox.filter((m) => m.to.includes("ghost@example.com")).length, 0);
  });

  test("guessing codes is cut off after 5 tries: even the right code then gets a 429", async () => {
    await createUser(s.app, "brute@example.com", PASSWORD);
    const { otpId } = await s.client().collection("users").requestOTP("brute@example.com");
    const code = codeFrom(await smtp.waitFor((m) => m.to.includes("brute@example.com")));
    const wrong = code === "00000000" ? "11111111" : "00000000";
    for (let i = 0; i < 4; i++) {
      const res = await request(s.url, "POST", "/api/collections/users/auth-with-otp", {
        body: { otpId, password: wrong },
      });
      assert.equal(res.status, 400);
    }
    const fifth = await request(s.url, "POST", "/api/collections/users/auth-with-otp", {
      body: { otpId, password: wrong },
    });
    assert.equal(fifth.status, 400);
    const sixth = await request(s.url, "POST", "/api/collections/users/auth-with-otp", {
      body: { otpId, password: code },
    });
    assert.equal(sixth.status, 429);
    assert.equal(sixth.json.message, "Too many attempts, please try again later with a new OTP.");
  });

  test("an expired OTP is refused (and left alone); the cleanup purges expired rows", async () => {
    const user = await createUser(s.app, "late@example.com", PASSWORD);
    const { otpId } = await s.client().collection("users").requestOTP("late@example.com");
    const code = codeFrom(await smtp.waitFor((m) => m.to.includes("late@example.com")));
    // Once mailed, the OTP record is saved again with its sentTo (the whole row, as PocketBase):
    // the test's own change of `created` must come after that save, or the save overwrites it.
    const sent = (id: string) => query(s.dir, "SELECT sentTo FROM _otps WHERE id = ?", id)[0]?.sentTo;
    await waitFor(() => Boolean(sent(otpId)), "the OTP marked as sent");
    const old = "2020-01-01 00:00:00.000Z";
    await s.app.db.run("UPDATE _otps SET created = ? WHERE id = ?", [old, otpId]);
    const res = await request(s.url, "POST", "/api/collections/users/auth-with-otp", {
      body: { otpId, password: code },
    });
    assert.equal(res.status, 400);
    // A refused attempt writes nothing (no delete hooks fire, as PocketBase): the cron cleans up.
    assert.equal(query(s.dir, "SELECT id FROM _otps WHERE id = ?", otpId).length, 1);

    await s.client().collection("users").requestOTP("late@example.com");
    // The code is stored after the answer (issue 16 §5): wait for the row.
    await waitFor(
      () =>
        query(s.dir, "SELECT id FROM _otps WHERE recordRef = ? AND id != ? AND sentTo != ''", user.id, otpId)
          .length > 0,
      "the new OTP, marked as sent",
    );
    await s.app.db.run("UPDATE _otps SET created = ? WHERE recordRef = ?", [old, user.id]);
    const purged = await cleanupExpiredAuthRows(s.app);
    assert.ok(purged.otps >= 1);
    assert.equal(query(s.dir, "SELECT id FROM _otps WHERE recordRef = ?", user.id).length, 0);
  });

  test("MFA: password gives 401 {mfaId}; the OTP with that mfaId completes the login", async () => {
    await updateAuthOptions(s, "users", { mfa: { enabled: true, duration: 600, rule: "" } });
    try {
      const user = await createUser(s.app, "mfa@example.com", PASSWORD);
      const first = await request(s.url, "POST", "/api/collections/users/auth-with-password", {
        body: { identity: "mfa@example.com", password: PASSWORD },
      });
      assert.equal(first.status, 401);
      assert.deepEqual(Object.keys(first.json), ["mfaId"]);
      const mfaId: string = first.json.mfaId;
      assert.equal(query(s.dir, "SELECT method FROM _mfas WHERE id = ?", mfaId)[0]?.method, "password");

      const samePassword = await request(
        s.url,
        "POST",
        `/api/collections/users/auth-with-password?mfaId=${mfaId}`,
        {
          body: { identity: "mfa@example.com", password: PASSWORD },
        },
      );
      assert.equal(samePassword.status, 400);
      assert.equal(samePassword.json.message, "A different authentication method is required.");

      const pb = s.client();
      const { otpId } = await pb.collection("users").requestOTP("mfa@example.com");
      const code = codeFrom(await smtp.waitFor((m) => m.to.includes("mfa@example.com")));
      const auth = await pb.collection("users").authWithOTP(otpId, code, { mfaId });
      assert.equal(auth.record.id, user.id);
      assert.equal(
        query(s.dir, "SELECT id FROM _mfas WHERE id = ?", mfaId).length,
        0,
        "the MFA session is consumed",
      );
    } finally {
      await updateAuthOptions(s, "users", { mfa: { enabled: false, duration: 600, rule: "" } });
    }
  });

  test("MFA through the SDK's error: the 401 body carries the mfaId", async () => {
    await updateAuthOptions(s, "users", { mfa: { enabled: true, duration: 600, rule: "" } });
    try {
      await createUser(s.app, "mfa-sdk@example.com", PASSWORD);
      const pb = s.client();
      let mfaId = "";
      await assert.rejects(
        pb.collection("users").authWithPassword("mfa-sdk@example.com", PASSWORD),
        (err: ClientResponseError) => {
          mfaId = String(err.response.mfaId);
          return err.status === 401;
        },
      );
      const { otpId } = await pb.collection("users").requestOTP("mfa-sdk@example.com");
      const code = codeFrom(await smtp.waitFor((m) => m.to.includes("mfa-sdk@example.com")));
      await pb.collection("users").authWithOTP(otpId, code, { mfaId });
      assert.ok(pb.authStore.isValid);
    } finally {
      await updateAuthOptions(s, "users", { mfa: { enabled: false, duration: 600, rule: "" } });
    }
  });

  test("MFA: an expired session is refused; an unmatched mfa.rule skips MFA", async () => {
    await updateAuthOptions(s, "users", { mfa: { enabled: true, duration: 600, rule: "" } });
    try {
      await createUser(s.app, "mfa-late@example.com", PASSWORD);
      const first = await request(s.url, "POST", "/api/collections/users/auth-with-password", {
        body: { identity: "mfa-late@example.com", password: PASSWORD },
      });
      await s.app.db.run("UPDATE _mfas SET created = '2020-01-01 00:00:00.000Z' WHERE id = ?", [
        first.json.mfaId,
      ]);
      const { otpId } = await s.client().collection("users").requestOTP("mfa-late@example.com");
      const code = codeFrom(await smtp.waitFor((m) => m.to.includes("mfa-late@example.com")));
      const res = await request(s.url, "POST", "/api/collections/users/auth-with-otp", {
        body: { otpId, password: code, mfaId: first.json.mfaId },
      });
      assert.equal(res.status, 400);
      assert.equal(res.json.message, "Invalid or expired MFA session.");

      await updateAuthOptions(s, "users", {
        mfa: { enabled: true, duration: 600, rule: "email = 'someone-else@example.com'" },
      });
      const skipped = await request(s.url, "POST", "/api/collections/users/auth-with-password", {
        body: { identity: "mfa-late@example.com", password: PASSWORD },
      });
      assert.equal(skipped.status, 200);
    } finally {
      await updateAuthOptions(s, "users", { mfa: { enabled: false, duration: 600, rule: "" } });
    }
  });

  test("the OTP email is not needed to know an OTP's owner: a user's OTP can't log into another collection", async () => {
    await createUser(s.app, "cross@example.com", PASSWORD);
    const { otpId } = await s.client().collection("users").requestOTP("cross@example.com");
    const code = codeFrom(await smtp.waitFor((m) => m.to.includes("cross@example.com")));
    await updateAuthOptions(s, "_superusers", {
      otp: { enabled: true, duration: 180, length: 8, emailTemplate: { subject: "OTP", body: "{OTP}" } },
    });
    const res = await request(s.url, "POST", "/api/collections/_superusers/auth-with-otp", {
      body: { otpId, password: code },
    });
    assert.equal(res.status, 400);
    assert.equal((await loadUser(s.app, "cross@example.com")).id.length, 15);
  });
});

describe("satchel superuser otp", () => {
  test("prints an OTP that signs the superuser in (when OTP is enabled)", async (t) => {
    const dir = tempDir(t);
    const app = new App({ dataDir: dir });
    await app.bootstrap();
    await upsertSuperuser(app, SUPERUSER.email, SUPERUSER.password);
    await app.terminate();
    const cli = new URL("../src/main.ts", import.meta.url).pathname;
    const refused = await run(process.execPath, [
      cli,
      "superuser",
      "otp",
      SUPERUSER.email,
      `--dir=${dir}`,
    ]).catch((err: { code: number; stderr: string }) => err);
    assert.notEqual((refused as { code?: number }).code ?? 0, 0, "refused while OTP is disabled");

    const s = await startTestServer(t, { dataDir: dir, superuser: false });
    await s.pb.collection("_superusers").authWithPassword(SUPERUSER.email, SUPERUSER.password);
    await s.pb.collections.update("_superusers", {
      otp: { enabled: true, duration: 300, length: 8, emailTemplate: { subject: "OTP", body: "{OTP}" } },
    });
    const { stdout } = await run(process.execPath, [
      cli,
      "superuser",
      "otp",
      SUPERUSER.email,
      `--dir=${dir}`,
    ]);
    const id = /id:\s+(\S+)/.exec(stdout)?.[1] ?? "";
    const pass = /pass:\s+(\S+)/.exec(stdout)?.[1] ?? "";
    assert.match(pass, /^\d{8}$/);
    // _superusers with OTP on also has MFA on: the OTP is one factor, the password the other.
    const first = await request(s.url, "POST", "/api/collections/_superusers/auth-with-otp", {
      body: { otpId: id, password: pass },
    });
    assert.equal(first.status, 401);
    const second = await request(s.url, "POST", "/api/collections/_superusers/auth-with-password", {
      body: { identity: SUPERUSER.email, password: SUPERUSER.password, mfaId: first.json.mfaId },
    });
    assert.equal(second.status, 200, second.text);
  });
});
