/** Gitea (gitea.com by default; point the URLs at your instance to use it). */
import { id, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "gitea",
  displayName: "Gitea",
  order: 11,
  logo: badgeLogo("Gt", "#609926"),
  pkce: true,
  scopes: ["read:user", "user:email"],
  authURL: "https://gitea.com/login/oauth/authorize",
  tokenURL: "https://gitea.com/login/oauth/access_token",
  userInfoURL: "https://gitea.com/api/v1/user",
  mapUser({ raw }) {
    return {
      id: id(raw, "id"),
      name: str(raw, "full_name"),
      username: str(raw, "login"),
      email: str(raw, "email"),
      avatarURL: str(raw, "avatar_url"),
    };
  },
});
