/**
 * The bundle bin/satchel.js runs from a checkout (dist/bundle/, built by scripts/bundle.js at
 * `npm ci`): chosen while every file it was built from is unchanged, dropped for the sources as
 * soon as one changed (or with SATCHEL_BUNDLE=0); and a server run from it works as one run from
 * the sources where the bundle's layout differs: worker threads, the dashboard's files, pb_hooks
 * scripts, a TypeScript hook importing "satchel" (the server's own classes), types.d.ts.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { request } from "./helpers/http.ts";
import { tempDir } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const BUNDLE = join(ROOT, "dist", "bundle");
const TRACE = join(ROOT, "test", "helpers", "module-trace.ts");
const MISSING = "no dist/bundle in this checkout: `npm run build:bundle` (npm ci builds it)";

interface Manifest {
  node: string;
  files: [string, number, number][];
}

/** The modules `satchel <args>` loaded, run from the checkout at `root`. */
function modulesLoaded(root: string, args: string[], env: NodeJS.ProcessEnv = {}): string[] {
  const out = join(root, `modules-${Math.random().toString(36).slice(2)}.txt`);
  const r = spawnSync(process.execPath, ["--import", TRACE, join(root, "bin", "satchel.js"), ...args], {
    env: { ...process.env, SATCHEL_BUNDLE: undefined, ...env, MODULE_TRACE_OUT: out },
    encoding: "utf8",
  });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out, "utf8").split("\n");
}

describe("bin/satchel.js and dist/bundle", () => {
  test("runs the bundle while it matches its inputs, the sources once one changed", (t) => {
    if (!existsSync(join(BUNDLE, "manifest.json"))) return t.skip(MISSING);
    // A checkout of our own: the real sources (links), a copy of the bundle and its manifest.
    const root = tempDir(t, "satchel-bundle-");
    for (const entry of ["src", "node_modules", "ui", "package.json"]) {
      symlinkSync(join(ROOT, entry), join(root, entry));
    }
    mkdirSync(join(root, "bin"));
    cpSync(join(ROOT, "bin", "satchel.js"), join(root, "bin", "satchel.js"));
    cpSync(BUNDLE, join(root, "dist", "bundle"), { recursive: true });
    const fromBundle = (mods: string[]) => mods.some((u) => u.endsWith("/dist/bundle/main.mjs"));
    const fromSources = (mods: string[]) => mods.some((u) => u.endsWith("/src/main.ts"));

    const bundled = modulesLoaded(root, ["--version"]);
    assert.ok(fromBundle(bundled) && !fromSources(bundled), "the bundle, not the sources");
    const forced = modulesLoaded(root, ["--version"], { SATCHEL_BUNDLE: "0" });
    assert.ok(fromSources(forced) && !fromBundle(forced), "SATCHEL_BUNDLE=0 runs the sources");

    // One input "changed" (its recorded time no longer matches): the sources run.
    const manifestFile = join(root, "dist", "bundle", "manifest.json");
    const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Manifest;
    assert.ok(manifest.files.some(([file]) => file === "src/main.ts"));
    const entry = manifest.files.find(([file]) => file === "src/api/record-crud.ts")!;
    entry[2] += 1;
    writeFileSync(manifestFile, JSON.stringify(manifest));
    const stale = modulesLoaded(root, ["--version"]);
    assert.ok(fromSources(stale) && !fromBundle(stale), "a changed input: the sources");

    // A removed input too.
    entry[2] -= 1;
    manifest.files.push(["src/gone.ts", 1, 1]);
    writeFileSync(manifestFile, JSON.stringify(manifest));
    assert.ok(fromSources(modulesLoaded(root, ["--version"])), "a removed input: the sources");
  });

  test("a server run from the bundle: workers, dashboard, pb_hooks, a TypeScript hook, types.d.ts", async (t) => {
    if (!existsSync(join(BUNDLE, "manifest.json"))) return t.skip(MISSING);
    const dir = tempDir(t, "satchel-bundle-serve-");
    const data = join(dir, "pb_data");
    const hooks = join(dir, "pb_hooks");
    mkdirSync(hooks);
    writeFileSync(
      join(hooks, "main.pb.js"),
      `routerAdd("GET", "/b/hello/{name}", (e) => e.json(200, { hello: e.request.pathValue("name"), n: $app.countRecords("_superusers") }));`,
    );
    writeFileSync(
      join(hooks, "typed.pb.ts"),
      `import { Record, type HooksModule } from "satchel";
const setup: HooksModule = (app) => {
  app.routerAdd("GET", "/b/same", async (e) => {
    const su = await e.app.findAuthRecordByEmail("_superusers", "bundle@example.com");
    e.json(200, { same: su instanceof Record });
  });
};
export default setup;
`,
    );
    const main = join(ROOT, "bin", "satchel.js");
    const upsert = spawnSync(
      process.execPath,
      [main, "superuser", "upsert", "bundle@example.com", "1234567890", "--dir", data],
      {
        encoding: "utf8",
      },
    );
    assert.equal(upsert.status, 0, upsert.stderr);

    const trace = join(dir, "modules.txt");
    const child = spawn(
      process.execPath,
      ["--import", TRACE, main, "serve", "--http", "127.0.0.1:0", "--dir", data, "--hooksDir", hooks],
      { env: { ...process.env, SATCHEL_BUNDLE: undefined, MODULE_TRACE_OUT: trace } },
    );
    t.after(() => child.kill("SIGKILL"));
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => /Server started at http:\/\/\S+\n/.test(stdout), `banner (${stderr})`, 30_000);
    const url = /Server started at (http:\/\/\S+)/.exec(stdout)![1]!;

    child.kill("SIGUSR2");
    await waitFor(() => existsSync(trace), "module list", 10_000);
    const mods = readFileSync(trace, "utf8").split("\n");
    assert.ok(
      mods.some((u) => u.endsWith("/dist/bundle/main.mjs")),
      `served from the bundle (${mods.length} modules traced, the sources' main.ts among them: ${mods.some((u) => u.endsWith("/src/main.ts"))}; ${stderr})`,
    );

    // a pb_hooks script (its worker thread is a bundle entry)
    const hello = await request(url, "GET", "/b/hello/there");
    assert.equal(hello.status, 200, hello.text);
    assert.deepEqual(hello.json, { hello: "there", n: 1 });
    // a TypeScript hook gets the server's own classes from `import "satchel"`
    const same = await request(url, "GET", "/b/same");
    assert.deepEqual(same.json, { same: true }, same.text);
    // the password check runs on the hash worker (another bundle entry)
    const auth = await request(url, "POST", "/api/collections/_superusers/auth-with-password", {
      body: { identity: "bundle@example.com", password: "1234567890" },
    });
    assert.equal(auth.status, 200, auth.text);
    // the dashboard's files, found from the bundle's folder
    const dashboard = await request(url, "GET", "/_/");
    assert.equal(dashboard.status, 200);
    assert.match(dashboard.headers.get("content-type") ?? "", /text\/html/);
    // types.d.ts, generated from the sources' doc comments
    await waitFor(() => existsSync(join(data, "types.d.ts")), "types.d.ts", 60_000, 100);
    assert.match(readFileSync(join(data, "types.d.ts"), "utf8"), /declare function routerAdd/);
  });
});
