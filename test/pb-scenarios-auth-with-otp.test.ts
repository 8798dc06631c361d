/** PocketBase's auth-with-otp scenarios replayed against its own test data folder. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Scenario } from "./helpers/scenario.ts";
import { runScenario, runScenarios } from "./helpers/scenario.ts";
import {
  CREATE_EVENTS,
  DELETE_EVENTS,
  UPDATE_EVENTS,
  editCollection,
  events,
  insertOTP,
  rateLimitRules,
  testdataServer,
} from "./helpers/pb-auth-scenarios.ts";
import type { TestServer } from "./helpers/server.ts";

const URL_USERS = "/api/collections/users/auth-with-otp";
const OTP_A = "a".repeat(15);
const OTP_B = "b".repeat(15);
const BODY = { otpId: OTP_A, password: "123456" };
const HIDDEN = ['"tokenKey"', '"password"'];

/** Stores OTP_A for `email` of `collection` (code 123456 unless told). */
function withOTP(collection: string, opts: { code?: string; expired?: boolean; sentTo?: string } = {}) {
  return async (s: TestServer): Promise<void> => {
    const owner = await s.app.findAuthRecordByEmail(collection, "test@example.com");
    await insertOTP(s.app, owner, OTP_A, opts);
  };
}

/** The users account made unverified and MFA turned off on users. */
async function unverifiedWithoutMFA(s: TestServer): Promise<void> {
  const user = await s.app.findAuthRecordByEmail("users", "test@example.com");
  user.set("verified", false);
  await s.app.save(user);
  await editCollection("users", (c) => {
    c.auth!.mfa.enabled = false;
  })(s);
}

async function isVerified(s: TestServer): Promise<boolean> {
  return (await s.app.findAuthRecordByEmail("users", "test@example.com")).getBool("verified");
}

const rows: Scenario[] = [
  {
    name: "a base collection",
    method: "POST",
    url: "/api/collections/demo1/auth-with-otp",
    body: { otpId: "test", password: "123456" },
    expectedStatus: 404,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "OTP off on the collection",
    method: "POST",
    url: URL_USERS,
    body: { otpId: "test", password: "123456" },
    before: editCollection("users", (c) => {
      c.auth!.otp.enabled = false;
    }),
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "broken JSON",
    method: "POST",
    url: URL_USERS,
    body: '{"email',
    headers: { "content-type": "application/json" },
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "no body",
    method: "POST",
    url: URL_USERS,
    body: "",
    expectedStatus: 400,
    expectedContent: [
      '"data":{',
      '"otpId":{"code":"validation_required"',
      '"password":{"code":"validation_required"',
    ],
    expectedEvents: { "*": 0 },
  },
  {
    name: "otpId and password too long",
    method: "POST",
    url: URL_USERS,
    body: { otpId: "a".repeat(256), password: "a".repeat(72) },
    expectedStatus: 400,
    expectedContent: [
      '"data":{',
      '"otpId":{"code":"validation_length_out_of_range"',
      '"password":{"code":"validation_length_out_of_range"',
    ],
    expectedEvents: { "*": 0 },
  },
  {
    name: "an unknown otpId",
    method: "POST",
    url: URL_USERS,
    body: { otpId: "missing", password: "123456" },
    before: withOTP("users"),
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "an OTP of another collection",
    method: "POST",
    url: URL_USERS,
    body: BODY,
    before: withOTP("clients"),
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "a wrong code",
    method: "POST",
    url: URL_USERS,
    body: BODY,
    before: withOTP("users", { code: "1234567890" }),
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "an expired OTP with the right code",
    method: "POST",
    url: URL_USERS,
    body: BODY,
    before: withOTP("users", { expired: true }),
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "the right code with MFA on: 401 with an mfaId, the OTP consumed",
    method: "POST",
    url: URL_USERS,
    body: BODY,
    before: withOTP("users"),
    expectedStatus: 401,
    expectedContent: ['"mfaId":"'],
    expectedEvents: events(
      { "*": 0, onRecordAuthWithOTPRequest: 1, onRecordAuthRequest: 1 },
      CREATE_EVENTS,
      DELETE_EVENTS,
    ),
  },
  {
    name: "the right code, MFA off, code not mailed to the address: still unverified",
    method: "POST",
    url: URL_USERS,
    body: BODY,
    before: async (s) => {
      await unverifiedWithoutMFA(s);
      await withOTP("users")(s);
      s.app.hooks.onRecordAuthRequest.bindFunc((e) => {
        assert.equal(e.requestInfo().context, "otp");
        return e.next();
      });
    },
    expectedStatus: 200,
    expectedContent: ['"token":"', '"record":{', '"email":"test@example.com"'],
    notExpectedContent: ['"meta":', ...HIDDEN],
    expectedEvents: events(
      { "*": 0, onRecordAuthWithOTPRequest: 1, onRecordAuthRequest: 1, onRecordEnrich: 1 },
      CREATE_EVENTS,
      DELETE_EVENTS,
    ),
    after: async (s) => assert.equal(await isVerified(s), false),
  },
  {
    name: "the right code, MFA off, code mailed to the address: verified",
    method: "POST",
    url: URL_USERS,
    body: BODY,
    before: async (s) => {
      await unverifiedWithoutMFA(s);
      await withOTP("users", { sentTo: "test@example.com" })(s);
    },
    expectedStatus: 200,
    expectedContent: ['"token":"', '"record":{', '"email":"test@example.com"'],
    notExpectedContent: ['"meta":', ...HIDDEN],
    expectedEvents: events(
      { "*": 0, onRecordAuthWithOTPRequest: 1, onRecordAuthRequest: 1, onRecordEnrich: 1 },
      CREATE_EVENTS,
      UPDATE_EVENTS,
      // Becoming verified drops the account's two OAuth2 links and rotates its token key, which
      // drops its OTPs; then the used OTP is deleted as always.
      DELETE_EVENTS,
      DELETE_EVENTS,
      DELETE_EVENTS,
      DELETE_EVENTS,
    ),
    after: async (s) => assert.equal(await isVerified(s), true),
  },
  {
    name: "rate limit: users:authWithOTP",
    method: "POST",
    url: URL_USERS,
    before: rateLimitRules(
      ["abc", 100],
      ["*:authWithOTP", 100],
      ["users:auth", 100],
      ["users:authWithOTP", 0],
    ),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "rate limit: *:authWithOTP",
    method: "POST",
    url: URL_USERS,
    before: rateLimitRules(["abc", 100], ["*:auth", 100], ["*:authWithOTP", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "rate limit: users:auth",
    method: "POST",
    url: URL_USERS,
    before: rateLimitRules(["abc", 100], ["*:authWithOTP", 100], ["users:auth", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "rate limit: *:auth",
    method: "POST",
    url: URL_USERS,
    before: rateLimitRules(["abc", 100], ["*:auth", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
];

test("PocketBase scenarios: auth-with-otp", async (t) => {
  await runScenarios(t, rows, testdataServer);
});

test("PocketBase scenarios: 5 wrong OTP codes lock the account's OTP logins", async (t) => {
  const s = await testdataServer(t);
  if (!s) return;
  await unverifiedWithoutMFA(s);
  const user = await s.app.findAuthRecordByEmail("users", "test@example.com");
  await insertOTP(s.app, user, OTP_A);
  await insertOTP(s.app, user, OTP_B);
  const attempts: [otpId: string, code: string, status: number][] = [
    [OTP_A, "12345", 400],
    [OTP_A, "12345", 400],
    [OTP_B, "12345", 400],
    [OTP_B, "12345", 400],
    [OTP_B, "12345", 400],
    [OTP_A, "12345", 429],
    [OTP_A, "123456", 429],
    [OTP_A, "123456", 429],
    [OTP_B, "123456", 429],
  ];
  for (const [otpId, password, status] of attempts) {
    await runScenario(s, {
      name: `${otpId.slice(0, 1)} ${password}`,
      method: "POST",
      url: URL_USERS,
      body: { otpId, password },
      expectedStatus: status,
      expectedContent: ['"'],
    });
  }
});
