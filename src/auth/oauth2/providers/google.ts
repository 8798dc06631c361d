/** Google (OpenID Connect userinfo v3). */
import { flag, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "google",
  displayName: "Google",
  order: 2,
  logo: badgeLogo("G", "#4285F4"),
  pkce: true,
  scopes: [
    "https://www.googleapis.com/auth/userinfo.profile",
    "https://www.googleapis.com/auth/userinfo.email",
  ],
  authURL: "https://accounts.google.com/o/oauth2/v2/auth",
  tokenURL: "https://oauth2.googleapis.com/token",
  userInfoURL: "https://www.googleapis.com/oauth2/v3/userinfo",
  mapUser({ raw }) {
    return {
      id: str(raw, "sub"),
      name: str(raw, "name"),
      username: "",
      email: flag(raw, "email_verified") ? str(raw, "email") : "",
      avatarURL: str(raw, "picture"),
    };
  },
});
