/**
 * `GET /api/collections/{collection}/auth-methods` (§1.2): which ways of signing in the
 * collection offers. Each enabled OAuth2 provider comes with a fresh 30-character `state`, a
 * PKCE pair (43-character verifier, S256 challenge) and an authorization URL ending in an empty
 * `redirect_uri=` for the client to complete. The server keeps none of them: the client holds
 * the state (to check on the redirect) and the verifier (to send with the code).
 */
import type { Router } from "./http/router.ts";
import { findProvider, resolveConfig, startAuthorization } from "../auth/oauth2/index.ts";
import type { AuthOptions } from "../core/collections/collection-model.ts";
import type { ApiEnv } from "./env.ts";
import { findAuthCollection } from "./record-auth-collection.ts";
import { jsonResponse } from "./response.ts";

/** One provider as listed (with an empty `logo` in the legacy `authProviders`). */
interface ProviderInfo {
  name: string;
  displayName: string;
  logo?: string;
  state: string;
  authURL: string;
  /** Legacy duplicate of `authURL`. */
  authUrl: string;
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: string;
}

async function providerInfos(oauth2: AuthOptions["oauth2"]): Promise<ProviderInfo[]> {
  const out: ProviderInfo[] = [];
  for (const overrides of oauth2.providers) {
    const definition = findProvider(overrides.name);
    if (!definition) continue; // an unknown provider can't be used: skip it, as PocketBase does
    const config = resolveConfig(definition, overrides);
    let start;
    try {
      start = await startAuthorization(definition, config);
    } catch {
      continue; // no usable authorization URL configured
    }
    out.push({
      name: overrides.name,
      displayName: config.displayName || overrides.name,
      logo: definition.logo,
      state: start.state,
      authURL: start.authURL,
      authUrl: start.authURL,
      codeVerifier: start.codeVerifier,
      codeChallenge: start.codeChallenge,
      codeChallengeMethod: start.codeChallengeMethod,
    });
  }
  return out;
}

/** Registers the auth methods route. */
export function bindAuthMethodsApi(router: Router<ApiEnv>): void {
  router.get("/api/collections/:collection/auth-methods", async (c) => {
    const options = findAuthCollection(c).auth;
    const password = options.passwordAuth;
    const providers = options.oauth2.enabled ? await providerInfos(options.oauth2) : [];
    const identityFields = password.enabled ? password.identityFields : [];
    return jsonResponse(c, 200, {
      password: { identityFields, enabled: password.enabled },
      oauth2: { providers, enabled: options.oauth2.enabled },
      mfa: { enabled: options.mfa.enabled, duration: options.mfa.enabled ? options.mfa.duration : 0 },
      otp: { enabled: options.otp.enabled, duration: options.otp.enabled ? options.otp.duration : 0 },
      // Legacy (pre-0.23) fields.
      authProviders: options.oauth2.enabled ? providers.map((p) => ({ ...p, logo: "" })) : null,
      usernamePassword: password.enabled && password.identityFields.includes("username"),
      emailPassword: password.enabled && password.identityFields.includes("email"),
    });
  });
}
