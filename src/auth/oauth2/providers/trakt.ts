/** Trakt: user settings, read with Trakt's mandatory API key and version headers. */
import { str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { requireObject } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "trakt",
  displayName: "Trakt",
  order: 22,
  logo: badgeLogo("t", "#ED1C24"),
  pkce: true,
  scopes: [],
  authURL: "https://trakt.tv/oauth/authorize",
  tokenURL: "https://api.trakt.tv/oauth/token",
  userInfoURL: "https://api.trakt.tv/users/settings",
  async fetchUser({ config, api }) {
    const headers = {
      "content-type": "application/json",
      "trakt-api-key": config.clientId,
      "trakt-api-version": "2",
    };
    return { raw: requireObject(await api(config.userInfoURL, { headers })) };
  },
  mapUser({ raw }) {
    return {
      id: str(raw, "user.ids.uuid"),
      name: str(raw, "user.name"),
      username: str(raw, "user.username"),
      email: "",
      avatarURL: str(raw, "user.images.avatar.full"),
    };
  },
});
