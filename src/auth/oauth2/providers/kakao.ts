/** Kakao. The email is used only when Kakao reports it both valid and verified. */
import { flag, id, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "kakao",
  displayName: "Kakao",
  order: 14,
  logo: badgeLogo("K", "#FEE500", "#191919"),
  pkce: true,
  scopes: ["account_email", "profile_nickname", "profile_image"],
  authURL: "https://kauth.kakao.com/oauth/authorize",
  tokenURL: "https://kauth.kakao.com/oauth/token",
  userInfoURL: "https://kapi.kakao.com/v2/user/me",
  mapUser({ raw }) {
    const trusted = flag(raw, "kakao_account.is_email_valid") && flag(raw, "kakao_account.is_email_verified");
    return {
      id: id(raw, "id"),
      name: "",
      username: str(raw, "properties.nickname"),
      email: trusted ? str(raw, "kakao_account.email") : "",
      avatarURL: str(raw, "properties.profile_image"),
    };
  },
});
