/**
 * Worker thread entry files, found the same way from a checkout, the npm package and the single
 * executable. The rule for code that starts a worker:
 *
 *   1. list the entry in WORKER_ENTRIES (a path under src/, e.g. "hooks/worker.ts");
 *   2. start it with `new Worker(workerEntry("hooks/worker.ts"), …)`.
 *
 * A checkout runs src/…/x.ts, the npm package lib/src/…/x.js, and the single executable carries
 * each listed entry as an extra entry point of its bundle (scripts/build-exe.ts), reachable at
 * `/$bunfs/root/src/…` — never at a path next to a module, since a compiled program's modules
 * are all one file. The bundle of dist/bundle/ (scripts/bundle.js) has each entry as a module of
 * its own, named by bundledWorkerName().
 */
import { bundleDir, executableDir } from "./runtime.ts";

/** Every worker entry, relative to src/: the executable's build bundles each of them. */
export const WORKER_ENTRIES: readonly string[] = [
  "hooks/worker.ts",
  "auth/hash-worker.ts",
  "core/logs/log-thread-worker.ts",
  "core/db/read-worker.ts",
];

/** The file name (without `.mjs`) of a worker entry in dist/bundle/: `hooks/worker.ts` → `hooks-worker`. */
export function bundledWorkerName(entry: string): string {
  return entry.replace(/\.ts$/, "").split("/").join("-");
}

/** Where the worker entry `entry` (relative to src/, e.g. "hooks/worker.ts") is, for `new Worker()`. */
export function workerEntry(entry: string): URL | string {
  if (!WORKER_ENTRIES.includes(entry))
    throw new Error(`${entry} is not listed in WORKER_ENTRIES (src/tools/workers.ts)`);
  if (executableDir()) {
    return process.platform === "win32" ? `B:/~BUN/root/src/${entry}` : `/$bunfs/root/src/${entry}`;
  }
  const bundle = bundleDir();
  if (bundle) return new URL(`${bundledWorkerName(entry)}.mjs`, bundle);
  // This module is src/tools/workers.ts, or lib/src/tools/workers.js in the npm package.
  const compiled = import.meta.url.endsWith(".js");
  return new URL(`../${compiled ? entry.replace(/\.ts$/, ".js") : entry}`, import.meta.url);
}
