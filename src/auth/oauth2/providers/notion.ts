/** Notion: the authorizing user is the owner of the integration's bot user. */
import { str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { requireObject } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "notion",
  displayName: "Notion",
  order: 17,
  logo: badgeLogo("N", "#000"),
  pkce: true,
  scopes: [],
  authURL: "https://api.notion.com/v1/oauth/authorize",
  tokenURL: "https://api.notion.com/v1/oauth/token",
  userInfoURL: "https://api.notion.com/v1/users/me",
  async fetchUser({ config, api }) {
    // Every Notion API call needs a version header.
    return {
      raw: requireObject(await api(config.userInfoURL, { headers: { "notion-version": "2022-06-28" } })),
    };
  },
  mapUser({ raw }) {
    return {
      id: str(raw, "bot.owner.user.id"),
      name: str(raw, "bot.owner.user.name"),
      username: "",
      email: str(raw, "bot.owner.user.person.email"),
      avatarURL: str(raw, "bot.owner.user.avatar_url"),
    };
  },
});
