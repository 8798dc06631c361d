/** WakaTime. The email only when confirmed; the photo only when public. */
import { flag, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "wakatime",
  displayName: "WakaTime",
  order: 26,
  logo: badgeLogo("W", "#000"),
  pkce: true,
  scopes: ["email"],
  authURL: "https://wakatime.com/oauth/authorize",
  tokenURL: "https://wakatime.com/oauth/token",
  userInfoURL: "https://wakatime.com/api/v1/users/current",
  mapUser({ raw }) {
    return {
      id: str(raw, "data.id"),
      name: str(raw, "data.display_name"),
      username: str(raw, "data.username"),
      // is_email_public is not checked: the record's own emailVisibility decides who sees it.
      email: flag(raw, "data.is_email_confirmed") ? str(raw, "data.email") : "",
      avatarURL: flag(raw, "data.photo_public") ? str(raw, "data.photo") : "",
    };
  },
});
