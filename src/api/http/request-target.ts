/**
 * The request target as the handlers see it: the full URL built from the Host header and the
 * target, the decoded path the routes match, and the query string parsed on first use. The rules
 * are those the router always had (Hono's): a clean target is used as sent, one with dot
 * segments or unusual characters is normalised by `URL`, the path is `decodeURI`-decoded (an
 * encoded `/` stays encoded) and query values are decoded with `+` as a space.
 */

/** A target made only of characters that need no normalisation. */
const CLEAN_TARGET = /^\/[!#$&-;=?-[\]_a-z~]*$/;
/** A `.` or `..` segment, which `URL` would resolve. */
const DOT_SEGMENT = /\/\.\.?(?:[/?#]|$)/;
/** A host (and port) that `URL` would keep as it is. */
const CLEAN_HOST = /^[a-z0-9._-]+(?::(?:[1-5]\d{3,4}|[6-9]\d{3}))?$/;

/** A request whose target or Host header cannot make a URL (answered 400). */
export class BadRequestTarget extends Error {}

/** The full URL of a request line target (`/path?query` or an absolute URL) and Host header. */
export function requestUrl(scheme: string, host: string | undefined, target: string): string {
  if (target.startsWith("http://") || target.startsWith("https://")) return parseUrl(target).href;
  if (!host) throw new BadRequestTarget("Missing host header");
  const url = `${scheme}://${host}${target}`;
  if (!CLEAN_HOST.test(host)) {
    checkBackslash(target);
    const parsed = parseUrl(url);
    const bare = host.includes(":") ? host.replace(/:\d+$/, "") : host;
    if (parsed.hostname.length !== host.length && parsed.hostname !== bare.toLowerCase()) {
      throw new BadRequestTarget("Invalid host header");
    }
    return parsed.href;
  }
  if (target.length === 0) return url + "/";
  if (target.charCodeAt(0) !== 47) throw new BadRequestTarget("Invalid URL");
  if (!CLEAN_TARGET.test(target) || DOT_SEGMENT.test(target)) {
    checkBackslash(target);
    return parseUrl(url).href;
  }
  return url;
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new BadRequestTarget("Invalid URL");
  }
}

function checkBackslash(target: string): void {
  const backslash = target.indexOf("\\");
  if (backslash === -1) return;
  const query = target.indexOf("?");
  if (query === -1 || backslash < query) throw new BadRequestTarget("Backslash in request path");
}

/** Decodes what `decoder` can, leaving malformed escapes as they are. */
export function tryDecode(text: string, decoder: (s: string) => string): string {
  try {
    return decoder(text);
  } catch {
    return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (match) => {
      try {
        return decoder(match);
      } catch {
        return match;
      }
    });
  }
}

/** `decodeURI`, except that `%25` stays an escaped `%` (so a decoded path can't grow new escapes). */
function decodeUriKeepingPercent(value: string): string {
  return decodeURI(value.includes("%25") ? value.replace(/%25/g, "%2525") : value);
}

/** The decoded path of a full URL (without query or fragment). */
export function urlPath(url: string): string {
  const start = url.indexOf("/", url.indexOf(":") + 4);
  let i = start;
  for (; i < url.length; i++) {
    const code = url.charCodeAt(i);
    if (code === 37) {
      const query = url.indexOf("?", i);
      const hash = url.indexOf("#", i);
      const end =
        query === -1 ? (hash === -1 ? undefined : hash) : hash === -1 ? query : Math.min(query, hash);
      const path = url.slice(start, end);
      const decoded = tryDecode(path, decodeUriKeepingPercent);
      if (/%(?![0-9A-Fa-f]{2})/.test(path)) {
        const rewritten = new URL("http://localhost");
        rewritten.pathname = decoded.replace(/[\\\t\n\r]/g, encodeURIComponent);
        if (tryDecode(rewritten.pathname, decodeUriKeepingPercent) !== decoded) {
          return tryDecode(path.replace(/%(?![0-9A-Fa-f]{2})/g, "%25"), decodeUriKeepingPercent);
        }
      }
      return decoded;
    }
    if (code === 63 || code === 35) break;
  }
  return url.slice(start, i);
}

/** A query value or a path parameter, decoded (`+` is a space in queries). */
export function decodeComponent(value: string, plusIsSpace: boolean): string {
  if (plusIsSpace && value.includes("+")) value = value.replace(/\+/g, " ");
  return value.includes("%") ? tryDecode(value, decodeURIComponent) : value;
}

/** The query string of a URL, without `?` (empty when there is none). */
function queryString(url: string): string {
  const q = url.indexOf("?", 8);
  if (q === -1) return "";
  const hash = url.indexOf("#", q);
  return hash === -1 ? url.slice(q + 1) : url.slice(q + 1, hash);
}

/** Every query parameter of a URL: name → values in order (parsed once per request). */
export function parseQuery(url: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const query = queryString(url);
  if (query === "") return out;
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq), true);
    const value = eq === -1 ? "" : decodeComponent(pair.slice(eq + 1), true);
    const list = out.get(name);
    if (list) list.push(value);
    else out.set(name, [value]);
  }
  return out;
}
