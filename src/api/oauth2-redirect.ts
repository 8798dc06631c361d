/**
 * `GET|POST /api/oauth2-redirect` (§1.2, §4.5): the redirect URI of the SDK's all-in-one OAuth2
 * popup flow. The SDK opened the provider with `state` = its realtime client id and subscribed
 * that client to `@oauth2`; the provider sends the browser here with `state` and `code`, and
 * this handler hands `{state, code, error?}` to that one client (never to the topic: other
 * clients must not see the code), then unsubscribes it so a state works once. The SDK then
 * calls `auth-with-oauth2` with the code and its PKCE verifier.
 *
 * The client must still be connected, subscribed, and connected from the IP the redirect
 * comes from: a code is only delivered to the browser session that asked for it.
 */
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import type { App } from "../core/app.ts";
import { encodeJson } from "../tools/json.ts";
import type { ApiEnv } from "./env.ts";
import { realIP } from "./real-ip.ts";
import { getRealtimeBroker } from "./realtime.ts";
import { readForm } from "./record-auth-form.ts";

/** The realtime topic of the OAuth2 redirect. */
export const OAUTH2_TOPIC = "@oauth2";

const FAILURE_PATH = "../_/#/auth/oauth2-redirect-failure";
const SUCCESS_PATH = "../_/#/auth/oauth2-redirect-success";

/** How long Apple's one-time user name waits for the code exchange. */
const APPLE_NAME_TTL_MS = 60_000;

interface RedirectState {
  /** Whether the dashboard is served (then the browser is sent to its result pages). */
  dashboard: boolean;
  /** Apple user names by authorization code. */
  appleNames: Map<string, string>;
}

/** The app's redirect state (in `app.store()`, shared by transaction apps and their parent). */
function stateOf(app: App): RedirectState {
  return app
    .store()
    .getOrSet("@oauth2Redirect", (): RedirectState => ({ dashboard: true, appleNames: new Map() }));
}

/**
 * Tells the redirect whether the dashboard is served. With it (the default, as PocketBase), the
 * browser is redirected to `../_/#/auth/oauth2-redirect-success|failure`; an embedder without
 * the dashboard can ask for a plain result page instead.
 */
export function configureOAuth2Redirect(app: App, options: { dashboard: boolean }): void {
  stateOf(app).dashboard = options.dashboard;
}

/**
 * Keeps the name Apple posts once (`user` = `{"name":{"firstName","lastName"}}`) for a minute
 * under the authorization code, for the exchange that follows. Bounded: at most 150
 * characters per name, and keys longer than 1000 characters are refused.
 */
export function rememberAppleRedirectName(app: App, code: string, serializedUser: string): void {
  if (!code || code.length > 1000 || !serializedUser) return;
  let name = "";
  try {
    const parsed: unknown = JSON.parse(serializedUser);
    const n = (parsed as { name?: { firstName?: unknown; lastName?: unknown } } | null)?.name;
    const firstName = typeof n?.firstName === "string" ? n.firstName : "";
    const lastName = typeof n?.lastName === "string" ? n.lastName : "";
    name = `${firstName} ${lastName}`.slice(0, 150).trim();
  } catch {
    return;
  }
  if (!name) return;
  const names = stateOf(app).appleNames;
  names.set(code, name);
  setTimeout(() => names.delete(code), APPLE_NAME_TTL_MS).unref();
}

/** The Apple user name kept for a code ("" when none), removed once taken. */
export function takeAppleRedirectName(app: App, code: string): string {
  const names = stateOf(app).appleNames;
  const name = names.get(code) ?? "";
  names.delete(code);
  return name;
}

function finish(c: Context<ApiEnv>, success: boolean): Response {
  if (stateOf(c.get("app")).dashboard) {
    // 307 keeps a GET a GET; a POST (Apple's form_post) becomes a GET with 303.
    return c.redirect(success ? SUCCESS_PATH : FAILURE_PATH, c.req.method === "GET" ? 307 : 303);
  }
  return success
    ? c.html("Auth completed. You can close this window and go back to the app.")
    : c.text("Failed to authenticate. You can close this window and go back to the app to try again.");
}

async function handleRedirect(c: Context<ApiEnv>): Promise<Response> {
  const app = c.get("app");
  let state: string, code: string, error: string, appleUser: string;
  if (c.req.method === "POST") {
    try {
      const get = await readForm(c);
      [state, code, error, appleUser] = [get("state"), get("code"), get("error"), get("user")];
    } catch {
      return finish(c, false);
    }
  } else {
    [state, code, error, appleUser] = [
      c.req.query("state") ?? "",
      c.req.query("code") ?? "",
      c.req.query("error") ?? "",
      "",
    ];
  }
  if (!state) return finish(c, false);

  const client = getRealtimeBroker(app).client(state);
  if (!client || client.isDiscarded || !client.hasSubscription(OAUTH2_TOPIC)) return finish(c, false);
  if (client.ip && client.ip !== realIP(c)) return finish(c, false);

  try {
    if (appleUser && !error && code) rememberAppleRedirectName(app, code, appleUser);
    const data: { state: string; code: string; error?: string } = { state, code };
    if (error) data.error = error;
    client.send({ name: OAUTH2_TOPIC, data: encodeJson(data) });
  } finally {
    client.unsubscribe(OAUTH2_TOPIC);
  }
  return finish(c, !error && code !== "");
}

/** Registers the redirect route. */
export function bindOAuth2RedirectApi(router: Router<ApiEnv>): void {
  router.get("/api/oauth2-redirect", handleRedirect);
  router.post("/api/oauth2-redirect", handleRedirect);
}
