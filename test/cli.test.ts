import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import PocketBase from "pocketbase";
import { App } from "../src/core/app.ts";
import { request } from "./helpers/http.ts";
import { startTestServer, tempDir } from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";
import { waitFor } from "./helpers/wait.ts";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node src/main.ts …args` to completion. */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A running `serve` child whose banner has been printed. */
interface Served {
  child: ChildProcess;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<Result>;
}

function serve(dir: string, extra: string[] = []): Promise<Served> {
  return new Promise((resolve, reject) => {
    // The hooks, migrations and public folders default to siblings of the data folder: keep
    // them inside this test's folder, not in the shared temp dir.
    const own = [
      ["--hooksDir", join(dir, "pb_hooks")],
      ["--migrationsDir", join(dir, "pb_migrations")],
      ["--publicDir", join(dir, "pb_public")],
    ].flat();
    const child = spawn(process.execPath, [
      MAIN,
      "serve",
      "--http",
      "127.0.0.1:0",
      "--dir",
      dir,
      ...own,
      ...extra,
    ]);
    let stdout = "";
    let stderr = "";
    const exited = new Promise<Result>((done) =>
      child.on("close", (code, signal) => done({ code, signal, stdout, stderr })),
    );
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      const m = /Server started at (http:\/\/\S+)/.exec(stdout);
      if (m && /Dashboard:.*\n/.test(stdout)) {
        resolve({ child, url: m[1]!, stdout: () => stdout, stderr: () => stderr, exited });
      }
    });
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    void exited.then((r) => reject(new Error(`serve exited early (${r.code}): ${r.stderr}`)));
  });
}

const oneLine = (text: string) => text.trimEnd().split("\n").length === 1;

describe("the command line", () => {
  test("--help prints the usage and exits 0", async () => {
    for (const flag of ["--help", "-h", "help"]) {
      const r = await run([flag]);
      assert.equal(r.code, 0, flag);
      assert.match(r.stdout, /satchel serve/);
      assert.match(r.stdout, /satchel superuser upsert/);
      assert.equal(r.stderr, "");
    }
  });

  test("serve --help prints the usage and exits 0", async () => {
    const r = await run(["serve", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /--http/);
  });

  test("--version prints the package version", async () => {
    const r = await run(["--version"]);
    assert.equal(r.code, 0);
    assert.equal(
      r.stdout,
      `satchel version 0.1.0 (node ${process.version}, ${process.platform}-${process.arch})\n`,
    );
  });

  test("bin/satchel.js runs the CLI and fills Node's compile cache", async (t) => {
    const cache = tempDir(t, "satchel-compile-cache-");
    const bin = fileURLToPath(new URL("../bin/satchel.js", import.meta.url));
    // Node turns the cache off when this variable is set at all, even to "".
    const { NODE_DISABLE_COMPILE_CACHE: _off, ...withoutCacheSwitch } = process.env;
    const runBin = (): Promise<Result> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [bin, "--version"], {
          env: { ...withoutCacheSwitch, NODE_COMPILE_CACHE: cache },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        child.on("error", reject);
        child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
      });
    const first = await runBin();
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^satchel version 0\.1\.0 \(node v/);
    assert.ok(readdirSync(cache, { recursive: true }).length > 0, "the compile cache was written");
    const second = await runBin();
    assert.equal(second.stdout, first.stdout);
  });

  const bad: [string, string[], RegExp][] = [
    ["an unknown command", ["frobnicate"], /unknown command "frobnicate"/],
    ["an unknown flag", ["serve", "--nope"], /unknown flag: --nope/],
    [
      "an unknown superuser flag",
      ["superuser", "upsert", "a@b.co", "1234567890", "--http", "x"],
      /unknown flag/,
    ],
    ["a flag without its value", ["serve", "--http"], /--http/],
    ["an unknown superuser action", ["superuser", "promote", "a@b.co"], /superuser command/],
    ["a missing email", ["superuser", "upsert"], /email/],
    ["a missing password", ["superuser", "create", "a@b.co"], /password/],
    [
      "an invalid --http address",
      ["serve", "--http", "nonsense", "--dir", join(tmpdir(), "satchel-cli-never-created")],
      /address/i,
    ],
    ["an invalid --queryTimeout", ["serve", "--queryTimeout", "soon"], /queryTimeout/],
  ];
  for (const [name, args, message] of bad) {
    test(`${name} prints one line on stderr and exits non-zero`, async () => {
      const r = await run(args);
      assert.notEqual(r.code, 0);
      assert.ok(oneLine(r.stderr), `one line: ${JSON.stringify(r.stderr)}`);
      assert.match(r.stderr, message);
    });
  }

  test("a usage error leaves the data folder alone", async () => {
    const dir = join(tmpdir(), `satchel-cli-untouched-${process.pid}`);
    const r = await run(["serve", "--http", "nonsense", "--dir", dir]);
    assert.notEqual(r.code, 0);
    assert.equal(existsSync(dir), false);
  });

  test("an unwritable data folder is a one-line error", async (t) => {
    const file = join(tempDir(t), "a-file");
    writeFileSync(file, "x");
    for (const args of [
      ["serve", "--http", "127.0.0.1:0", "--dir", join(file, "pb_data")],
      ["superuser", "upsert", "a@b.co", "1234567890", "--dir", join(file, "pb_data")],
    ]) {
      const r = await run(args);
      assert.notEqual(r.code, 0);
      assert.ok(oneLine(r.stderr), r.stderr);
      assert.match(r.stderr, /not writable/);
    }
  });

  test("a busy port is a one-line error", async (t) => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await run(["serve", "--http", `127.0.0.1:${port}`, "--dir", tempDir(t)]);
      assert.notEqual(r.code, 0);
      assert.ok(oneLine(r.stderr), r.stderr);
      assert.match(r.stderr, /already in use/);
    } finally {
      blocker.close();
    }
  });
});

describe("superuser commands", () => {
  test("upsert creates a superuser who can log in, and changes the password of an existing one", async (t) => {
    const dir = tempDir(t);
    const created = await run(["superuser", "upsert", "root@example.com", "first-password", "--dir", dir]);
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /Successfully saved superuser "root@example.com"/);
    const updated = await run(["superuser", "upsert", "root@example.com", "second-password", `--dir=${dir}`]);
    assert.equal(updated.code, 0, updated.stderr);
    const s = await startTestServer(t, { dataDir: dir, superuser: false });
    const pb = new PocketBase(s.url);
    await assert.rejects(() =>
      pb.collection("_superusers").authWithPassword("root@example.com", "first-password"),
    );
    const auth = await pb.collection("_superusers").authWithPassword("root@example.com", "second-password");
    assert.equal(auth.record.email, "root@example.com");
  });

  test("create, update and delete manage superusers and report errors in one line", async (t) => {
    const dir = tempDir(t);
    assert.equal((await run(["superuser", "create", "a@example.com", "password-a", "--dir", dir])).code, 0);
    const dup = await run(["superuser", "create", "a@example.com", "password-a", "--dir", dir]);
    assert.notEqual(dup.code, 0);
    assert.ok(oneLine(dup.stderr), dup.stderr);
    const short = await run(["superuser", "create", "b@example.com", "short", "--dir", dir]);
    assert.notEqual(short.code, 0);
    assert.ok(oneLine(short.stderr), short.stderr);
    const badEmail = await run(["superuser", "create", "not-an-email", "password-x", "--dir", dir]);
    assert.notEqual(badEmail.code, 0);
    const missing = await run(["superuser", "update", "nobody@example.com", "password-x", "--dir", dir]);
    assert.notEqual(missing.code, 0);
    assert.ok(oneLine(missing.stderr), missing.stderr);
    assert.equal((await run(["superuser", "create", "b@example.com", "password-b", "--dir", dir])).code, 0);
    assert.equal((await run(["superuser", "update", "b@example.com", "password-c", "--dir", dir])).code, 0);
    const del = await run(["superuser", "delete", "a@example.com", "--dir", dir]);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /Successfully deleted superuser "a@example.com"/);
    const again = await run(["superuser", "delete", "a@example.com", "--dir", dir]);
    assert.equal(again.code, 0, "deleting a missing superuser only warns");
    const last = await run(["superuser", "delete", "b@example.com", "--dir", dir]);
    assert.notEqual(last.code, 0, "the last superuser cannot be deleted");
    assert.deepEqual(
      query(dir, "SELECT email FROM _superusers").map((r) => r.email),
      ["b@example.com"],
    );
    const s = await startTestServer(t, { dataDir: dir, superuser: false });
    const auth = await new PocketBase(s.url)
      .collection("_superusers")
      .authWithPassword("b@example.com", "password-c");
    assert.ok(auth.token);
  });
});

describe("serve", () => {
  test("on a fresh folder prints the banner and an installer link whose token is a superuser's", async (t) => {
    const dir = tempDir(t);
    const served = await serve(dir);
    t.after(() => served.child.kill("SIGKILL"));
    const out = served.stdout();
    assert.match(out, /Server started at http:\/\/127\.0\.0\.1:\d+\n/);
    assert.ok(out.includes(`REST API:  ${served.url}/api/`), out);
    assert.ok(out.includes(`Dashboard: ${served.url}/_/`), out);
    // PocketBase's types.d.ts for pb_hooks editors, generated on serve (by a thread, once serving)
    const typesFile = join(dir, "types.d.ts");
    await waitFor(
      () => existsSync(typesFile) && /declare function routerAdd\(/.test(readFileSync(typesFile, "utf8")),
      "types.d.ts",
      30_000,
    );
    const pattern = new RegExp(`${served.url.replace(/[.]/g, "\\.")}/_/#/pbinstall/(\\S+)`);
    // The link follows the banner once the installer account is hashed.
    for (let i = 0; i < 100 && !pattern.test(served.stdout()); i++)
      await new Promise((r) => setTimeout(r, 50));
    const link = pattern.exec(served.stdout());
    assert.ok(link, `installer link in ${served.stdout()}`);
    const token = link[1]!;
    const settings = await request(served.url, "GET", "/api/settings", { token });
    assert.equal(settings.status, 200, "the installer token authenticates as a superuser");
    const claims = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString()) as Record<
      string,
      unknown
    >;
    assert.equal(claims.refreshable, false);
    assert.ok(Number(claims.exp) - Date.now() / 1000 <= 30 * 60);
    served.child.kill("SIGTERM");
    const r = await served.exited;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      query(dir, "SELECT email FROM _superusers")
        .map((x) => x.email)
        .join(),
      "__pbinstaller@example.com",
    );
  });

  test("prints no installer link once a superuser exists", async (t) => {
    const dir = tempDir(t);
    assert.equal(
      (await run(["superuser", "upsert", "root@example.com", "1234567890", "--dir", dir])).code,
      0,
    );
    const served = await serve(dir);
    t.after(() => served.child.kill("SIGKILL"));
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(!served.stdout().includes("pbinstall"), served.stdout());
    served.child.kill("SIGINT");
    assert.equal((await served.exited).code, 0);
  });

  test("serves its --origins and answers the health check", async (t) => {
    const dir = tempDir(t);
    const served = await serve(dir, ["--origins", "https://a.example, https://b.example"]);
    t.after(() => served.child.kill("SIGKILL"));
    const ok = await fetch(`${served.url}/api/health`, { headers: { origin: "https://b.example" } });
    assert.equal(ok.headers.get("access-control-allow-origin"), "https://b.example");
    const no = await fetch(`${served.url}/api/health`, { headers: { origin: "https://c.example" } });
    assert.equal(no.headers.get("access-control-allow-origin"), null);
    served.child.kill("SIGTERM");
    assert.equal((await served.exited).code, 0);
  });

  test("SIGTERM during a burst of writes exits 0 and loses no acknowledged write", async (t) => {
    const dir = tempDir(t);
    assert.equal(
      (await run(["superuser", "upsert", "root@example.com", "1234567890", "--dir", dir])).code,
      0,
    );
    const served = await serve(dir);
    t.after(() => served.child.kill("SIGKILL"));
    const pb = new PocketBase(served.url);
    pb.autoCancellation(false);
    const { token } = await pb.collection("_superusers").authWithPassword("root@example.com", "1234567890");

    const total = 200;
    let answered = 0;
    let signalled = false;
    const results = await Promise.all(
      Array.from({ length: total }, async (_, i) => {
        const name = `burst_${i}`;
        try {
          const res = await fetch(`${served.url}/api/collections`, {
            method: "POST",
            headers: { authorization: token, "content-type": "application/json" },
            body: JSON.stringify({ name, fields: [{ name: "title", type: "text" }] }),
          });
          await res.text();
          return { name, status: res.status };
        } catch {
          return { name, status: 0 };
        } finally {
          answered++;
          if (answered >= 20 && !signalled) {
            signalled = true;
            served.child.kill("SIGTERM");
          }
        }
      }),
    );
    const r = await served.exited;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.signal, null);
    const acknowledged = results.filter((x) => x.status === 200).map((x) => x.name);
    assert.ok(acknowledged.length >= 20, `${acknowledged.length} acknowledged`);
    assert.ok(
      results.every((x) => x.status === 200 || x.status === 0 || x.status >= 500 || x.status === 503),
      "writes either succeed or fail at the connection",
    );

    const app = new App({ dataDir: dir });
    await app.bootstrap();
    t.after(() => app.terminate());
    const stored = new Set(app.findAllCollections().map((c) => c.name));
    const lost = acknowledged.filter((name) => !stored.has(name));
    assert.deepEqual(lost, [], "every acknowledged create is in the reopened folder");
    const tables = new Set(
      (await app.db.all("SELECT name FROM sqlite_master WHERE type = 'table'")).map((row) =>
        String(row.name),
      ),
    );
    assert.deepEqual(
      acknowledged.filter((name) => !tables.has(name)),
      [],
      "and has its table",
    );
    const check = await app.db.get("PRAGMA integrity_check");
    assert.equal(check?.integrity_check, "ok");
  });
});
