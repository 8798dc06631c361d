import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { RateLimitRule } from "../src/core/settings/settings-model.ts";
import { request } from "./helpers/http.ts";
import {
  SUPERUSER,
  USER,
  buildTemplate,
  startTestServer,
  suiteCleanup,
  type TestServer,
} from "./helpers/server.ts";

const rule = (label: string, maxRequests: number, audience = ""): RateLimitRule => ({
  label,
  audience,
  duration: 60,
  maxRequests,
});

/** Saves rate-limit settings (through validation, as the settings API would). */
async function limit(
  s: TestServer,
  rules: RateLimitRule[],
  extra: { excludedIPs?: string[] } = {},
): Promise<void> {
  const settings = structuredClone(s.app.settings());
  settings.rateLimits = { rules, excludedIPs: extra.excludedIPs ?? [], enabled: true };
  await s.app.saveSettings(settings);
}

/** The statuses of `calls` sequential requests. */
async function statuses(
  s: TestServer,
  method: string,
  path: string,
  calls: number,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < calls; i++) out.push((await request(s.url, method, path, options)).status);
  return out;
}

describe("rate limits", () => {
  const cleanup = suiteCleanup();
  let template: Promise<string> | undefined;
  const setup = async (t: Parameters<typeof startTestServer>[0]) =>
    startTestServer(t, { template: await (template ??= buildTemplate(cleanup)) });

  it("limits any route by the /api/ prefix rule with PocketBase's 429 body", async (t) => {
    const s = await setup(t);
    await limit(s, [rule("/api/", 2)]);
    assert.deepEqual(await statuses(s, "GET", "/api/health", 2), [200, 200]);
    const res = await request(s.url, "GET", "/api/health");
    assert.equal(res.status, 429);
    assert.equal(res.text, '{"data":{},"message":"Too Many Requests.","status":429}\n');
    // The prefix rule's counter is shared by every path under it.
    assert.equal((await request(s.url, "GET", "/api/settings")).status, 429);
  });

  it("prefers exact labels, then the method label, then the longest prefix", async (t) => {
    const s = await setup(t);
    await limit(s, [rule("/rate/", 2), rule("/rate/b", 3), rule("POST /rate/b", 1), rule("/rate/b/", 1)]);
    assert.deepEqual(await statuses(s, "POST", "/rate/b", 2), [404, 429]);
    assert.deepEqual(await statuses(s, "GET", "/rate/b", 4), [404, 404, 404, 429]);
    assert.deepEqual(await statuses(s, "GET", "/rate/a", 3), [404, 404, 429]);
    assert.deepEqual(await statuses(s, "GET", "/rate/b/c", 2), [404, 429]);
    assert.deepEqual(await statuses(s, "GET", "/other", 5), [404, 404, 404, 404, 404]);
  });

  it("applies @guest and @auth rules to their audience only", async (t) => {
    const s = await setup(t);
    await limit(s, [rule("/rate/guest", 1, "@guest"), rule("/rate/auth", 1, "@auth")]);
    assert.deepEqual(await statuses(s, "GET", "/rate/guest", 2), [404, 429]);
    assert.deepEqual(await statuses(s, "GET", "/rate/guest", 2, { token: s.userToken }), [404, 404]);
    assert.deepEqual(await statuses(s, "GET", "/rate/auth", 2), [404, 404]);
    assert.deepEqual(await statuses(s, "GET", "/rate/auth", 2, { token: s.userToken }), [404, 429]);
  });

  it("limits auth actions by collection:action and *:auth tags", async (t) => {
    const s = await setup(t);
    await limit(s, [rule("users:authWithPassword", 1), rule("*:auth", 2), rule("/api/", 100)]);
    const body = { identity: USER.email, password: "wrong-password" };
    assert.deepEqual(
      await statuses(s, "POST", "/api/collections/users/auth-with-password", 2, { body }),
      [400, 429],
    );
    // `_superusers` has no own rule: `*:auth` applies, counted for that collection.
    const su = { identity: SUPERUSER.email, password: "wrong-password" };
    assert.deepEqual(
      await statuses(s, "POST", "/api/collections/_superusers/auth-with-password", 3, { body: su }),
      [400, 400, 429],
    );
    // Other auth actions fall back to the path rules.
    assert.deepEqual(await statuses(s, "GET", "/api/collections/users/auth-methods", 2), [200, 200]);
  });

  it("limits file downloads by the file tag and counts each collection apart", async (t) => {
    const s = await setup(t);
    await limit(s, [rule("*:file", 1), rule("*:create", 1)]);
    assert.deepEqual(await statuses(s, "GET", "/api/files/users/missing/a.txt", 2), [404, 429]);
    assert.deepEqual(await statuses(s, "GET", "/api/files/_superusers/missing/a.txt", 2), [404, 429]);
    const user = { email: "new@example.com", password: "1234567890", passwordConfirm: "1234567890" };
    assert.deepEqual(
      await statuses(s, "POST", "/api/collections/users/records", 2, { body: user }),
      [200, 429],
    );
  });

  it("exempts superusers and excluded IPs (CIDR ranges included)", async (t) => {
    const s = await setup(t);
    await limit(s, [rule("/api/", 1)]);
    assert.deepEqual(await statuses(s, "GET", "/api/health", 3, { token: s.token }), [200, 200, 200]);
    await limit(s, [rule("/api/", 1)], { excludedIPs: ["127.0.0.0/8"] });
    assert.deepEqual(await statuses(s, "GET", "/api/health", 3), [200, 200, 200]);
  });

  it("counts per client IP behind a trusted proxy; a settings save resets the counters", async (t) => {
    const s = await setup(t);
    const settings = structuredClone(s.app.settings());
    settings.trustedProxy = { headers: ["X-Forwarded-For"], useLeftmostIP: false };
    settings.rateLimits = { rules: [rule("/api/", 1)], excludedIPs: ["10.0.0.9"], enabled: true };
    await s.app.saveSettings(settings);
    const from = (ip: string) => ({ headers: { "x-forwarded-for": `1.1.1.1, ${ip}` } });
    assert.deepEqual(await statuses(s, "GET", "/api/health", 2, from("10.0.0.1")), [200, 429]);
    assert.deepEqual(await statuses(s, "GET", "/api/health", 2, from("10.0.0.2")), [200, 429]);
    assert.deepEqual(await statuses(s, "GET", "/api/health", 2, from("10.0.0.9")), [200, 200]);
    await s.app.saveSettings(structuredClone(s.app.settings()));
    assert.deepEqual(await statuses(s, "GET", "/api/health", 2, from("10.0.0.1")), [200, 429]);
  });

  it("PocketBase's default rules limit password logins once enabled", async (t) => {
    const s = await setup(t);
    const settings = structuredClone(s.app.settings());
    assert.deepEqual(
      settings.rateLimits.rules.map((r) => [r.label, r.duration, r.maxRequests]),
      [
        ["*:auth", 3, 2],
        ["*:create", 5, 20],
        ["/api/batch", 1, 3],
        ["/api/", 10, 300],
      ],
    );
    settings.rateLimits.enabled = true;
    await s.app.saveSettings(settings);
    const body = { identity: USER.email, password: "wrong-password" };
    assert.deepEqual(
      await statuses(s, "POST", "/api/collections/users/auth-with-password", 3, { body }),
      [400, 400, 429],
    );
  });
});

describe("superuserIPs", () => {
  const cleanup = suiteCleanup();
  let template: Promise<string> | undefined;
  const setup = async (t: Parameters<typeof startTestServer>[0]) => {
    const s = await startTestServer(t, { template: await (template ??= buildTemplate(cleanup)) });
    const settings = structuredClone(s.app.settings());
    settings.superuserIPs = ["10.0.0.0/24"];
    settings.trustedProxy = { headers: ["X-Real-IP"], useLeftmostIP: false };
    await s.app.saveSettings(settings);
    return s;
  };

  it("rejects superuser requests from other IPs with 403", async (t) => {
    const s = await setup(t);
    const res = await request(s.url, "GET", "/api/settings", { token: s.token });
    assert.equal(res.status, 403);
    assert.equal(res.json.status, 403);
    const allowed = await request(s.url, "GET", "/api/settings", {
      token: s.token,
      headers: { "x-real-ip": "10.0.0.7" },
    });
    assert.equal(allowed.status, 200);
  });

  it("leaves guests and regular users alone", async (t) => {
    const s = await setup(t);
    assert.equal((await request(s.url, "GET", "/api/health")).status, 200);
    assert.equal(
      (await request(s.url, "POST", "/api/collections/users/auth-refresh", { token: s.userToken })).status,
      200,
    );
  });

  it("refuses a superuser login from another IP and accepts it from an allowed one", async (t) => {
    const s = await setup(t);
    const body = { identity: SUPERUSER.email, password: SUPERUSER.password };
    const path = "/api/collections/_superusers/auth-with-password";
    assert.equal((await request(s.url, "POST", path, { body })).status, 403);
    const ok = await request(s.url, "POST", path, { body, headers: { "x-real-ip": "10.0.0.8" } });
    assert.equal(ok.status, 200);
    assert.equal(typeof ok.json.token, "string");
  });

  it("a superuser's file token from another IP counts for nothing", async (t) => {
    const s = await startTestServer(t, { template: await (template ??= buildTemplate(cleanup)) });
    await s.pb.collections.create({
      name: "vault",
      createRule: "",
      viewRule: null,
      fields: [{ name: "doc", type: "file", maxSelect: 1, protected: true }],
    });
    const rec = await s.pb.collection("vault").create({ doc: new File(["top secret"], "secret.txt") });
    const fileToken = await s.pb.files.getToken();
    const settings = structuredClone(s.app.settings());
    settings.superuserIPs = ["10.0.0.0/24"];
    settings.trustedProxy = { headers: ["X-Real-IP"], useLeftmostIP: false };
    await s.app.saveSettings(settings);
    const url = s.pb.files.getURL(rec, rec.doc as string, { token: fileToken });
    assert.equal((await fetch(url)).status, 404);
    const allowed = await fetch(url, { headers: { "x-real-ip": "10.0.0.3" } });
    assert.equal(allowed.status, 200);
    assert.equal(await allowed.text(), "top secret");
  });
});
