/**
 * Subscription strings as clients submit them (§9): `<collection>/*`, `<collection>/<recordId>`,
 * legacy `<collection>`, `@oauth2` or any custom topic, each optionally followed by
 * `?options=<url-encoded JSON {"query":{…},"headers":{…}}>`. The string is kept verbatim (it
 * names the events sent for it); the options are decoded the way PocketBase's
 * tools/subscriptions client does (values cast to strings, header names snake_cased).
 * Also the subscribe form (`{clientId, subscriptions}`): binding and validation.
 */
import { formatFloatF } from "../tools/go-format.ts";
import { ValidationErrors, errors, type ErrorTree } from "../tools/validation.ts";

/** At most this many subscriptions per client. */
export const MAX_SUBSCRIPTIONS = 1000;
/** At most this many characters per subscription string. */
export const MAX_SUBSCRIPTION_LENGTH = 2500;
/** Client ids submitted to the subscribe endpoint are 1 to this many characters. */
export const MAX_CLIENT_ID_LENGTH = 255;

/** The request options of one subscription: they feed `@request.query.*` / `@request.headers.*`. */
export interface SubscriptionOptions {
  /** Query parameters (`filter`, `expand`, `fields`, any other), values as strings. */
  query: { [key: string]: string };
  /** Headers, names snake_cased (`X-Token` → `x_token`), values as strings. */
  headers: { [key: string]: string };
}

/** A decoded subscription string. */
export interface ParsedSubscription {
  /** The string exactly as submitted (the name of the events sent for it). */
  subscription: string;
  /** The part before `?` (e.g. `posts/*`, `posts/abc`, `posts`, `@oauth2`, `custom`). */
  topic: string;
  /** What the topic names if it is a record topic: the collection id or name (before the first `/`). */
  collection: string;
  /** The record id after the first `/`, `"*"` for `collection/*` and for the legacy bare topic. */
  recordId: string;
  /** The decoded `?options=`. */
  options: SubscriptionOptions;
}

/** The topic part of a subscription string (everything before the first `?`). */
export function subscriptionTopic(subscription: string): string {
  const q = subscription.indexOf("?");
  return q < 0 ? subscription : subscription.slice(0, q);
}

/** Decodes a subscription string (never throws: bad options simply decode to empty ones). */
export function parseSubscription(subscription: string): ParsedSubscription {
  const topic = subscriptionTopic(subscription);
  const slash = topic.indexOf("/");
  const collection = slash < 0 ? topic : topic.slice(0, slash);
  const recordId = slash < 0 ? "*" : topic.slice(slash + 1);
  return { subscription, topic, collection, recordId, options: parseSubscriptionOptions(subscription) };
}

/** Empty options. */
export function emptyOptions(): SubscriptionOptions {
  return { query: {}, headers: {} };
}

/**
 * Decodes the `options` query parameter of a subscription string as Go does: `url.Parse`
 * (failing on control characters and bad path escapes), the first `options` value of the query
 * (pairs with `;` or bad escapes skipped, `+` is a space), then `json.Unmarshal` into
 * `{query, headers}` (keys matched case-insensitively; a non-object leaves the map empty).
 */
export function parseSubscriptionOptions(subscription: string): SubscriptionOptions {
  const options = emptyOptions();
  const raw = rawOptionsParam(subscription);
  if (!raw) return options;
  let decoded: unknown;
  try {
    decoded = JSON.parse(raw);
  } catch {
    return options;
  }
  if (!isPlainObject(decoded)) return options;
  let query: unknown;
  let headers: unknown;
  for (const [key, value] of Object.entries(decoded)) {
    // Go's decoder matches struct fields case-insensitively; a later key wins.
    const lower = key.toLowerCase();
    if (lower === "query") query = value;
    else if (lower === "headers") headers = value;
  }
  if (isPlainObject(query)) {
    for (const [key, value] of Object.entries(query)) options.query[key] = castToString(value);
  }
  if (isPlainObject(headers)) {
    for (const [key, value] of Object.entries(headers)) options.headers[snakecase(key)] = castToString(value);
  }
  return options;
}

function isPlainObject(value: unknown): value is { [key: string]: unknown } {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

// Go's url.Parse rejects ASCII control characters.
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/** The first `options` value of the subscription's query string, or "" (Go url semantics). */
function rawOptionsParam(subscription: string): string {
  const q = subscription.indexOf("?");
  if (q < 0 || CONTROL_CHARS.test(subscription)) return "";
  const hash = subscription.indexOf("#", q);
  const path = subscription.slice(0, q);
  if (unescape(path, false) === null) return "";
  const query = subscription.slice(q + 1, hash < 0 ? undefined : hash);
  for (const pair of query.split("&")) {
    if (pair === "" || pair.includes(";")) continue;
    const eq = pair.indexOf("=");
    const key = unescape(eq < 0 ? pair : pair.slice(0, eq), true);
    const value = unescape(eq < 0 ? "" : pair.slice(eq + 1), true);
    if (key === null || value === null) continue;
    if (key === "options") return value;
  }
  return "";
}

/** Go's url unescaping: `%XX` sequences (UTF-8 bytes) and, in queries, `+` as a space; null when malformed. */
function unescape(s: string, query: boolean): string | null {
  if (!s.includes("%") && !(query && s.includes("+"))) return s;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === "%") {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (ch === "+" && query) {
      bytes.push(0x20);
    } else {
      const cp = s.codePointAt(i)!;
      const char = String.fromCodePoint(cp);
      bytes.push(...encoder.encode(char));
      i += char.length - 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

/**
 * PocketBase's inflector.Snakecase: split at runs of non-alphanumeric ASCII characters, insert
 * `_` before an upper-case letter that follows a non-upper-case one, lower-case everything
 * (`X-Token` → `x_token`, `myTestDB` → `my_test_db`).
 */
export function snakecase(s: string): string {
  let out = "";
  for (const word of s.split(/[^0-9A-Za-z]+/)) {
    if (word === "") continue;
    if (out !== "") out += "_";
    for (let i = 0; i < word.length; i++) {
      const c = word[i]!;
      if (i > 0 && isUpper(c) && !isUpper(word[i - 1]!)) out += "_";
      out += c;
    }
  }
  return out.toLowerCase();
}

function isUpper(c: string): boolean {
  return c >= "A" && c <= "Z";
}

/** spf13/cast ToString for decoded JSON values: strings as-is, numbers in Go's 'f' format, bools, else "". */
export function castToString(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") return formatFloat(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  return "";
}

/** Go's strconv.FormatFloat(n, 'f', -1, 64), as PocketBase formats option values. */
export const formatFloat = formatFloatF;

// ---------------------------------------------------------------------------------------------
// The subscribe form.

/** The body of `POST /api/realtime` (and of a WebSocket `subscribe` message). */
export interface SubscribeForm {
  clientId: string;
  subscriptions: string[];
}

/** The body could not be bound to the form (a value of the wrong type). */
export class SubscribeFormBindError extends Error {
  override name = "SubscribeFormBindError";
}

/**
 * Binds a decoded body into the form as Go's decoder would: `null` and missing values are
 * zero values, a wrong type is a bind error. `scalarsAsStrings` is for form-encoded bodies,
 * whose values were type-inferred (a single value also counts as a one-item list).
 */
export function bindSubscribeForm(body: unknown, scalarsAsStrings = false): SubscribeForm {
  if (body === null || body === undefined) return { clientId: "", subscriptions: [] };
  if (!isPlainObject(body)) throw new SubscribeFormBindError("The body must be an object.");
  const str = (value: unknown, what: string): string => {
    if (value === null || value === undefined) return "";
    if (typeof value === "string") return value;
    if (scalarsAsStrings && (typeof value === "number" || typeof value === "boolean")) return String(value);
    throw new SubscribeFormBindError(`${what} must be a string.`);
  };
  const clientId = str(body.clientId, "clientId");
  let list = body.subscriptions;
  if (list === null || list === undefined) list = [];
  if (!Array.isArray(list)) {
    if (!scalarsAsStrings) throw new SubscribeFormBindError("subscriptions must be a list.");
    list = [list];
  }
  const subscriptions = (list as unknown[]).map((s) => str(s, "subscriptions"));
  return { clientId, subscriptions };
}

/**
 * Validates the form like PocketBase (`clientId` required, 1-255 characters; at most 1000
 * subscriptions of at most 2500 characters each); throws ValidationErrors.
 */
export function validateSubscribeForm(form: SubscribeForm, requireClientId = true): void {
  const tree: ErrorTree = {};
  if (requireClientId) {
    const length = runeCount(form.clientId);
    if (length === 0) tree.clientId = errors.required();
    else if (length > MAX_CLIENT_ID_LENGTH) tree.clientId = errors.lengthOutOfRange(1, MAX_CLIENT_ID_LENGTH);
  }
  const subscriptionErrors = validateSubscriptions(form.subscriptions);
  if (subscriptionErrors) tree.subscriptions = subscriptionErrors;
  if (Object.keys(tree).length > 0) throw new ValidationErrors(tree);
}

/** The errors of a subscription list (the list's own length first, then each item), or null. */
export function validateSubscriptions(subscriptions: readonly string[]): ErrorTree[string] | null {
  if (subscriptions.length > MAX_SUBSCRIPTIONS) return errors.lengthTooLong(MAX_SUBSCRIPTIONS);
  const items: ErrorTree = {};
  subscriptions.forEach((s, i) => {
    if (s.length > MAX_SUBSCRIPTION_LENGTH && runeCount(s) > MAX_SUBSCRIPTION_LENGTH) {
      items[String(i)] = errors.lengthTooLong(MAX_SUBSCRIPTION_LENGTH);
    }
  });
  return Object.keys(items).length > 0 ? items : null;
}

function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}
