/**
 * Downloading an OAuth2 provider's avatar into a file field on sign-up (§4.5): at most 32 MiB,
 * http(s) only, and never from loopback, private, link-local or other non-public addresses, so
 * a crafted avatar URL cannot make the server fetch internal resources (SSRF).
 */
import { BlockList, isIP } from "node:net";

/** Largest avatar downloaded. */
export const MAX_AVATAR_BYTES = 32 << 20;
const TIMEOUT_MS = 30_000;

// Addresses an avatar may never be fetched from, built on first use: parsing the IPv6 subnets
// compiles Node's IPv6 pattern (~10 ms), which every start would otherwise pay.
let blockedList: BlockList | undefined;
function blocked(): BlockList {
  if (blockedList) return blockedList;
  const list = new BlockList();
  for (const [net, prefix] of [
    ["0.0.0.0", 8],
    ["10.0.0.0", 8],
    ["100.64.0.0", 10],
    ["127.0.0.0", 8],
    ["169.254.0.0", 16],
    ["172.16.0.0", 12],
    ["192.0.0.0", 24],
    ["192.168.0.0", 16],
    ["198.18.0.0", 15],
    ["224.0.0.0", 4],
    ["240.0.0.0", 4],
  ] as const) {
    list.addSubnet(net, prefix, "ipv4");
  }
  for (const [net, prefix] of [
    ["::", 128],
    ["::1", 128],
    ["fc00::", 7],
    ["fe80::", 10],
    ["ff00::", 8],
  ] as const) {
    list.addSubnet(net, prefix, "ipv6");
  }
  return (blockedList = list);
}

/** Whether an IP address is public (not loopback, private, link-local, reserved…). */
export function isPublicAddress(address: string): boolean {
  // IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged as the IPv4 address it carries. (A ::ffff:0:0/96
  // rule would not do: BlockList matches every IPv4 address against it.)
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return isPublicAddress(mapped[1]);
  const family = isIP(address);
  if (family === 0) return false;
  return !blocked().check(address, family === 4 ? "ipv4" : "ipv6");
}

/**
 * Fetches an avatar URL as a File, or null when the URL is not http(s), resolves to a
 * non-public address, fails, or is too large. Never throws: a missing avatar must not fail the
 * sign-up. (The address is checked at lookup time; fetch resolves again, a small rebinding
 * window we accept over hand-writing a connector.)
 */
export async function downloadAvatar(url: string): Promise<File | null> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") return null;
  try {
    const host = parsed.hostname.replace(/^\[|\]$/g, "");
    const addresses = isIP(host)
      ? [{ address: host }]
      : await (await import("node:dns/promises")).lookup(host, { all: true });
    if (addresses.length === 0 || !addresses.every((a) => isPublicAddress(a.address))) return null;
    const res = await fetch(parsed, { redirect: "error", signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!res.ok || !res.body) return null;
    const declared = Number(res.headers.get("content-length") ?? "0");
    if (declared > MAX_AVATAR_BYTES) return null;
    const chunks: Uint8Array<ArrayBuffer>[] = [];
    let size = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_AVATAR_BYTES) {
        await reader.cancel();
        return null;
      }
      chunks.push(value);
    }
    const type = res.headers.get("content-type") ?? "";
    const name = parsed.pathname.split("/").pop() || "avatar";
    return new File(chunks, name, { type });
  } catch {
    return null;
  }
}
