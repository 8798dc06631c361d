/**
 * Generic OpenID Connect, registered three times (`oidc`, `oidc2`, `oidc3`) so that a
 * collection can use several OIDC servers. The user comes from the userinfo endpoint when one
 * is configured, otherwise from the id_token (signature checked when the `jwksURL` extra
 * option is set, `iss` checked against the `issuers` option when set).
 */
import { verifyIdToken } from "../id-token.ts";
import { flag, str } from "../payload.ts";
import { defineProvider, type ProviderDefinition } from "../provider.ts";
import { requireObject } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

function stringList(value: unknown): string[] {
  if (typeof value === "string") return value ? [value] : [];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string" && v !== "") : [];
}

/** An OIDC provider under the given name. */
export function oidcProvider(name: string): ProviderDefinition {
  return defineProvider({
    name,
    displayName: "OIDC",
    order: 99,
    logo: badgeLogo("ID", "#F78C40"),
    pkce: true,
    scopes: ["openid", "email", "profile"],
    authURL: "",
    tokenURL: "",
    userInfoURL: "",
    async fetchUser({ config, tokens, signal, api }) {
      if (config.userInfoURL) return { raw: requireObject(await api(config.userInfoURL)) };
      const idToken = (tokens.data as Record<string, unknown>).id_token;
      const jwksURL = typeof config.extra.jwksURL === "string" ? config.extra.jwksURL : "";
      const claims = await verifyIdToken(typeof idToken === "string" ? idToken : "", {
        audience: config.clientId,
        issuers: stringList(config.extra.issuers),
        ...(jwksURL ? { jwksURL } : {}),
        signal,
      });
      return { raw: claims };
    },
    mapUser({ raw }) {
      return {
        id: str(raw, "sub"),
        name: str(raw, "name"),
        username: str(raw, "preferred_username"),
        // Some servers send email_verified as a string.
        email: flag(raw, "email_verified") ? str(raw, "email") : "",
        avatarURL: str(raw, "picture"),
      };
    },
  });
}

export default oidcProvider("oidc");
