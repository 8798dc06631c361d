/**
 * What a server costs to hold and to start, beside the scenario figures (issue 17):
 *
 * - per-connection memory of idle keep-alive HTTP connections: N raw sockets each send one
 *   `GET /api/health` and stay open; (RSS with them − RSS before) ÷ N. (SSE and WebSocket
 *   clients are measured by bench/realtime.bench.ts.)
 * - the single executable (dist/satchel, `npm run build:exe`) beside `node bin/satchel.js`:
 *   cold start, RSS at rest, and req/s on a few scenarios run on one then the other. When the
 *   executable was not built, the result says so.
 *
 * Run by bench/run.ts after the scenario servers stopped (alone on the machine), on copies of
 * the seeded data folder.
 */
import { cpSync, existsSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import { runLoad } from "./lib/load.ts";
import { readProcMem, SATCHEL_EXE, startSatchel, type ServerProcess } from "./lib/procs.ts";
import type { Scenario, TargetContext } from "./lib/scenarios.ts";
import { userToken, type Manifest } from "./lib/seed.ts";

const MB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface KeepAliveResult {
  sockets: number;
  /** How many got their answer and were still open when the RSS was read. */
  open: number;
  restMB: number;
  withSocketsMB: number;
  perConnectionKB: number;
}

export interface ExeRow {
  title: string;
  requests: number;
  concurrency: number;
  nodeRps: number;
  exeRps: number;
}

export type ExeResult =
  | { built: false; note: string }
  | {
      built: true;
      node: { coldStartMs: number; restMB: number };
      exe: { coldStartMs: number; restMB: number };
      rows: ExeRow[];
    };

export interface FootprintResult {
  keepAlive: KeepAliveResult | { error: string };
  exe: ExeResult | { error: string };
}

export interface FootprintOptions {
  seedDir: string;
  workDir: string;
  manifest: Manifest;
  /** The planned scenarios (the executable runs a few of them). */
  scenarios: Scenario[];
  quick: boolean;
  /** Idle keep-alive connections opened (default 1,000; 5,000 in full mode). */
  sockets?: number;
  /** Whether to compare the executable (default true). */
  exe?: boolean;
  log: (line: string) => void;
}

/** Opens one keep-alive connection and waits for the answer to one request on it. */
function openIdleConnection(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let seen = "";
    socket.setEncoding("latin1");
    socket.once("error", reject);
    socket.once("connect", () =>
      socket.write("GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"),
    );
    const onData = (chunk: string): void => {
      seen += chunk;
      // the health answer is one small JSON object
      if (seen.includes("\r\n\r\n") && seen.trimEnd().endsWith("}")) {
        socket.off("data", onData);
        resolve(socket);
      }
    };
    socket.on("data", onData);
  });
}

/** Per-connection memory of idle keep-alive connections. */
async function measureKeepAlive(server: ServerProcess, sockets: number): Promise<KeepAliveResult> {
  const port = Number(new URL(server.url).port);
  await sleep(1000);
  const rest = readProcMem(server.pid)?.rss ?? 0;
  const open: Socket[] = [];
  try {
    for (let i = 0; i < sockets; i += 100) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(100, sockets - i) }, () => openIdleConnection(port)),
      );
      open.push(...batch);
    }
    // Well within Node's keep-alive timeout (5 s): the connections are still open when read.
    await sleep(1000);
    const withSockets = readProcMem(server.pid)?.rss ?? 0;
    const stillOpen = open.filter((s) => !s.destroyed && s.readyState === "open").length;
    return {
      sockets,
      open: stillOpen,
      restMB: rest / MB,
      withSocketsMB: withSockets / MB,
      perConnectionKB: stillOpen > 0 ? (withSockets - rest) / 1024 / stillOpen : 0,
    };
  } finally {
    for (const s of open) s.destroy();
  }
}

/** Applies a scenario's collection patch (as the runner does). */
async function applySetup(url: string, manifest: Manifest, s: Scenario): Promise<void> {
  if (!s.setup) return;
  const res = await fetch(`${url}/api/collections/${s.setup.collection}`, {
    method: "PATCH",
    headers: { authorization: manifest.superuser.token, "content-type": "application/json" },
    body: JSON.stringify(s.setup.patch),
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`setup of ${s.id}: HTTP ${res.status}`);
}

/** The scenarios the executable is compared on: health, getOne, a list, a create. */
function exeScenarios(all: Scenario[]): Scenario[] {
  const health: Scenario = {
    id: "health",
    group: "read",
    title: "GET /api/health",
    requests: 5000,
    concurrency: 50,
    mode: "keepalive",
    maxSeconds: 10,
    build: () => () => ({ method: "GET", path: "/api/health" }),
  };
  const pick = (match: (s: Scenario) => boolean): Scenario[] => {
    const s = all.find(match);
    return s ? [s] : [];
  };
  return [
    health,
    ...pick((s) => s.id.startsWith("getone-")),
    ...pick((s) => s.id.startsWith("list-posts10k-skiptotal")),
    ...pick((s) => s.id === "create-posts10k-norule"),
  ];
}

async function compareExe(opts: FootprintOptions): Promise<ExeResult> {
  if (!existsSync(SATCHEL_EXE)) return { built: false, note: "not built (npm run build:exe)" };
  const copy = (name: string): string => {
    const dir = join(opts.workDir, name);
    cpSync(opts.seedDir, dir, { recursive: true });
    return dir;
  };
  const servers: { node?: ServerProcess; exe?: ServerProcess } = {};
  try {
    servers.node = await startSatchel(copy("footprint-node"));
    servers.exe = await startSatchel(copy("footprint-exe"), [], SATCHEL_EXE);
    await sleep(1000);
    const rest = (s: ServerProcess): number => (readProcMem(s.pid)?.rss ?? 0) / MB;
    const node = { coldStartMs: servers.node.startMs, restMB: rest(servers.node) };
    const exe = { coldStartMs: servers.exe.startMs, restMB: rest(servers.exe) };
    const rows: ExeRow[] = [];
    const manifest = opts.manifest;
    for (const s of exeScenarios(opts.scenarios)) {
      const requests = Math.min(s.requests, opts.quick ? 2000 : 10_000);
      const rps: number[] = [];
      for (const server of [servers.node, servers.exe]) {
        await applySetup(server.url, manifest, s);
        const ctx: TargetContext = {
          target: "satchel",
          url: server.url,
          manifest,
          userToken: userToken(manifest.users[0]!, manifest.usersAuth),
          chatToken: userToken(manifest.chat.poster, manifest.chat.auth),
        };
        const build = s.build!(ctx, 0);
        const stats = await runLoad({
          url: server.url,
          requests,
          concurrency: s.concurrency,
          mode: "keepalive",
          maxSeconds: s.maxSeconds,
          build,
        });
        rps.push(stats.ok > 0 ? stats.rps : 0);
        await sleep(300);
      }
      rows.push({ title: s.title, requests, concurrency: s.concurrency, nodeRps: rps[0]!, exeRps: rps[1]! });
      opts.log(`[exe] ${s.title}: node ${rps[0]!.toFixed(0)}/s, exe ${rps[1]!.toFixed(0)}/s`);
    }
    return { built: true, node, exe, rows };
  } finally {
    await servers.node?.stop();
    await servers.exe?.stop();
  }
}

/** Runs both measurements; a failing one reports its error, the other still runs. */
export async function runFootprintBench(opts: FootprintOptions): Promise<FootprintResult> {
  let keepAlive: FootprintResult["keepAlive"];
  const sockets = opts.sockets ?? (opts.quick ? 1000 : 5000);
  opts.log(`idle keep-alive connections (${sockets})…`);
  let server: ServerProcess | undefined;
  try {
    const dir = join(opts.workDir, "footprint-keepalive");
    cpSync(opts.seedDir, dir, { recursive: true });
    server = await startSatchel(dir);
    keepAlive = await measureKeepAlive(server, sockets);
  } catch (err) {
    keepAlive = { error: (err as Error).message };
  } finally {
    await server?.stop();
  }
  let exe: FootprintResult["exe"];
  try {
    if (opts.exe === false) exe = { built: false, note: "not measured in this run" };
    else {
      opts.log("the single executable beside node…");
      exe = await compareExe(opts);
    }
  } catch (err) {
    exe = { error: (err as Error).message };
  }
  return { keepAlive, exe };
}

const fmt = (n: number, digits = 0): string =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The markdown sections of a footprint run. */
export function footprintMarkdown(r: FootprintResult): string {
  const out: string[] = ["## Connections (server RSS)", ""];
  if ("error" in r.keepAlive) out.push(`Keep-alive run failed: ${r.keepAlive.error}`);
  else {
    const k = r.keepAlive;
    out.push(
      "| idle keep-alive HTTP connections | RSS before (MB) | RSS with them open (MB) | per connection (KB) |",
      "| -------------------------------: | --------------: | ----------------------: | ------------------: |",
      `| ${fmt(k.open)} of ${fmt(k.sockets)} | ${fmt(k.restMB, 1)} | ${fmt(k.withSocketsMB, 1)} | ${fmt(k.perConnectionKB, 1)} |`,
      "",
      "SSE and WebSocket clients: per client in the realtime table below.",
    );
  }
  out.push("", "## Single executable (dist/satchel) beside node", "");
  if ("error" in r.exe) out.push(`Executable run failed: ${r.exe.error}`);
  else if (!r.exe.built) out.push(`Executable: ${r.exe.note}.`);
  else {
    const e = r.exe;
    out.push(
      "|                                     | node bin/satchel.js | dist/satchel |",
      "| ----------------------------------- | ------------------: | -----------: |",
      `| cold start to the first answer (ms) | ${fmt(e.node.coldStartMs)} | ${fmt(e.exe.coldStartMs)} |`,
      `| RSS at rest (MB)                    | ${fmt(e.node.restMB)} | ${fmt(e.exe.restMB)} |`,
      ...e.rows.map(
        (row) =>
          `| ${row.title}, ${fmt(row.requests)} @ ${fmt(row.concurrency)} (req/s) | ${fmt(row.nodeRps)} | ${fmt(row.exeRps)} |`,
      ),
      "",
      "Both on copies of the seeded data, one scenario on node then on the executable, alone on the machine.",
    );
  }
  return out.join("\n") + "\n";
}
