/**
 * bin/satchel.js starts `serve` with V8 and malloc sized for a small server: it replaces itself
 * (execve, same pid) with a process that has the flags. Read back from /proc (Linux).
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
  test("the served process (same pid) has a small young generation, and the old one capped by --memoryLimit", async (t) => {
    const dir = tempDir(t);
    const s = await serveBin(dir, ["--memoryLimit=300"], { ...withoutSizing(), MALLOC_ARENA_MAX: "" });
    try {
      assert.ok(s.cmdline.includes("--max-semi-space-size=4"), s.cmdline.join(" "));
      assert.ok(s.cmdline.includes("--max-old-space-size=300"), s.cmdline.join(" "));
      // an explicitly empty MALLOC_ARENA_MAX is the caller's choice, kept as given
      assert.ok(s.environ.includes("MALLOC_ARENA_MAX="), "the caller's environment is kept");
      const res = await fetch(`${s.url}/api/health`);
      assert.equal(res.status, 200);
    } finally {
      assert.equal(await s.stop(), 0, "SIGTERM reaches the replaced process; it exits 0");
    }
  });

  test("MALLOC_ARENA_MAX defaults to 2; no old generation cap without --memoryLimit", async (t) => {
    const dir = tempDir(t);
    const s = await serveBin(dir, [], withoutSizing());
    try {
      assert.ok(
        s.environ.includes("MALLOC_ARENA_MAX=2"),
        s.environ.filter((e) => e.startsWith("MALLOC")).join(),
      );
      assert.ok(s.cmdline.includes("--max-semi-space-size=4"));
      assert.ok(!s.cmdline.some((a) => a.startsWith("--max-old-space-size")), s.cmdline.join(" "));
    } finally {
      await s.stop();
    }
  });

  test("SATCHEL_V8_SIZING=0 or a flag given by the user leaves V8's defaults alone", async (t) => {
    const off = await serveBin(tempDir(t), [], { ...withoutSizing(), SATCHEL_V8_SIZING: "0" });
    try {
      assert.ok(!off.cmdline.some((a) => a.startsWith("--max-semi-space-size")), off.cmdline.join(" "));
    } finally {
      await off.stop();
    }
    const own = await serveBin(tempDir(t), [], {
      ...withoutSizing(),
      NODE_OPTIONS: "--max-semi-space-size=8",
    });
    try {
      assert.ok(!own.cmdline.some((a) => a.startsWith("--max-semi-space-size")), own.cmdline.join(" "));
    } finally {
      await own.stop();
    }
  });
});
