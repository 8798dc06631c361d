/** Twitch (Helix `/users`, which needs the Client-Id header). */
import { str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { OAuth2ProviderError, requireObject } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "twitch",
  displayName: "Twitch",
  order: 23,
  logo: badgeLogo("T", "#9146FF"),
  pkce: true,
  scopes: ["user:read:email"],
  authURL: "https://id.twitch.tv/oauth2/authorize",
  tokenURL: "https://id.twitch.tv/oauth2/token",
  userInfoURL: "https://api.twitch.tv/helix/users",
  async fetchUser({ config, api }) {
    return {
      raw: requireObject(await api(config.userInfoURL, { headers: { "client-id": config.clientId } })),
    };
  },
  mapUser({ raw }) {
    const list = raw.data;
    if (!Array.isArray(list) || list.length === 0)
      throw new OAuth2ProviderError("failed to fetch AuthUser data");
    const user: unknown = list[0];
    return {
      id: str(user, "id"),
      name: str(user, "display_name"),
      username: str(user, "login"),
      email: str(user, "email"),
      avatarURL: str(user, "profile_image_url"),
    };
  },
});
