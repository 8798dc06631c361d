import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { EventSource } from "eventsource";
import { configureOAuth2Redirect, takeAppleRedirectName } from "../src/api/oauth2-redirect.ts";
import { getRealtimeBroker } from "../src/api/realtime.ts";
import { enableOAuth2, oidcProviderConfig } from "./helpers/oauth2.ts";
import { browserLogin, startOidcProvider } from "./helpers/oidc.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";

// The SDK's realtime client needs an EventSource; Node has none by default.
(globalThis as { EventSource?: unknown }).EventSource ??= EventSource;

type OAuth2Message = { state: string; code: string; error?: string };

const SUCCESS_TEXT = "Auth completed. You can close this window and go back to the app.";
const FAILURE_TEXT = "Failed to authenticate. You can close this window and go back to the app to try again.";

/** An SDK realtime client subscribed to `@oauth2`, and the messages it got. */
async function subscriber(s: TestServer) {
  const pb = s.client();
  const messages: OAuth2Message[] = [];
  const unsubscribe = await pb.realtime.subscribe("@oauth2", (e: OAuth2Message) => messages.push(e));
  return { pb, messages, clientId: pb.realtime.clientId, close: unsubscribe };
}

describe("the OAuth2 redirect endpoint and the SDK's all-in-one flow", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup);
  });

  test("SDK authWithOAuth2: popup URL → provider login → /api/oauth2-redirect → realtime → signed in", async (t) => {
    const s = await startTestServer(t, { template });
    configureOAuth2Redirect(s.app, { dashboard: false });
    const redirectURI = `${s.url}/api/oauth2-redirect`;
    const idp = await startOidcProvider(t, {
      redirectUris: [redirectURI],
      tokenAuthMethod: "client_secret_post",
    });
    await enableOAuth2(s, "users", [oidcProviderConfig(idp)]);
    const pb = s.client();
    let page = "";
    const auth = await pb.collection("users").authWithOAuth2({
      provider: "oidc",
      createData: { emailVisibility: true },
      urlCallback: async (url) => {
        const landed = await browserLogin(url, "zoe", redirectURI);
        const res = await fetch(landed, { redirect: "manual" });
        page = await res.text();
      },
    });
    assert.equal(page, SUCCESS_TEXT);
    assert.equal(auth.record.email, "zoe@example.com");
    assert.equal(auth.record.verified, true);
    assert.equal(auth.record.emailVisibility, true);
    assert.equal(auth.meta?.isNew, true);
    assert.ok(pb.authStore.isValid);
    pb.realtime.unsubscribe();
  });

  test("the code goes to the client whose id is the state, once, and only while it is subscribed", async (t) => {
    const s = await startTestServer(t, { template });
    configureOAuth2Redirect(s.app, { dashboard: false });
    const a = await subscriber(s);
    const b = await subscriber(s);
    const res = await fetch(`${s.url}/api/oauth2-redirect?state=${a.clientId}&code=abc`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), SUCCESS_TEXT);
    await waitFor(() => a.messages.length > 0, "the OAuth2 flow to settle", 2000, 20);
    assert.deepEqual(a.messages, [{ state: a.clientId, code: "abc" }]);
    assert.deepEqual(b.messages, [], "other clients never see the code");

    const replay = await fetch(`${s.url}/api/oauth2-redirect?state=${a.clientId}&code=def`);
    assert.equal(await replay.text(), FAILURE_TEXT, "the subscription is used up");
    for (const query of ["", "?code=abc", "?state=unknown-client&code=abc"]) {
      const bad = await fetch(`${s.url}/api/oauth2-redirect${query}`);
      assert.equal(bad.status, 200);
      assert.equal(await bad.text(), FAILURE_TEXT);
    }
    await a.close();
    await b.close();
  });

  test("a provider error is forwarded and shown as a failure", async (t) => {
    const s = await startTestServer(t, { template });
    configureOAuth2Redirect(s.app, { dashboard: false });
    const a = await subscriber(s);
    const res = await fetch(`${s.url}/api/oauth2-redirect?state=${a.clientId}&error=access_denied`);
    assert.equal(await res.text(), FAILURE_TEXT);
    await waitFor(() => a.messages.length > 0, "the OAuth2 flow to settle", 2000, 20);
    assert.deepEqual(a.messages, [{ state: a.clientId, code: "", error: "access_denied" }]);
    await a.close();
  });

  test("a client connected from another IP does not get the code", async (t) => {
    const s = await startTestServer(t, { template });
    configureOAuth2Redirect(s.app, { dashboard: false });
    const a = await subscriber(s);
    getRealtimeBroker(s.app).client(a.clientId)!.ip = "203.0.113.7";
    const res = await fetch(`${s.url}/api/oauth2-redirect?state=${a.clientId}&code=abc`);
    assert.equal(await res.text(), FAILURE_TEXT);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(a.messages, []);
    await a.close();
  });

  test("Apple's form_post: the one-time user name is kept for the exchange; with the dashboard, 303/307 redirects", async (t) => {
    const s = await startTestServer(t, { template });
    configureOAuth2Redirect(s.app, { dashboard: true });
    const a = await subscriber(s);
    const form = new URLSearchParams({
      state: a.clientId,
      code: "apple-code",
      user: JSON.stringify({ name: { firstName: "Ada", lastName: "Lovelace" }, email: "ada@example.com" }),
    });
    const posted = await fetch(`${s.url}/api/oauth2-redirect`, {
      method: "POST",
      body: form,
      redirect: "manual",
    });
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get("location"), "../_/#/auth/oauth2-redirect-success");
    await waitFor(() => a.messages.length > 0, "the OAuth2 flow to settle", 2000, 20);
    assert.deepEqual(a.messages, [{ state: a.clientId, code: "apple-code" }]);
    assert.equal(takeAppleRedirectName(s.app, "apple-code"), "Ada Lovelace");
    assert.equal(takeAppleRedirectName(s.app, "apple-code"), "", "taken once");

    const failed = await fetch(`${s.url}/api/oauth2-redirect?state=nobody`, { redirect: "manual" });
    assert.equal(failed.status, 307);
    assert.equal(failed.headers.get("location"), "../_/#/auth/oauth2-redirect-failure");
    await a.close();
  });
});
