/** PocketBase's request-email-change and confirm-email-change scenarios on its test data folder. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Scenario } from "./helpers/scenario.ts";
import { runScenarios } from "./helpers/scenario.ts";
import {
  DELETE_EVENTS,
  FIXED_TOKENS,
  UPDATE_EVENTS,
  events,
  failingHook,
  rateLimitRules,
  testdataServer,
  whenDone,
} from "./helpers/pb-auth-scenarios.ts";

const REQUEST_URL = "/api/collections/users/request-email-change";
const CONFIRM_URL = "/api/collections/users/confirm-email-change";

/** Email change tokens PocketBase's tests send (HS256, signed with the test data's keys). */
const TOKENS = {
  /** users/4q1xlclmfloku33: test@example.com → change@example.com, valid until 2050. */
  change:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImNvbGxlY3Rpb25JZCI6Il9wYl91c2Vyc19hdXRoXyIsInR5cGUiOiJlbWFpbENoYW5nZSIsImVtYWlsIjoidGVzdEBleGFtcGxlLmNvbSIsIm5ld0VtYWlsIjoiY2hhbmdlQGV4YW1wbGUuY29tIiwiZXhwIjoyNTI0NjA0NDYxfQ.Y7mVlaEPhJiNPoIvIqbIosZU4c4lEhwysOrRR8c95iU",
  /** The same change, expired in 2022. */
  expired:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImNvbGxlY3Rpb25JZCI6Il9wYl91c2Vyc19hdXRoXyIsInR5cGUiOiJlbWFpbENoYW5nZSIsImVtYWlsIjoidGVzdEBleGFtcGxlLmNvbSIsIm5ld0VtYWlsIjoiY2hhbmdlQGV4YW1wbGUuY29tIiwiZXhwIjoxNjQwOTkxNjYxfQ.dff842MO0mgRTHY8dktp0dqG9-7LGQOgRuiAbQpYBls",
} as const;

const USER = { token: FIXED_TOKENS.user };
const mailed = whenDone("onMailerRecordEmailChangeSend");

const requests: Scenario[] = [
  {
    name: "request: no token",
    method: "POST",
    url: REQUEST_URL,
    body: { newEmail: "change@example.com" },
    expectedStatus: 401,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: a base collection, no token",
    method: "POST",
    url: "/api/collections/demo1/request-email-change",
    body: { newEmail: "change@example.com" },
    expectedStatus: 401,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: a token of another auth collection",
    method: "POST",
    url: "/api/collections/clients/request-email-change",
    body: { newEmail: "change@example.com" },
    auth: USER,
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: a superuser token",
    method: "POST",
    url: REQUEST_URL,
    body: { newEmail: "change@example.com" },
    auth: { token: FIXED_TOKENS.superuser },
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: broken JSON",
    method: "POST",
    url: REQUEST_URL,
    body: '{"newEmail',
    headers: { "content-type": "application/json" },
    auth: USER,
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: no newEmail",
    method: "POST",
    url: REQUEST_URL,
    body: {},
    auth: USER,
    expectedStatus: 400,
    expectedContent: ['"data":', '"newEmail":{"code":"validation_required"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: an address another account uses",
    method: "POST",
    url: REQUEST_URL,
    body: { newEmail: "test2@example.com" },
    auth: USER,
    expectedStatus: 400,
    expectedContent: ['"data":', '"newEmail":{"code":"validation_invalid_new_email"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: a free address gets the confirmation mail",
    method: "POST",
    url: REQUEST_URL,
    body: { newEmail: "change@example.com" },
    auth: USER,
    before: mailed.before,
    settled: mailed.settled,
    expectedStatus: 204,
    expectedEvents: {
      "*": 0,
      onRecordRequestEmailChangeRequest: 1,
      onMailerSend: 1,
      onMailerRecordEmailChangeSend: 1,
    },
  },
  {
    name: "request: rate limit users:requestEmailChange",
    method: "POST",
    url: REQUEST_URL,
    body: { newEmail: "change@example.com" },
    auth: USER,
    before: rateLimitRules(["abc", 100], ["*:requestEmailChange", 100], ["users:requestEmailChange", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "request: rate limit *:requestEmailChange",
    method: "POST",
    url: REQUEST_URL,
    body: { newEmail: "change@example.com" },
    auth: USER,
    before: rateLimitRules(["abc", 100], ["*:requestEmailChange", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
];

const confirms: Scenario[] = [
  {
    name: "confirm: a base collection",
    method: "POST",
    url: "/api/collections/demo1/confirm-email-change",
    expectedStatus: 404,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: no body",
    method: "POST",
    url: CONFIRM_URL,
    body: "",
    expectedStatus: 400,
    expectedContent: [
      '"data":',
      '"token":{"code":"validation_required"',
      '"password":{"code":"validation_required"',
    ],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: broken JSON",
    method: "POST",
    url: CONFIRM_URL,
    body: '{"token',
    headers: { "content-type": "application/json" },
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: an expired token with the right password",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.expired, password: "1234567890" },
    expectedStatus: 400,
    expectedContent: ['"data":{', '"token":{', '"code":"validation_invalid_token"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: an auth token instead of an email change token",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: FIXED_TOKENS.user, password: "1234567890" },
    expectedStatus: 400,
    expectedContent: ['"data":{', '"token":{', '"code":"validation_invalid_token_payload"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: a wrong password",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.change, password: "1234567891" },
    expectedStatus: 400,
    expectedContent: ['"data":{', '"password":{', '"code":"validation_invalid_password"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: the email changes (and the new address counts as proven)",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.change, password: "1234567890" },
    expectedStatus: 204,
    // Becoming verified drops the account's two OAuth2 links (made before the address was proven).
    expectedEvents: events(
      { "*": 0, onRecordConfirmEmailChangeRequest: 1 },
      UPDATE_EVENTS,
      DELETE_EVENTS,
      DELETE_EVENTS,
    ),
    after: async (s) => {
      const u = await s.app.findAuthRecordByEmail("users", "change@example.com");
      assert.equal(u.verified, true);
    },
  },
  {
    name: "confirm: a token of another auth collection",
    method: "POST",
    url: "/api/collections/clients/confirm-email-change",
    body: { token: TOKENS.change, password: "1234567890" },
    expectedStatus: 400,
    expectedContent: ['"data":{', '"token":{"code":"validation_token_collection_mismatch"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: the request hook fails",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.change, password: "1234567890" },
    before: failingHook("onRecordConfirmEmailChangeRequest"),
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0, onRecordConfirmEmailChangeRequest: 1 },
  },
  {
    name: "confirm: rate limit users:confirmEmailChange",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.change, password: "1234567890" },
    before: rateLimitRules(["abc", 100], ["*:confirmEmailChange", 100], ["users:confirmEmailChange", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm: rate limit *:confirmEmailChange",
    method: "POST",
    url: CONFIRM_URL,
    body: { token: TOKENS.change, password: "1234567890" },
    before: rateLimitRules(["abc", 100], ["*:confirmEmailChange", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
];

test("PocketBase scenarios: request-email-change", async (t) => {
  await runScenarios(t, requests, testdataServer);
});

test("PocketBase scenarios: confirm-email-change", async (t) => {
  await runScenarios(t, confirms, testdataServer);
});
