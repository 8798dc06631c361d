import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";
import {
  SettingsDecodeError,
  cloneSettings,
  defaultSettings,
  mergeSettings,
  normalizeSettings,
  redactSettings,
  renameRateLimitCollection,
  settingsToStoredJson,
} from "./settings-model.ts";
import type { Settings } from "./settings-model.ts";
import { encodeJson } from "../../tools/json.ts";

const S3_STORED = `{"enabled":false,"bucket":"","region":"","endpoint":"","accessKey":"","forcePathStyle":false}`;
const RULES =
  `[{"label":"*:auth","audience":"","duration":3,"maxRequests":2},` +
  `{"label":"*:create","audience":"","duration":5,"maxRequests":20},` +
  `{"label":"/api/batch","audience":"","duration":1,"maxRequests":3},` +
  `{"label":"/api/","audience":"","duration":10,"maxRequests":300}]`;

const DEFAULT_STORED_JSON =
  `{"superuserIPs":[],` +
  `"smtp":{"enabled":false,"port":587,"host":"smtp.example.com","username":"","password":"","authMethod":"","tls":false,"localName":""},` +
  `"backups":{"cron":"","cronMaxKeep":3,"s3":${S3_STORED}},` +
  `"s3":${S3_STORED},` +
  `"meta":{"accentColor":"#1055c9","appName":"Acme","appURL":"http://localhost:8090","senderName":"Support","senderAddress":"support@example.com","hideControls":false},` +
  `"rateLimits":{"rules":${RULES},"excludedIPs":[],"enabled":false},` +
  `"trustedProxy":{"headers":[],"useLeftmostIP":false},` +
  `"batch":{"enabled":false,"maxRequests":50,"timeout":3,"maxBodySize":0},` +
  `"logs":{"maxDays":5,"minLevel":0,"logIP":true,"logAuthId":false}}`;

const DEFAULT_API_JSON = DEFAULT_STORED_JSON.replace(`"username":"","password":"",`, `"username":"",`);

const TESTDATA_DB = new URL("../../../../shared/pocketbase-testdata/data.db", import.meta.url);

function keyPaths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => keyPaths(item, `${prefix}${i}.`));
  if (typeof value !== "object" || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}${k}`, ...keyPaths(v, `${prefix}${k}.`)]);
}

test("the defaults serialize exactly as PocketBase stores them", () => {
  assert.equal(settingsToStoredJson(defaultSettings()), DEFAULT_STORED_JSON);
});

test("the defaults render exactly as PocketBase's API returns them", () => {
  assert.equal(encodeJson(redactSettings(defaultSettings())), DEFAULT_API_JSON);
});

test("defaultSettings builds objects in canonical key order and never shares them", () => {
  const a = defaultSettings();
  const inMemoryOnly = ["backups.s3.secret", "s3.secret"]; // empty secrets are not stored
  assert.deepEqual(
    keyPaths(a).filter((p) => !inMemoryOnly.includes(p)),
    keyPaths(JSON.parse(DEFAULT_STORED_JSON)),
  );
  a.rateLimits.rules[0]!.maxRequests = 99;
  a.superuserIPs.push("1.2.3.4");
  assert.equal(defaultSettings().rateLimits.rules[0]!.maxRequests, 2);
  assert.deepEqual(defaultSettings().superuserIPs, []);
});

test("the real stored value of PocketBase's test data round-trips byte for byte", (t) => {
  if (!existsSync(TESTDATA_DB)) {
    t.skip("shared/pocketbase-testdata/data.db not found: skipping the real _params check");
    return;
  }
  const db = new DatabaseSync(TESTDATA_DB, { readOnly: true });
  const row = db.prepare("SELECT value FROM _params WHERE id = 'settings'").get();
  db.close();
  assert.ok(row?.value instanceof Uint8Array, "PocketBase stores the settings JSON as a BLOB");
  const text = Buffer.from(row.value).toString("utf8");

  const settings = normalizeSettings(JSON.parse(text));
  assert.equal(settings.meta.appName, "acme_test");
  assert.equal(settings.backups.cronMaxKeep, 0);
  assert.equal(settings.batch.enabled, true);
  assert.equal(settings.batch.timeout, 5);
  assert.equal(settings.logs.logIP, false);
  assert.equal(settings.s3.secret, "");
  assert.equal(settings.rateLimits.rules.length, 4);
  assert.equal(settingsToStoredJson(settings), text);
});

test("normalize fills missing keys from the defaults and keeps canonical order", () => {
  const s = normalizeSettings({ logs: { maxDays: 9 }, meta: { appName: "X" }, smtp: { password: "pw" } });
  assert.equal(s.logs.maxDays, 9);
  assert.equal(s.logs.logIP, true);
  assert.equal(s.meta.appName, "X");
  assert.equal(s.meta.appURL, "http://localhost:8090");
  assert.equal(s.smtp.password, "pw");
  assert.deepEqual(keyPaths(s), keyPaths(defaultSettings()));
});

test("normalize keeps defaults for values of the wrong type and drops unknown keys", () => {
  const s = normalizeSettings({
    smtp: { port: "25", enabled: "yes", host: 5 },
    batch: { timeout: 2.5 },
    meta: "oops",
    rateLimits: { rules: "none", excludedIPs: [1, "10.0.0.1"] },
    superuserIPs: null,
    extra: { a: 1 },
    logs: { unknown: true, maxDays: 1 },
  });
  assert.equal(s.smtp.port, 587);
  assert.equal(s.smtp.enabled, false);
  assert.equal(s.smtp.host, "smtp.example.com");
  assert.equal(s.batch.timeout, 3);
  assert.deepEqual(s.meta, defaultSettings().meta);
  assert.deepEqual(s.rateLimits.rules, defaultSettings().rateLimits.rules);
  assert.deepEqual(s.rateLimits.excludedIPs, ["", "10.0.0.1"]);
  assert.deepEqual(s.superuserIPs, []);
  assert.equal("extra" in s, false);
  assert.equal("unknown" in s.logs, false);
  assert.equal(s.logs.maxDays, 1);
});

test("normalize of a non-object gives the defaults", () => {
  for (const raw of [undefined, null, 5, "x", [], true]) {
    assert.deepEqual(normalizeSettings(raw), defaultSettings());
  }
});

test("merge changes only the given keys and merges nested objects", () => {
  const current = defaultSettings();
  const next = mergeSettings(current, { meta: { appName: "New" }, backups: { s3: { bucket: "b" } } });
  assert.equal(next.meta.appName, "New");
  assert.equal(next.meta.senderName, "Support");
  assert.equal(next.backups.s3.bucket, "b");
  assert.equal(next.backups.cronMaxKeep, 3);
  assert.equal(next.s3.bucket, "");
  assert.equal(current.meta.appName, "Acme", "current is not modified");
  assert.equal(current.backups.s3.bucket, "");
});

test("merge keeps omitted secrets", () => {
  const current = mergeSettings(defaultSettings(), {
    smtp: { password: "smtp-pw" },
    s3: { secret: "s3-secret" },
    backups: { s3: { secret: "backup-secret" } },
  });
  const next = mergeSettings(current, {
    smtp: { enabled: true },
    s3: { enabled: true },
    backups: { s3: {} },
  });
  assert.equal(next.smtp.password, "smtp-pw");
  assert.equal(next.s3.secret, "s3-secret");
  assert.equal(next.backups.s3.secret, "backup-secret");
  assert.equal(mergeSettings(next, { s3: { secret: "" } }).s3.secret, "");
});

test("merge replaces string arrays wholesale", () => {
  const current = mergeSettings(defaultSettings(), { trustedProxy: { headers: ["A", "B", "C"] } });
  assert.deepEqual(mergeSettings(current, { trustedProxy: { headers: ["X"] } }).trustedProxy.headers, ["X"]);
  assert.deepEqual(mergeSettings(current, { trustedProxy: { headers: [] } }).trustedProxy.headers, []);
  assert.deepEqual(mergeSettings(current, { trustedProxy: { headers: null } }).trustedProxy.headers, []);
  assert.deepEqual(mergeSettings(current, { trustedProxy: {} }).trustedProxy.headers, ["A", "B", "C"]);
});

test("merge decodes rule objects over the rule previously at the same index, like Go", () => {
  const current = defaultSettings();
  const next = mergeSettings(current, {
    rateLimits: {
      rules: [{ label: "users:create", maxRequests: 7 }, { label: "/api/x" }, {}, {}, { label: "new" }],
    },
  });
  assert.deepEqual(next.rateLimits.rules, [
    { label: "users:create", audience: "", duration: 3, maxRequests: 7 },
    { label: "/api/x", audience: "", duration: 5, maxRequests: 20 },
    { label: "/api/batch", audience: "", duration: 1, maxRequests: 3 },
    { label: "/api/", audience: "", duration: 10, maxRequests: 300 },
    { label: "new", audience: "", duration: 0, maxRequests: 0 },
  ]);
  const shorter = mergeSettings(current, {
    rateLimits: { rules: [{ label: "a", audience: "@auth", duration: 1, maxRequests: 1 }] },
  });
  assert.deepEqual(shorter.rateLimits.rules, [
    { label: "a", audience: "@auth", duration: 1, maxRequests: 1 },
  ]);
  assert.equal(current.rateLimits.rules.length, 4, "current is not modified");
  assert.equal(current.rateLimits.rules[0]!.label, "*:auth");
});

test("merge treats null as 'keep' for objects and scalars", () => {
  const current = mergeSettings(defaultSettings(), { smtp: { host: "mail.test" } });
  const next = mergeSettings(current, { smtp: null, meta: { appName: null }, logs: { maxDays: null } });
  assert.equal(next.smtp.host, "mail.test");
  assert.equal(next.meta.appName, "Acme");
  assert.equal(next.logs.maxDays, 5);
  assert.deepEqual(mergeSettings(current, null), current);
});

test("merge matches keys case-insensitively when there is no exact match", () => {
  const next = mergeSettings(defaultSettings(), { META: { AppName: "Case" }, logs: { LOGIP: false } });
  assert.equal(next.meta.appName, "Case");
  assert.equal(next.logs.logIP, false);
  assert.equal("META" in next, false);
});

test("merge rejects values of the wrong type with the JSON path", () => {
  const rows: [unknown, string][] = [
    [{ smtp: { port: "25" } }, "smtp.port"],
    [{ batch: { timeout: 1.5 } }, "batch.timeout"],
    [{ meta: { hideControls: "true" } }, "meta.hideControls"],
    [{ meta: "x" }, "meta"],
    [{ superuserIPs: "1.2.3.4" }, "superuserIPs"],
    [{ superuserIPs: [1] }, "superuserIPs.0"],
    [{ rateLimits: { rules: [{}, { label: 5 }] } }, "rateLimits.rules.1.label"],
    [[], ""],
    ["x", ""],
  ];
  for (const [patch, path] of rows) {
    assert.throws(
      () => mergeSettings(defaultSettings(), patch),
      (err: unknown) => err instanceof SettingsDecodeError && err.path === path,
      JSON.stringify(patch),
    );
  }
});

test("redaction removes the SMTP password and both S3 secrets from the API output", () => {
  const s = mergeSettings(defaultSettings(), {
    smtp: { password: "smtp-pw" },
    s3: { secret: "s3-secret" },
    backups: { s3: { secret: "backup-secret" } },
  });
  const api = encodeJson(redactSettings(s));
  assert.equal(api.includes("smtp-pw") || api.includes("secret") || api.includes("password"), false);
  assert.deepEqual(Object.keys(redactSettings(s).smtp), [
    "enabled",
    "port",
    "host",
    "username",
    "authMethod",
    "tls",
    "localName",
  ]);
  assert.equal(s.smtp.password, "smtp-pw", "the settings object itself keeps its secrets");
});

test("stored JSON keeps secrets in place and omits only empty S3 secrets", () => {
  const s = mergeSettings(defaultSettings(), { smtp: { password: "pw" }, s3: { secret: "sec" } });
  const stored = settingsToStoredJson(s);
  assert.ok(stored.includes(`"username":"","password":"pw","authMethod"`));
  assert.ok(
    stored.includes(
      `"s3":{"enabled":false,"bucket":"","region":"","endpoint":"","accessKey":"","secret":"sec","forcePathStyle":false}`,
    ),
  );
  assert.ok(stored.includes(`"backups":{"cron":"","cronMaxKeep":3,"s3":${S3_STORED}}`));
});

test("stored JSON escapes HTML characters as Go does", () => {
  const s = mergeSettings(defaultSettings(), { meta: { appName: "<Tom & Jerry>\u2028" } });
  assert.ok(settingsToStoredJson(s).includes(`"appName":"\\u003cTom \\u0026 Jerry\\u003e\\u2028"`));
});

test("serialization puts keys in canonical order whatever order the object has", () => {
  const reverse = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(reverse);
    if (typeof value !== "object" || value === null) return value;
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reverse(v)]),
    );
  };
  const reversed = reverse(defaultSettings()) as Settings;
  assert.equal(Object.keys(reversed)[0], "logs");
  assert.equal(settingsToStoredJson(reversed), DEFAULT_STORED_JSON);
  assert.deepEqual(keyPaths(cloneSettings(reversed)), keyPaths(defaultSettings()));
});

test("renaming a collection rewrites its rate limit labels", () => {
  const s = mergeSettings(defaultSettings(), {
    rateLimits: { rules: [{ label: "posts:create" }, { label: "postsx:list" }, { label: "*:auth" }] },
  });
  const next = renameRateLimitCollection(s, "posts", "articles");
  assert.deepEqual(
    next?.rateLimits.rules.map((r) => r.label),
    ["articles:create", "postsx:list", "*:auth"],
  );
  assert.equal(s.rateLimits.rules[0]!.label, "posts:create");
  assert.equal(renameRateLimitCollection(s, "users", "members"), undefined);
});
