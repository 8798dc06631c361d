/**
 * The settings API on a copy of PocketBase's test data folder, scenario by scenario (the
 * requests of PocketBase's apis/settings_test.go): list, update, the S3 and email tests and the
 * Apple client secret generator. Test emails go to a real SMTP sink on loopback.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { startSmtpSink, type SmtpSink } from "./helpers/smtp.ts";
import { as, runTestdataScenarios, type RecordScenario } from "./helpers/records-testdata.ts";
import type { TestServer } from "./helpers/server.ts";

const NONE = { "*": 0 };
const DATA_EMPTY = [`"data":{}`];
const JSON_BODY = { "content-type": "application/json" };
const SECTIONS = [`"meta":{`, `"logs":{`, `"smtp":{`, `"s3":{`, `"backups":{`, `"batch":{`];

const UPDATED = {
  "*": 0,
  onSettingsUpdateRequest: 1,
  onModelUpdate: 1,
  onModelUpdateExecute: 1,
  onModelAfterUpdateSuccess: 1,
  onModelValidate: 1,
  onSettingsReload: 1,
};

const validUpdate = {
  meta: { appName: "update_test" },
  s3: { secret: "s3_secret" },
  backups: { s3: { secret: "backups_s3_secret" } },
};

const settings: RecordScenario[] = [
  {
    name: "list: guest",
    method: "GET",
    url: "/api/settings",
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "list: regular user",
    method: "GET",
    url: "/api/settings",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "list: superuser",
    method: "GET",
    url: "/api/settings",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: SECTIONS,
    expectedEvents: { "*": 0, onSettingsListRequest: 1 },
  },
  {
    name: "update: guest",
    method: "PATCH",
    url: "/api/settings",
    body: validUpdate,
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: regular user",
    method: "PATCH",
    url: "/api/settings",
    auth: as("user"),
    body: validUpdate,
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: an empty body saves as is",
    method: "PATCH",
    url: "/api/settings",
    auth: as("superuser"),
    body: "",
    headers: JSON_BODY,
    expectedStatus: 200,
    expectedContent: SECTIONS,
    expectedEvents: UPDATED,
  },
  {
    name: "update: an empty app name",
    method: "PATCH",
    url: "/api/settings",
    auth: as("superuser"),
    body: { meta: { appName: "" } },
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"meta":{"appName":{"code":"validation_required"`],
    expectedEvents: {
      "*": 0,
      onModelUpdate: 1,
      onModelAfterUpdateError: 1,
      onModelValidate: 1,
      onSettingsUpdateRequest: 1,
    },
  },
  {
    name: "update: valid data, secrets never echoed",
    method: "PATCH",
    url: "/api/settings",
    auth: as("superuser"),
    body: validUpdate,
    expectedStatus: 200,
    expectedContent: [...SECTIONS, `"appName":"update_test"`],
    notExpectedContent: ["secret", "password"],
    expectedEvents: UPDATED,
  },
];

const testS3: RecordScenario[] = [
  {
    name: "s3: guest",
    method: "POST",
    url: "/api/settings/test/s3",
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "s3: regular user",
    method: "POST",
    url: "/api/settings/test/s3",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "s3: no body",
    method: "POST",
    url: "/api/settings/test/s3",
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"filesystem":{`],
    expectedEvents: NONE,
  },
  {
    name: "s3: unknown filesystem",
    method: "POST",
    url: "/api/settings/test/s3",
    auth: as("superuser"),
    body: { filesystem: "invalid" },
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"filesystem":{`],
    expectedEvents: NONE,
  },
  {
    name: "s3: storage without S3 configured",
    method: "POST",
    url: "/api/settings/test/s3",
    auth: as("superuser"),
    body: { filesystem: "storage" },
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
];

let sink: SmtpSink | undefined;

/** A test email of `template` reaches the sink with `marker` in its HTML. */
function testEmail(template: string, hook: string, marker: string): RecordScenario {
  return {
    name: `email: ${template} template`,
    method: "POST",
    url: "/api/settings/test/email",
    auth: as("superuser"),
    body: { template, email: "test@example.com" },
    before: async (s: TestServer) => {
      await sink!.configure(s.app);
    },
    expectedStatus: 204,
    expectedEvents: { "*": 0, onMailerSend: 1, [hook]: 1 },
    after: async () => {
      const mail = await sink!.waitFor((m) => m.to.includes("test@example.com") && m.html.includes(marker));
      assert.deepEqual(mail.to, ["test@example.com"]);
    },
  };
}

const emailBody = { template: "verification", email: "test@example.com" };

const testEmails: RecordScenario[] = [
  {
    name: "email: guest",
    method: "POST",
    url: "/api/settings/test/email",
    body: emailBody,
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "email: regular user",
    method: "POST",
    url: "/api/settings/test/email",
    auth: as("user"),
    body: emailBody,
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "email: broken JSON",
    method: "POST",
    url: "/api/settings/test/email",
    auth: as("superuser"),
    body: "{",
    headers: JSON_BODY,
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "email: empty object",
    method: "POST",
    url: "/api/settings/test/email",
    auth: as("superuser"),
    body: {},
    expectedStatus: 400,
    expectedContent: [`"email":{"code":"validation_required"`, `"template":{"code":"validation_required"`],
    expectedEvents: NONE,
  },
  testEmail("verification", "onMailerRecordVerificationSend", "Verify"),
  testEmail("password-reset", "onMailerRecordPasswordResetSend", "Reset password"),
  testEmail("email-change", "onMailerRecordEmailChangeSend", "Confirm new email"),
  testEmail("otp", "onMailerRecordOTPSend", "one-time password"),
];

const privateKeyPem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({
  type: "pkcs8",
  format: "pem",
});

const APPLE = "/api/settings/apple/generate-client-secret";

const appleSecret: RecordScenario[] = [
  {
    name: "apple: guest",
    method: "POST",
    url: APPLE,
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "apple: regular user",
    method: "POST",
    url: APPLE,
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "apple: broken JSON",
    method: "POST",
    url: APPLE,
    auth: as("superuser"),
    body: "{",
    headers: JSON_BODY,
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "apple: empty object",
    method: "POST",
    url: APPLE,
    auth: as("superuser"),
    body: {},
    expectedStatus: 400,
    expectedContent: ["clientId", "teamId", "keyId", "privateKey", "duration"].map(
      (k) => `"${k}":{"code":"validation_required"`,
    ),
    expectedEvents: NONE,
  },
  {
    name: "apple: invalid values",
    method: "POST",
    url: APPLE,
    auth: as("superuser"),
    body: { clientId: "", teamId: "123456789", keyId: "123456789", privateKey: "invalid", duration: -1 },
    expectedStatus: 400,
    expectedContent: [
      `"clientId":{"code":"validation_required"`,
      `"teamId":{"code":"validation_length_invalid"`,
      `"keyId":{"code":"validation_length_invalid"`,
      `"privateKey":{"code":"validation_match_invalid"`,
      `"duration":{"code":"validation_min_greater_equal_than_required"`,
    ],
    expectedEvents: NONE,
  },
  {
    name: "apple: a valid P-256 key signs a secret",
    method: "POST",
    url: APPLE,
    auth: as("superuser"),
    body: {
      clientId: "123",
      teamId: "1234567890",
      keyId: "1234567891",
      privateKey: privateKeyPem,
      duration: 1,
    },
    expectedStatus: 200,
    expectedContent: [`"secret":"`],
    expectedEvents: NONE,
  },
];

test("settings list and update (PocketBase scenarios)", (t) => runTestdataScenarios(t, settings));
test("settings S3 test (PocketBase scenarios)", (t) => runTestdataScenarios(t, testS3));
test("settings test email (PocketBase scenarios)", async (t) => {
  sink = await startSmtpSink(t);
  await runTestdataScenarios(t, testEmails);
});
test("settings Apple client secret (PocketBase scenarios)", (t) => runTestdataScenarios(t, appleSecret));
