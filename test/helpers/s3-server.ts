/**
 * A real S3-compatible server for tests: OpenStack Swift with its s3api middleware (Debian's
 * `swift-*` packages + memcached, installed by `.ci/install-services.sh`), started on loopback on
 * free ports with its state in a temp folder, by `swift-s3.sh` beside this file.
 *
 *   const reason = swiftUnavailable();      // null when the binaries are there
 *   const s3 = await startS3Server();       // ~5 s
 *   ... new S3Storage({ ...s3.config, bucket: "test" }) ...
 *   await s3.stop();                        // kills exactly the processes it started
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";

const SCRIPT = new URL("./swift-s3.sh", import.meta.url).pathname;

/** Where Debian installs the Swift servers (the script runs them from /usr/bin). */
const SWIFT_BIN_DIR = process.env["SATCHEL_SWIFT_BIN_DIR"] ?? "/usr/bin";

/** The servers the script needs. */
const REQUIRED = ["proxy", "object", "container", "account"].map((n) =>
  join(SWIFT_BIN_DIR, `swift-${n}-server`),
);

function onPath(binary: string): boolean {
  return (process.env["PATH"] ?? "")
    .split(delimiter)
    .concat(["/usr/bin", "/usr/sbin", "/bin"])
    .some((dir) => dir !== "" && existsSync(join(dir, binary)));
}

/**
 * Why the S3 test server cannot start here (missing binaries), or null when it can. Tests skip
 * with this message.
 */
export function swiftUnavailable(): string | null {
  const missing = REQUIRED.filter((p) => !existsSync(p));
  if (!existsSync(join(SWIFT_BIN_DIR, "swift-ring-builder")) && !onPath("swift-ring-builder")) {
    missing.push("swift-ring-builder");
  }
  if (!onPath("memcached")) missing.push("memcached");
  if (missing.length === 0) return null;
  return (
    `OpenStack Swift (S3 test server) is not installed: missing ${missing.join(", ")}. ` +
    "Run `bash .ci/install-services.sh` (apt: swift-proxy swift-object swift-container swift-account memcached)."
  );
}

/** The S3 settings of a running test server (PocketBase's `settings.s3` shape, minus the bucket). */
export interface S3ServerConfig {
  endpoint: string;
  region: string;
  accessKey: string;
  secret: string;
  forcePathStyle: boolean;
}

export interface S3TestServer {
  config: S3ServerConfig;
  /** The state folder (config, data, logs under `run/`). */
  dir: string;
  /** The PIDs of the processes it started (proxy, object, container, account, memcached). */
  pids: number[];
  /** Stops the servers (by PID) and removes the state folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (bound then released: a tiny race we accept in tests). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [SCRIPT, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, output }));
  });
}

function readPids(dir: string): number[] {
  const pids: number[] = [];
  for (const name of ["proxy", "object", "container", "account", "memcached"]) {
    try {
      const pid = Number(readFileSync(join(dir, "run", `${name}.pid`), "utf8").trim());
      if (Number.isInteger(pid) && pid > 0) pids.push(pid);
    } catch {
      // not started
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitGone(pids: number[], ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (pids.some(alive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
}

async function killAll(pids: number[]): Promise<void> {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  await waitGone(pids, 5000);
  for (const pid of pids.filter(alive)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  await waitGone(pids, 2000);
}

/** Starts Swift + s3api on free loopback ports (throws with the logs when it does not come up). */
export async function startS3Server(): Promise<S3TestServer> {
  const unavailable = swiftUnavailable();
  if (unavailable) throw new Error(unavailable);
  let lastError = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), "satchel-swift-"));
    const ports = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const [s3Port, objectPort, containerPort, accountPort, memcachePort] = ports.map(String);
    const env = {
      ...process.env,
      PATH: `${process.env["PATH"] ?? ""}${delimiter}/usr/bin${delimiter}/usr/sbin`,
      SW: dir,
      S3_PORT: s3Port,
      OBJECT_PORT: objectPort,
      CONTAINER_PORT: containerPort,
      ACCOUNT_PORT: accountPort,
      MEMCACHE_PORT: memcachePort,
    };
    const started = await run(["start"], env);
    const pids = readPids(dir);
    if (started.code === 0 && (await answers(`http://127.0.0.1:${s3Port}/healthcheck`))) {
      let stopped = false;
      // if the test process ends without stop() (a crash, a timeout), take the servers down with it
      const onExit = (): void => {
        for (const pid of pids) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // already gone
          }
        }
        rmSync(dir, { recursive: true, force: true });
      };
      process.once("exit", onExit);
      return {
        config: {
          endpoint: `http://127.0.0.1:${s3Port}`,
          region: "us-east-1",
          accessKey: "test:tester",
          secret: "testing",
          forcePathStyle: true,
        },
        dir,
        pids,
        stop: async () => {
          if (stopped) return;
          stopped = true;
          process.removeListener("exit", onExit);
          await killAll(pids);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    lastError = `${started.output}\n${logs(dir)}`;
    await killAll(pids);
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`Swift s3api did not start:\n${lastError}`);
}

async function answers(url: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(url);
      await res.body?.cancel();
      if (res.ok) return true;
    } catch {
      // not yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

function logs(dir: string): string {
  return ["proxy", "object", "container", "account", "memcached"]
    .map((n) => {
      try {
        return `--- ${n}.log\n${readFileSync(join(dir, "run", `${n}.log`), "utf8").slice(-2000)}`;
      } catch {
        return "";
      }
    })
    .join("\n");
}
