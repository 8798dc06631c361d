/**
 * The single executable (`npm run build:exe` → dist/satchel), run the way a user runs it: copied
 * alone into a folder, started with an empty environment from another folder. Its data folder
 * must appear next to it, and everything `npm start` does must work (see helpers/smoke.ts).
 * Skips, saying so, when the executable has not been built (CI builds it first).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { EXECUTABLE, executableMissing } from "./helpers/executable.ts";
import { tempDir } from "./helpers/server.ts";
import { smokeCheck, startServing, stopGracefully } from "./helpers/smoke.ts";

const HOOKS_RUNTIME = existsSync(fileURLToPath(new URL("../src/hooks", import.meta.url)));
const missing = executableMissing();

test("the executable runs alone, with an empty environment", { skip: missing }, async (t) => {
  const home = tempDir(t, "satchel-exe-");
  const elsewhere = tempDir(t, "satchel-cwd-");
  const exe = join(home, "satchel");
  copyFileSync(EXECUTABLE, exe);
  spawnSync("chmod", ["+x", exe]);

  const version = spawnSync(exe, ["--version"], { env: {}, cwd: elsewhere, encoding: "utf8" });
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^satchel version \d+\.\d+\.\d+ \(bun \d+\.\d+\.\d+, linux-(x64|arm64)\)\n$/);

  const su = spawnSync(exe, ["superuser", "upsert", "admin@example.com", "1234567890"], {
    env: {},
    cwd: elsewhere,
    encoding: "utf8",
  });
  assert.equal(su.status, 0, su.stderr);
  // PocketBase's layout: pb_data next to the executable, whatever the working folder.
  assert.ok(existsSync(join(home, "pb_data", "data.db")));
  assert.ok(!existsSync(join(elsewhere, "pb_data")));

  let hookRoute: { path: string; body: string } | undefined;
  if (HOOKS_RUNTIME) {
    mkdirSync(join(home, "pb_hooks"));
    writeFileSync(
      join(home, "pb_hooks", "hello.pb.js"),
      [
        'routerAdd("GET", "/hello", (e) => e.string(200, "hello from pb_hooks"));',
        'routerAdd("GET", "/probe-env", (e) => e.string(200, "[" + $os.getenv("SATCHEL_PROBE") + "]"));',
        "",
      ].join("\n"),
    );
    hookRoute = { path: "/hello", body: "hello from pb_hooks" };
  } else {
    t.diagnostic("pb_hooks route not checked: src/hooks/ (the hooks runtime) has not landed yet");
  }
  const dashboard = existsSync(fileURLToPath(new URL("../ui/dist/index.html", import.meta.url)));
  if (!dashboard) t.diagnostic("dashboard not checked: ui/dist/ was not built into this executable");

  // Bun's executables load .env and bunfig.toml from the working folder unless built not to;
  // Satchel's must not (PocketBase doesn't): its environment is the one it was started with.
  writeFileSync(join(elsewhere, ".env"), "SATCHEL_PROBE=from-dotenv\n");

  const started = await startServing(exe, ["serve", "--http=127.0.0.1:0"], elsewhere, {});
  try {
    if (hookRoute) assert.equal(await (await fetch(`${started.url}/probe-env`)).text(), "[]");
    await smokeCheck(started.url, {
      email: "admin@example.com",
      password: "1234567890",
      dashboard,
      hookRoute,
    });
  } finally {
    await stopGracefully(started);
  }
});
