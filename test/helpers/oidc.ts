/**
 * A real OpenID Connect provider for the OAuth2 tests (npm `oidc-provider`, PKCE required,
 * dev login form) on 127.0.0.1, and a tiny Node "browser" that logs in through its pages and
 * stops at the client's redirect URI.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

/** Claims of an account of the test provider. */
export interface OidcAccount {
  sub: string;
  email?: string;
  email_verified?: boolean;
  name?: string;
  preferred_username?: string;
  picture?: string;
}

/** Options of `startOidcProvider`. */
export interface OidcProviderOptions {
  /** Redirect URIs the client may use. */
  redirectUris: string[];
  /** How the client authenticates at the token endpoint (default: client_secret_basic). */
  tokenAuthMethod?: "client_secret_basic" | "client_secret_post";
  clientId?: string;
  clientSecret?: string;
  /** Put the scope claims (email, name…) in the id_token too (default: userinfo only). */
  claimsInIdToken?: boolean;
}

/** A running provider. */
export interface TestOidcProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  authURL: string;
  tokenURL: string;
  userInfoURL: string;
  jwksURL: string;
  /** Claims per login name; an unknown login gets `<login>@example.com`, verified. */
  accounts: Map<string, Partial<OidcAccount>>;
  close(): Promise<void>;
}

type Hookable = { after(fn: () => unknown): void };

/** Starts the provider on a random loopback port; it is closed after the test (or suite). */
export async function startOidcProvider(
  t: Hookable,
  options: OidcProviderOptions,
): Promise<TestOidcProvider> {
  const clientId = options.clientId ?? "satchel-test";
  const clientSecret = options.clientSecret ?? "satchel-test-secret";
  const accounts = new Map<string, Partial<OidcAccount>>();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code", "refresh_token"],
        response_types: ["code"],
        token_endpoint_auth_method: options.tokenAuthMethod ?? "client_secret_basic",
      },
    ],
    pkce: { required: () => true },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "picture", "preferred_username"],
    },
    findAccount: async (_ctx, id) => ({
      accountId: id,
      claims: async () => ({
        sub: id,
        email: `${id}@example.com`,
        email_verified: true,
        name: `User ${id}`,
        preferred_username: id,
        ...accounts.get(id),
      }),
    }),
    features: { devInteractions: { enabled: true } },
    conformIdTokenClaims: !options.claimsInIdToken,
    cookies: { keys: ["satchel-test-cookie-key"] },
  });
  server.on("request", provider.callback());
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  t.after(close);
  return {
    issuer,
    clientId,
    clientSecret,
    authURL: `${issuer}/auth`,
    tokenURL: `${issuer}/token`,
    userInfoURL: `${issuer}/me`,
    jwksURL: `${issuer}/jwks`,
    accounts,
    close,
  };
}

/**
 * The Node "browser": opens `startURL`, logs in as `login` (any password) and consents on the
 * provider's pages, following redirects with a cookie jar, and returns the first redirect
 * whose URL starts with `redirectPrefix` (not followed). POST forms are submitted as a browser
 * would.
 */
export async function browserLogin(startURL: string, login: string, redirectPrefix: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = new URL(startURL);
  let init: RequestInit = { method: "GET" };
  for (let hop = 0; hop < 20; hop++) {
    const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
    const res = await fetch(url, {
      ...init,
      redirect: "manual",
      headers: { ...(init.headers as object), cookie },
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const eq = pair.indexOf("=");
      if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const location = res.headers.get("location");
    if (res.status >= 300 && res.status < 400 && location) {
      await res.body?.cancel();
      url = new URL(location, url);
      if (url.href.startsWith(redirectPrefix)) return url;
      init = { method: "GET" };
      continue;
    }
    const html = await res.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (res.status !== 200 || !action)
      throw new Error(`unexpected page ${res.status} at ${url.href}: ${html.slice(0, 300)}`);
    const isLogin = html.includes('name="login"');
    const form = new URLSearchParams(
      isLogin ? { prompt: "login", login, password: "x" } : { prompt: "consent" },
    );
    url = new URL(action.replaceAll("&amp;", "&"), url);
    init = {
      method: "POST",
      body: form.toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    };
  }
  throw new Error("too many hops in the provider's login pages");
}
