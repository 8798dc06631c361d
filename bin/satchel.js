#!/usr/bin/env node
// Published entry point: Node >= 24 runs the TypeScript sources directly (type stripping).
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
await import("../src/main.ts");
