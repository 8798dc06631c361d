/** PocketBase's auth-refresh scenarios replayed against its own test data folder. */
import { test } from "node:test";
import type { Scenario } from "./helpers/scenario.ts";
import { runScenarios } from "./helpers/scenario.ts";
import {
  FIXED_TOKENS,
  failAfterTransaction,
  rateLimitRules,
  testdataServer,
} from "./helpers/pb-auth-scenarios.ts";

const URL_USERS = "/api/collections/users/auth-refresh";
const REFRESHED = { "*": 0, onRecordAuthRefreshRequest: 1, onRecordAuthRequest: 1, onRecordEnrich: 1 };

const rows: Scenario[] = [
  {
    name: "no token",
    method: "POST",
    url: URL_USERS,
    expectedStatus: 401,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "a superuser token on users",
    method: "POST",
    url: URL_USERS,
    auth: { token: FIXED_TOKENS.superuser },
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "a users token on a base collection",
    method: "POST",
    url: "/api/collections/demo1/auth-refresh",
    auth: { token: FIXED_TOKENS.user },
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "a users token on clients",
    method: "POST",
    url: "/api/collections/clients/auth-refresh?expand=rel,missing",
    auth: { token: FIXED_TOKENS.user },
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "a users token on users: a new token, the record expanded",
    method: "POST",
    url: `${URL_USERS}?expand=rel,missing`,
    auth: { token: FIXED_TOKENS.user },
    expectedStatus: 200,
    expectedContent: [
      '"token":',
      '"record":',
      '"id":"4q1xlclmfloku33"',
      '"emailVisibility":false',
      '"email":"test@example.com"',
      '"expand":',
      '"rel":',
      '"id":"llvuca81nly1qls"',
    ],
    notExpectedContent: ['"missing":', FIXED_TOKENS.user],
    expectedEvents: { ...REFRESHED, onRecordEnrich: 2 },
  },
  {
    name: "a static token comes back unchanged",
    method: "POST",
    url: URL_USERS,
    auth: { token: FIXED_TOKENS.userStatic },
    expectedStatus: 200,
    expectedContent: [
      `"token":"${FIXED_TOKENS.userStatic}"`,
      '"record":',
      '"id":"4q1xlclmfloku33"',
      '"emailVisibility":false',
      '"email":"test@example.com"',
    ],
    expectedEvents: REFRESHED,
  },
  {
    name: "an unverified account of an onlyVerified collection",
    method: "POST",
    url: "/api/collections/clients/auth-refresh",
    auth: { token: FIXED_TOKENS.clientUnverified },
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0, onRecordAuthRefreshRequest: 1 },
  },
  {
    name: "a verified account of an onlyVerified collection",
    method: "POST",
    url: "/api/collections/clients/auth-refresh",
    auth: { token: FIXED_TOKENS.clientVerified },
    expectedStatus: 200,
    expectedContent: [
      '"token":',
      '"record":',
      '"id":"gk390qegs4y47wn"',
      '"verified":true',
      '"email":"test@example.com"',
    ],
    expectedEvents: REFRESHED,
  },
  {
    name: "the hook fails after the default action ran in a transaction",
    method: "POST",
    url: URL_USERS,
    auth: { token: FIXED_TOKENS.user },
    before: failAfterTransaction("onRecordAuthRefreshRequest"),
    expectedStatus: 400,
    expectedContent: ["TX_ERROR"],
    expectedEvents: { onRecordAuthRefreshRequest: 1 },
  },
  {
    name: "rate limit: users:authRefresh",
    method: "POST",
    url: URL_USERS,
    auth: { token: FIXED_TOKENS.user },
    before: rateLimitRules(["abc", 100], ["*:authRefresh", 100], ["users:authRefresh", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "rate limit: *:authRefresh",
    method: "POST",
    url: URL_USERS,
    auth: { token: FIXED_TOKENS.user },
    before: rateLimitRules(["abc", 100], ["*:authRefresh", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
];

test("PocketBase scenarios: auth-refresh", async (t) => {
  await runScenarios(t, rows, testdataServer);
});
