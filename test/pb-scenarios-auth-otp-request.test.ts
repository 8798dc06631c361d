/** PocketBase's request-otp scenarios replayed against its own test data folder. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Scenario } from "./helpers/scenario.ts";
import { runScenarios } from "./helpers/scenario.ts";
import {
  CREATE_EVENTS,
  UPDATE_EVENTS,
  editCollection,
  events,
  insertOTP,
  otpsSentTo,
  rateLimitRules,
  testdataServer,
  whenDone,
} from "./helpers/pb-auth-scenarios.ts";
import type { TestServer } from "./helpers/server.ts";

const URL_USERS = "/api/collections/users/request-otp";
const BODY = { email: "test@example.com" };

/** Stores `count` OTPs `otp_0`… for users/test@example.com, the ones from `expiredFrom` on expired. */
function seedOTPs(count: number, expiredFrom = count) {
  return async (s: TestServer): Promise<void> => {
    const user = await s.app.findAuthRecordByEmail("users", "test@example.com");
    for (let i = 0; i < count; i++) await insertOTP(s.app, user, `otp_${i}`, { expired: i >= expiredFrom });
  };
}

const mailed = whenDone("onMailerRecordOTPSend");
const intercepted = whenDone("onMailerRecordOTPSend");

const rows: Scenario[] = [
  {
    name: "a base collection",
    method: "POST",
    url: "/api/collections/demo1/request-otp",
    body: BODY,
    expectedStatus: 404,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "OTP off on the collection",
    method: "POST",
    url: URL_USERS,
    body: BODY,
    before: editCollection("users", (c) => {
      c.auth!.otp.enabled = false;
    }),
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "no body",
    method: "POST",
    url: URL_USERS,
    body: "",
    expectedStatus: 400,
    expectedContent: ['"data":{"email":{"code":"validation_required","message":"Cannot be blank."}}'],
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
    name: "not an email",
    method: "POST",
    url: URL_USERS,
    body: { email: "invalid" },
    expectedStatus: 400,
    expectedContent: ['"data":{', '"email":{"code":"validation_is_email'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "no account with that email: a made-up id, no mail",
    method: "POST",
    url: URL_USERS,
    body: { email: "missing@example.com" },
    expectedStatus: 200,
    expectedContent: ['"otpId":"'],
    expectedEvents: { "*": 0, onRecordRequestOTPRequest: 1 },
  },
  {
    name: "fewer than 9 live codes: a new one stored and mailed",
    method: "POST",
    url: URL_USERS,
    body: BODY,
    before: async (s) => {
      await seedOTPs(10, 8)(s);
      mailed.before(s);
    },
    settled: mailed.settled,
    expectedStatus: 200,
    expectedContent: ['"otpId":"'],
    notExpectedContent: ['"otpId":"otp_'],
    expectedEvents: events(
      { "*": 0, onRecordRequestOTPRequest: 1, onMailerSend: 1, onMailerRecordOTPSend: 1 },
      CREATE_EVENTS,
      UPDATE_EVENTS,
    ),
    after: async (s) => assert.equal(await otpsSentTo(s.app, "test@example.com"), 1),
  },
  {
    name: "a hook swallows the OTP mail: the code is stored, not marked sent",
    method: "POST",
    url: URL_USERS,
    body: BODY,
    before: (s) => {
      intercepted.before(s);
      s.app.onMailerRecordOTPSend("users").bindFunc(async () => {});
    },
    settled: intercepted.settled,
    expectedStatus: 200,
    expectedContent: ['"otpId":"'],
    notExpectedContent: ['"otpId":"otp_'],
    expectedEvents: events({ "*": 0, onRecordRequestOTPRequest: 1, onMailerRecordOTPSend: 1 }, CREATE_EVENTS),
    after: async (s) => assert.equal(await otpsSentTo(s.app, "test@example.com"), 0),
  },
  {
    name: "10 live codes already: the newest id is answered again, nothing mailed",
    method: "POST",
    url: URL_USERS,
    body: BODY,
    before: seedOTPs(10),
    expectedStatus: 200,
    expectedContent: ['"otpId":"otp_9"'],
    expectedEvents: { "*": 0, onRecordRequestOTPRequest: 1 },
  },
  {
    name: "rate limit: users:requestOTP",
    method: "POST",
    url: URL_USERS,
    body: BODY,
    before: rateLimitRules(["abc", 100], ["*:requestOTP", 100], ["users:requestOTP", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "rate limit: *:requestOTP",
    method: "POST",
    url: URL_USERS,
    body: BODY,
    before: rateLimitRules(["abc", 100], ["*:requestOTP", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
];

test("PocketBase scenarios: request-otp", async (t) => {
  await runScenarios(t, rows, testdataServer);
});
