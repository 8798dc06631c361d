/** Patreon (identity API v2). The email only when `is_email_verified`. */
import { flag, id, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "patreon",
  displayName: "Patreon",
  order: 24,
  logo: badgeLogo("P", "#FF424D"),
  pkce: true,
  scopes: ["identity", "identity[email]"],
  authURL: "https://www.patreon.com/oauth2/authorize",
  tokenURL: "https://www.patreon.com/api/oauth2/token",
  userInfoURL:
    "https://www.patreon.com/api/oauth2/v2/identity?fields%5Buser%5D=full_name,email,vanity,image_url,is_email_verified",
  mapUser({ raw }) {
    return {
      id: id(raw, "data.id"),
      name: str(raw, "data.attributes.full_name"),
      username: str(raw, "data.attributes.vanity"),
      email: flag(raw, "data.attributes.is_email_verified") ? str(raw, "data.attributes.email") : "",
      avatarURL: str(raw, "data.attributes.image_url"),
    };
  },
});
