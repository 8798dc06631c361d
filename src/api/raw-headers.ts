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
