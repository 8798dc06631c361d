/**
 * Child processes of a bench run: Satchel (`node src/main.ts serve`) and the limit server, each
 * on a free loopback port, with their memory read from /proc (VmRSS now, VmHWM = peak).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

/** The repository root (bench/lib/../..). */
export const ROOT = resolve(import.meta.dirname, "..", "..");

/** The Satchel CLI entry point, as users run it (with Node's compile cache on). */
export const SATCHEL_MAIN = join(ROOT, "bin", "satchel.js");

/** The limit server entry point. */
export const LIMIT_MAIN = join(ROOT, "bench", "limit-server.ts");

/** A free TCP port on 127.0.0.1 (bound then released). */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once("error", fail);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => ok(port));
    });
  });
}

/** Memory of a process in bytes, from /proc/<pid>/status (null off Linux or once it exited). */
export function readProcMem(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = (key: string): number => {
      const m = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(status);
      return m ? Number(m[1]) * 1024 : 0;
    };
    return { rss: kb("VmRSS"), hwm: kb("VmHWM") };
  } catch {
    return null;
  }
}

/** Samples a process's RSS on an interval and keeps the maximum. */
export class RssSampler {
  readonly #pid: number;
  #timer: NodeJS.Timeout | undefined;
  #peak = 0;

  constructor(pid: number, intervalMs = 50) {
    this.#pid = pid;
    this.#sample();
    this.#timer = setInterval(() => this.#sample(), intervalMs);
    this.#timer.unref();
  }

  #sample(): void {
    const mem = readProcMem(this.#pid);
    if (mem && mem.rss > this.#peak) this.#peak = mem.rss;
  }

  /** Stops sampling; returns the peak RSS in bytes. */
  stop(): number {
    clearInterval(this.#timer);
    this.#sample();
    return this.#peak;
  }
}

/** A running server process. */
export interface ServerProcess {
  name: string;
  url: string;
  pid: number;
  /** Milliseconds from spawning the process to its first answered `/api/health`. */
  startMs: number;
  /** The last lines of its output (for error reports). */
  output(): string;
  /** SIGTERM, then SIGKILL after a grace period. */
  stop(): Promise<void>;
}

function tail(buf: string[], chunk: Buffer): void {
  buf.push(chunk.toString("utf8"));
  while (buf.length > 50) buf.shift();
}

async function waitHealthy(
  url: string,
  child: ChildProcess,
  timeoutMs: number,
  out: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with code ${child.exitCode}:\n${out()}`);
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not up yet
    }
    // A short poll: the time to the first answer is reported as the cold start.
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`server did not answer /api/health within ${timeoutMs} ms:\n${out()}`);
}

/** Spawns `node <args>` (or `command <args>`) and waits until `url/api/health` answers. */
export async function startServerProcess(
  name: string,
  args: string[],
  url: string,
  timeoutMs = 30_000,
  command = process.execPath,
): Promise<ServerProcess> {
  const spawnedAt = performance.now();
  const child = spawn(command, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const buf: string[] = [];
  child.stdout?.on("data", (c: Buffer) => tail(buf, c));
  child.stderr?.on("data", (c: Buffer) => tail(buf, c));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const output = (): string => buf.join("").slice(-4000);
  try {
    await waitHealthy(url, child, timeoutMs, output);
  } catch (err) {
    child.kill("SIGKILL");
    throw err;
  }
  const startMs = performance.now() - spawnedAt;
  let stopping: Promise<void> | undefined;
  return {
    name,
    url,
    pid: child.pid ?? 0,
    startMs,
    output,
    stop() {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** The single executable `npm run build:exe` writes (dist/satchel), when it was built. */
export const SATCHEL_EXE = join(ROOT, "dist", process.platform === "win32" ? "satchel.exe" : "satchel");

/**
 * Starts Satchel on a data folder: `node bin/satchel.js serve`, or the single executable when
 * `exe` names it.
 */
export async function startSatchel(
  dataDir: string,
  extraArgs: string[] = [],
  exe?: string,
): Promise<ServerProcess> {
  const port = await freePort();
  return startServerProcess(
    exe ? "satchel-exe" : "satchel",
    // Schema changes made by the bench are not written as migrations (nor applied from a folder
    // another run left beside the data folder); the hooks folder is the data folder's own.
    [
      ...(exe ? [] : [SATCHEL_MAIN]),
      "serve",
      "--dir",
      dataDir,
      "--http",
      `127.0.0.1:${port}`,
      "--automigrate=false",
      `--migrationsDir=${join(dataDir, "pb_migrations")}`,
      ...extraArgs,
    ],
    `http://127.0.0.1:${port}`,
    30_000,
    exe,
  );
}

/** Starts the limit server on a data folder. */
export async function startLimit(dataDir: string): Promise<ServerProcess> {
  const port = await freePort();
  return startServerProcess(
    "limit",
    [LIMIT_MAIN, "--dir", dataDir, "--port", String(port)],
    `http://127.0.0.1:${port}`,
  );
}

/** Runs the Satchel CLI once (e.g. `superuser upsert`) and resolves with its exit code and output. */
export function runSatchelCli(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [SATCHEL_MAIN, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
    child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
    child.once("error", fail);
    child.once("exit", (code) => ok({ code: code ?? 1, output }));
  });
}
