import { test, type TestContext } from "node:test";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { startTestServer } from "./helpers/server.ts";
import { PB_TOKENS, copyTestdata } from "./helpers/testdata.ts";

async function setup(t: TestContext) {
  const dir = copyTestdata(t);
  if (!dir) return null;
  return startTestServer(t, { dataDir: dir, superuser: false });
}

const settle = (ms: number) => () => new Promise<void>((r) => setTimeout(r, ms));

const ORIGIN_CREATE = {
  onModelCreate: 1,
  onModelCreateExecute: 1,
  onModelAfterCreateSuccess: 1,
  onModelValidate: 1,
  onRecordCreate: 1,
  onRecordCreateExecute: 1,
  onRecordAfterCreateSuccess: 1,
  onRecordValidate: 1,
};

const rows: Scenario[] = [
  {
    name: "password auth on a collection without it is a 403",
    method: "POST",
    url: "/api/collections/nologin/auth-with-password",
    body: { identity: "test@example.com", password: "1234567890" },
    expectedStatus: 403,
    expectedEvents: { "*": 0 },
  },
  {
    name: "email + password on clients: origin tracked, new-location alert mailed",
    method: "POST",
    url: "/api/collections/clients/auth-with-password",
    body: { identity: "test@example.com", password: "1234567890" },
    expectedStatus: 200,
    expectedContent: ['"email":"test@example.com"', '"token":'],
    notExpectedContent: ['"tokenKey"', '"password"'],
    expectedEvents: {
      "*": 0,
      onRecordAuthWithPasswordRequest: 1,
      onRecordAuthRequest: 1,
      onRecordEnrich: 1,
      ...ORIGIN_CREATE,
      onMailerSend: 1,
      onMailerRecordAuthAlertSend: 1,
    },
  },
  {
    name: "username identity on clients",
    method: "POST",
    url: "/api/collections/clients/auth-with-password",
    body: { identity: "clients57772", password: "1234567890" },
    expectedStatus: 200,
    expectedContent: ['"username":"clients57772"'],
  },
  {
    name: "an identityField outside identityFields is a validation error",
    method: "POST",
    url: "/api/collections/clients/auth-with-password",
    body: { identityField: "created", identity: "test@example.com", password: "1234567890" },
    expectedStatus: 400,
    expectedContent: ['"identityField":{"code":"validation_in_invalid"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "an unverified record of an onlyVerified collection can't authenticate",
    method: "POST",
    url: "/api/collections/clients/auth-with-password",
    body: { identity: "test2@example.com", password: "1234567890" },
    expectedStatus: 403,
    expectedEvents: { "*": 0, onRecordAuthWithPasswordRequest: 1 },
  },
  {
    name: "users has MFA on: the password answers 401 with an mfaId",
    method: "POST",
    url: "/api/collections/users/auth-with-password",
    body: { identity: "test@example.com", password: "1234567890" },
    expectedStatus: 401,
    expectedContent: ['"mfaId":"'],
    expectedEvents: { "*": 0, onRecordAuthWithPasswordRequest: 1, onRecordAuthRequest: 1, ...ORIGIN_CREATE },
  },
  {
    name: "refresh with a static token returns it unchanged",
    method: "POST",
    url: "/api/collections/users/auth-refresh",
    headers: {
      authorization:
        "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoiX3BiX3VzZXJzX2F1dGhfIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6ZmFsc2V9.4IsO6YMsR19crhwl_YWzvRH8pfq2Ri4Gv2dzGyneLak",
    },
    expectedStatus: 200,
    expectedContent: [
      '"token":"eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoiX3BiX3VzZXJzX2F1dGhfIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6ZmFsc2V9.4IsO6YMsR19crhwl_YWzvRH8pfq2Ri4Gv2dzGyneLak"',
      '"email":"test@example.com"',
    ],
    expectedEvents: { "*": 0, onRecordAuthRefreshRequest: 1, onRecordAuthRequest: 1, onRecordEnrich: 1 },
  },
  {
    name: "refresh expands relations and enriches each record",
    method: "POST",
    url: "/api/collections/users/auth-refresh?expand=rel,missing",
    auth: { token: PB_TOKENS.user },
    expectedStatus: 200,
    expectedContent: ['"expand":', '"rel":', '"id":"llvuca81nly1qls"'],
    notExpectedContent: ['"missing":', PB_TOKENS.user],
    expectedEvents: { "*": 0, onRecordAuthRefreshRequest: 1, onRecordAuthRequest: 1, onRecordEnrich: 2 },
  },
  {
    name: "a superuser token can't refresh on users",
    method: "POST",
    url: "/api/collections/users/auth-refresh",
    auth: { token: PB_TOKENS.superuser },
    expectedStatus: 403,
    expectedEvents: { "*": 0 },
  },
  {
    name: "request-otp for a missing account: a fake id, the hook, no mail",
    method: "POST",
    url: "/api/collections/users/request-otp",
    body: { email: "missing@example.com" },
    expectedStatus: 200,
    expectedContent: ['"otpId":"'],
    expectedEvents: { "*": 0, onRecordRequestOTPRequest: 1 },
    after: settle(100),
  },
  {
    name: "request-otp for an account: OTP stored, mailed, sentTo updated",
    method: "POST",
    url: "/api/collections/users/request-otp",
    body: { email: "test@example.com" },
    before: (s) => {
      s.app.hooks.onRecordRequestOTPRequest.bindFunc(async (e) => {
        await e.next();
        await new Promise((r) => setTimeout(r, 150));
      });
    },
    expectedStatus: 200,
    expectedEvents: {
      "*": 0,
      onRecordRequestOTPRequest: 1,
      onMailerSend: 1,
      onMailerRecordOTPSend: 1,
      ...ORIGIN_CREATE,
      onModelValidate: 2,
      onRecordValidate: 2,
      onModelUpdate: 1,
      onModelUpdateExecute: 1,
      onModelAfterUpdateSuccess: 1,
      onRecordUpdate: 1,
      onRecordUpdateExecute: 1,
      onRecordAfterUpdateSuccess: 1,
    },
  },
  {
    name: "request-password-reset for a missing account: 204 and nothing fires",
    method: "POST",
    url: "/api/collections/users/request-password-reset",
    body: { email: "missing@example.com" },
    expectedStatus: 204,
    expectedEvents: { "*": 0 },
  },
  {
    name: "request-password-reset with password auth off is a 400",
    method: "POST",
    url: "/api/collections/nologin/request-password-reset",
    body: { email: "test@example.com" },
    expectedStatus: 400,
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm-password-reset with a token of another collection",
    method: "POST",
    url: "/api/collections/clients/confirm-password-reset",
    body: {
      token:
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6InBhc3N3b3JkUmVzZXQiLCJjb2xsZWN0aW9uSWQiOiJfcGJfdXNlcnNfYXV0aF8iLCJlbWFpbCI6InRlc3RAZXhhbXBsZS5jb20ifQ.xR-xq1oHDy0D8Q4NDOAEyYKGHWd_swzoiSoL8FLFBHY",
      password: "1234567!",
      passwordConfirm: "1234567!",
    },
    expectedStatus: 400,
    expectedContent: ['"data":{"token":{"code":"validation_token_collection_mismatch"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "confirm-password-reset with a valid PocketBase token",
    method: "POST",
    url: "/api/collections/users/confirm-password-reset",
    body: {
      token:
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsImV4cCI6MjUyNDYwNDQ2MSwidHlwZSI6InBhc3N3b3JkUmVzZXQiLCJjb2xsZWN0aW9uSWQiOiJfcGJfdXNlcnNfYXV0aF8iLCJlbWFpbCI6InRlc3RAZXhhbXBsZS5jb20ifQ.xR-xq1oHDy0D8Q4NDOAEyYKGHWd_swzoiSoL8FLFBHY",
      password: "1234567!",
      passwordConfirm: "1234567!",
    },
    expectedStatus: 204,
    expectedEvents: {
      onRecordConfirmPasswordResetRequest: 1,
      onModelUpdate: 1,
      onModelUpdateExecute: 1,
      onModelAfterUpdateSuccess: 1,
      onModelValidate: 1,
      onRecordUpdate: 1,
      onRecordUpdateExecute: 1,
      onRecordAfterUpdateSuccess: 1,
      onRecordValidate: 1,
    },
  },
];

test("PocketBase's auth scenarios against its own test data", async (t) => {
  await runScenarios(t, rows, setup);
});
