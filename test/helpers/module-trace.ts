// Loaded with `node --import` by test/serve-lazy-start.test.ts: records every module the
// process resolves and, on SIGUSR2, writes their URLs (one a line) to $MODULE_TRACE_OUT.
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
process.on("SIGUSR2", () => {
  const out = process.env.MODULE_TRACE_OUT;
  if (out) writeFileSync(out, [...urls].join("\n") + "\n");
});
