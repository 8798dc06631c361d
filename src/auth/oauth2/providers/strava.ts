/** Strava (the athlete profile; Strava does not share the email). */
import { id, joinName, str } from "../payload.ts";
import { defineProvider } from "../provider.ts";
import { badgeLogo } from "../logo.ts";

export default defineProvider({
  name: "strava",
  displayName: "Strava",
  order: 25,
  logo: badgeLogo("S", "#FC4C02"),
  pkce: true,
  scopes: ["profile:read_all"],
  authURL: "https://www.strava.com/oauth/authorize",
  tokenURL: "https://www.strava.com/api/v3/oauth/token",
  userInfoURL: "https://www.strava.com/api/v3/athlete",
  mapUser({ raw }) {
    const athleteId = id(raw, "id");
    return {
      id: athleteId === "0" ? "" : athleteId,
      name: joinName(str(raw, "firstname"), str(raw, "lastname")),
      username: str(raw, "username"),
      email: "",
      avatarURL: str(raw, "profile"),
    };
  },
});
