/** Instagram (Instagram API with Instagram Login; `instagram2`, the old Basic Display API is gone). */
import { id, str } from "../payload.ts";
import { defineProvider, type JsonObject } from "../provider.ts";
import { requireObject } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "instagram2",
  displayName: "Instagram",
  order: 6,
  logo: badgeLogo("Ig", "#E1306C"),
  pkce: true,
  scopes: ["instagram_business_basic"],
  authURL: "https://www.instagram.com/oauth/authorize",
  tokenURL: "https://api.instagram.com/oauth/access_token",
  userInfoURL:
    "https://graph.instagram.com/me?fields=id,username,account_type,user_id,name,profile_picture_url,followers_count,follows_count,media_count",
  async fetchUser({ config, tokens, api }) {
    const raw = requireObject(await api(config.userInfoURL));
    // The granted permissions come with the token; keep them with the user.
    const permissions = (tokens.data as JsonObject).permissions;
    if (!("permissions" in raw) && permissions !== undefined) raw.permissions = permissions;
    return { raw };
  },
  mapUser({ raw }) {
    return {
      id: id(raw, "user_id"),
      name: str(raw, "name"),
      username: str(raw, "username"),
      email: "",
      avatarURL: str(raw, "profile_picture_url"),
    };
  },
});
