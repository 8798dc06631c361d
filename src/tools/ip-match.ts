/**
 * Matching a client IP against a list of addresses and CIDR ranges (settings `superuserIPs`,
 * `rateLimits.excludedIPs`), through Node's `BlockList`. IPv4-mapped IPv6 addresses
 * (`::ffff:10.0.0.1`) match their IPv4 entries.
 */
import { BlockList, isIP } from "node:net";

/** A predicate over client IPs. */
export type IpMatcher = (ip: string) => boolean;

const cache = new WeakMap<readonly string[], IpMatcher>();

/**
 * A matcher for `list` (built once per list object, so per settings load). Entries that are
 * neither an IP nor a CIDR range are ignored; settings validation refuses them anyway.
 */
export function ipMatcher(list: readonly string[]): IpMatcher {
  let matcher = cache.get(list);
  if (matcher) return matcher;
  const blocks = new BlockList();
  for (const entry of list) {
    const [ip = "", bits] = entry.split("/");
    const family = isIP(ip);
    if (family === 0) continue;
    const type = family === 4 ? "ipv4" : "ipv6";
    try {
      if (bits === undefined) blocks.addAddress(ip, type);
      else blocks.addSubnet(ip, Number(bits), type);
    } catch {
      // An out-of-range prefix: skip the entry rather than fail every request.
    }
  }
  matcher = (ip: string) => {
    const plain = ip.startsWith("::ffff:") && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    const family = isIP(plain);
    if (family === 0) return false;
    return blocks.check(plain, family === 4 ? "ipv4" : "ipv6");
  };
  cache.set(list, matcher);
  return matcher;
}
