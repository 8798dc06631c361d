import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { before, describe, test } from "node:test";
import { PROVIDERS } from "../src/auth/oauth2/registry.ts";
import { request } from "./helpers/http.ts";
import { enableOAuth2 } from "./helpers/oauth2.ts";
import { copyTestdata } from "./helpers/testdata.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";

const google = { name: "google", clientId: "g-client", clientSecret: "g-secret" };
const bitbucket = { name: "bitbucket", clientId: "b-client", clientSecret: "b-secret" };
const apple = { name: "apple", clientId: "a-client", clientSecret: "a-secret" };

describe("auth-methods and the providers list", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  before(async () => {
    s = await startTestServer(cleanup, { template: await buildTemplate(cleanup) });
  });

  test("a collection without OAuth2 lists its other methods, PocketBase's shape and key order", async () => {
    const res = await request(s.url, "GET", "/api/collections/users/auth-methods");
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json), [
      "password",
      "oauth2",
      "mfa",
      "otp",
      "authProviders",
      "usernamePassword",
      "emailPassword",
    ]);
    assert.ok(res.text.includes('"password":{"identityFields":["email"],"enabled":true}'), res.text);
    assert.ok(res.text.includes('"oauth2":{"providers":[],"enabled":false}'));
    assert.ok(res.text.includes('"mfa":{"enabled":false,"duration":0}'));
    assert.ok(res.text.includes('"otp":{"enabled":false,"duration":0}'));
    assert.ok(res.text.includes('"authProviders":null,"usernamePassword":false,"emailPassword":true'));
  });

  test("each enabled provider gets a fresh state, a PKCE pair and an authorization URL to complete", async () => {
    await enableOAuth2(s, "users", [google, bitbucket, apple], {
      otp: { enabled: true, duration: 300 },
      mfa: { enabled: true, duration: 1800 },
    });
    const res = await request(s.url, "GET", "/api/collections/users/auth-methods");
    assert.equal(res.status, 200, res.text);
    assert.ok(res.text.includes('"mfa":{"enabled":true,"duration":1800}'));
    assert.ok(res.text.includes('"otp":{"enabled":true,"duration":300}'));
    const [g, b, a] = res.json.oauth2.providers;
    assert.deepEqual(Object.keys(g), [
      "name",
      "displayName",
      "logo",
      "state",
      "authURL",
      "authUrl",
      "codeVerifier",
      "codeChallenge",
      "codeChallengeMethod",
    ]);
    assert.equal(g.name, "google");
    assert.equal(g.displayName, "Google");
    assert.match(g.logo, /^<svg /);
    assert.match(g.state, /^[A-Za-z0-9]{30}$/);
    assert.match(g.codeVerifier, /^[A-Za-z0-9]{43}$/);
    assert.equal(g.codeChallenge, createHash("sha256").update(g.codeVerifier).digest("base64url"));
    assert.equal(g.codeChallengeMethod, "S256");
    assert.equal(g.authUrl, g.authURL);
    assert.ok(g.authURL.endsWith("&redirect_uri="), "the client appends its redirect URI");
    const url = new URL(g.authURL);
    assert.equal(url.origin + url.pathname, "https://accounts.google.com/o/oauth2/v2/auth");
    assert.equal(url.searchParams.get("client_id"), "g-client");
    assert.equal(url.searchParams.get("response_type"), "code");
    assert.equal(url.searchParams.get("state"), g.state);
    assert.equal(url.searchParams.get("code_challenge"), g.codeChallenge);
    assert.equal(url.searchParams.get("code_challenge_method"), "S256");
    assert.equal(
      url.searchParams.get("scope"),
      "https://www.googleapis.com/auth/userinfo.profile https://www.googleapis.com/auth/userinfo.email",
    );
    assert.ok(!g.authURL.includes("g-secret"), "the secret never leaves the server");

    // Bitbucket does not do PKCE: empty pair, no challenge in the URL.
    assert.equal(b.codeVerifier, "");
    assert.equal(b.codeChallenge, "");
    assert.equal(b.codeChallengeMethod, "");
    assert.ok(!b.authURL.includes("code_challenge"));
    // Apple posts the redirect back.
    assert.equal(new URL(a.authURL).searchParams.get("response_mode"), "form_post");

    // Every call is a new authorization.
    const again = await request(s.url, "GET", "/api/collections/users/auth-methods");
    assert.notEqual(again.json.oauth2.providers[0].state, g.state);
    assert.notEqual(again.json.oauth2.providers[0].codeVerifier, g.codeVerifier);

    // Legacy list: same providers, each with an empty logo in its place (PocketBase).
    assert.equal(res.json.authProviders.length, 3);
    assert.equal(res.json.authProviders[0].logo, "");
    assert.deepEqual(Object.keys(res.json.authProviders[0]).slice(0, 4), [
      "name",
      "displayName",
      "logo",
      "state",
    ]);
    assert.equal(res.json.authProviders[0].state, g.state);
  });

  test("per-collection overrides: display name, URLs and PKCE", async () => {
    await enableOAuth2(s, "users", [
      { ...google, displayName: "Corp SSO", authURL: "https://sso.example.com/authorize", pkce: false },
      { ...bitbucket, pkce: true },
    ]);
    const res = await request(s.url, "GET", "/api/collections/users/auth-methods");
    const [g, b] = res.json.oauth2.providers;
    assert.equal(g.displayName, "Corp SSO");
    assert.ok(g.authURL.startsWith("https://sso.example.com/authorize?"));
    assert.equal(g.codeVerifier, "");
    assert.match(b.codeVerifier, /^[A-Za-z0-9]{43}$/);
  });

  test("auth-methods of a missing or non-auth collection is a 404", async () => {
    for (const name of ["missing", "_externalAuths"]) {
      const res = await request(s.url, "GET", `/api/collections/${name}/auth-methods`);
      assert.equal(res.status, 404);
      assert.deepEqual(res.json.data, {});
    }
  });

  test("meta/oauth2-providers lists every provider for superusers, by order then name", async () => {
    const res = await request(s.url, "GET", "/api/collections/meta/oauth2-providers", { token: s.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.length, 32);
    assert.deepEqual(Object.keys(res.json[0]), ["name", "displayName", "logo"]);
    assert.deepEqual(
      res.json.map((p: { name: string }) => p.name),
      [
        "apple",
        "google",
        "microsoft",
        "yandex",
        "facebook",
        "instagram2",
        "github",
        "gitlab",
        "bitbucket",
        "gitee",
        "gitea",
        "discord",
        "twitter",
        "kakao",
        "vk",
        "linear",
        "notion",
        "monday",
        "lark",
        "box",
        "spotify",
        "trakt",
        "twitch",
        "patreon",
        "strava",
        "wakatime",
        "livechat",
        "mailcow",
        "planningcenter",
        "oidc",
        "oidc2",
        "oidc3",
      ],
    );
    assert.equal(res.json.length, PROVIDERS.length);
    const guest = await request(s.url, "GET", "/api/collections/meta/oauth2-providers");
    assert.equal(guest.status, 401);
    const user = await request(s.url, "GET", "/api/collections/meta/oauth2-providers", {
      token: s.userToken,
    });
    assert.equal(user.status, 403);
  });
});

describe("OAuth2 on PocketBase's own test data", () => {
  test("auth-methods and auth-with-oauth2 answer PocketBase's API scenarios", async (t) => {
    const dir = copyTestdata(t);
    if (!dir) return;
    const s = await startTestServer(t, { dataDir: dir, superuser: false });
    const methods = await request(s.url, "GET", "/api/collections/users/auth-methods");
    assert.equal(methods.status, 200);
    for (const fragment of [
      '"password":{"identityFields":["email","username"],"enabled":true}',
      '"mfa":{"enabled":true,"duration":1800}',
      '"otp":{"enabled":true,"duration":300}',
      '"oauth2":{"providers":[{',
      '"name":"google"',
      '"name":"gitlab"',
      'redirect_uri="',
    ]) {
      assert.ok(methods.text.includes(fragment), `${fragment} in ${methods.text}`);
    }
    const nologin = await request(s.url, "GET", "/api/collections/nologin/auth-methods");
    for (const fragment of [
      '"password":{"identityFields":[],"enabled":false}',
      '"oauth2":{"providers":[],"enabled":false}',
      '"mfa":{"enabled":false,"duration":0}',
      '"otp":{"enabled":false,"duration":0}',
    ]) {
      assert.ok(nologin.text.includes(fragment), `${fragment} in ${nologin.text}`);
    }
    const disabled = await request(s.url, "POST", "/api/collections/nologin/auth-with-oauth2", {
      body: { provider: "gitlab", code: "123", codeVerifier: "456", redirectURL: "https://example.com" },
    });
    assert.equal(disabled.status, 403);
    assert.deepEqual(disabled.json.data, {});
    for (const provider of ["missing", "apple"]) {
      const res = await request(s.url, "POST", "/api/collections/users/auth-with-oauth2", {
        body: { provider },
      });
      assert.equal(res.status, 400);
      // codeVerifier is optional; provider, code and redirectURL are required.
      assert.deepEqual(Object.keys(res.json.data).sort(), ["code", "provider", "redirectURL"]);
    }
  });
});
