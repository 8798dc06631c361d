/**
 * pb_hooks loading: a file that fails to load stops `serve` with its file and line (non-zero
 * exit), registration order and tags, crons on the app scheduler, and reload on change without
 * dropping a request in flight (a broken edit keeps the hooks that were running).
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildTemplate, suiteCleanup, tempDir } from "./helpers/server.ts";
import { App } from "../src/core/app.ts";
import { HooksRuntime } from "../src/hooks/runtime.ts";
import { seedPosts, startHooksServer, writeFiles } from "./helpers/hooks.ts";
import { waitFor } from "./helpers/wait.ts";

const MAIN = join(import.meta.dirname, "../src/main.ts");

function serve(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, "serve", ...args]);
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("exit", (code) => resolve({ code, stderr }));
  });
}

describe("pb_hooks: loading", () => {
  const cleanup = suiteCleanup();
  let template: string;
  before(async () => {
    template = await buildTemplate(cleanup, seedPosts);
  });

  test("a hook file that throws at load time: serve exits non-zero naming the file and line", async (t) => {
    const dir = tempDir(t);
    const hooks = join(dir, "pb_hooks");
    writeFiles(hooks, {
      "a_ok.pb.js": `routerAdd("GET", "/ok", (e) => e.string(200, "ok"))\n`,
      "b_bad.pb.js": `// a comment\nthrow new Error("bad at load")\n`,
    });
    const res = await serve(["--dir", join(dir, "pb_data"), "--http", "127.0.0.1:0", "--hooksWatch=false"]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /b_bad\.pb\.js:2/);
    assert.match(res.stderr, /bad at load/);
  });

  test("a syntax error fails the load too, with its file", async (t) => {
    const dir = tempDir(t);
    const hooks = join(dir, "hooks");
    writeFiles(hooks, { "main.pb.js": `routerAdd("GET", "/x", (e) => {\n` });
    const res = await serve(["--dir", join(dir, "pb_data"), "--hooksDir", hooks, "--http", "127.0.0.1:0"]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /main\.pb\.js/);
    assert.match(res.stderr, /SyntaxError/);
  });

  test("onBootstrap handlers run in the bootstrap; code after e.next() sees an open database", async (t) => {
    const dir = tempDir(t);
    writeFiles(join(dir, "pb_hooks"), {
      "boot.pb.js": `onBootstrap((e) => {
  e.next()
  $os.writeFile(__hooks + "/boot.txt", $app.findCollectionByNameOrId("users").name, 420)
})`,
    });
    const app = new App({ dataDir: join(dir, "pb_data") });
    const runtime = new HooksRuntime(app, {
      hooksDir: join(dir, "pb_hooks"),
      watch: false,
      poolSize: 1,
      timeoutMs: 20_000,
    });
    await runtime.start();
    t.after(async () => {
      await app.terminate();
      await runtime.close();
    });
    await app.bootstrap();
    assert.equal(runtime.workers, 1);
    assert.equal(readFileSync(join(dir, "pb_hooks", "boot.txt"), "utf8"), "users");
    const s = await startHooksServer(t, { "x.pb.js": "" }, { template });
    assert.equal(s.runtime.workers, 0); // an empty file registers nothing: no thread started
  });

  test("the files' top-level code stays out of the handlers; a module the files require() may register", async (t) => {
    const s = await startHooksServer(
      t,
      {
        "lib/routes.js": `routerAdd("GET", "/from-module", (e) => e.string(200, "module"))\n`,
        "lib/state.js": `module.exports = { count: 0 }\n`,
        "main.pb.js": `var shared = "file"
function helper() { return "file" }
globalThis.leaked = "file"
require(__hooks + "/lib/routes.js")
require(__hooks + "/lib/state.js").count++
console.log("loaded", typeof routerAdd, typeof $app, typeof Record, typeof fetch)
routerAdd("GET", "/seen", (e) => e.json(200, {
  shared: typeof shared,
  helper: typeof helper,
  leaked: typeof leaked,
  routerAdd: typeof routerAdd,
  count: require(__hooks + "/lib/state.js").count,
}))`,
      },
      { template, poolSize: 1 },
    );
    assert.equal(await (await fetch(`${s.url}/from-module`)).text(), "module");
    // a handler sees none of the file's declarations or globals, nor the registration functions,
    // and a module the file changed at load time is evaluated again for the handlers
    assert.deepEqual(await (await fetch(`${s.url}/seen`)).json(), {
      shared: "undefined",
      helper: "undefined",
      leaked: "undefined",
      routerAdd: "undefined",
      count: 0,
    });
    assert.match(s.output.join(""), /loaded function object function function/);
  });

  test("tags filter record hooks; handlers run in registration order across files (byte order)", async (t) => {
    const s = await startHooksServer(
      t,
      {
        "b.pb.js": `onRecordCreate((e) => { e.record.set("title", e.record.getString("title") + "-b"); e.next() }, "posts")`,
        "a.pb.js": `onRecordCreate((e) => { e.record.set("title", e.record.getString("title") + "-a"); e.next() }, "posts")
onRecordCreate((e) => { e.record.set("title", "never"); e.next() }, "users")
onRecordCreate((e) => { e.record.set("views", 7); e.next() })
cronAdd("cleanup", "*/5 * * * *", () => { $app.db().newQuery("DELETE FROM posts WHERE views < 0").execute() })`,
      },
      { template },
    );
    const r = await s.pb.collection("posts").create({ title: "t" });
    assert.equal(r.title, "t-a-b");
    assert.equal(r.views, 7);
    const jobs = await s.pb.crons.getFullList();
    assert.ok(
      jobs.some((j) => j.id === "cleanup" && j.expression === "*/5 * * * *"),
      JSON.stringify(jobs),
    );
  });

  test("a change reloads the hooks; a request in flight finishes; a broken edit keeps the old hooks", async (t) => {
    const s = await startHooksServer(
      t,
      {
        "main.pb.js": `routerAdd("GET", "/v", (e) => e.string(200, "1"))
routerAdd("GET", "/slow", (e) => { sleep(800); return e.string(200, "slow done") })`,
      },
      { template, watch: true },
    );
    assert.equal(await (await fetch(s.url + "/v")).text(), "1");
    const slow = fetch(s.url + "/slow");
    await new Promise((r) => setTimeout(r, 150));
    writeFileSync(
      join(s.hooksDir, "main.pb.js"),
      `routerAdd("GET", "/v", (e) => e.string(200, "2"))
routerAdd("GET", "/slow", (e) => e.string(200, "new slow"))`,
    );
    let seen = "";
    await waitFor(() => seen === "2", "the reloaded route", 20_000, 50).catch(() => undefined);
    for (const end = Date.now() + 20_000; seen !== "2" && Date.now() < end;) {
      seen = await (await fetch(s.url + "/v")).text();
      if (seen !== "2") await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(seen, "2");
    const old = await slow;
    assert.equal(old.status, 200);
    assert.equal(await old.text(), "slow done");

    writeFileSync(join(s.hooksDir, "main.pb.js"), `routerAdd("GET", "/v", (e) => {`);
    await waitFor(
      () => s.logs.some((l) => l.includes("SyntaxError")),
      "the failed reload to be logged",
      20_000,
      50,
    );
    assert.equal(await (await fetch(s.url + "/v")).text(), "2");
  });
});
