import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { App } from "../src/core/app.ts";
import { buildTemplate, startTestServer, suiteCleanup, tempDir } from "./helpers/server.ts";
import { request } from "./helpers/http.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { query } from "./helpers/sqlite.ts";

const storedValue = (dir: string) =>
  String(query(dir, "SELECT value FROM _params WHERE id = 'settings'")[0]!.value);

describe("the settings API", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup);
  });

  test("GET answers the settings in PocketBase's order without secrets", async (t) => {
    const s = await startTestServer(t, { template });
    const res = await request(s.url, "GET", "/api/settings", { token: s.token });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json), [
      "superuserIPs",
      "smtp",
      "backups",
      "s3",
      "meta",
      "rateLimits",
      "trustedProxy",
      "batch",
      "logs",
    ]);
    assert.deepEqual(res.json.smtp, {
      enabled: false,
      port: 587,
      host: "smtp.example.com",
      username: "",
      authMethod: "",
      tls: false,
      localName: "",
    });
    assert.equal("secret" in res.json.s3, false);
    assert.equal("secret" in res.json.backups.s3, false);
    assert.deepEqual(res.json.meta, {
      accentColor: "#1055c9",
      appName: "Acme",
      appURL: "http://localhost:8090",
      senderName: "Support",
      senderAddress: "support@example.com",
      hideControls: false,
    });
    assert.equal(res.json.rateLimits.rules.length, 4);
    assert.deepEqual(await s.pb.settings.getAll(), res.json);
  });

  test("PATCH merges into the stored settings and keeps omitted secrets", async (t) => {
    const s = await startTestServer(t, { template });
    const first = await s.pb.settings.update({
      meta: { appName: "Satchel test" },
      smtp: { password: "smtp-secret", username: "mailer" },
      s3: { secret: "s3-secret", bucket: "b" },
    });
    assert.equal(first.meta.appName, "Satchel test");
    assert.equal(first.meta.senderName, "Support", "siblings keep their values");
    assert.equal(first.smtp.username, "mailer");
    assert.equal("password" in first.smtp, false, "the new password is not echoed");
    assert.equal("secret" in first.s3, false);
    await s.pb.settings.update({ smtp: { username: "other" }, s3: { bucket: "c" } });
    const stored = JSON.parse(storedValue(s.dir));
    assert.equal(stored.smtp.password, "smtp-secret", "omitted secrets survive a PATCH");
    assert.equal(stored.s3.secret, "s3-secret");
    assert.equal(stored.smtp.username, "other");
    assert.equal(stored.meta.appName, "Satchel test");
    const again = await s.pb.settings.getAll();
    assert.equal(again.meta.appName, "Satchel test");
  });

  test("PATCH replaces arrays and answers the full redacted settings", async (t) => {
    const s = await startTestServer(t, { template });
    const res = await request(s.url, "PATCH", "/api/settings", {
      token: s.token,
      body: { trustedProxy: { headers: ["X-Forwarded-For"] }, superuserIPs: ["127.0.0.1", "10.0.0.0/8"] },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.json.trustedProxy, { headers: ["X-Forwarded-For"], useLeftmostIP: false });
    assert.deepEqual(res.json.superuserIPs, ["127.0.0.1", "10.0.0.0/8"]);
    assert.ok(res.text.endsWith("}\n"));
  });

  test("the fields picker applies to the settings", async (t) => {
    const s = await startTestServer(t, { template });
    const res = await request(s.url, "GET", "/api/settings?fields=meta.appName,batch", { token: s.token });
    assert.equal(
      res.text,
      '{"batch":{"enabled":false,"maxBodySize":0,"maxRequests":50,"timeout":3},"meta":{"appName":"Acme"}}\n',
    );
  });

  const invalid: Scenario[] = [
    {
      name: "guests get 401 on GET",
      method: "GET",
      url: "/api/settings",
      expectedStatus: 401,
      expectedEvents: { "*": 0 },
    },
    {
      name: "regular users get 403 on GET",
      method: "GET",
      url: "/api/settings",
      auth: "user",
      expectedStatus: 403,
    },
    {
      name: "guests get 401 on PATCH",
      method: "PATCH",
      url: "/api/settings",
      body: { meta: { appName: "x" } },
      expectedStatus: 401,
    },
    {
      name: "regular users get 403 on PATCH",
      method: "PATCH",
      url: "/api/settings",
      auth: "user",
      body: { meta: { appName: "x" } },
      expectedStatus: 403,
      after(s) {
        assert.equal(JSON.parse(storedValue(s.dir)).meta.appName, "Acme");
      },
    },
    {
      name: "a GET fires onSettingsListRequest",
      method: "GET",
      url: "/api/settings",
      auth: "superuser",
      expectedStatus: 200,
      expectedEvents: { "*": 0, onSettingsListRequest: 1 },
    },
    {
      name: "an empty app name is a 400 on meta.appName",
      method: "PATCH",
      url: "/api/settings",
      auth: "superuser",
      body: { meta: { appName: "", appURL: "not a url" } },
      expectedStatus: 400,
      expectedContent: [
        '"message":"An error occurred while saving the new settings."',
        '"meta":{"appName":{"code":"validation_required"',
        '"appURL":{"code":"validation_is_url"',
      ],
      after(s) {
        assert.equal(JSON.parse(storedValue(s.dir)).meta.appName, "Acme", "nothing was saved");
      },
    },
    {
      name: "an enabled SMTP needs a host",
      method: "PATCH",
      url: "/api/settings",
      auth: "superuser",
      body: { smtp: { enabled: true, host: "" } },
      expectedStatus: 400,
      expectedContent: ['"smtp":{"host":{"code":"validation_required"'],
    },
    {
      name: "an enabled S3 needs its bucket, region, keys and endpoint",
      method: "PATCH",
      url: "/api/settings",
      auth: "superuser",
      body: { s3: { enabled: true } },
      expectedStatus: 400,
      expectedContent: [
        '"s3":{',
        '"bucket":{"code":"validation_required"',
        '"secret":{"code":"validation_required"',
      ],
    },
    {
      name: "an invalid superuser IP is reported at its index",
      method: "PATCH",
      url: "/api/settings",
      auth: "superuser",
      body: { superuserIPs: ["127.0.0.1", "nope"] },
      expectedStatus: 400,
      expectedContent: ['"superuserIPs":{"1":{"code":'],
    },
    {
      name: "an invalid backups cron is rejected",
      method: "PATCH",
      url: "/api/settings",
      auth: "superuser",
      body: { backups: { cron: "not a cron" } },
      expectedStatus: 400,
      expectedContent: ['"backups":{"cron":{"code":'],
    },
    {
      name: "a rate limit rule without a label is rejected",
      method: "PATCH",
      url: "/api/settings",
      auth: "superuser",
      body: { rateLimits: { rules: [{ label: "", duration: 1, maxRequests: 1 }] } },
      expectedStatus: 400,
      expectedContent: ['"rateLimits":{"rules":{"0":{"label":{"code":"validation_required"'],
    },
    {
      name: "a value of the wrong JSON type is a load error with no details",
      method: "PATCH",
      url: "/api/settings",
      auth: "superuser",
      body: { batch: { maxRequests: "fifty" } },
      expectedStatus: 400,
      expectedContent: [
        '{"data":{},"message":"An error occurred while loading the submitted data.","status":400}',
      ],
    },
    {
      name: "unknown keys are ignored",
      method: "PATCH",
      url: "/api/settings",
      auth: "superuser",
      body: { nope: 1, meta: { appName: "ok", whatever: true } },
      expectedStatus: 200,
      expectedContent: ['"appName":"ok"'],
      notExpectedContent: ["nope", "whatever"],
    },
    {
      name: "a body that is not an object is a 400",
      method: "PATCH",
      url: "/api/settings",
      auth: "superuser",
      body: "[1,2,3]",
      headers: { "content-type": "application/json" },
      expectedStatus: 400,
      expectedContent: ['"data":{}'],
    },
  ];
  test("answer 4xx and save nothing on bad input", async (t) => {
    await runScenarios(t, invalid, (t) => startTestServer(t, { template }));
  });
});

describe("settings encryption (--encryptionEnv)", () => {
  const KEY_ENV = "SATCHEL_TEST_SETTINGS_KEY";

  test("settings are stored encrypted and read back with the key", async (t) => {
    process.env[KEY_ENV] = "0123456789abcdef0123456789abcdef";
    t.after(() => delete process.env[KEY_ENV]);
    const dir = tempDir(t);
    const s = await startTestServer(t, { dataDir: dir, config: { encryptionEnv: KEY_ENV } });
    await s.pb.settings.update({
      meta: { appName: "Encrypted app" },
      smtp: { password: "very-secret-pass" },
    });
    const raw = storedValue(dir);
    assert.throws(() => JSON.parse(raw) as unknown, "the stored value is not plain JSON");
    assert.ok(!raw.includes("Encrypted app") && !raw.includes("very-secret-pass"));
    assert.match(raw, /^[A-Za-z0-9+/]+=*$/, "base64 of nonce and ciphertext");
    await s.close();

    const reopened = new App({ dataDir: dir, encryptionEnv: KEY_ENV });
    await reopened.bootstrap();
    t.after(() => reopened.terminate());
    assert.equal(reopened.settings().meta.appName, "Encrypted app");
    assert.equal(reopened.settings().smtp.password, "very-secret-pass");
  });

  test("plain stored settings are still read when a key is configured, and encrypted on the next save", async (t) => {
    const dir = tempDir(t);
    const plain = await startTestServer(t, { dataDir: dir });
    await plain.pb.settings.update({ meta: { appName: "Was plain" } });
    await plain.close();
    assert.equal(JSON.parse(storedValue(dir)).meta.appName, "Was plain");

    process.env[KEY_ENV] = "abcdefghijklmnopqrstuvwxyz012345";
    t.after(() => delete process.env[KEY_ENV]);
    const s = await startTestServer(t, {
      dataDir: dir,
      superuser: false,
      config: { encryptionEnv: KEY_ENV },
    });
    const res = await request(s.url, "GET", "/api/settings", { token: plain.token });
    assert.equal(res.json.meta.appName, "Was plain");
    await request(s.url, "PATCH", "/api/settings", {
      token: plain.token,
      body: { meta: { senderName: "Crypt" } },
    });
    assert.throws(() => JSON.parse(storedValue(dir)) as unknown);
  });

  test("encrypted settings cannot be opened without the key", async (t) => {
    process.env[KEY_ENV] = "0123456789abcdef0123456789abcdef";
    const dir = tempDir(t);
    const s = await startTestServer(t, { dataDir: dir, config: { encryptionEnv: KEY_ENV } });
    await s.pb.settings.update({ meta: { appName: "Locked" } });
    await s.close();
    delete process.env[KEY_ENV];
    const app = new App({ dataDir: dir });
    await assert.rejects(() => app.bootstrap());
    await app.terminate();
  });
});
