/** VK (ВКонтакте). The email arrives with the token, not with the user. VK rejects PKCE. */
import { id, joinName, str } from "../payload.ts";
import { defineProvider, type JsonObject } from "../provider.ts";
import { OAuth2ProviderError, requireObject } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "vk",
  displayName: "ВКонтакте",
  order: 15,
  logo: badgeLogo("VK", "#0077FF"),
  pkce: false,
  scopes: ["email"],
  authURL: "https://oauth.vk.com/authorize",
  tokenURL: "https://oauth.vk.com/access_token",
  userInfoURL: "https://api.vk.com/method/users.get?fields=photo_max,screen_name&v=5.131",
  async fetchUser({ config, tokens, api }) {
    const email = (tokens.data as JsonObject).email;
    return {
      raw: requireObject(await api(config.userInfoURL)),
      extra: { email: typeof email === "string" ? email : "" },
    };
  },
  mapUser({ raw, extra }) {
    const list = raw.response;
    if (!Array.isArray(list) || list.length === 0) throw new OAuth2ProviderError("missing response entry");
    const user: unknown = list[0];
    return {
      id: id(user, "id"),
      name: joinName(str(user, "first_name"), str(user, "last_name")),
      username: str(user, "screen_name"),
      email: str(extra, "email"),
      avatarURL: str(user, "photo_max"),
    };
  },
});
