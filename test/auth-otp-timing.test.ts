/**
 * `request-otp` answers in the same time for known and unknown emails (issue 16 §5): hashing
 * the code, storing it and mailing it happen after the answer, so timing tells nothing about
 * which addresses have accounts. Measured as a ratio of medians in the same test.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { request } from "./helpers/http.ts";
import { startSmtpSink, type SmtpSink } from "./helpers/smtp.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { createUser, updateAuthOptions } from "./helpers/auth-fixtures.ts";

const SAMPLES = 12;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe("request-otp timing", () => {
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
        emailTemplate: { subject: "OTP", body: "<p>Code: {OTP}</p>" },
      },
    });
    for (let i = 0; i < SAMPLES; i++) await createUser(s.app, `known${i}@example.com`, "1234567890");
  });

  async function timed(email: string): Promise<{ ms: number; otpId: string }> {
    const start = performance.now();
    const res = await request(s.url, "POST", "/api/collections/users/request-otp", { body: { email } });
    const ms = performance.now() - start;
    assert.equal(res.status, 200, res.text);
    return { ms, otpId: res.json.otpId as string };
  }

  test("known and unknown emails answer alike, and the known ones still get a working code", async () => {
    // Warm up both paths (first requests compile code and open statements).
    await timed("warmup-unknown@example.com");
    const known: number[] = [];
    const unknown: number[] = [];
    const ids: string[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const k = await timed(`known${i}@example.com`);
      known.push(k.ms);
      ids.push(k.otpId);
      unknown.push((await timed(`nobody${i}@example.com`)).ms);
    }
    const ratio = median(known) / median(unknown);
    assert.ok(
      ratio < 3,
      `known ${median(known).toFixed(1)} ms vs unknown ${median(unknown).toFixed(1)} ms (ratio ${ratio.toFixed(2)})`,
    );
    assert.ok(ids.every((id) => /^[a-z0-9]{15}$/.test(id)));

    // The work done after the answer: every known address gets its mail, and its code logs in.
    const mail = await smtp.waitFor((m) => m.to.includes(`known${SAMPLES - 1}@example.com`));
    const code = /\b(\d{8})\b/.exec(mail.text)?.[1];
    assert.ok(code, mail.text);
    const auth = await request(s.url, "POST", "/api/collections/users/auth-with-otp", {
      body: { otpId: ids[SAMPLES - 1], password: code },
    });
    assert.equal(auth.status, 200, auth.text);
    for (let i = 0; i < SAMPLES; i++) await smtp.waitFor((m) => m.to.includes(`known${i}@example.com`));
    assert.equal(
      smtp.inbox.filter((m) => m.to.some((to) => to.includes("nobody"))).length,
      0,
      "no mail to unknown addresses",
    );
  });
});
