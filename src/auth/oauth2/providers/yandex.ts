/** Yandex ID. */
import { flag, id, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "yandex",
  displayName: "Yandex",
  order: 4,
  logo: badgeLogo("Я", "#FC3F1D"),
  pkce: true,
  scopes: ["login:email", "login:avatar", "login:info"],
  authURL: "https://oauth.yandex.com/authorize",
  tokenURL: "https://oauth.yandex.com/token",
  userInfoURL: "https://login.yandex.ru/info",
  mapUser({ raw }) {
    const avatarId = str(raw, "default_avatar_id");
    return {
      id: id(raw, "id"),
      name: str(raw, "real_name"),
      username: str(raw, "login"),
      email: str(raw, "default_email"),
      avatarURL:
        !flag(raw, "is_avatar_empty") && avatarId
          ? `https://avatars.yandex.net/get-yapic/${avatarId}/islands-200`
          : "",
    };
  },
});
