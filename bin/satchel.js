#!/usr/bin/env node
// The `satchel` command, from a checkout (npm start) or the npm package (npx satchel).
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(`satchel needs Node.js >= 24 (this is ${process.version}).`);
  process.exit(1);
}
// `serve` runs with V8 and the allocator sized for a small server (docs/performance.md, "Memory"
// and "Cold start"), set here before anything else loads:
// - no JIT compiler during the start (TurboFan, Maglev, Sparkplug: V8's three tiers above its
//   interpreter): they compiled the module loader's and the bootstrap's functions, code that
//   then never runs again (~15 % of the start's CPU, ~7 MB of Node's binary made resident);
//   serve turns them back on once it listens (tools/v8-serving.ts);
// - a young generation that does not grow during the start (V8 starts it at 2 × 1 MB and
//   doubles it whenever objects survive, up to 2 × 32 MB on this kind of machine, and keeps
//   it); once serving, tools/v8-serving.ts lets it grow to 2 × 4 MB and holds it there. Both
//   are flags V8 reads at run time, so no restart is needed;
// - with `--memoryLimit=MB`, V8's old generation capped at the same size (collected harder as
//   it nears it; the overload guard refuses new work before the heap can reach it), and glibc's
//   malloc kept to 2 arenas (MALLOC_ARENA_MAX: by default each thread that allocates gets its
//   own). Those two act only when the process starts, so for them this process replaces itself
//   (execve: same pid, signals and exit code) with one that has them: one more Node bootstrap
//   (~70 ms of CPU), paid only by a server that asked for a memory limit.
// Skipped when the flags are already given, or with SATCHEL_V8_SIZING=0.
function sizing(args, execArgv, env) {
  if (args[0] !== "serve" || env.SATCHEL_V8_SIZING === "0") return null;
  const given = `${execArgv.join(" ")} ${env.NODE_OPTIONS ?? ""}`;
  const runtime = [];
  // the same tiers and patterns as tools/v8-serving.ts, which turns them back on
  for (const [tier, pattern] of [
    ["turbofan", /--(no-)?(turbofan|opt)\b/],
    ["maglev", /--(no-)?maglev\b/],
    ["sparkplug", /--(no-)?sparkplug\b/],
  ])
    if (!pattern.test(given)) runtime.push(`--no-${tier}`);
  if (!/--(max|min)-semi-space-size|--semi-space-growth-factor/.test(given))
    runtime.push("--semi-space-growth-factor=1");
  const limitArg = args.findIndex((a) => a === "--memoryLimit" || a.startsWith("--memoryLimit="));
  const limit = Number(limitArg < 0 ? NaN : (args[limitArg].split("=")[1] ?? args[limitArg + 1]));
  const restart =
    limit > 0 && !/--max-old-space-size/.test(given)
      ? {
          execArgv: [`--max-old-space-size=${Math.max(32, Math.floor(limit))}`, ...execArgv],
          env: { MALLOC_ARENA_MAX: "2", ...env },
        }
      : null;
  return { runtime, restart };
}
// Node's modules are taken with process.getBuiltinModule, not an ES import: that builds an ES
// facade reading every export, lazy ones included (node:fs's streams, readline…: ~10 ms).
const { fileURLToPath } = process.getBuiltinModule("node:url");
const sized = sizing(process.argv.slice(2), process.execArgv, process.env);
if (sized?.restart && typeof process.execve === "function") {
  process.execve(
    process.execPath,
    [process.execPath, ...sized.restart.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    sized.restart.env,
  );
}
if (sized && sized.runtime.length > 0)
  process.getBuiltinModule("node:v8").setFlagsFromString(sized.runtime.join(" "));
// Node's compile cache keeps the stripped and compiled sources on disk (in the OS temp folder,
// or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off). Every start after the first
// skips type stripping: faster, and about 30 MB less resident memory, since the TypeScript
// stripper (a WebAssembly module) is then never loaded. It must be enabled before the first
// TypeScript module loads, hence this JavaScript entry point.
const { enableCompileCache } = process.getBuiltinModule("node:module");
enableCompileCache?.();
// A checkout runs the bundle of its sources (dist/bundle/, built by `npm ci` through
// scripts/bundle.js: ~40 modules to load instead of ~240) while every file it was built from is
// unchanged, else the TypeScript sources themselves; SATCHEL_BUNDLE=0 always runs the sources.
// The npm package carries them compiled (lib/, built by `prepack`), since Node never
// type-strips files under node_modules.
const { existsSync, readFileSync, statSync } = process.getBuiltinModule("node:fs");
/** dist/bundle/main.mjs when it was built from the files as they are now, else null. */
function freshBundle() {
  if (process.env.SATCHEL_BUNDLE === "0") return null;
  const dir = new URL("../dist/bundle/", import.meta.url);
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8"));
  } catch {
    return null;
  }
  if (manifest.node !== process.version) return null;
  // A path string per input, not a URL: ~350 inputs, and a URL each doubled the check's time.
  const root = fileURLToPath(new URL("../", import.meta.url));
  for (const [file, size, mtimeMs] of manifest.files) {
    const s = statSync(root + file, { throwIfNoEntry: false });
    if (!s || s.size !== size || s.mtimeMs !== mtimeMs) return null;
  }
  return new URL("main.mjs", dir).href;
}
const sources = new URL("../src/main.ts", import.meta.url);
await import(
  existsSync(sources) ? (freshBundle() ?? sources.href) : new URL("../lib/src/main.js", import.meta.url).href
);
