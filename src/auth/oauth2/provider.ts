/**
 * What an OAuth2 provider is: a declaration (name, display name, logo, default endpoints and
 * scopes, whether PKCE is on by default) plus two steps, fetching the provider's user payload
 * with the access token and mapping it to the standard `AuthUser`. Mapping is a pure function
 * of the payload, so each provider's mapping is unit-tested from a sample response.
 *
 * Security note: `email` must only be set when the provider vouches for it (a verified,
 * primary address). Record resolution links accounts by email, so a provider that passes an
 * unconfirmed address through would let anyone claim that address's account.
 */
import type { OAuth2Tokens } from "arctic";

/** A JSON object as received from a provider (untrusted, narrowed before use). */
export type JsonObject = { [key: string]: unknown };

/** The standard OAuth2 user (PocketBase's `AuthUser`). */
export interface AuthUser {
  id: string;
  name: string;
  username: string;
  email: string;
  avatarURL: string;
  accessToken: string;
  refreshToken: string;
  /** Access token expiry as a PocketBase date string ("" when unknown). */
  expiry: string;
  rawUser: JsonObject;
}

/** The user fields a provider maps from its payload. */
export type MappedUser = Pick<AuthUser, "id" | "name" | "username" | "email" | "avatarURL">;

/** Per-collection overrides of a provider, as stored in the auth collection's options. */
export interface ProviderOverrides {
  pkce?: boolean | null;
  clientId?: string;
  clientSecret?: string;
  authURL?: string;
  tokenURL?: string;
  userInfoURL?: string;
  displayName?: string;
  extra?: { [key: string]: unknown } | null;
}

/** A provider's effective configuration: its defaults with the collection's overrides. */
export interface ProviderConfig {
  name: string;
  displayName: string;
  clientId: string;
  clientSecret: string;
  authURL: string;
  tokenURL: string;
  userInfoURL: string;
  scopes: string[];
  pkce: boolean;
  extra: JsonObject;
}

/** Options of an authenticated JSON request to a provider API. */
export interface ApiRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  /** A JSON request body. */
  json?: unknown;
  /** Statuses answered with null instead of an error (e.g. a missing scope). */
  tolerate?: (status: number) => boolean;
}

/** What a provider's `fetchUser` works with. */
export interface FetchContext {
  config: ProviderConfig;
  tokens: OAuth2Tokens;
  /** Aborts when the exchange's time budget runs out. */
  signal: AbortSignal;
  /** Sends a request with the access token as a bearer and parses the JSON answer. */
  api: (url: string, request?: ApiRequest) => Promise<unknown>;
}

/** A provider's raw user payload, plus values fetched from secondary endpoints. */
export interface ProviderPayload {
  raw: JsonObject;
  extra?: JsonObject;
}

/** One OAuth2 provider (one file under `providers/`). */
export interface ProviderDefinition {
  /** The wire name, e.g. `google`. */
  name: string;
  displayName: string;
  /** Sort order in provider lists (lower first). */
  order: number;
  /** An SVG logo. */
  logo: string;
  pkce: boolean;
  scopes: readonly string[];
  authURL: string;
  tokenURL: string;
  userInfoURL: string;
  /** Extra query parameters of the authorization URL. */
  authParams?: Readonly<Record<string, string>>;
  /** Adjusts the effective config from its `extra` options. */
  configure?: (config: ProviderConfig) => ProviderConfig;
  /** Fetches the user payload (default: GET `userInfoURL` with the bearer token). */
  fetchUser?: (ctx: FetchContext) => Promise<ProviderPayload>;
  /** Maps the payload to the standard user fields. Pure. */
  mapUser: (payload: ProviderPayload) => MappedUser;
}

/** Declares a provider (identity function that checks the shape). */
export function defineProvider(definition: ProviderDefinition): ProviderDefinition {
  return definition;
}
