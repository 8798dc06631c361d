/** PocketBase's request-verification and confirm-verification scenarios on its test data folder. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setLock, verificationResendKey } from "../src/core/records/record-auth-limits.ts";
import { findExternalAuthsByRecord } from "../src/core/records/record-oauth2.ts";
import type { Scenario } from "./helpers/scenario.ts";
import { runScenarios } from "./helpers/scenario.ts";
import {
  DELETE_EVENTS,
  UPDATE_EVENTS,
  editCollection,
  events,
  failAfterTransaction,
  rateLimitRules,
  testdataServer,
  whenDone,
} from "./helpers/pb-auth-scenarios.ts";
import type { TestServer } from "./helpers/server.ts";

const REQUEST_URL = "/api/collections/users/request-verification";
const CONFIRM_URL = "/api/collections/users/confirm-verification";

/** Verification tokens PocketBase's tests send (HS256, signed with the test data's keys). */
const TOKENS = {
  /** users/4q1xlclmfloku33 (test@example.com, unverified), expired in 2022. */
  expired:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImV4cCI6MTY0MDk5MTY2MSwidHlwZSI6InZlcmlmaWNhdGlvbiIsImNvbGxlY3Rpb25JZCI6Il9wYl91c2Vyc19hdXRoXyIsImVtYWlsIjoidGVzdEBleGFtcGxlLmNvbSJ9.qqelNNL2Udl6K_TJ282sNHYCpASgA6SIuSVKGfBHMZU",
  /** users/4q1xlclmfloku33, a passwordReset token. */
  passwordReset:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6InBhc3N3b3JkUmVzZXQiLCJjb2xsZWN0aW9uSWQiOiJfcGJfdXNlcnNfYXV0aF8iLCJlbWFpbCI6InRlc3RAZXhhbXBsZS5jb20ifQ.xR-xq1oHDy0D8Q4NDOAEyYKGHWd_swzoiSoL8FLFBHY",
  /** users/4q1xlclmfloku33, valid until 2050. */
  user: "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6InZlcmlmaWNhdGlvbiIsImNvbGxlY3Rpb25JZCI6Il9wYl91c2Vyc19hdXRoXyIsImVtYWlsIjoidGVzdEBleGFtcGxlLmNvbSJ9.SetHpu2H-x-q4TIUz-xiQjwi7MNwLCLvSs4O0hUSp0E",
  /** users/oap640cot4yru2s (test2@example.com, already verified). */
  verifiedUser:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6Im9hcDY0MGNvdDR5cnUycyIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6InZlcmlmaWNhdGlvbiIsImNvbGxlY3Rpb25JZCI6Il9wYl91c2Vyc19hdXRoXyIsImVtYWlsIjoidGVzdDJAZXhhbXBsZS5jb20ifQ.QQmM3odNFVk6u4J4-5H8IBM3dfk9YCD7mPW-8PhBAI8",
  /** nologin/dc49k6jgejn40h3. */
  nologin:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6ImRjNDlrNmpnZWpuNDBoMyIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6InZlcmlmaWNhdGlvbiIsImNvbGxlY3Rpb25JZCI6ImtwdjcwOXNrMmxxYnFrOCIsImVtYWlsIjoidGVzdEBleGFtcGxlLmNvbSJ9.5GmuZr4vmwk3Cb_3ZZWNxwbE75KZC-j71xxIPR9AsVw",
} as const;

const user = (s: TestServer) => s.app.findAuthRecordByEmail("users", "test@example.com");

/** The user starts unverified with OAuth2 links; `after` checks it ends verified without them. */
async function unverifiedWithLinks(s: TestServer): Promise<void> {
  const u = await user(s);
  assert.equal(u.verified, false);
  assert.ok((await findExternalAuthsByRecord(s.app, u)).length > 0);
}
async function verifiedWithoutLinks(s: TestServer): Promise<void> {
  const u = await user(s);
  assert.equal(u.verified, true);
  assert.equal((await findExternalAuthsByRecord(s.app, u)).length, 0);
}

const VERIFIED_EVENTS = events(
  { "*": 0, onRecordConfirmVerificationRequest: 1 },
  UPDATE_EVENTS,
  // Becoming verified drops the account's two OAuth2 links.
  DELETE_EVENTS,
  DELETE_EVENTS,
);

const mailed = whenDone("onMailerRecordVerificationSend");

const requests: Scenario[] = [
  {
    name: "request: a base collection",
    method: "POST",
    url: "/api/collections/demo1/request-verification",
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
    name: "request: no such account",
    method: "POST",
    url: REQUEST_URL,
    body: { email: "missing@example.com" },
    expectedStatus: 204,
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: an already verified account gets no mail",
    method: "POST",
    url: REQUEST_URL,
    body: { email: "test2@example.com" },
    expectedStatus: 204,
    expectedEvents: { "*": 0, onRecordRequestVerificationRequest: 1 },
  },
  {
    name: "request: an unverified account gets the mail",
    method: "POST",
    url: REQUEST_URL,
    body: { email: "test@example.com" },
    before: mailed.before,
    settled: mailed.settled,
    expectedStatus: 204,
    expectedEvents: {
      "*": 0,
      onRecordRequestVerificationRequest: 1,
      onMailerSend: 1,
      onMailerRecordVerificationSend: 1,
    },
  },
  {
    name: "request: a mail sent moments ago blocks another (before the hook)",
    method: "POST",
    url: REQUEST_URL,
    body: { email: "test@example.com" },
    before: async (s) => {
      const u = await user(s);
      setLock(s.app, verificationResendKey(u.collection.id, u.id));
    },
    expectedStatus: 204,
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: rate limit users:requestVerification",
    method: "POST",
    url: REQUEST_URL,
    body: { email: "test@example.com" },
    before: rateLimitRules(["abc", 100], ["*:requestVerification", 100], ["users:requestVerification", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: rate limit *:requestVerification",
    method: "POST",
    url: REQUEST_URL,
    body: { email: "test@example.com" },
    before: rateLimitRules(["abc", 100], ["*:requestVerification", 0]),
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
    expectedContent: ['"data":{', '"token":{"code":"validation_required"'],
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
    name: "confirm: an expired token",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.expired },
    expectedStatus: 400,
    expectedContent: ['"data":{', '"token":{"code":"validation_invalid_token"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: a token of another type",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.passwordReset },
    expectedStatus: 400,
    expectedContent: ['"data":{', '"token":{"code":"validation_invalid_token"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: a base collection",
    method: "POST",
    url: "/api/collections/demo1/confirm-verification?expand=rel,missing",
    body: { token: TOKENS.user },
    expectedStatus: 404,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: a token of another auth collection",
    method: "POST",
    url: "/api/collections/clients/confirm-verification?expand=rel,missing",
    body: { token: TOKENS.user },
    expectedStatus: 400,
    expectedContent: ['"data":{"token":{"code":"validation_token_collection_mismatch"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: verified, the OAuth2 links made before are dropped",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.user },
    before: unverifiedWithLinks,
    expectedStatus: 204,
    expectedEvents: VERIFIED_EVENTS,
    after: verifiedWithoutLinks,
  },
  {
    name: "confirm: with password auth off the old password is replaced too",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.user },
    before: async (s) => {
      await editCollection("users", (c) => {
        c.auth!.passwordAuth.enabled = false;
      })(s);
      assert.ok(await (await user(s)).validatePassword("1234567890"));
      await unverifiedWithLinks(s);
    },
    expectedStatus: 204,
    expectedEvents: VERIFIED_EVENTS,
    after: async (s) => {
      await verifiedWithoutLinks(s);
      assert.equal(await (await user(s)).validatePassword("1234567890"), false);
    },
  },
  {
    name: "confirm: an account already verified",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.verifiedUser },
    expectedStatus: 204,
    expectedEvents: { "*": 0, onRecordConfirmVerificationRequest: 1 },
  },
  {
    name: "confirm: a collection without any login method",
    method: "POST",
    url: "/api/collections/nologin/confirm-verification",
    body: { token: TOKENS.nologin },
    expectedStatus: 204,
    expectedEvents: events({ "*": 0, onRecordConfirmVerificationRequest: 1 }, UPDATE_EVENTS),
  },
  {
    name: "confirm: the hook fails after the default action ran in a transaction",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.user },
    before: failAfterTransaction("onRecordConfirmVerificationRequest"),
    expectedStatus: 400,
    expectedContent: ["TX_ERROR"],
    expectedEvents: { onRecordConfirmVerificationRequest: 1 },
    after: async (s) => assert.equal((await user(s)).verified, false),
  },
  {
    name: "confirm: rate limit nologin:confirmVerification",
    method: "POST",
    url: "/api/collections/nologin/confirm-verification",
    body: { token: TOKENS.nologin },
    before: rateLimitRules(["abc", 100], ["*:confirmVerification", 100], ["nologin:confirmVerification", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: rate limit *:confirmVerification",
    method: "POST",
    url: "/api/collections/nologin/confirm-verification",
    body: { token: TOKENS.nologin },
    before: rateLimitRules(["abc", 100], ["*:confirmVerification", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
];

test("PocketBase scenarios: request-verification", async (t) => {
  await runScenarios(t, requests, testdataServer);
});

test("PocketBase scenarios: confirm-verification", async (t) => {
  await runScenarios(t, confirms, testdataServer);
});
