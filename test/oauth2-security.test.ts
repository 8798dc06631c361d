import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { ClientResponseError } from "pocketbase";
import { findRecordById } from "../src/core/records/record-query.ts";
import { newRecordToken } from "../src/core/records/record-tokens.ts";
import { request } from "./helpers/http.ts";
import { CLIENT_REDIRECT, enableOAuth2, oauth2Login, oidcProviderConfig } from "./helpers/oauth2.ts";
import { startOidcProvider, type TestOidcProvider } from "./helpers/oidc.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";

const VICTIM = "victim@example.com";

function links(s: TestServer, recordId: string) {
  return query(
    s.dir,
    "SELECT provider, providerId FROM _externalAuths WHERE recordRef = ? ORDER BY created",
    recordId,
  ).map((row) => `${String(row.provider)}:${String(row.providerId)}`);
}

function userRow(s: TestServer, id: string) {
  return { ...query(s.dir, "SELECT email, verified FROM users WHERE id = ?", id)[0] };
}

async function status(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (err) {
    return (err as ClientResponseError).status;
  }
}

/** Whether a token still authenticates (auth-refresh answers 200). */
async function tokenWorks(s: TestServer, token: string): Promise<boolean> {
  const res = await request(s.url, "POST", "/api/collections/users/auth-refresh", { token });
  return res.status === 200;
}

describe("OAuth2 account takeover protections", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup);
  });

  /** A server whose `users` accept two independent OIDC providers (oidc and oidc2). */
  async function setup(t: { after(fn: () => unknown): void }) {
    const s = await startTestServer(t, { template });
    const a: TestOidcProvider = await startOidcProvider(t, { redirectUris: [CLIENT_REDIRECT] });
    const b: TestOidcProvider = await startOidcProvider(t, { redirectUris: [CLIENT_REDIRECT] });
    // The victim's address at provider B; the attacker only has an account at provider A.
    b.accounts.set("victim", { email: VICTIM });
    a.accounts.set("victim", { email: VICTIM });
    await enableOAuth2(s, "users", [oidcProviderConfig(a), oidcProviderConfig(b, { name: "oidc2" })]);
    return { s, a, b };
  }

  test("CVE-2024-38351: a password account squatting an unverified email is reset when the owner signs in", async (t) => {
    const { s } = await setup(t);
    const squat = await request(s.url, "POST", "/api/collections/users/records", {
      body: { email: VICTIM, password: "attacker-pass", passwordConfirm: "attacker-pass" },
    });
    assert.equal(squat.status, 200, squat.text);
    const attacker = await s.client().collection("users").authWithPassword(VICTIM, "attacker-pass");
    assert.equal(attacker.record.verified, false);

    const victim = await oauth2Login(s.client(), "users", "victim", undefined, "oidc2");
    assert.equal(victim.record.id, squat.json.id, "the owner gets the account of their email");
    assert.equal(victim.record.verified, true);
    assert.equal(victim.meta?.isNew, false);
    assert.equal(await status(s.client().collection("users").authWithPassword(VICTIM, "attacker-pass")), 400);
    assert.equal(await tokenWorks(s, attacker.token), false, "the squatter's tokens are revoked");
    assert.equal(await tokenWorks(s, victim.token), true);
    assert.deepEqual(links(s, victim.record.id), ["oidc2:victim"]);
  });

  test("CVE-2026-44166: createData cannot claim a victim's email; the owner's first login evicts the attacker", async (t) => {
    const { s } = await setup(t);
    const attacker = await oauth2Login(s.client(), "users", "mallory", {
      email: VICTIM,
      password: "attacker-pass",
      passwordConfirm: "attacker-pass",
    });
    assert.equal(attacker.record.email, VICTIM);
    assert.equal(
      attacker.record.verified,
      false,
      "an email the provider did not vouch for is never verified",
    );
    assert.equal(attacker.meta?.isNew, true);
    assert.deepEqual(links(s, attacker.record.id), ["oidc:mallory"]);

    // Two providers: the victim signs in with the other one.
    const victim = await oauth2Login(s.client(), "users", "victim", undefined, "oidc2");
    assert.equal(victim.record.id, attacker.record.id);
    assert.equal(victim.record.verified, true);
    assert.deepEqual(links(s, victim.record.id), ["oidc2:victim"], "the attacker's link is gone");
    assert.equal(await tokenWorks(s, attacker.token), false);
    assert.equal(await status(s.client().collection("users").authWithPassword(VICTIM, "attacker-pass")), 400);

    // The attacker's identity now only reaches a fresh account of its own.
    const again = await oauth2Login(s.client(), "users", "mallory");
    assert.notEqual(again.record.id, victim.record.id);
    assert.equal(again.meta?.isNew, true);
    assert.equal(again.record.email, "mallory@example.com");
  });

  test("CVE-2026-44166 with one provider: the owner is not locked out by the squatter's link", async (t) => {
    const { s } = await setup(t);
    const attacker = await oauth2Login(s.client(), "users", "mallory", { email: VICTIM });
    const victim = await oauth2Login(s.client(), "users", "victim");
    assert.equal(victim.record.id, attacker.record.id);
    assert.equal(victim.record.verified, true);
    assert.deepEqual(links(s, victim.record.id), ["oidc:victim"]);
    assert.equal(await tokenWorks(s, attacker.token), false);
  });

  test("verifying the email by any other means drops every link made before (and their tokens)", async (t) => {
    const { s } = await setup(t);
    const attacker = await oauth2Login(s.client(), "users", "mallory", { email: VICTIM });
    const record = await findRecordById(s.app, s.app.findCollectionByNameOrId("users")!, attacker.record.id);
    const token = newRecordToken(record!, "verification", { email: VICTIM });
    const confirm = await request(s.url, "POST", "/api/collections/users/confirm-verification", {
      body: { token },
    });
    assert.equal(confirm.status, 204, confirm.text);
    assert.deepEqual(userRow(s, attacker.record.id), { email: VICTIM, verified: 1 });
    assert.deepEqual(links(s, attacker.record.id), []);
    assert.equal(await tokenWorks(s, attacker.token), false);
    const again = await oauth2Login(s.client(), "users", "mallory");
    assert.notEqual(
      again.record.id,
      attacker.record.id,
      "the attacker's identity no longer opens the account",
    );
  });

  test("a superuser verifying an account also drops its earlier links", async (t) => {
    const { s } = await setup(t);
    const attacker = await oauth2Login(s.client(), "users", "mallory", { email: VICTIM });
    await s.pb.collection("users").update(attacker.record.id, { verified: true });
    assert.deepEqual(links(s, attacker.record.id), []);
    assert.equal(await tokenWorks(s, attacker.token), false);
  });

  test("an email the provider does not vouch for links nothing", async (t) => {
    const { s, a } = await setup(t);
    const owner = await oauth2Login(s.client(), "users", "victim");
    a.accounts.set("sneaky", { email: VICTIM, email_verified: false });
    // No trusted email: a sign-up without one, which the default users collection refuses.
    const refused = await oauth2Login(s.client(), "users", "sneaky").catch((err: ClientResponseError) => err);
    assert.equal((refused as ClientResponseError).status, 400);
    assert.equal((refused as ClientResponseError).response.data.email.code, "validation_required");
    // With an email of its own choosing it gets a fresh, unverified account, never the owner's.
    const sneaky = await oauth2Login(s.client(), "users", "sneaky", { email: "sneaky@example.com" });
    assert.notEqual(sneaky.record.id, owner.record.id);
    assert.equal(sneaky.meta?.email, "");
    assert.equal(sneaky.meta?.isNew, true);
    assert.equal(sneaky.record.verified, false);
    assert.deepEqual(links(s, owner.record.id), ["oidc:victim"]);
  });

  test("a verified account is linked by its verified email and keeps its password and links", async (t) => {
    const { s } = await setup(t);
    const first = await oauth2Login(s.client(), "users", "victim", {
      password: "owner-pass-123",
      passwordConfirm: "owner-pass-123",
    });
    assert.equal(first.record.verified, true);
    const second = await oauth2Login(s.client(), "users", "victim", undefined, "oidc2");
    assert.equal(second.record.id, first.record.id);
    assert.deepEqual(links(s, first.record.id), ["oidc:victim", "oidc2:victim"]);
    assert.equal(await tokenWorks(s, first.token), true);
    await s.client().collection("users").authWithPassword(VICTIM, "owner-pass-123");
  });

  test("superusers can't sign in or up through OAuth2", async (t) => {
    const { s } = await setup(t);
    const res = await request(s.url, "POST", "/api/collections/_superusers/auth-with-oauth2", {
      body: { provider: "oidc", code: "x", redirectURL: CLIENT_REDIRECT },
    });
    assert.equal(res.status, 403);
  });
});
