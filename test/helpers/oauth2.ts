/**
 * OAuth2 test wiring: an auth collection configured with the test OIDC provider, and a full
 * login through the SDK's code flow (auth-methods → browser login → authWithOAuth2Code).
 */
import assert from "node:assert/strict";
import type PocketBase from "pocketbase";
import { browserLogin, type TestOidcProvider } from "./oidc.ts";
import type { TestServer } from "./server.ts";

/** The client's redirect URI in code-flow tests (never requested: the browser stops there). */
export const CLIENT_REDIRECT = "http://127.0.0.1:9/oauth2-callback";

/** The provider entry of a collection's `oauth2.providers` for the test provider. */
export function oidcProviderConfig(idp: TestOidcProvider, overrides: Record<string, unknown> = {}) {
  return {
    name: "oidc",
    clientId: idp.clientId,
    clientSecret: idp.clientSecret,
    authURL: idp.authURL,
    tokenURL: idp.tokenURL,
    userInfoURL: idp.userInfoURL,
    ...overrides,
  };
}

/** Enables OAuth2 on a collection with the given providers (as a superuser, through the API). */
export async function enableOAuth2(
  s: TestServer,
  collection: string,
  providers: Record<string, unknown>[],
  extra: Record<string, unknown> = {},
): Promise<void> {
  await s.pb.collections.update(collection, { oauth2: { enabled: true, providers }, ...extra });
}

/** The result of `startLogin`: the provider's answer to the browser, plus the client's PKCE verifier. */
export interface CodeGrant {
  code: string;
  state: string;
  expectedState: string;
  codeVerifier: string;
}

/** auth-methods, then the browser logs in at the provider; returns the code the client got. */
export async function startLogin(
  pb: PocketBase,
  collection: string,
  login: string,
  provider = "oidc",
): Promise<CodeGrant> {
  const methods = await pb.collection(collection).listAuthMethods();
  const info = methods.oauth2.providers.find((p) => p.name === provider);
  assert.ok(info, `provider ${provider} is listed`);
  const landed = await browserLogin(
    info.authURL + encodeURIComponent(CLIENT_REDIRECT),
    login,
    CLIENT_REDIRECT,
  );
  return {
    code: landed.searchParams.get("code") ?? "",
    state: landed.searchParams.get("state") ?? "",
    expectedState: info.state,
    codeVerifier: info.codeVerifier,
  };
}

/** A whole code-flow login through the SDK. */
export async function oauth2Login(
  pb: PocketBase,
  collection: string,
  login: string,
  createData?: Record<string, unknown>,
  provider = "oidc",
) {
  const grant = await startLogin(pb, collection, login, provider);
  assert.equal(grant.state, grant.expectedState, "the provider echoes the state the client sent");
  return pb
    .collection(collection)
    .authWithOAuth2Code(provider, grant.code, grant.codeVerifier, CLIENT_REDIRECT, createData);
}
