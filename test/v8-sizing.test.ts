/**
 * bin/satchel.js starts `serve` with V8 and malloc sized for a small server. The young generation
 * and TurboFan are set at run time (src/tools/v8-serving.test.ts); for `--memoryLimit` it replaces
 * itself (execve, same pid) with a process that has the old generation capped and 2 malloc
 * arenas. Read back from /proc (Linux).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { tempDir } from "./helpers/server.ts";

const BIN = fileURLToPath(new URL("../bin/satchel.js", import.meta.url));
const skip = existsSync("/proc/self/cmdline") ? false : "reads the server's flags from /proc (Linux only)";

interface Started {
  pid: number;
  url: string;
  cmdline: string[];
  environ: string[];
  stop(): Promise<number | null>;
}

/** `node bin/satchel.js serve` with exactly `env` as its environment. */
function serveBin(dir: string, extra: string[], env: NodeJS.ProcessEnv): Promise<Started> {
  return new Promise((resolve, reject) => {
    const own = ["--hooksDir", join(dir, "pb_hooks"), "--migrationsDir", join(dir, "pb_migrations")];
    const child = spawn(
      process.execPath,
      [BIN, "serve", "--http", "127.0.0.1:0", "--dir", join(dir, "pb_data"), ...own, ...extra],
      { env },
    );
    let stdout = "";
    let stderr = "";
    const exited = new Promise<number | null>((done) => child.on("close", (code) => done(code)));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
      const m = /Server started at (http:\/\/\S+)/.exec(stdout);
      if (!m || child.pid === undefined) return;
      const read = (what: string) => readFileSync(`/proc/${child.pid}/${what}`, "utf8").split("\0");
      resolve({
        pid: child.pid,
        url: m[1]!,
        cmdline: read("cmdline"),
        environ: read("environ"),
        stop() {
          child.kill("SIGTERM");
          return exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`serve exited early (${code}): ${stderr}`)));
  });
}

/** This process's environment without anything that changes the sizing. */
function withoutSizing(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.SATCHEL_V8_SIZING;
  delete env.MALLOC_ARENA_MAX;
  delete env.NODE_OPTIONS;
  return env;
}

describe("bin/satchel.js sizes V8 for serve", { skip }, () => {
  test("with --memoryLimit, the served process (same pid) has the old generation capped, and 2 malloc arenas", async (t) => {
    const s = await serveBin(tempDir(t), ["--memoryLimit=300"], withoutSizing());
    try {
      assert.ok(s.cmdline.includes("--max-old-space-size=300"), s.cmdline.join(" "));
      assert.ok(
        s.environ.includes("MALLOC_ARENA_MAX=2"),
        s.environ.filter((e) => e.startsWith("MALLOC")).join(),
      );
      const res = await fetch(`${s.url}/api/health`);
      assert.equal(res.status, 200);
    } finally {
      assert.equal(await s.stop(), 0, "SIGTERM reaches the replaced process; it exits 0");
    }
  });

  test("an explicitly empty MALLOC_ARENA_MAX is the caller's choice, kept as given", async (t) => {
    const s = await serveBin(tempDir(t), ["--memoryLimit=300"], { ...withoutSizing(), MALLOC_ARENA_MAX: "" });
    try {
      assert.ok(s.cmdline.includes("--max-old-space-size=300"), s.cmdline.join(" "));
      assert.ok(s.environ.includes("MALLOC_ARENA_MAX="), "the caller's environment is kept");
    } finally {
      await s.stop();
    }
  });

  test("without --memoryLimit the process is not restarted: its command line and environment are as started", async (t) => {
    const s = await serveBin(tempDir(t), [], withoutSizing());
    try {
      assert.deepEqual(s.cmdline.slice(0, 3), [process.execPath, BIN, "serve"]);
      assert.ok(!s.cmdline.some((a) => a.startsWith("--max-")), s.cmdline.join(" "));
      assert.ok(!s.environ.some((e) => e.startsWith("MALLOC_ARENA_MAX")), "no malloc setting added");
      const res = await fetch(`${s.url}/api/health`);
      assert.equal(res.status, 200);
    } finally {
      assert.equal(await s.stop(), 0);
    }
  });

  test("SATCHEL_V8_SIZING=0 or an old generation size given by the user: no restart for --memoryLimit", async (t) => {
    const off = await serveBin(tempDir(t), ["--memoryLimit=300"], {
      ...withoutSizing(),
      SATCHEL_V8_SIZING: "0",
    });
    try {
      assert.ok(!off.cmdline.some((a) => a.startsWith("--max-old-space-size")), off.cmdline.join(" "));
      assert.ok(!off.environ.some((e) => e.startsWith("MALLOC_ARENA_MAX")), "no malloc setting added");
    } finally {
      await off.stop();
    }
    const own = await serveBin(tempDir(t), ["--memoryLimit=300"], {
      ...withoutSizing(),
      NODE_OPTIONS: "--max-old-space-size=512",
    });
    try {
      assert.ok(!own.cmdline.some((a) => a.startsWith("--max-old-space-size")), own.cmdline.join(" "));
    } finally {
      await own.stop();
    }
  });
});
