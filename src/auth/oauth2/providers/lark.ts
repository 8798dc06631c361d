/**
 * Lark / Feishu. The defaults are feishu.cn (as Lark's own SDK); point the URLs at
 * larksuite.com outside China. The id is the `union_id`, stable across a developer's apps.
 */
import { str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "lark",
  displayName: "Lark",
  order: 19,
  logo: badgeLogo("L", "#00D6B9"),
  pkce: true,
  scopes: [],
  authURL: "https://accounts.feishu.cn/open-apis/authen/v1/authorize",
  tokenURL: "https://open.feishu.cn/open-apis/authen/v2/oauth/token",
  userInfoURL: "https://open.feishu.cn/open-apis/authen/v1/user_info",
  mapUser({ raw }) {
    return {
      id: str(raw, "data.union_id"),
      name: str(raw, "data.name"),
      username: "",
      email: "",
      avatarURL: str(raw, "data.avatar_url"),
    };
  },
});
