/**
 * Gitee. The public email is used when it looks valid; otherwise the first confirmed primary
 * address from `/emails` (optional: refused without the `emails` scope).
 */
import { id, looksLikeEmail, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { requireObject } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "gitee",
  displayName: "Gitee",
  order: 10,
  logo: badgeLogo("G", "#C71D23"),
  pkce: true,
  scopes: ["user_info", "emails"],
  authURL: "https://gitee.com/oauth/authorize",
  tokenURL: "https://gitee.com/oauth/token",
  userInfoURL: "https://gitee.com/api/v5/user",
  async fetchUser({ config, api }) {
    const raw = requireObject(await api(config.userInfoURL));
    if (looksLikeEmail(str(raw, "email"))) return { raw };
    // A private address answers with an object instead of a list: no email then.
    const emails = await api("https://gitee.com/api/v5/emails", {
      tolerate: (s) => [401, 403, 404].includes(s),
    });
    const primary = Array.isArray(emails)
      ? emails.find((e) => {
          const scope = (e as { scope?: unknown }).scope;
          return (
            str(e, "state") === "confirmed" &&
            Array.isArray(scope) &&
            scope.includes("primary") &&
            looksLikeEmail(str(e, "email"))
          );
        })
      : undefined;
    return { raw, extra: { email: str(primary, "email") } };
  },
  mapUser({ raw, extra }) {
    const publicEmail = str(raw, "email");
    return {
      id: id(raw, "id"),
      name: str(raw, "name"),
      username: str(raw, "login"),
      email: looksLikeEmail(publicEmail) ? publicEmail : str(extra, "email"),
      avatarURL: str(raw, "avatar_url"),
    };
  },
});
