#!/usr/bin/env node
// The `satchel` command, from a checkout (npm start) or the npm package (npx satchel).
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(`satchel needs Node.js >= 24 (this is ${process.version}).`);
  process.exit(1);
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
