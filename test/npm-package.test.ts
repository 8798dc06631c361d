/**
 * The npm package: `npm pack` (its prepack compiles src/ to lib/), installed into an empty
 * folder, then `npx satchel` run from there with nothing but PATH and HOME: the framework
 * entry imports, the CLI creates a superuser, and `serve` passes the smoke run.
 */
import assert from "node:assert/strict";
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "./helpers/server.ts";
import { smokeCheck, startServing, stopGracefully } from "./helpers/smoke.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
// npm and npx run on the Node that runs the tests (24), whatever `node` the system has.
const PATH = `${dirname(process.execPath)}:${process.env.PATH ?? "/usr/bin:/bin"}`;
// The machine's network settings go along (a proxy, an extra CA: that npm's global npmrc, which
// may be where the system npm keeps its `cafile`, is not the one of Node 24's npm).
const NETWORK =
  /^(https?_proxy|no_proxy|node_extra_ca_certs|ssl_cert_file|ssl_cert_dir|npm_config_(cafile|ca|registry|strict_ssl|https?_proxy|proxy|noproxy))$/i;
const ENV = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => NETWORK.test(k))),
  PATH,
  HOME: process.env.HOME ?? "/root",
};

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  const r = spawnSync(command, args, {
    cwd,
    env: ENV,
    encoding: "utf8",
    timeout: 300_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  assert.equal(
    r.status,
    0,
    `${command} ${args.join(" ")}: ${r.error?.message ?? ""}\n${r.stdout}\n${r.stderr}`,
  );
  return r;
}

test("npm pack, installed into an empty folder, runs npx satchel serve", { timeout: 600_000 }, async (t) => {
  const packs = tempDir(t, "satchel-pack-");
  const started = Date.now();
  run("npm", ["pack", "--silent", "--pack-destination", packs], ROOT);
  const tgz = readdirSync(packs).find((f) => f.endsWith(".tgz"));
  assert.ok(tgz, "npm pack wrote a tarball");
  const files = run("tar", ["-tzf", join(packs, tgz)], packs)
    .stdout.split("\n")
    .filter(Boolean);
  t.diagnostic(`packed ${files.length} files in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  assert.ok(files.includes("package/lib/src/index.js") && files.includes("package/lib/src/index.d.ts"));
  assert.ok(files.includes("package/bin/satchel.js"));
  for (const f of files) {
    assert.doesNotMatch(
      f,
      /\.test\.|^package\/(test|bench|src|scripts|ui\/src)\//,
      `${f} must not be published`,
    );
  }
  assert.ok(!existsSync(join(ROOT, "lib")), "postpack removed lib/");

  const app = tempDir(t, "satchel-installed-");
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", join(packs, tgz)], app);
  const api = run(
    "node",
    [
      "--input-type=module",
      "-e",
      'const m = await import("satchel"); console.log(typeof m.App, typeof m.ApiError)',
    ],
    app,
  );
  assert.equal(api.stdout.trim(), "function function");

  run("npx", ["--no-install", "satchel", "superuser", "upsert", "admin@example.com", "1234567890"], app);
  assert.ok(existsSync(join(app, "pb_data", "data.db")), "npx satchel keeps pb_data in the working folder");
  const dashboard = existsSync(join(ROOT, "ui", "dist", "index.html"));
  if (!dashboard) t.diagnostic("dashboard not checked: ui/dist/ is not built");
  // The command npx runs, started directly: npm exec does not pass SIGTERM on to it, and the
  // graceful stop is part of what is checked.
  const bin = join(app, "node_modules", ".bin", "satchel");
  const served = await startServing(bin, ["serve", "--http=127.0.0.1:0"], app, ENV);
  try {
    await smokeCheck(served.url, { email: "admin@example.com", password: "1234567890", dashboard });
  } finally {
    await stopGracefully(served);
  }
});
