/**
 * Every OAuth2 provider Satchel knows, under PocketBase's names (§12.12). Collections may only
 * configure these; `_externalAuths.provider` holds one of these names.
 */
import type { ProviderDefinition } from "./provider.ts";
import apple from "./providers/apple.ts";
import bitbucket from "./providers/bitbucket.ts";
import box from "./providers/box.ts";
import discord from "./providers/discord.ts";
import facebook from "./providers/facebook.ts";
import gitea from "./providers/gitea.ts";
import gitee from "./providers/gitee.ts";
import github from "./providers/github.ts";
import gitlab from "./providers/gitlab.ts";
import google from "./providers/google.ts";
import instagram from "./providers/instagram.ts";
import kakao from "./providers/kakao.ts";
import lark from "./providers/lark.ts";
import linear from "./providers/linear.ts";
import livechat from "./providers/livechat.ts";
import mailcow from "./providers/mailcow.ts";
import microsoft from "./providers/microsoft.ts";
import monday from "./providers/monday.ts";
import notion from "./providers/notion.ts";
import oidc, { oidcProvider } from "./providers/oidc.ts";
import patreon from "./providers/patreon.ts";
import planningcenter from "./providers/planningcenter.ts";
import spotify from "./providers/spotify.ts";
import strava from "./providers/strava.ts";
import trakt from "./providers/trakt.ts";
import twitch from "./providers/twitch.ts";
import twitter from "./providers/twitter.ts";
import vk from "./providers/vk.ts";
import wakatime from "./providers/wakatime.ts";
import yandex from "./providers/yandex.ts";

/** All providers, sorted by their order then name (the order lists show them in). */
export const PROVIDERS: readonly ProviderDefinition[] = [
  apple,
  google,
  microsoft,
  yandex,
  facebook,
  instagram,
  github,
  gitlab,
  bitbucket,
  gitee,
  gitea,
  discord,
  twitter,
  kakao,
  vk,
  linear,
  notion,
  monday,
  lark,
  box,
  spotify,
  trakt,
  twitch,
  patreon,
  strava,
  wakatime,
  livechat,
  mailcow,
  planningcenter,
  oidc,
  oidcProvider("oidc2"),
  oidcProvider("oidc3"),
  // names are ASCII: compared by code unit (localeCompare would load ICU's collator, ~10 MB)
].sort((a, b) => a.order - b.order || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

const BY_NAME = new Map(PROVIDERS.map((p) => [p.name, p]));

/** The provider registered under a name. */
export function findProvider(name: string): ProviderDefinition | undefined {
  return BY_NAME.get(name);
}

/** Whether a provider name is registered. */
export function isKnownProvider(name: string): boolean {
  return BY_NAME.has(name);
}

/** `{name, displayName, logo}` of every provider, in list order. */
export function providerInfos(): { name: string; displayName: string; logo: string }[] {
  return PROVIDERS.map((p) => ({ name: p.name, displayName: p.displayName, logo: p.logo }));
}
