/** PocketBase's impersonate scenarios replayed against its own test data folder. */
import { test } from "node:test";
import type { Scenario } from "./helpers/scenario.ts";
import { runScenarios } from "./helpers/scenario.ts";
import { FIXED_TOKENS, testdataServer } from "./helpers/pb-auth-scenarios.ts";

const URL = "/api/collections/users/impersonate/4q1xlclmfloku33";
/** users/oap640cot4yru2s (test2@example.com). */
const OTHER_USER_TOKEN =
  "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6Im9hcDY0MGNvdDR5cnUycyIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoiX3BiX3VzZXJzX2F1dGhfIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0.GfJo6EHIobgas_AXt-M-tj5IoQendPnrkMSe9ExuSEY";
const SUPERUSER = { token: FIXED_TOKENS.superuser };
const ANSWERED = { "*": 0, onRecordAuthRequest: 1, onRecordEnrich: 1 };

const rows: Scenario[] = [
  {
    name: "no token",
    method: "POST",
    url: URL,
    expectedStatus: 401,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "another user's token",
    method: "POST",
    url: URL,
    auth: { token: OTHER_USER_TOKEN },
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "the user's own token",
    method: "POST",
    url: URL,
    auth: { token: FIXED_TOKENS.user },
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "a superuser: a token for the user, hidden fields stay hidden",
    method: "POST",
    url: URL,
    auth: SUPERUSER,
    expectedStatus: 200,
    expectedContent: ['"token":"', '"id":"4q1xlclmfloku33"', '"record":{'],
    notExpectedContent: ['"tokenKey"', '"password"'],
    expectedEvents: ANSWERED,
  },
  {
    name: "a superuser with a negative duration",
    method: "POST",
    url: URL,
    auth: SUPERUSER,
    body: { duration: -1 },
    expectedStatus: 400,
    expectedContent: ['"data":{', '"duration":{'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "a superuser with a custom duration",
    method: "POST",
    url: URL,
    auth: SUPERUSER,
    body: { duration: 100 },
    expectedStatus: 200,
    expectedContent: ['"token":"', '"id":"4q1xlclmfloku33"', '"record":{'],
    expectedEvents: ANSWERED,
  },
];

test("PocketBase scenarios: impersonate", async (t) => {
  await runScenarios(t, rows, testdataServer);
});
