/** Spotify. Spotify's email is documented as unverified, so it is never used. */
import { str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "spotify",
  displayName: "Spotify",
  order: 21,
  logo: badgeLogo("S", "#1DB954"),
  pkce: true,
  scopes: ["user-read-private"],
  authURL: "https://accounts.spotify.com/authorize",
  tokenURL: "https://accounts.spotify.com/api/token",
  userInfoURL: "https://api.spotify.com/v1/me",
  mapUser({ raw }) {
    return {
      id: str(raw, "id"),
      name: str(raw, "display_name"),
      username: "",
      email: "",
      avatarURL: str(raw, "images.0.url"),
    };
  },
});
