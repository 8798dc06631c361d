/** PocketBase's auth-methods scenarios replayed against its own test data folder. */
import { test } from "node:test";
import type { Scenario } from "./helpers/scenario.ts";
import { runScenarios } from "./helpers/scenario.ts";
import { rateLimitRules, testdataServer } from "./helpers/pb-auth-scenarios.ts";

const rows: Scenario[] = [
  {
    name: "unknown collection",
    method: "GET",
    url: "/api/collections/missing/auth-methods",
    expectedStatus: 404,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "a base collection",
    method: "GET",
    url: "/api/collections/demo1/auth-methods",
    expectedStatus: 404,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "an auth collection with every method off",
    method: "GET",
    url: "/api/collections/nologin/auth-methods",
    expectedStatus: 200,
    expectedContent: [
      '"password":{"identityFields":[],"enabled":false}',
      '"oauth2":{"providers":[],"enabled":false}',
      '"mfa":{"enabled":false,"duration":0}',
      '"otp":{"enabled":false,"duration":0}',
    ],
    expectedEvents: { "*": 0 },
  },
  {
    name: "an auth collection with every method on",
    method: "GET",
    url: "/api/collections/users/auth-methods",
    expectedStatus: 200,
    expectedContent: [
      '"password":{"identityFields":["email","username"],"enabled":true}',
      '"mfa":{"enabled":true,"duration":1800}',
      '"otp":{"enabled":true,"duration":300}',
      '"oauth2":{',
      '"providers":[{',
      '"name":"google"',
      '"name":"gitlab"',
      '"logo":"\\u003csvg',
      '"logo":""',
      '"state":',
      '"displayName":',
      '"codeVerifier":',
      '"codeChallenge":',
      '"codeChallengeMethod":',
      '"authURL":',
      'redirect_uri="',
    ],
    expectedEvents: { "*": 0 },
  },
  {
    name: "rate limit: nologin:listAuthMethods",
    method: "GET",
    url: "/api/collections/nologin/auth-methods",
    before: rateLimitRules(["abc", 100], ["*:listAuthMethods", 100], ["nologin:listAuthMethods", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "rate limit: *:listAuthMethods",
    method: "GET",
    url: "/api/collections/nologin/auth-methods",
    before: rateLimitRules(["abc", 100], ["*:listAuthMethods", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
];

test("PocketBase scenarios: auth-methods", async (t) => {
  await runScenarios(t, rows, testdataServer);
});
