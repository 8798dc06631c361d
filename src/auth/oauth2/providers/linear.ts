/** Linear: the user comes from the GraphQL `viewer`. Linear rejects PKCE parameters. */
import { flag, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { OAuth2ProviderError, requireObject } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "linear",
  displayName: "Linear",
  order: 16,
  logo: badgeLogo("L", "#5E6AD2"),
  pkce: false,
  scopes: ["read"],
  authURL: "https://linear.app/oauth/authorize",
  tokenURL: "https://api.linear.app/oauth/token",
  userInfoURL: "https://api.linear.app/graphql",
  async fetchUser({ config, api }) {
    const query = "query Me { viewer { id displayName name email avatarUrl active } }";
    return { raw: requireObject(await api(config.userInfoURL, { method: "POST", json: { query } })) };
  },
  mapUser({ raw }) {
    if (!flag(raw, "data.viewer.active"))
      throw new OAuth2ProviderError("the Linear user account is not active");
    return {
      id: str(raw, "data.viewer.id"),
      name: str(raw, "data.viewer.name"),
      username: str(raw, "data.viewer.displayName"),
      email: str(raw, "data.viewer.email"),
      avatarURL: str(raw, "data.viewer.avatarUrl"),
    };
  },
});
