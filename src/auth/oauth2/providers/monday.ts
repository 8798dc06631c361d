/** monday.com: the user comes from the GraphQL `me`; the email only when verified. */
import { flag, id, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { OAuth2ProviderError, requireObject } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "monday",
  displayName: "monday.com",
  order: 18,
  logo: badgeLogo("m", "#FF3D57"),
  pkce: true,
  scopes: ["me:read"],
  authURL: "https://auth.monday.com/oauth2/authorize",
  tokenURL: "https://auth.monday.com/oauth2/token",
  userInfoURL: "https://api.monday.com/v2",
  async fetchUser({ config, api }) {
    const query = "query { me { id enabled name email is_verified photo_small }}";
    return { raw: requireObject(await api(config.userInfoURL, { method: "POST", json: { query } })) };
  },
  mapUser({ raw }) {
    if (!flag(raw, "data.me.enabled"))
      throw new OAuth2ProviderError("the monday.com user account is not enabled");
    return {
      id: id(raw, "data.me.id"),
      name: str(raw, "data.me.name"),
      username: "",
      email: flag(raw, "data.me.is_verified") ? str(raw, "data.me.email") : "",
      avatarURL: str(raw, "data.me.photo_small"),
    };
  },
});
