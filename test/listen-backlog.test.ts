/**
 * The server's accept queue is the system's limit (net.core.somaxconn), as Go's (PocketBase's),
 * not Node's 511: checked on the listening socket itself with `ss` (its Send-Q is the backlog).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { startTestServer } from "./helpers/server.ts";
import { listenBacklog } from "../src/api/listen-backlog.ts";

const SOMAXCONN = "/proc/sys/net/core/somaxconn";

test("the listening socket's backlog is the system's limit", async (t) => {
  if (!existsSync(SOMAXCONN)) return t.skip("no /proc/sys/net/core/somaxconn on this system");
  const limit = Math.min(Number(readFileSync(SOMAXCONN, "utf8").trim()), 65_535);
  assert.equal(listenBacklog(), limit);

  const s = await startTestServer(t, { superuser: false });
  const port = new URL(s.url).port;
  let listing: string;
  try {
    listing = execFileSync("ss", ["-ltnH", `sport = :${port}`], { encoding: "utf8" });
  } catch {
    return t.skip("ss (iproute2) is not installed");
  }
  // State Recv-Q Send-Q Local:Port Peer:Port — for a listening socket Send-Q is the backlog
  const [, , sendQ] = listing.trim().split(/\s+/);
  assert.equal(Number(sendQ), limit, listing);
});
