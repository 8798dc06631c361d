/** GitLab (gitlab.com by default; point the URLs at a self-managed instance to use it). */
import { id, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "gitlab",
  displayName: "GitLab",
  order: 8,
  logo: badgeLogo("GL", "#FC6D26"),
  pkce: true,
  scopes: ["read_user"],
  authURL: "https://gitlab.com/oauth/authorize",
  tokenURL: "https://gitlab.com/oauth/token",
  userInfoURL: "https://gitlab.com/api/v4/user",
  mapUser({ raw }) {
    return {
      id: id(raw, "id"),
      name: str(raw, "name"),
      username: str(raw, "username"),
      email: str(raw, "email"),
      avatarURL: str(raw, "avatar_url"),
    };
  },
});
