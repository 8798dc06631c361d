/** PocketBase's request-password-reset and confirm-password-reset scenarios on its test data folder. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { passwordResetResendKey, setLock } from "../src/core/records/record-auth-limits.ts";
import type { Scenario } from "./helpers/scenario.ts";
import { runScenarios } from "./helpers/scenario.ts";
import {
  DELETE_EVENTS,
  UPDATE_EVENTS,
  events,
  failingHook,
  rateLimitRules,
  testdataServer,
  whenDone,
} from "./helpers/pb-auth-scenarios.ts";
import type { TestServer } from "./helpers/server.ts";

const REQUEST_URL = "/api/collections/users/request-password-reset";
const CONFIRM_URL = "/api/collections/users/confirm-password-reset";

/** Password reset tokens PocketBase's tests send (HS256, signed with the test data's keys). */
const TOKENS = {
  /** users/4q1xlclmfloku33 (test@example.com), valid until 2050. */
  user: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6InBhc3N3b3JkUmVzZXQiLCJjb2xsZWN0aW9uSWQiOiJfcGJfdXNlcnNfYXV0aF8iLCJlbWFpbCI6InRlc3RAZXhhbXBsZS5jb20ifQ.xR-xq1oHDy0D8Q4NDOAEyYKGHWd_swzoiSoL8FLFBHY",
  /** The same account, expired in 2022. */
  expired:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImV4cCI6MTY0MDk5MTY2MSwidHlwZSI6InBhc3N3b3JkUmVzZXQiLCJjb2xsZWN0aW9uSWQiOiJfcGJfdXNlcnNfYXV0aF8iLCJlbWFpbCI6InRlc3RAZXhhbXBsZS5jb20ifQ.5Tm6_6amQqOlX3urAnXlEdmxwG5qQJfiTg6U0hHR1hk",
  /** The same account, a verification token. */
  verification:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6InZlcmlmaWNhdGlvbiIsImNvbGxlY3Rpb25JZCI6Il9wYl91c2Vyc19hdXRoXyIsImVtYWlsIjoidGVzdEBleGFtcGxlLmNvbSJ9.SetHpu2H-x-q4TIUz-xiQjwi7MNwLCLvSs4O0hUSp0E",
} as const;

const NEW_PASSWORD = { token: TOKENS.user, password: "1234567!", passwordConfirm: "1234567!" };
const RESET_EVENTS = events({ "*": 0, onRecordConfirmPasswordResetRequest: 1 }, UPDATE_EVENTS);

/** After a reset: the token no longer works, the account (by `email`) has the new password. */
async function resetDone(s: TestServer, email: string, verified: boolean): Promise<void> {
  await assert.rejects(s.app.findAuthRecordByToken(TOKENS.user, "passwordReset"));
  const u = await s.app.findAuthRecordByEmail("users", email);
  assert.equal(u.verified, verified);
  assert.ok(await u.validatePassword("1234567!"), "the password was changed");
}

const mailed = whenDone("onMailerRecordPasswordResetSend");

const requests: Scenario[] = [
  {
    name: "request: a base collection",
    method: "POST",
    url: "/api/collections/demo1/request-password-reset",
    body: "",
    expectedStatus: 404,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: no body",
    method: "POST",
    url: REQUEST_URL,
    body: "",
    expectedStatus: 400,
    expectedContent: ['"data":{"email":{"code":"validation_required","message":"Cannot be blank."}}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: broken JSON",
    method: "POST",
    url: REQUEST_URL,
    body: '{"email',
    headers: { "content-type": "application/json" },
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: password auth off on the collection",
    method: "POST",
    url: "/api/collections/nologin/request-password-reset",
    body: { email: "test@example.com" },
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: no such account",
    method: "POST",
    url: REQUEST_URL,
    body: { email: "missing@example.com" },
    expectedStatus: 204,
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: the account gets the mail",
    method: "POST",
    url: REQUEST_URL,
    body: { email: "test@example.com" },
    before: mailed.before,
    settled: mailed.settled,
    expectedStatus: 204,
    expectedEvents: {
      "*": 0,
      onRecordRequestPasswordResetRequest: 1,
      onMailerSend: 1,
      onMailerRecordPasswordResetSend: 1,
    },
  },
  {
    name: "request: a mail sent moments ago blocks another (before the hook)",
    method: "POST",
    url: REQUEST_URL,
    body: { email: "test@example.com" },
    before: async (s) => {
      const u = await s.app.findAuthRecordByEmail("users", "test@example.com");
      setLock(s.app, passwordResetResendKey(u.collection.id, u.id));
    },
    expectedStatus: 204,
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: rate limit users:requestPasswordReset",
    method: "POST",
    url: REQUEST_URL,
    body: { email: "missing@example.com" },
    before: rateLimitRules(["abc", 100], ["*:requestPasswordReset", 100], ["users:requestPasswordReset", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: rate limit *:requestPasswordReset",
    method: "POST",
    url: REQUEST_URL,
    body: { email: "missing@example.com" },
    before: rateLimitRules(["abc", 100], ["*:requestPasswordReset", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
];

const confirms: Scenario[] = [
  {
    name: "confirm: no body",
    method: "POST",
    url: CONFIRM_URL,
    body: "",
    expectedStatus: 400,
    expectedContent: [
      '"data":{',
      '"password":{"code":"validation_required"',
      '"passwordConfirm":{"code":"validation_required"',
      '"token":{"code":"validation_required"',
    ],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: broken JSON",
    method: "POST",
    url: CONFIRM_URL,
    body: '{"password',
    headers: { "content-type": "application/json" },
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: an expired token, a short password and a mismatched confirmation",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.expired, password: "1234567", passwordConfirm: "7654321" },
    expectedStatus: 400,
    expectedContent: [
      '"data":{',
      '"token":{"code":"validation_invalid_token"',
      '"password":{"code":"validation_length_out_of_range"',
      '"passwordConfirm":{"code":"validation_values_mismatch"',
    ],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: a token of another type",
    method: "POST",
    url: CONFIRM_URL,
    body: { ...NEW_PASSWORD, token: TOKENS.verification },
    expectedStatus: 400,
    expectedContent: ['"data":{', '"token":{"code":"validation_invalid_token"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: a base collection",
    method: "POST",
    url: "/api/collections/demo1/confirm-password-reset?expand=rel,missing",
    body: NEW_PASSWORD,
    expectedStatus: 404,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: a token of another auth collection",
    method: "POST",
    url: "/api/collections/clients/confirm-password-reset?expand=rel,missing",
    body: NEW_PASSWORD,
    expectedStatus: 400,
    expectedContent: ['"data":{"token":{"code":"validation_token_collection_mismatch"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: an unverified account: new password, and the mail proved the address",
    method: "POST",
    url: CONFIRM_URL,
    body: NEW_PASSWORD,
    before: async (s) => {
      assert.equal((await s.app.findAuthRecordByEmail("users", "test@example.com")).verified, false);
    },
    expectedStatus: 204,
    // Becoming verified drops the account's two OAuth2 links (made before the address was proven).
    expectedEvents: events(RESET_EVENTS, DELETE_EVENTS, DELETE_EVENTS),
    after: (s) => resetDone(s, "test@example.com", true),
  },
  {
    name: "confirm: an account whose email changed since the token: new password, still unverified",
    method: "POST",
    url: CONFIRM_URL,
    body: NEW_PASSWORD,
    before: async (s) => {
      const u = await s.app.findAuthRecordByEmail("users", "test@example.com");
      assert.equal(u.verified, false);
      const tokenKey = u.tokenKey;
      u.set("email", "test_update@example.com");
      await s.app.save(u);
      // The email change rotated the token key; restore it so the reset token stays valid.
      u.set("tokenKey", tokenKey);
      await s.app.save(u);
    },
    expectedStatus: 204,
    expectedEvents: RESET_EVENTS,
    after: (s) => resetDone(s, "test_update@example.com", false),
  },
  {
    name: "confirm: a verified account",
    method: "POST",
    url: CONFIRM_URL,
    body: NEW_PASSWORD,
    before: async (s) => {
      const u = await s.app.findAuthRecordByEmail("users", "test@example.com");
      const tokenKey = u.tokenKey;
      u.set("verified", true);
      await s.app.save(u);
      // Becoming verified dropped the OAuth2 links and rotated the token key: restore it so the
      // reset token stays valid.
      u.set("tokenKey", tokenKey);
      await s.app.save(u);
    },
    expectedStatus: 204,
    expectedEvents: RESET_EVENTS,
    after: (s) => resetDone(s, "test@example.com", true),
  },
  {
    name: "confirm: the request hook fails",
    method: "POST",
    url: CONFIRM_URL,
    body: NEW_PASSWORD,
    before: failingHook("onRecordConfirmPasswordResetRequest"),
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0, onRecordConfirmPasswordResetRequest: 1 },
  },
  {
    name: "confirm: rate limit users:confirmPasswordReset",
    method: "POST",
    url: CONFIRM_URL,
    body: NEW_PASSWORD,
    before: rateLimitRules(["abc", 100], ["*:confirmPasswordReset", 100], ["users:confirmPasswordReset", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: rate limit *:confirmPasswordReset",
    method: "POST",
    url: CONFIRM_URL,
    body: NEW_PASSWORD,
    before: rateLimitRules(["abc", 100], ["*:confirmPasswordReset", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
];

test("PocketBase scenarios: request-password-reset", async (t) => {
  await runScenarios(t, requests, testdataServer);
});

test("PocketBase scenarios: confirm-password-reset", async (t) => {
  await runScenarios(t, confirms, testdataServer);
});
