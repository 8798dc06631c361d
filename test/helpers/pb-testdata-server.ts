/**
 * A server on a fresh copy of PocketBase's test data folder, without our own superuser: the
 * scenarios authenticate with the folder's accounts through `TOKENS` (pb-tokens.ts).
 */
import type { TestContext } from "node:test";
import { startTestServer, type TestServer, type TestServerOptions } from "./server.ts";
import { copyTestdata } from "./testdata.ts";

/** The server, or null after `t.skip` when the test data folder is missing. */
export async function startTestdataServer(
  t: TestContext,
  options: Omit<TestServerOptions, "dataDir" | "superuser" | "template"> = {},
): Promise<TestServer | null> {
  const dir = copyTestdata(t);
  if (!dir) return null;
  return startTestServer(t, { ...options, dataDir: dir, superuser: false });
}
