// Loaded with `node --import` by tests that check which modules a process loads
// (test/serve-lazy-start.test.ts, test/bundle.test.ts): records every module the process
// resolves and writes their URLs (one a line) to $MODULE_TRACE_OUT on SIGUSR2 and at exit
// (atomically: a reader waiting for the file never reads half of it), followed by Node's own
// internal modules loaded so far as `node-internal:<id>` (e.g. `node-internal:internal/deps/undici/undici`,
// which no hook sees: Node loads them itself).
import { renameSync, writeFileSync } from "node:fs";
import { registerHooks } from "node:module";
import { isMainThread } from "node:worker_threads";

const urls = new Set<string>();
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    urls.add(resolved.url);
    return resolved;
  },
});
function write(): void {
  const out = process.env.MODULE_TRACE_OUT;
  if (!out) return;
  // Written beside, then renamed: a reader that sees the file sees all of it.
  // `process.moduleLoadList`: undocumented, but Node's own record of what it loaded.
  const internal = (process as unknown as { moduleLoadList: string[] }).moduleLoadList
    .filter((entry) => entry.startsWith("NativeModule "))
    .map((entry) => `node-internal:${entry.slice("NativeModule ".length)}`);
  writeFileSync(`${out}.tmp`, [...urls, ...internal].join("\n") + "\n");
  renameSync(`${out}.tmp`, out);
}
// Worker threads inherit `--import` and run this too: only the main thread's modules are the
// process's list (a pool thread ending would otherwise overwrite it with its own).
if (isMainThread) {
  process.on("SIGUSR2", write);
  process.on("exit", write);
}
