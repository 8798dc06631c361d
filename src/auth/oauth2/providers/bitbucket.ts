/**
 * Bitbucket Cloud. The email comes from `/user/emails`: only an address that is both primary
 * and confirmed is used (PocketBase checks only "primary"; an unconfirmed primary address
 * would let its claimant link to the account that owns it).
 */
import { str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { OAuth2ProviderError, requireObject } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "bitbucket",
  displayName: "Bitbucket",
  order: 9,
  logo: badgeLogo("B", "#0052CC"),
  pkce: false,
  scopes: ["account"],
  authURL: "https://bitbucket.org/site/oauth2/authorize",
  tokenURL: "https://bitbucket.org/site/oauth2/access_token",
  userInfoURL: "https://api.bitbucket.org/2.0/user",
  async fetchUser({ config, api }) {
    const raw = requireObject(await api(config.userInfoURL));
    const list = await api(`${config.userInfoURL}/emails`, { tolerate: () => true });
    const values = (list as { values?: unknown } | null)?.values;
    const primary = Array.isArray(values)
      ? values.find(
          (v) =>
            (v as { is_primary?: unknown }).is_primary === true &&
            (v as { is_confirmed?: unknown }).is_confirmed === true,
        )
      : undefined;
    return { raw, extra: { email: str(primary, "email") } };
  },
  mapUser({ raw, extra }) {
    if (str(raw, "account_status") !== "active")
      throw new OAuth2ProviderError("the Bitbucket user is not active");
    return {
      id: str(raw, "uuid"),
      name: str(raw, "display_name"),
      username: str(raw, "username"),
      email: str(extra, "email"),
      avatarURL: str(raw, "links.avatar.href"),
    };
  },
});
