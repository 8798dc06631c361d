/**
 * How many connections wait to be accepted: the system's limit (Linux's `net.core.somaxconn`),
 * as Go's net package (and so PocketBase) asks for, instead of Node's 511. A burst of new
 * connections beyond the queue has its SYNs dropped and each of those clients tries again a
 * second later: in the bench, 1,000 clients connecting at once turned a 0.3 s round into 1.1 s
 * (≈ 850 requests/s) for whichever server's queue overflowed.
 */
import { readFileSync } from "node:fs";

/** Node's own default, where the system's limit cannot be read. */
const NODE_DEFAULT = 511;

let backlog: number | undefined;

/** The backlog to pass to `listen`. */
export function listenBacklog(): number {
  if (backlog !== undefined) return backlog;
  try {
    const limit = Number(readFileSync("/proc/sys/net/core/somaxconn", "utf8").trim());
    backlog = Number.isInteger(limit) && limit > 0 ? Math.min(limit, 65_535) : NODE_DEFAULT;
  } catch {
    backlog = NODE_DEFAULT;
  }
  return backlog;
}
