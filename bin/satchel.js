#!/usr/bin/env node
// Published entry point: Node >= 24 runs the TypeScript sources directly (type stripping).
const [major] = process.versions.node.split(".").map(Number);
if (major < 24) {
  console.error(`satchel needs Node.js >= 24 (this is ${process.version}).`);
  process.exit(1);
}
await import("../src/main.ts");
