#!/usr/bin/env node
// The `satchel` command, from a checkout (npm start) or the npm package (npx satchel).
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(`satchel needs Node.js >= 24 (this is ${process.version}).`);
  process.exit(1);
}
// `serve` runs with V8 and the allocator sized for a small server (docs/performance.md, "Memory"):
// - a young generation of at most 2 × SEMI_SPACE_MB (V8 lets it grow to 2 × 16 MB and keeps it:
//   ~13 MB resident at rest for 1–2 MB of live objects, and more per thread);
// - with `--memoryLimit=MB`, V8's old generation capped at the same size (collected harder as
//   it nears it; the overload guard refuses new work before the heap can reach it);
// - glibc's malloc kept to 2 arenas (MALLOC_ARENA_MAX): by default each thread that allocates
//   (libuv's pool, SQLite in the read threads) gets its own, and memory freed there is kept.
// Those settings only act when the process starts, so this process replaces itself (execve:
// same pid, signals and exit code) with one that has them: one more Node bootstrap (~40 ms).
// Skipped when the flags are already given, or with SATCHEL_V8_SIZING=0.
const SEMI_SPACE_MB = 4;
function sizedExec(args, execArgv, env) {
  if (args[0] !== "serve" || env.SATCHEL_V8_SIZING === "0") return null;
  const given = `${execArgv.join(" ")} ${env.NODE_OPTIONS ?? ""}`;
  if (/--max-semi-space-size/.test(given)) return null;
  const flags = [`--max-semi-space-size=${SEMI_SPACE_MB}`];
  const limitArg = args.findIndex((a) => a === "--memoryLimit" || a.startsWith("--memoryLimit="));
  const limit = Number(limitArg < 0 ? NaN : (args[limitArg].split("=")[1] ?? args[limitArg + 1]));
  if (limit > 0 && !/--max-old-space-size/.test(given))
    flags.push(`--max-old-space-size=${Math.max(32, Math.floor(limit))}`);
  return { execArgv: [...flags, ...execArgv], env: { MALLOC_ARENA_MAX: "2", ...env } };
}
const sized = sizedExec(process.argv.slice(2), process.execArgv, process.env);
if (sized && typeof process.execve === "function") {
  const { fileURLToPath } = await import("node:url");
  process.execve(
    process.execPath,
    [process.execPath, ...sized.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
    sized.env,
  );
}
// Node's compile cache keeps the stripped and compiled sources on disk (in the OS temp folder,
// or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns it off). Every start after the first
// skips type stripping: faster, and about 30 MB less resident memory, since the TypeScript
// stripper (a WebAssembly module) is then never loaded. It must be enabled before the first
// TypeScript module loads, hence this JavaScript entry point.
const { enableCompileCache } = await import("node:module");
enableCompileCache?.();
// A checkout runs the TypeScript sources; the npm package carries them compiled (lib/, built by
// `prepack`), since Node never type-strips files under node_modules.
const { existsSync } = await import("node:fs");
const sources = new URL("../src/main.ts", import.meta.url);
await import(existsSync(sources) ? sources.href : new URL("../lib/src/main.js", import.meta.url).href);
