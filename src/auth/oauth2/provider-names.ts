/**
 * The names of the OAuth2 providers in the registry (registry.ts), without their modules:
 * validating a collection's `oauth2.providers` needs only the names, and the 30 provider
 * modules then load when OAuth2 is first used (auth methods, an OAuth2 sign-in, the provider
 * list) rather than at every start. `registry.test.ts` keeps this list equal to the registry's.
 */
const NAMES: ReadonlySet<string> = new Set([
  "apple",
  "google",
  "microsoft",
  "yandex",
  "facebook",
  "instagram2",
  "github",
  "gitlab",
  "bitbucket",
  "gitee",
  "gitea",
  "discord",
  "twitter",
  "kakao",
  "vk",
  "linear",
  "notion",
  "monday",
  "lark",
  "box",
  "spotify",
  "trakt",
  "twitch",
  "patreon",
  "strava",
  "wakatime",
  "livechat",
  "mailcow",
  "planningcenter",
  "oidc",
  "oidc2",
  "oidc3",
]);

/** Whether a provider name is registered. */
export function isKnownProvider(name: string): boolean {
  return NAMES.has(name);
}

/** Every registered name (for the test that compares it with the registry). */
export function providerNames(): string[] {
  return [...NAMES];
}
