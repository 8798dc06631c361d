/**
 * The flow every provider shares: resolve the effective config, build the authorization URL
 * (state + PKCE), exchange the code for tokens and fetch the user. The OAuth2 protocol work is
 * arctic's generic `OAuth2Client`; this module adds what PocketBase does around it:
 *
 * - Client authentication at the token endpoint is auto-detected like Go's `oauth2` package:
 *   HTTP Basic first (arctic), then the credentials in the form body, remembering per
 *   token URL + client id which one worked. Some providers accept only one of the two.
 * - Every network call runs under one AbortSignal (the API gives it a 30 s budget).
 * - Provider responses are size-capped and narrowed; a token response without an access token
 *   is a failure (GitHub answers errors with a 200).
 */
import type { OAuth2Tokens } from "arctic";
import { formatDate } from "../../tools/dates.ts";
import { ALPHANUMERIC, randomString } from "../../tools/random.ts";
import { asObject } from "./payload.ts";
import type {
  ApiRequest,
  AuthUser,
  FetchContext,
  JsonObject,
  ProviderConfig,
  ProviderDefinition,
  ProviderOverrides,
} from "./provider.ts";
import type * as ArcticModule from "arctic";

// arctic (with its crypto dependencies, ~9 MB of memory) is loaded by the first OAuth2 flow,
// not at startup: most servers list auth methods rarely and many never use OAuth2.
let arcticModule: Promise<typeof ArcticModule> | undefined;
const loadArctic = (): Promise<typeof ArcticModule> => (arcticModule ??= import("arctic"));

/** How long the whole exchange (token + user requests) may take. */
export const EXCHANGE_TIMEOUT_MS = 30_000;

/** Largest provider response read (token, user info, JWKS). */
const MAX_RESPONSE_BYTES = 2 << 20;

/** A failed call to a provider; the message is for logs only, never sent to clients. */
export class OAuth2ProviderError extends Error {
  override name = "OAuth2ProviderError";
}

/** The provider's defaults with the collection's overrides applied (empty values keep defaults). */
export function resolveConfig(def: ProviderDefinition, overrides: ProviderOverrides): ProviderConfig {
  const config: ProviderConfig = {
    name: def.name,
    displayName: overrides.displayName || def.displayName,
    clientId: overrides.clientId ?? "",
    clientSecret: overrides.clientSecret ?? "",
    authURL: overrides.authURL || def.authURL,
    tokenURL: overrides.tokenURL || def.tokenURL,
    userInfoURL: overrides.userInfoURL || def.userInfoURL,
    scopes: [...def.scopes],
    pkce: typeof overrides.pkce === "boolean" ? overrides.pkce : def.pkce,
    extra: { ...overrides.extra },
  };
  return def.configure ? def.configure(config) : config;
}

/** The start of an authorization: what `auth-methods` hands to the client. */
export interface AuthorizationStart {
  /** 30 random characters; the client checks it on the redirect (or the realtime client id). */
  state: string;
  /** The provider URL, ending with an empty `&redirect_uri=` for the client to complete. */
  authURL: string;
  /** PKCE verifier (43 characters) and its S256 challenge; "" when PKCE is off. */
  codeVerifier: string;
  codeChallenge: string;
  codeChallengeMethod: string;
}

/** Builds a new authorization URL with a fresh state and, when enabled, a PKCE pair. */
export async function startAuthorization(
  def: ProviderDefinition,
  config: ProviderConfig,
): Promise<AuthorizationStart> {
  const { CodeChallengeMethod, OAuth2Client } = await loadArctic();
  const state = randomString(30, ALPHANUMERIC);
  const client = new OAuth2Client(config.clientId, null, null);
  let url: URL;
  let codeVerifier = "";
  let codeChallenge = "";
  if (config.pkce) {
    codeVerifier = randomString(43, ALPHANUMERIC);
    url = client.createAuthorizationURLWithPKCE(
      config.authURL,
      state,
      CodeChallengeMethod.S256,
      codeVerifier,
      config.scopes,
    );
    codeChallenge = url.searchParams.get("code_challenge") ?? "";
  } else {
    url = client.createAuthorizationURL(config.authURL, state, config.scopes);
  }
  for (const [key, value] of Object.entries(def.authParams ?? {})) url.searchParams.set(key, value);
  return {
    state,
    authURL: `${url.href}&redirect_uri=`,
    codeVerifier,
    codeChallenge,
    codeChallengeMethod: config.pkce ? "S256" : "",
  };
}

/** Input of a code exchange. */
export interface CodeExchange {
  code: string;
  /** Sent only when the provider uses PKCE. */
  codeVerifier: string;
  redirectURL: string;
  signal: AbortSignal;
}

type AuthStyle = "header" | "body";
const authStyles = new Map<string, AuthStyle>();

/** Exchanges an authorization code for tokens at the provider's token endpoint. */
export async function exchangeCode(config: ProviderConfig, input: CodeExchange): Promise<OAuth2Tokens> {
  const key = `${config.tokenURL}\n${config.clientId}`;
  const known = authStyles.get(key);
  const styles: AuthStyle[] = known ? [known] : ["header", "body"];
  const { OAuth2Client } = await loadArctic();
  const verifier = config.pkce ? input.codeVerifier : null;
  let lastError: unknown = new OAuth2ProviderError("no token request was sent");
  for (const style of styles) {
    try {
      const tokens =
        style === "header"
          ? await abortable(
              new OAuth2Client(
                config.clientId,
                config.clientSecret || null,
                input.redirectURL,
              ).validateAuthorizationCode(config.tokenURL, input.code, verifier),
              input.signal,
            )
          : await bodyCredentialsExchange(config, input, verifier);
      if (typeof tokens.data !== "object" || !nonEmptyString((tokens.data as JsonObject).access_token)) {
        throw new OAuth2ProviderError("the token response has no access_token");
      }
      authStyles.set(key, style);
      return tokens;
    } catch (err) {
      if (input.signal.aborted) throw new OAuth2ProviderError("the token request timed out", { cause: err });
      lastError = err;
    }
  }
  throw lastError;
}

/** The token request with `client_id`/`client_secret` in the form body (RFC 6749 §2.3.1). */
async function bodyCredentialsExchange(
  config: ProviderConfig,
  input: CodeExchange,
  verifier: string | null,
): Promise<OAuth2Tokens> {
  const form = new URLSearchParams({ grant_type: "authorization_code", code: input.code });
  form.set("redirect_uri", input.redirectURL);
  if (verifier !== null) form.set("code_verifier", verifier);
  form.set("client_id", config.clientId);
  if (config.clientSecret) form.set("client_secret", config.clientSecret);
  const res = await fetch(config.tokenURL, {
    method: "POST",
    body: form,
    headers: { accept: "application/json", "user-agent": "satchel" },
    signal: input.signal,
  });
  const text = await readLimited(res);
  const data = asObject(parseJson(text)) ?? Object.fromEntries(new URLSearchParams(text));
  if (res.status !== 200 || "error" in data) {
    throw new OAuth2ProviderError(
      `token request failed (${res.status}): ${JSON.stringify(data.error ?? "")}`,
    );
  }
  return new (await loadArctic()).OAuth2Tokens(data);
}

/** Fetches the user with the access token and maps it to the standard AuthUser. */
export async function fetchAuthUser(
  def: ProviderDefinition,
  config: ProviderConfig,
  tokens: OAuth2Tokens,
  signal: AbortSignal,
): Promise<AuthUser> {
  const data = tokens.data as JsonObject;
  const accessToken = String(data.access_token);
  const ctx: FetchContext = {
    config,
    tokens,
    signal,
    api: (url, request) => apiRequest(url, accessToken, signal, request),
  };
  const payload = def.fetchUser
    ? await def.fetchUser(ctx)
    : { raw: requireObject(await ctx.api(config.userInfoURL)) };
  const mapped = def.mapUser(payload);
  const expiresIn = typeof data.expires_in === "number" ? data.expires_in : Number(data.expires_in);
  return {
    ...mapped,
    accessToken,
    refreshToken: nonEmptyString(data.refresh_token) ? data.refresh_token : "",
    expiry: Number.isFinite(expiresIn) && expiresIn > 0 ? formatDate(Date.now() + expiresIn * 1000) : "",
    rawUser: payload.raw,
  };
}

/** A JSON request to a provider API with the bearer token; null for tolerated statuses. */
async function apiRequest(
  url: string,
  accessToken: string,
  signal: AbortSignal,
  request: ApiRequest = {},
): Promise<unknown> {
  const headers: Record<string, string> = {
    accept: "application/json",
    "user-agent": "satchel",
    ...request.headers,
    authorization: `Bearer ${accessToken}`,
  };
  let body: string | undefined;
  if (request.json !== undefined) {
    body = JSON.stringify(request.json);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(url, { method: request.method ?? "GET", headers, body, signal });
  if (res.status >= 400 && request.tolerate?.(res.status)) {
    await res.body?.cancel();
    return null;
  }
  const text = await readLimited(res);
  if (res.status >= 400)
    throw new OAuth2ProviderError(`request to ${url} failed (${res.status}): ${text.slice(0, 200)}`);
  const parsed = parseJson(text);
  if (parsed === undefined) throw new OAuth2ProviderError(`the response of ${url} is not JSON`);
  return parsed;
}

/** Fetches a JSON document without credentials (e.g. a JWKS). */
export async function fetchPublicJson(url: string, signal: AbortSignal): Promise<unknown> {
  const res = await fetch(url, { headers: { accept: "application/json" }, signal });
  const text = await readLimited(res);
  if (res.status >= 400) throw new OAuth2ProviderError(`request to ${url} failed (${res.status})`);
  return parseJson(text);
}

/** The value as a JSON object, or an error. */
export function requireObject(value: unknown): JsonObject {
  const obj = asObject(value);
  if (!obj) throw new OAuth2ProviderError("the provider answered with something other than a JSON object");
  return obj;
}

async function readLimited(res: Response): Promise<string> {
  const declared = Number(res.headers.get("content-length") ?? "0");
  if (declared > MAX_RESPONSE_BYTES) {
    await res.body?.cancel();
    throw new OAuth2ProviderError("the provider response is too large");
  }
  const buf = await res.arrayBuffer();
  if (buf.byteLength > MAX_RESPONSE_BYTES)
    throw new OAuth2ProviderError("the provider response is too large");
  return new TextDecoder().decode(buf);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

/** Settles with the promise, or rejects as soon as the signal aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new OAuth2ProviderError("aborted"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new OAuth2ProviderError("aborted"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(err instanceof Error ? err : new OAuth2ProviderError(String(err)));
      },
    );
  });
}
