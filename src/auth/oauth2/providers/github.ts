/**
 * GitHub. The `/user` email is the public one (GitHub only lets verified addresses be public);
 * when it is hidden, the verified primary address is read from `/user/emails`.
 */
import { id, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { requireObject } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "github",
  displayName: "GitHub",
  order: 7,
  logo: badgeLogo("GH", "#181717"),
  // GitHub ignores PKCE parameters it does not support, so sending them is harmless.
  pkce: true,
  scopes: ["read:user", "user:email"],
  authURL: "https://github.com/login/oauth/authorize",
  tokenURL: "https://github.com/login/oauth/access_token",
  userInfoURL: "https://api.github.com/user",
  async fetchUser({ config, api }) {
    const raw = requireObject(await api(config.userInfoURL));
    if (str(raw, "email")) return { raw };
    // Optional: without the user:email scope the list is refused and the user has no email.
    const emails = await api(`${config.userInfoURL}/emails`, {
      tolerate: (s) => [401, 403, 404].includes(s),
    });
    const primary = Array.isArray(emails)
      ? emails.find(
          (e) =>
            str(e, "email") &&
            (e as { verified?: unknown }).verified === true &&
            (e as { primary?: unknown }).primary === true,
        )
      : undefined;
    return { raw, extra: { email: str(primary, "email") } };
  },
  mapUser({ raw, extra }) {
    return {
      id: id(raw, "id"),
      name: str(raw, "name"),
      username: str(raw, "login"),
      email: str(raw, "email") || str(extra, "email"),
      avatarURL: str(raw, "avatar_url"),
    };
  },
});
