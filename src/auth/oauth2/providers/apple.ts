/**
 * Sign in with Apple. There is no userinfo endpoint: the user comes from the id_token, whose
 * signature is checked against Apple's JWKS. Apple posts the redirect back (`form_post`) and
 * sends the user's name only once, as a `user` form field on the first consent; the redirect
 * handler keeps it briefly so the exchange can fill `name` (see api/oauth2-redirect.ts).
 */
import { verifyIdToken } from "../id-token.ts";
import { asObject, flag, joinName, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

const ISSUER = "https://appleid.apple.com";

export default defineProvider({
  name: "apple",
  displayName: "Apple",
  order: 1,
  logo: badgeLogo("A", "#000"),
  pkce: true,
  scopes: ["name", "email"],
  authURL: "https://appleid.apple.com/auth/authorize",
  tokenURL: "https://appleid.apple.com/auth/token",
  userInfoURL: "",
  // Apple requires form_post when the name or email scope is requested.
  authParams: { response_mode: "form_post" },
  async fetchUser({ config, tokens, signal }) {
    const data = tokens.data as Record<string, unknown>;
    const claims = await verifyIdToken(typeof data.id_token === "string" ? data.id_token : "", {
      audience: config.clientId,
      issuers: [ISSUER],
      jwksURL:
        typeof config.extra.jwksURL === "string" && config.extra.jwksURL
          ? config.extra.jwksURL
          : `${ISSUER}/auth/keys`,
      requireExp: true,
      signal,
    });
    if (typeof data.user === "string" && data.user) {
      try {
        const user = asObject(JSON.parse(data.user));
        if (user) claims.user = user;
      } catch {
        // the user blob is optional
      }
    }
    return { raw: claims };
  },
  mapUser({ raw }) {
    return {
      id: str(raw, "sub"),
      name: str(raw, "name") || joinName(str(raw, "user.name.firstName"), str(raw, "user.name.lastName")),
      username: "",
      // Apple sends email_verified as a boolean or as the string "true".
      email: flag(raw, "email_verified") ? str(raw, "email") : "",
      avatarURL: "",
    };
  },
});
