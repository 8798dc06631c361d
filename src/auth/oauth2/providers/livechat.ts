/** LiveChat accounts. Scopes are chosen in the LiveChat developer console. */
import { flag, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "livechat",
  displayName: "LiveChat",
  order: 27,
  logo: badgeLogo("LC", "#FF5100"),
  pkce: true,
  scopes: [],
  authURL: "https://accounts.livechat.com/",
  tokenURL: "https://accounts.livechat.com/token",
  userInfoURL: "https://accounts.livechat.com/v2/accounts/me",
  mapUser({ raw }) {
    return {
      id: str(raw, "account_id"),
      name: str(raw, "name"),
      username: "",
      email: flag(raw, "email_verified") ? str(raw, "email") : "",
      avatarURL: str(raw, "avatar_url"),
    };
  },
});
