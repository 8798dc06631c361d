/** Planning Center (People API `me`). People may have several unverified addresses: none is used. */
import { str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { OAuth2ProviderError } from "../exchange.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "planningcenter",
  displayName: "Planning Center",
  order: 29,
  logo: badgeLogo("PC", "#2266F7"),
  pkce: true,
  scopes: ["people"],
  authURL: "https://api.planningcenteronline.com/oauth/authorize",
  tokenURL: "https://api.planningcenteronline.com/oauth/token",
  userInfoURL: "https://api.planningcenteronline.com/people/v2/me",
  mapUser({ raw }) {
    if (str(raw, "data.attributes.status") !== "active")
      throw new OAuth2ProviderError("the user is not active");
    return {
      id: str(raw, "data.id"),
      name: str(raw, "data.attributes.name"),
      username: "",
      email: "",
      avatarURL: str(raw, "data.attributes.avatar"),
    };
  },
});
