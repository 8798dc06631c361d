/**
 * PocketBase's auth-with-password scenarios replayed against its own test data folder:
 * statuses, body fragments and the hooks each request fires.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { findSingleColumnUniqueIndex } from "../src/core/records/record-auth-identity.ts";
import { findSystemRecordsOf, MFAS } from "../src/core/records/record-auth-system.ts";
import type { Scenario } from "./helpers/scenario.ts";
import { runScenarios } from "./helpers/scenario.ts";
import {
  CREATE_EVENTS,
  DELETE_EVENTS,
  editCollection,
  events,
  failingHook,
  insertSystemRow,
  rateLimitRules,
  testdataServer,
} from "./helpers/pb-auth-scenarios.ts";
import type { TestServer } from "./helpers/server.ts";
import { PB_TOKENS } from "./helpers/testdata.ts";

const URL_CLIENTS = "/api/collections/clients/auth-with-password";
const URL_USERS = "/api/collections/users/auth-with-password";
const GOOD = { identity: "test@example.com", password: "1234567890" };
const HIDDEN = ['"tokenKey"', '"password"'];

/** A successful login on `clients`: origin row created, new-location alert mailed. */
const LOGIN_EVENTS = events(
  { "*": 0, onRecordAuthWithPasswordRequest: 1, onRecordAuthRequest: 1, onRecordEnrich: 1 },
  CREATE_EVENTS,
  { onMailerSend: 1, onMailerRecordAuthAlertSend: 1 },
);
/** The same on `users`, whose auth alerts are off. */
const USERS_LOGIN_EVENTS = events(
  { "*": 0, onRecordAuthWithPasswordRequest: 1, onRecordAuthRequest: 1, onRecordEnrich: 1 },
  CREATE_EVENTS,
);

/** Rewrites the unique index of a `clients` column with another collation ("" or "nocase"). */
function identityCollation(column: string, collate: string) {
  return editCollection("clients", (c) => {
    const at = c.indexes.findIndex((sql) => findSingleColumnUniqueIndex([sql], column));
    assert.ok(at >= 0, `no unique index on ${column}`);
    const name = /index\s+(?:if\s+not\s+exists\s+)?[`"]?(\w+)/i.exec(c.indexes[at]!)![1]!;
    c.indexes.splice(at, 1);
    c.indexes.push(
      `CREATE UNIQUE INDEX \`${name}\` ON \`clients\` (\`${column}\`${collate ? ` COLLATE ${collate}` : ""})`,
    );
  });
}

async function mfaCount(s: TestServer): Promise<number> {
  const user = await s.app.findAuthRecordByEmail("users", "test@example.com");
  return (await findSystemRecordsOf(s.app, MFAS, user)).length;
}

const rows: Scenario[] = [
  {
    name: "password auth off on the collection",
    method: "POST",
    url: "/api/collections/nologin/auth-with-password",
    body: GOOD,
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "a base collection has no auth routes",
    method: "POST",
    url: "/api/collections/demo1/auth-with-password",
    body: GOOD,
    expectedStatus: 404,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "broken JSON body",
    method: "POST",
    url: URL_CLIENTS,
    body: '{"identity',
    headers: { "content-type": "application/json" },
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "blank identity and password",
    method: "POST",
    url: URL_CLIENTS,
    body: { identity: "", password: "" },
    expectedStatus: 400,
    expectedContent: ['"data":{', '"identity":{', '"password":{'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "the request hook fails",
    method: "POST",
    url: URL_CLIENTS,
    body: GOOD,
    before: failingHook("onRecordAuthWithPasswordRequest"),
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0, onRecordAuthWithPasswordRequest: 1 },
  },
  {
    name: "right identity, wrong password",
    method: "POST",
    url: URL_CLIENTS,
    body: { identity: "test@example.com", password: "invalid" },
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0, onRecordAuthWithPasswordRequest: 1 },
  },
  {
    name: "email identity and right password",
    method: "POST",
    url: URL_CLIENTS,
    body: GOOD,
    before: (s) => {
      s.app.hooks.onRecordAuthRequest.bindFunc((e) => {
        assert.equal(e.requestInfo().context, "password");
        return e.next();
      });
    },
    expectedStatus: 200,
    expectedContent: ['"email":"test@example.com"', '"token":'],
    notExpectedContent: HIDDEN,
    expectedEvents: LOGIN_EVENTS,
  },
  {
    name: "username identity and right password",
    method: "POST",
    url: URL_CLIENTS,
    body: { identity: "clients57772", password: "1234567890" },
    expectedStatus: 200,
    expectedContent: ['"email":"test@example.com"', '"username":"clients57772"', '"token":'],
    notExpectedContent: HIDDEN,
    expectedEvents: LOGIN_EVENTS,
  },
  {
    name: "identityField not among the collection's identity fields",
    method: "POST",
    url: URL_CLIENTS,
    body: { identityField: "created", ...GOOD },
    expectedStatus: 400,
    expectedContent: ['"data":{', '"identityField":{"code":"validation_in_invalid"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "identityField username with an email identity",
    method: "POST",
    url: URL_CLIENTS,
    body: { identityField: "username", ...GOOD },
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0, onRecordAuthWithPasswordRequest: 1 },
  },
  {
    name: "identityField username with a username identity",
    method: "POST",
    url: URL_CLIENTS,
    body: { identityField: "username", identity: "clients57772", password: "1234567890" },
    expectedStatus: 200,
    expectedContent: ['"email":"test@example.com"', '"username":"clients57772"', '"token":'],
    notExpectedContent: HIDDEN,
    expectedEvents: LOGIN_EVENTS,
  },
  {
    name: "an unverified account of an onlyVerified collection",
    method: "POST",
    url: URL_CLIENTS,
    body: { identity: "test2@example.com", password: "1234567890" },
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0, onRecordAuthWithPasswordRequest: 1 },
  },
  {
    name: "a request already carrying another collection's token",
    method: "POST",
    url: URL_CLIENTS,
    body: GOOD,
    auth: { token: PB_TOKENS.user },
    expectedStatus: 200,
    expectedContent: ['"id":"gk390qegs4y47wn"', '"email":"test@example.com"', '"token":'],
    notExpectedContent: HIDDEN,
    expectedEvents: LOGIN_EVENTS,
  },
  {
    name: "MFA on: the first method answers 401 with an mfaId",
    method: "POST",
    url: URL_USERS,
    body: GOOD,
    expectedStatus: 401,
    expectedContent: ['"mfaId":"'],
    expectedEvents: events(
      { "*": 0, onRecordAuthWithPasswordRequest: 1, onRecordAuthRequest: 1 },
      CREATE_EVENTS,
    ),
    after: async (s) => assert.equal(await mfaCount(s), 1),
  },
  {
    name: "MFA on: the password completes a session another method started",
    method: "POST",
    url: URL_USERS,
    body: { mfaId: "a".repeat(15), ...GOOD },
    before: async (s) => {
      const user = await s.app.findAuthRecordByEmail("users", "test@example.com");
      await insertSystemRow(s.app, "_mfas", {
        id: "a".repeat(15),
        collectionRef: user.collection.id,
        recordRef: user.id,
        method: "test",
      });
    },
    expectedStatus: 200,
    expectedContent: ['"email":"test@example.com"', '"token":'],
    notExpectedContent: HIDDEN,
    expectedEvents: events(USERS_LOGIN_EVENTS, DELETE_EVENTS, {
      onMailerSend: 0,
      onMailerRecordAuthAlertSend: 0,
    }),
  },
  {
    name: "MFA on but its rule does not match: no second factor asked",
    method: "POST",
    url: URL_USERS,
    body: GOOD,
    before: editCollection("users", (c) => {
      c.auth!.mfa.enabled = true;
      c.auth!.mfa.rule = "1=2";
    }),
    expectedStatus: 200,
    expectedContent: ['"email":"test@example.com"', '"token":'],
    notExpectedContent: HIDDEN,
    expectedEvents: events(USERS_LOGIN_EVENTS, { onMailerSend: 0, onMailerRecordAuthAlertSend: 0 }),
    after: async (s) => assert.equal(await mfaCount(s), 0),
  },
  {
    name: "case-sensitive username index: another case does not match",
    method: "POST",
    url: URL_CLIENTS,
    body: { identityField: "username", identity: "Clients57772", password: "1234567890" },
    before: identityCollation("username", ""),
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0, onRecordAuthWithPasswordRequest: 1 },
  },
  {
    name: "NOCASE username index, explicit identityField: another case matches",
    method: "POST",
    url: URL_CLIENTS,
    body: { identityField: "username", identity: "Clients57772", password: "1234567890" },
    before: identityCollation("username", "nocase"),
    expectedStatus: 200,
    expectedContent: ['"email":"test@example.com"', '"username":"clients57772"', '"token":'],
    notExpectedContent: HIDDEN,
    expectedEvents: LOGIN_EVENTS,
  },
  {
    name: "NOCASE username index, no identityField: another case matches",
    method: "POST",
    url: URL_CLIENTS,
    body: { identity: "Clients57772", password: "1234567890" },
    before: identityCollation("username", "nocase"),
    expectedStatus: 200,
    expectedContent: ['"email":"test@example.com"', '"username":"clients57772"', '"token":'],
    notExpectedContent: HIDDEN,
    expectedEvents: LOGIN_EVENTS,
  },
  {
    name: "NOCASE email index, no identityField: another case matches",
    method: "POST",
    url: URL_CLIENTS,
    body: { identity: "tESt@example.com", password: "1234567890" },
    before: identityCollation("email", "nocase"),
    expectedStatus: 200,
    expectedContent: ['"email":"test@example.com"', '"username":"clients57772"', '"token":'],
    notExpectedContent: HIDDEN,
    expectedEvents: LOGIN_EVENTS,
  },
  {
    name: "rate limit: users:authWithPassword",
    method: "POST",
    url: URL_USERS,
    before: rateLimitRules(
      ["abc", 100],
      ["*:authWithPassword", 100],
      ["users:auth", 100],
      ["users:authWithPassword", 0],
    ),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "rate limit: *:authWithPassword",
    method: "POST",
    url: URL_USERS,
    before: rateLimitRules(["abc", 100], ["*:auth", 100], ["*:authWithPassword", 0]),
    expectedStatus: 429,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "rate limit: users:auth",
    method: "POST",
    url: URL_USERS,
    before: rateLimitRules(["abc", 100], ["*:authWithPassword", 100], ["users:auth", 0]),
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

test("PocketBase scenarios: auth-with-password", async (t) => {
  await runScenarios(t, rows, testdataServer);
});
