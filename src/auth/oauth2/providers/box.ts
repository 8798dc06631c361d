/** Box. The login is the account's email, which Box verifies before OAuth is allowed. */
import { id, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { OAuth2ProviderError } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "box",
  displayName: "Box",
  order: 20,
  logo: badgeLogo("box", "#0061D5"),
  pkce: true,
  scopes: ["root_readonly"],
  authURL: "https://account.box.com/api/oauth2/authorize",
  tokenURL: "https://api.box.com/oauth2/token",
  userInfoURL: "https://api.box.com/2.0/users/me",
  mapUser({ raw }) {
    const status = str(raw, "status");
    if (status !== "active")
      throw new OAuth2ProviderError(`Box user account is not active (status: ${JSON.stringify(status)})`);
    return {
      id: id(raw, "id"),
      name: str(raw, "name"),
      username: "",
      email: str(raw, "login"),
      avatarURL: str(raw, "avatar_url"),
    };
  },
});
