/** Facebook (Graph API `/me`). */
import { id, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "facebook",
  displayName: "Facebook",
  order: 5,
  logo: badgeLogo("f", "#1877F2"),
  pkce: true,
  scopes: ["email"],
  authURL: "https://www.facebook.com/v3.2/dialog/oauth",
  tokenURL: "https://graph.facebook.com/v3.2/oauth/access_token",
  userInfoURL: "https://graph.facebook.com/me?fields=name,email,picture.type(large)",
  mapUser({ raw }) {
    return {
      id: id(raw, "id"),
      name: str(raw, "name"),
      username: "",
      // Graph only returns a confirmed primary address.
      email: str(raw, "email"),
      avatarURL: str(raw, "picture.data.url"),
    };
  },
});
