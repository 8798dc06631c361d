/** X (Twitter) OAuth 2.0. Only the `confirmed_email` field is used as the email. */
import { str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "twitter",
  displayName: "X/Twitter",
  order: 13,
  logo: badgeLogo("X", "#000"),
  pkce: true,
  // `tweet.read` is unused but `/2/users/me` refuses the token without it.
  scopes: ["users.read", "users.email", "tweet.read"],
  authURL: "https://x.com/i/oauth2/authorize",
  tokenURL: "https://api.x.com/2/oauth2/token",
  userInfoURL: "https://api.x.com/2/users/me?user.fields=id,name,username,profile_image_url,confirmed_email",
  mapUser({ raw }) {
    return {
      id: str(raw, "data.id"),
      name: str(raw, "data.name"),
      username: str(raw, "data.username"),
      email: str(raw, "data.confirmed_email"),
      avatarURL: str(raw, "data.profile_image_url"),
    };
  },
});
