/**
 * Hook counting done by a pb_hooks script instead of TypeScript handlers, the way a conformance
 * harness outside the process has to do it: every `on*` hook gets a JS handler that bumps a
 * counter in `$app.store()` and calls `e.next()`, and a route answers the counters. Running a
 * scenario table this way also proves the JS bridge copes with each request (transactions,
 * cascades, nested saves) without deadlocking or changing the answer.
 */
import PocketBase from "pocketbase";
import type { TestContext } from "node:test";
import { App } from "../../src/core/app.ts";
import { hookCatalogue } from "../../src/core/hooks.ts";
import { startServer } from "../../src/api/server.ts";
import { HooksRuntime } from "../../src/hooks/runtime.ts";
import { writeFiles } from "./hooks.ts";
import { request } from "./http.ts";
import { tempDir, type TestServer } from "./server.ts";
import { PB_TOKENS, copyTestdata } from "./testdata.ts";

/** The route answering the counters (never a records route, so it fires no record hook). */
export const COUNTS_ROUTE = "/__script_counts";

/** Hooks the counter leaves out: they fire around every request or never in these tables. */
const SKIPPED = new Set(["onBootstrap", "onServe", "onTerminate", "onBackupCreate", "onBackupRestore"]);

/** The pb_hooks script counting every hook of the catalogue. */
export function countingScript(): string {
  const lines: string[] = [];
  for (const name of Object.keys(hookCatalogue)) {
    if (SKIPPED.has(name)) continue;
    // handlers travel as source: the hook name must be a literal inside each one
    lines.push(
      `${name}((e) => { const s = $app.store(); s.set("${name}", (s.get("${name}") || 0) + 1); e.next(); });`,
    );
  }
  lines.push(
    `routerAdd("GET", "${COUNTS_ROUTE}", (e) => {`,
    `  const s = $app.store(); const out = {};`,
    ...Object.keys(hookCatalogue)
      .filter((n) => !SKIPPED.has(n))
      .map((n) => `  if (s.has("${n}")) out["${n}"] = s.get("${n}");`),
    `  return e.json(200, out);`,
    `});`,
  );
  return lines.join("\n") + "\n";
}

/** A server on a copy of the test data with `files` as pb_hooks, loaded before bootstrap (as serve does). */
export async function startOnTestdataWithScripts(
  t: TestContext,
  files: { [path: string]: string },
): Promise<(TestServer & { logs: string[] }) | null> {
  const dir = copyTestdata(t);
  if (!dir) return null;
  const app = new App({ dataDir: dir });
  const hooksDir = tempDir(t, "satchel-count-hooks-");
  writeFiles(hooksDir, files);
  const logs: string[] = [];
  const runtime = new HooksRuntime(app, {
    hooksDir,
    watch: false,
    poolSize: 2,
    timeoutMs: 20_000,
    log: (m) => logs.push(m),
    output: (m) => logs.push(m),
  });
  t.after(() => runtime.close());
  await runtime.start();
  await app.bootstrap();
  const server = await startServer(app, "127.0.0.1:0");
  t.after(() => server.close());
  const pb = new PocketBase(server.url);
  pb.autoCancellation(false);
  pb.authStore.save(PB_TOKENS.superuser, null);
  return {
    app,
    url: server.url,
    dir,
    server,
    token: PB_TOKENS.superuser,
    userToken: PB_TOKENS.user,
    pb,
    client: () => {
      const c = new PocketBase(server.url);
      c.autoCancellation(false);
      return c;
    },
    close: () => server.close(),
    logs,
  };
}

/** The counters the script holds now; `baseline` (an earlier reading) is subtracted. */
export async function scriptCounts(
  url: string,
  baseline: { [hook: string]: number } = {},
): Promise<Map<string, number>> {
  const res = await request(url, "GET", COUNTS_ROUTE);
  const out = new Map<string, number>();
  for (const [name, n] of Object.entries((res.json ?? {}) as { [hook: string]: number })) {
    const d = n - (baseline[name] ?? 0);
    if (d > 0) out.set(name, d);
  }
  return out;
}

/** An `EventCounter` reading the counting script's counters (see `countingScript`). */
export const countByScript = async (s: { url: string }): Promise<() => Promise<Map<string, number>>> => {
  const baseline = Object.fromEntries(await scriptCounts(s.url));
  return async () => {
    // after-success hooks may still be running in a worker: wait until the counters hold still
    let last = "";
    const deadline = Date.now() + 3000;
    for (;;) {
      await new Promise((r) => setTimeout(r, 60));
      const now = await scriptCounts(s.url, baseline);
      const key = JSON.stringify([...now].sort());
      if (key === last || Date.now() > deadline) return now;
      last = key;
    }
  };
};
