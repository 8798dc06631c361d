/**
 * The client IP (§0 RealIP): from the configured trusted-proxy headers when present (the
 * right-most parseable address, or the left-most with `useLeftmostIP`), else the socket.
 */
import type { Context } from "./http/context.ts";
import { isIP } from "node:net";
import type { ApiEnv } from "./env.ts";

/** The socket's remote address (set by the node server adapter). */
export function remoteIP(c: Context<ApiEnv>): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  const address = incoming?.socket?.remoteAddress ?? "127.0.0.1";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/** The client IP after trusted-proxy resolution. */
export function realIP(c: Context<ApiEnv>): string {
  const { headers, useLeftmostIP } = c.get("app").settings().trustedProxy;
  for (const name of headers) {
    const values = c.req.raw.headers.get(name);
    if (!values) continue;
    const ips = values
      .split(",")
      .map((v) => v.trim())
      .filter((v) => isIP(v) !== 0);
    const ip = useLeftmostIP ? ips[0] : ips[ips.length - 1];
    if (ip) return ip;
  }
  return remoteIP(c);
}
