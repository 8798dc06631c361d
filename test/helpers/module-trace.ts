// Loaded with `node --import` by tests that check which modules a process loads
// (test/serve-lazy-start.test.ts, test/bundle.test.ts): records every module the process
// resolves and writes their URLs (one a line) to $MODULE_TRACE_OUT on SIGUSR2 and at exit.
import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";

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
  if (out) writeFileSync(out, [...urls].join("\n") + "\n");
}
process.on("SIGUSR2", write);
process.on("exit", write);
