// `npm install`/`npm ci` run this (the `prepare` script): build the dashboard when the build
// tools are installed; a production install without devDependencies skips it with a note
// (`/_/` then explains how to build it).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
try {
  require.resolve("vite/package.json");
} catch {
  console.warn("satchel: vite is not installed (no devDependencies); skipping the dashboard build.");
  process.exit(0);
}
const npm = process.env.npm_execpath;
const r = npm
  ? spawnSync(process.execPath, [npm, "run", "build:ui"], { stdio: "inherit" })
  : spawnSync("npm", ["run", "build:ui"], { stdio: "inherit", shell: process.platform === "win32" });
process.exit(r.status ?? 1);
