/**
 * Microsoft (Entra ID / Azure AD, `common` tenant) through Microsoft Graph `/me`.
 *
 * By default the email is Graph's `mail` (PocketBase's behaviour, meant for single-tenant apps).
 * The `idTokenEmailClaim` extra option takes it from the id_token instead (adding the `openid`
 * scope): `verified_primary_email`, `email_and_xms_edov` (email only when `xms_edov` says the
 * domain owner verified it), `any_verified` (the first, then the second) or `email` (as is).
 */
import { decodeIdTokenClaims } from "../id-token.ts";
import { flag, str } from "../payload.ts";
import { defineProvider, type JsonObject } from "../provider.ts";
import { requireObject } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

const EMAIL_CLAIM_OPTION = "idTokenEmailClaim";

function verifiedPrimaryEmail(claims: JsonObject | null): string {
  // Documented as a list of addresses; a plain string is accepted too.
  return str(claims, "verified_primary_email") || str(claims, "verified_primary_email.0");
}

function edovEmail(claims: JsonObject | null): string {
  return claims && flag(claims, "xms_edov") ? str(claims, "email") : "";
}

export default defineProvider({
  name: "microsoft",
  displayName: "Microsoft",
  order: 3,
  logo: badgeLogo("M", "#00A4EF"),
  pkce: true,
  scopes: ["User.Read"],
  authURL: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
  tokenURL: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
  userInfoURL: "https://graph.microsoft.com/v1.0/me",
  configure(config) {
    const wantsIdToken =
      typeof config.extra[EMAIL_CLAIM_OPTION] === "string" && config.extra[EMAIL_CLAIM_OPTION] !== "";
    if (wantsIdToken && !config.scopes.includes("openid")) config.scopes.push("openid");
    return config;
  },
  async fetchUser({ config, tokens, api }) {
    const raw = requireObject(await api(config.userInfoURL));
    const mode = typeof config.extra[EMAIL_CLAIM_OPTION] === "string" ? config.extra[EMAIL_CLAIM_OPTION] : "";
    let idToken: JsonObject | null = null;
    const token = (tokens.data as JsonObject).id_token;
    if (mode && typeof token === "string") {
      try {
        idToken = decodeIdTokenClaims(token);
      } catch {
        idToken = null; // no trusted email then
      }
    }
    return { raw, extra: { mode, idToken } };
  },
  mapUser({ raw, extra }) {
    const claims = (extra?.idToken ?? null) as JsonObject | null;
    let email: string;
    switch (extra?.mode ?? "") {
      case "any_verified":
        email = verifiedPrimaryEmail(claims) || edovEmail(claims);
        break;
      case "verified_primary_email":
        email = verifiedPrimaryEmail(claims);
        break;
      case "email_and_xms_edov":
        email = edovEmail(claims);
        break;
      case "email":
        email = claims ? str(claims, "email") : "";
        break;
      default:
        email = str(raw, "mail");
    }
    return { id: str(raw, "id"), name: str(raw, "displayName"), username: "", email, avatarURL: "" };
  },
});
