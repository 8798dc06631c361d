/** Discord. The email is used only when Discord marks the account `verified`. */
import { flag, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "discord",
  displayName: "Discord",
  order: 12,
  logo: badgeLogo("D", "#5865F2"),
  pkce: true,
  scopes: ["identify", "email"],
  authURL: "https://discord.com/api/oauth2/authorize",
  tokenURL: "https://discord.com/api/oauth2/token",
  userInfoURL: "https://discord.com/api/users/@me",
  mapUser({ raw }) {
    const userId = str(raw, "id");
    const avatar = str(raw, "avatar");
    const username = str(raw, "username");
    const discriminator = str(raw, "discriminator");
    // Display name, else the legacy `name#1234` form (new accounts have discriminator "0").
    const name =
      str(raw, "global_name") ||
      (discriminator && discriminator !== "0" ? `${username}#${discriminator}` : username);
    return {
      id: userId,
      name,
      username,
      email: flag(raw, "verified") ? str(raw, "email") : "",
      avatarURL: avatar ? `https://cdn.discordapp.com/avatars/${userId}/${avatar}.png` : "",
    };
  },
});
