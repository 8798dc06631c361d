/**
 * Node's raw header list (`IncomingMessage.rawHeaders`: name, value, name, value…) as Fetch
 * `Headers`, for requests rebuilt from a Node request (`c.req.raw`, WebSocket upgrades, an SSE
 * connection's request kept for later hooks). A header the Fetch API refuses is left out
 * rather than failing the request.
 */
export function headersFromRaw(rawHeaders: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    try {
      headers.append(rawHeaders[i]!, rawHeaders[i + 1]!);
    } catch {
      // invalid for the Fetch API: left out
    }
  }
  return headers;
}

/** A header name as the Fetch API accepts it (an RFC 9110 token). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Node's raw header list as the entries of the Fetch `Headers` it makes (`[...headersFromRaw(raw)]`:
 * lower-case names in order, repeated names joined with ", " (Cookie with "; "), each Set-Cookie
 * its own entry),
 * without building the `Headers`: the pb_hooks route bridge sends every request's headers to
 * its worker this way.
 */
export function headerEntriesFromRaw(rawHeaders: readonly string[]): [string, string][] {
  const byName = new Map<string, string>();
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const value = rawHeaders[i + 1]!.trim();
    // anything the Fetch API would refuse or rewrite: let it decide
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) return [...headersFromRaw(rawHeaders)];
    const lower = name.toLowerCase();
    if (lower === "set-cookie") cookies.push(value);
    else {
      const seen = byName.get(lower);
      // the Fetch API joins repeated Cookie headers as one cookie string
      byName.set(lower, seen === undefined ? value : `${seen}${lower === "cookie" ? "; " : ", "}${value}`);
    }
  }
  const entries: [string, string][] = [...byName];
  for (const cookie of cookies) entries.push(["set-cookie", cookie]);
  return entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
