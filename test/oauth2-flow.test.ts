import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { ClientResponseError } from "pocketbase";
import { request } from "./helpers/http.ts";
import {
  CLIENT_REDIRECT,
  enableOAuth2,
  oauth2Login,
  oidcProviderConfig,
  startLogin,
} from "./helpers/oauth2.ts";
import { startOidcProvider, type TestOidcProvider } from "./helpers/oidc.ts";
import { USER, buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";

function links(s: TestServer, recordId: string) {
  return query(
    s.dir,
    "SELECT provider, providerId FROM _externalAuths WHERE recordRef = ? ORDER BY created",
    recordId,
  ).map((row) => ({ ...row }));
}

async function failure(promise: Promise<unknown>): Promise<ClientResponseError> {
  try {
    await promise;
  } catch (err) {
    return err as ClientResponseError;
  }
  assert.fail("expected the request to fail");
}

describe("OAuth2 code flow against a real OIDC provider (SDK authWithOAuth2Code)", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup);
  });

  async function setup(t: {
    after(fn: () => unknown): void;
  }): Promise<{ s: TestServer; idp: TestOidcProvider }> {
    const s = await startTestServer(t, { template });
    const idp = await startOidcProvider(t, { redirectUris: [CLIENT_REDIRECT] });
    await enableOAuth2(s, "users", [oidcProviderConfig(idp)]);
    return { s, idp };
  }

  test("the first login creates a verified user and links it; the second login reuses it", async (t) => {
    const { s } = await setup(t);
    const pb = s.client();
    const first = await oauth2Login(pb, "users", "alice", { emailVisibility: true });
    assert.equal(first.record.email, "alice@example.com");
    assert.equal(first.record.verified, true, "the provider vouched for this email");
    assert.equal(first.record.name, "User alice", "mapped name field");
    assert.equal(first.record.emailVisibility, true, "createData applied");
    assert.equal(first.meta?.isNew, true);
    assert.equal(first.meta?.id, "alice");
    assert.equal(first.meta?.email, "alice@example.com");
    assert.equal(first.meta?.name, "User alice");
    assert.equal(first.meta?.rawUser.preferred_username, "alice");
    assert.ok(first.meta?.accessToken);
    assert.ok(pb.authStore.isValid);
    assert.deepEqual(links(s, first.record.id), [{ provider: "oidc", providerId: "alice" }]);

    const second = await oauth2Login(s.client(), "users", "alice");
    assert.equal(second.record.id, first.record.id);
    assert.equal(second.meta?.isNew, false);
    assert.equal(
      query(s.dir, "SELECT COUNT(*) AS n FROM users WHERE email = ?", "alice@example.com")[0]!.n,
      1,
    );
    assert.deepEqual(links(s, first.record.id), [{ provider: "oidc", providerId: "alice" }]);
  });

  test("meta holds every AuthUser key, the legacy avatarUrl and isNew, keys sorted", async (t) => {
    const { s, idp } = await setup(t);
    idp.accounts.set("pic", { picture: "https://example.com/pic.png" });
    const grant = await startLogin(s.client(), "users", "pic");
    const res = await request(s.url, "POST", "/api/collections/users/auth-with-oauth2", {
      body: {
        provider: "oidc",
        code: grant.code,
        codeVerifier: grant.codeVerifier,
        redirectURL: CLIENT_REDIRECT,
      },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.json), ["meta", "record", "token"]);
    assert.deepEqual(Object.keys(res.json.meta), [
      "accessToken",
      "avatarURL",
      "avatarUrl",
      "email",
      "expiry",
      "id",
      "isNew",
      "name",
      "rawUser",
      "refreshToken",
      "username",
    ]);
    assert.equal(res.json.meta.avatarURL, "https://example.com/pic.png");
    assert.equal(res.json.meta.avatarUrl, "https://example.com/pic.png");
    assert.equal(res.json.meta.username, "pic");
    assert.match(res.json.meta.expiry, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  test("a wrong PKCE verifier is refused by the provider (400), and a code works once", async (t) => {
    const { s } = await setup(t);
    const pb = s.client();
    const grant = await startLogin(pb, "users", "bob");
    const wrong = await failure(
      pb.collection("users").authWithOAuth2Code("oidc", grant.code, "x".repeat(43), CLIENT_REDIRECT),
    );
    assert.equal(wrong.status, 400);
    assert.equal(wrong.response.message, "Failed to fetch OAuth2 token.");
    const missing = await failure(
      pb.collection("users").authWithOAuth2Code("oidc", grant.code, "", CLIENT_REDIRECT),
    );
    assert.equal(missing.status, 400);

    const fresh = await startLogin(pb, "users", "bob");
    const ok = await pb
      .collection("users")
      .authWithOAuth2Code("oidc", fresh.code, fresh.codeVerifier, CLIENT_REDIRECT);
    assert.equal(ok.record.email, "bob@example.com");
    const replay = await failure(
      s
        .client()
        .collection("users")
        .authWithOAuth2Code("oidc", fresh.code, fresh.codeVerifier, CLIENT_REDIRECT),
    );
    assert.equal(replay.status, 400, "authorization codes are single-use");
    assert.equal(query(s.dir, "SELECT COUNT(*) AS n FROM users WHERE email = ?", "bob@example.com")[0]!.n, 1);
  });

  test("a code is bound to the redirect URI it was issued for", async (t) => {
    const { s } = await setup(t);
    const grant = await startLogin(s.client(), "users", "carol");
    const err = await failure(
      s
        .client()
        .collection("users")
        .authWithOAuth2Code("oidc", grant.code, grant.codeVerifier, "http://127.0.0.1:9/other"),
    );
    assert.equal(err.status, 400);
  });

  test("unknown, unconfigured and disabled providers fail before any exchange", async (t) => {
    const { s } = await setup(t);
    for (const provider of ["nope", "google"]) {
      const res = await request(s.url, "POST", "/api/collections/users/auth-with-oauth2", {
        body: { provider, code: "123", redirectURL: CLIENT_REDIRECT },
      });
      assert.equal(res.status, 400);
      assert.equal(res.json.message, "An error occurred while loading the submitted data.");
      assert.equal(res.json.data.provider.code, "validation_invalid_provider");
      assert.equal(
        res.json.data.provider.message,
        `Provider with name ${provider} is missing or is not enabled.`,
      );
    }
    const empty = await request(s.url, "POST", "/api/collections/users/auth-with-oauth2", { body: {} });
    assert.equal(empty.status, 400);
    // PocketBase requires provider, code and redirectURL (codeVerifier is optional).
    assert.deepEqual(Object.keys(empty.json.data).sort(), ["code", "provider", "redirectURL"]);
    const noRedirect = await request(s.url, "POST", "/api/collections/users/auth-with-oauth2", {
      body: { provider: "oidc", code: "123" },
    });
    assert.equal(noRedirect.status, 400);
    assert.equal(noRedirect.json.data.redirectURL.code, "validation_required");
    const legacy = await request(s.url, "POST", "/api/collections/users/auth-with-oauth2", {
      body: { provider: "oidc", code: "123", redirectUrl: CLIENT_REDIRECT },
    });
    assert.equal(legacy.status, 400);
    assert.equal(
      legacy.json.message,
      "Failed to fetch OAuth2 token.",
      "redirectUrl is accepted as redirectURL",
    );
    const broken = await request(s.url, "POST", "/api/collections/users/auth-with-oauth2", {
      body: '{"provider"',
      headers: { "content-type": "application/json" },
    });
    assert.equal(broken.status, 400);
    assert.deepEqual(broken.json.data, {});

    await s.pb.collections.update("users", { oauth2: { enabled: false } });
    const disabled = await request(s.url, "POST", "/api/collections/users/auth-with-oauth2", {
      body: { provider: "oidc", code: "123", redirectURL: CLIENT_REDIRECT },
    });
    assert.equal(disabled.status, 403);
    assert.equal(disabled.json.message, "The collection is not configured to allow OAuth2 authentication.");
    const base = await request(s.url, "POST", "/api/collections/_externalAuths/auth-with-oauth2", {
      body: {},
    });
    assert.equal(base.status, 404);
  });

  test("a logged-in user links a provider to their own account (email differs: stays unverified)", async (t) => {
    const { s } = await setup(t);
    const pb = s.client();
    pb.authStore.save(s.userToken, null);
    const userId = String(query(s.dir, "SELECT id FROM users WHERE email = ?", USER.email)[0]!.id);
    const res = await oauth2Login(pb, "users", "linker");
    assert.equal(res.record.id, userId);
    assert.equal(res.record.email, USER.email);
    assert.equal(res.record.verified, false);
    assert.equal(res.meta?.isNew, false);
    assert.deepEqual(links(s, userId), [{ provider: "oidc", providerId: "linker" }]);
    // Its own password still works: the requester's account is not reset.
    await s.client().collection("users").authWithPassword(USER.email, USER.password);
  });

  test('sign-ups go through the createRule with @request.context = "oauth2"', async (t) => {
    const { s } = await setup(t);
    await s.pb.collections.update("users", { createRule: '@request.context = "oauth2"' });
    const direct = await request(s.url, "POST", "/api/collections/users/records", {
      body: { email: "direct@example.com", password: "1234567890", passwordConfirm: "1234567890" },
    });
    assert.equal(direct.status, 400, "a plain create does not match the rule");
    const viaOAuth2 = await oauth2Login(s.client(), "users", "dave");
    assert.equal(viaOAuth2.meta?.isNew, true);

    await s.pb.collections.update("users", { createRule: null });
    const closed = await failure(oauth2Login(s.client(), "users", "erin"));
    assert.equal(closed.status, 403);
    assert.equal(
      query(s.dir, "SELECT COUNT(*) AS n FROM users WHERE email = ?", "erin@example.com")[0]!.n,
      0,
    );
  });

  test("createData cannot verify the new account, and bad createData is a 400 with field errors", async (t) => {
    const { s } = await setup(t);
    const selfVerified = await failure(oauth2Login(s.client(), "users", "frank", { verified: true }));
    assert.equal(selfVerified.status, 400);
    assert.equal(selfVerified.response.data.verified.code, "validation_values_mismatch");
    const badEmail = await failure(oauth2Login(s.client(), "users", "frank", { email: "not-an-email" }));
    assert.equal(badEmail.status, 400);
    assert.equal(badEmail.response.data.email.code, "validation_is_email");
    assert.equal(query(s.dir, "SELECT COUNT(*) AS n FROM _externalAuths").at(0)!.n, 0);
  });

  test("an OIDC provider without userinfo: the user comes from its signed id_token (oidc2)", async (t) => {
    const s = await startTestServer(t, { template });
    const idp = await startOidcProvider(t, { redirectUris: [CLIENT_REDIRECT], claimsInIdToken: true });
    await enableOAuth2(s, "users", [
      oidcProviderConfig(idp, {
        name: "oidc2",
        userInfoURL: "",
        extra: { jwksURL: idp.jwksURL, issuers: [idp.issuer] },
      }),
    ]);
    const res = await oauth2Login(s.client(), "users", "ida", undefined, "oidc2");
    assert.equal(res.record.email, "ida@example.com");
    assert.equal(res.meta?.rawUser.iss, idp.issuer);
    assert.equal(res.meta?.rawUser.aud, idp.clientId);

    await enableOAuth2(s, "users", [
      oidcProviderConfig(idp, {
        name: "oidc2",
        userInfoURL: "",
        extra: { jwksURL: idp.jwksURL, issuers: ["https://other"] },
      }),
    ]);
    const err = await failure(oauth2Login(s.client(), "users", "ida", undefined, "oidc2"));
    assert.equal(err.status, 400);
    assert.equal(err.response.message, "Failed to fetch OAuth2 user.");
  });

  test("with MFA, OAuth2 is one factor named oauth2: 401 {mfaId}, then a password completes it", async (t) => {
    const { s } = await setup(t);
    await oauth2Login(s.client(), "users", "mfa", {
      password: "mfa-pass-123",
      passwordConfirm: "mfa-pass-123",
    });
    await s.pb.collections.update("users", { mfa: { enabled: true, duration: 600, rule: "" } });
    const first = await failure(oauth2Login(s.client(), "users", "mfa"));
    assert.equal(first.status, 401);
    const mfaId = String((first.response as { mfaId?: string }).mfaId ?? "");
    assert.match(mfaId, /^[a-z0-9]{15}$/);
    assert.equal(query(s.dir, "SELECT method FROM _mfas WHERE id = ?", mfaId)[0]?.method, "oauth2");
    const again = await failure(oauth2Login(s.client(), "users", "mfa"));
    assert.equal(again.status, 401, "a new OAuth2 login without the mfaId starts another MFA session");
    const done = await s
      .client()
      .collection("users")
      .authWithPassword("mfa@example.com", "mfa-pass-123", { mfaId });
    assert.equal(done.record.email, "mfa@example.com");
  });

  test("onRecordAuthWithOAuth2Request sees the provider, the user, createData and isNewRecord", async (t) => {
    const { s } = await setup(t);
    const seen: Record<string, unknown>[] = [];
    s.app.onRecordAuthWithOAuth2Request("users").bindFunc(async (e) => {
      seen.push({
        provider: e.providerName,
        clientId: e.providerClient.clientId,
        user: e.oAuth2User.id,
        isNew: e.isNewRecord,
        record: e.record?.id ?? null,
        createData: e.createData,
      });
      e.createData.name = "From hook";
      await e.next();
    });
    const res = await oauth2Login(s.client(), "users", "gina", { emailVisibility: false });
    assert.equal(res.record.name, "From hook");
    assert.deepEqual(seen, [
      {
        provider: "oidc",
        clientId: "satchel-test",
        user: "gina",
        isNew: true,
        record: null,
        createData: { emailVisibility: false, name: "From hook" },
      },
    ]);
  });
});
