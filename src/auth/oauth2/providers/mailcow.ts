/**
 * mailcow (self-hosted; set the three URLs to your server's `/oauth/authorize`, `/oauth/token`
 * and `/oauth/profile`). The mailbox address is the email.
 */
import { id, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { OAuth2ProviderError } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "mailcow",
  displayName: "mailcow",
  order: 28,
  logo: badgeLogo("mc", "#FFC107", "#1A1A1A"),
  pkce: true,
  scopes: ["profile"],
  authURL: "",
  tokenURL: "",
  userInfoURL: "",
  mapUser({ raw }) {
    if (raw.active !== 1 && raw.active !== "1")
      throw new OAuth2ProviderError("the mailcow user is not active");
    const username = str(raw, "username");
    return {
      id: id(raw, "id"),
      name: str(raw, "full_name"),
      // Usernames are usually the address itself: keep the local part.
      username: username.split("@")[0] ?? "",
      email: str(raw, "email"),
      avatarURL: "",
    };
  },
});
