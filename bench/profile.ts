/**
 * Where a request's time goes: starts Satchel under V8's CPU profiler on a copy of a data folder,
 * sends a fixed number of requests, and reports the server's CPU time per request (from
 * /proc, so it counts every thread and does not depend on how busy the machine is) and the
 * profile's self time by function and by file.
 *
 *   node bench/profile.ts --dir DATA --path /api/health [--requests 20000] [--concurrency 50]
 *     [--method GET] [--body JSON] [--token JWT] [--top 40] [--keep] [--hooksDir DIR]
 *     [--paths-file FILE] [--warmup 2000] [--sql SQL] [--server satchel|limit] [--satchel BIN] [--no-prof]
 *     [--alloc] [--newconn]
 *
 * In `--body`, `{i}` is replaced by the request's number (unique values for creates).
 * `--paths-file` gives one path per line, the i-th request (warm-up first) takes the i-th line
 * (deletes need a fresh id each); `--body @FILE` and `--token @FILE` read the value from a file.
 * `--sql` runs on the copy of data.db before the server starts (e.g. to set a collection's
 * rule). `--server limit` profiles bench/limit-server.ts doing the same requests; `--satchel`
 * runs another checkout's bin/satchel.js (A/B against a baseline); `--no-prof` measures the CPU
 * time without the profiler's own cost.
 * `--alloc` also samples the server's allocations over the measured requests (V8's sampling heap
 * profiler through the inspector, objects that the GC already collected included): bytes
 * allocated per request, and the top allocating functions with their callers.
 * DATA is copied first (the server writes to its copy), and so is `--hooksDir` (pb_hooks scripts);
 * with hooks, the profile of each pb_hooks worker thread is summarized after the main thread's. See docs/performance.md for how to read
 * the output and what the figures were; bench/seed-writes.ts makes a data folder for the writes.
 */
import { DatabaseSync } from "node:sqlite";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runLoad } from "./lib/load.ts";
import { freePort, LIMIT_MAIN, readProcMem, SATCHEL_MAIN, startServerProcess } from "./lib/procs.ts";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** utime + stime of a process, in clock ticks (fields 14 and 15 of /proc/PID/stat). */
function cpuTicks(pid: number, file = `/proc/${pid}/stat`): number {
  const fields = readFileSync(file, "utf8").split(") ")[1]!.split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU ticks by thread name (`/proc/PID/task/TID/comm`: "node", "libuv-worker", …). */
function threadTicks(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const key = tid === String(pid) ? "main" : name;
      out.set(key, (out.get(key) ?? 0) + cpuTicks(Number(tid), `/proc/${pid}/task/${tid}/stat`));
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** Linux's USER_HZ: 100 on every architecture Node runs on. */
const TICKS_PER_SECOND = 100;

function label(frame: ProfileNode["callFrame"]): string {
  const url = frame.url.replace(/^.*\/(node_modules|src)\//, "$1/");
  return `${frame.functionName || "(anonymous)"} ${url}${url ? `:${frame.lineNumber + 1}` : ""}`;
}

function fileOf(frame: ProfileNode["callFrame"]): string {
  if (!frame.url) return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(frame.url);
  if (pkg) return pkg[1]!;
  const src = /\/(src\/.*)$/.exec(frame.url);
  return src ? src[1]! : frame.url;
}

/** Self time by function and by file, as shares of the busy (non-idle) time. */
function summarize(profile: CpuProfile, top: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  let busy = 0;
  for (const [id, time] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === "(idle)") continue;
    busy += time;
    byFunction.set(label(frame), (byFunction.get(label(frame)) ?? 0) + time);
    byFile.set(fileOf(frame), (byFile.get(fileOf(frame)) ?? 0) + time);
  }
  const table = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => `${((t / busy) * 100).toFixed(1).padStart(5)} %  ${k}`)
      .join("\n");
  return `self time by function (% of busy time)\n${table(byFunction)}\n\nself time by file\n${table(byFile)}\n`;
}

interface HeapNode {
  callFrame: ProfileNode["callFrame"];
  selfSize: number;
  children: HeapNode[];
}

/**
 * Starts V8's sampling heap profiler in the server through its inspector (`--inspect`), keeping
 * the samples of objects the GC collects meanwhile: what a request allocates, not what it keeps.
 */
async function startAllocationSampling(port: number): Promise<{ stop(): Promise<HeapNode> }> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve);
    ws.addEventListener("error", reject);
  });
  let lastId = 0;
  const pending = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (e) => {
    const message = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (message.id !== undefined) pending.get(message.id)?.(message.result);
  });
  const call = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve) => {
      pending.set(++lastId, resolve);
      ws.send(JSON.stringify({ id: lastId, method, params }));
    });
  await call("HeapProfiler.enable");
  await call("HeapProfiler.startSampling", {
    samplingInterval: 128,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return {
    async stop() {
      const { profile } = (await call("HeapProfiler.stopSampling")) as { profile: { head: HeapNode } };
      ws.close();
      return profile.head;
    },
  };
}

/** Bytes allocated per request, and by function (with its caller), largest first. */
function summarizeAllocations(head: HeapNode, requests: number, top: number): string {
  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode, caller: string): void => {
    const name = label(node.callFrame);
    total += node.selfSize;
    if (node.selfSize > 0) {
      const site = `${name}  <-  ${caller}`;
      bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    }
    for (const child of node.children) walk(child, name);
  };
  walk(head, "");
  // Inclusive: what a function and everything it called allocated (each function counted once
  // per stack, so recursion does not count twice): which layer of a request allocates.
  const inclusive = new Map<string, number>();
  const walkInclusive = (node: HeapNode, onStack: Set<string>): number => {
    const name = label(node.callFrame);
    let bytes = node.selfSize;
    const added = !onStack.has(name);
    if (added) onStack.add(name);
    for (const child of node.children) bytes += walkInclusive(child, onStack);
    if (added) {
      onStack.delete(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + bytes);
    }
    return bytes;
  };
  walkInclusive(head, new Set());
  const format = (entries: Iterable<[string, number]>) =>
    [...entries]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([site, bytes]) => `${(bytes / requests).toFixed(0).padStart(7)} B  ${site}`)
      .join("\n");
  return (
    `allocated ${(total / requests / 1024).toFixed(1)} KB/request (sampled, collected objects included)\n${format(bySite)}\n\n` +
    `inclusive by function (itself and its callees)\n${format(inclusive)}\n`
  );
}

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    path: { type: "string", default: "/api/health" },
    method: { type: "string", default: "GET" },
    body: { type: "string" },
    token: { type: "string" },
    requests: { type: "string", default: "20000" },
    concurrency: { type: "string", default: "50" },
    /** A new TCP connection per request (as the bench's `nc` scenarios) instead of keep-alive. */
    newconn: { type: "boolean", default: false },
    top: { type: "string", default: "40" },
    keep: { type: "boolean", default: false },
    "paths-file": { type: "string" },
    warmup: { type: "string", default: "2000" },
    sql: { type: "string" },
    server: { type: "string", default: "satchel" },
    satchel: { type: "string", default: SATCHEL_MAIN },
    "no-prof": { type: "boolean", default: false },
    alloc: { type: "boolean", default: false },
    hooksDir: { type: "string" },
  },
});
/** A value given inline or, as `@FILE`, read from a file. */
const valueOf = (v: string | undefined): string | undefined =>
  v?.startsWith("@") ? readFileSync(v.slice(1), "utf8").trim() : v;
const body = valueOf(values.body);
const token = valueOf(values.token);
const paths = values["paths-file"]
  ? readFileSync(values["paths-file"], "utf8")
      .split("\n")
      .filter((l) => l !== "")
  : null;
const warmup = Number(values.warmup);
if (!values.dir) {
  console.error("usage: node bench/profile.ts --dir DATA --path /api/... [--requests N] [--concurrency C]");
  process.exit(2);
}

const work = mkdtempSync(join(tmpdir(), "satchel-profile-"));
const data = join(work, "pb_data");
const profiles = join(work, "profiles");
cpSync(values.dir, data, { recursive: true });
if (values.hooksDir) cpSync(values.hooksDir, join(work, "pb_hooks"), { recursive: true });
if (values.sql) {
  const db = new DatabaseSync(join(data, "data.db"));
  db.exec(values.sql);
  db.close();
}
const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const inspectPort = values.alloc ? await freePort() : 0;
const limit = values.server === "limit";
const server = await startServerProcess(
  values.server ?? "satchel",
  [
    ...(values["no-prof"] ? [] : ["--cpu-prof", `--cpu-prof-dir=${profiles}`]),
    ...(values.alloc ? [`--inspect=127.0.0.1:${inspectPort}`] : []),
    ...(limit ? [LIMIT_MAIN, "--dir", data, "--port", String(port)] : satchelArgs()),
  ],
  url,
);
function satchelArgs(): string[] {
  return [
    values.satchel,
    "serve",
    "--dir",
    data,
    "--http",
    `127.0.0.1:${port}`,
    "--automigrate=false",
    `--migrationsDir=${join(work, "pb_migrations")}`,
    `--hooksDir=${join(work, "pb_hooks")}`,
    `--publicDir=${join(work, "pb_public")}`,
  ];
}
const headers: { [key: string]: string } = {};
if (token) headers.authorization = token;
if (body) headers["content-type"] = "application/json";
const load = (requests: number, first: number) =>
  runLoad({
    url,
    requests,
    concurrency: Number(values.concurrency),
    mode: values.newconn ? "newconn" : "keepalive",
    maxSeconds: 600,
    build: (i) => ({
      method: values.method,
      path: paths ? (paths[first + i] ?? "/missing") : values.path,
      headers,
      body: body?.replaceAll("{i}", `${requests}-${i}`),
    }),
  });
try {
  if (warmup > 0) await load(warmup, 0); // warm-up: JIT, caches, statement cache
  const sampler = values.alloc ? await startAllocationSampling(inspectPort) : null;
  const before = cpuTicks(server.pid);
  const threadsBefore = threadTicks(server.pid);
  const stats = await load(Number(values.requests), warmup);
  const ticks = cpuTicks(server.pid) - before;
  const allocations = sampler ? await sampler.stop() : null;
  const us = (t: number) => (((t / TICKS_PER_SECOND) * 1e6) / stats.completed).toFixed(0);
  const usPerRequest = us(ticks);
  const threads = [...threadTicks(server.pid)]
    .map(([name, t]) => [name, t - (threadsBefore.get(name) ?? 0)] as const)
    .filter(([, t]) => t > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([name, t]) => `${name} ${us(t)}`)
    .join(", ");
  const mem = readProcMem(server.pid);
  const mb = (bytes: number | undefined) => ((bytes ?? 0) / (1024 * 1024)).toFixed(0);
  console.log(
    `${values.server} ${values.method} ${paths ? values["paths-file"] : values.path}: ${stats.completed} requests, statuses ${JSON.stringify(stats.status)}, ` +
      `${Math.round(stats.rps)} req/s, server CPU ${usPerRequest} µs/request (all threads; by thread: ${threads}), ` +
      `peak RSS ${mb(mem?.hwm)} MB (RSS now ${mb(mem?.rss)} MB)\n`,
  );
  if (allocations) console.log(summarizeAllocations(allocations, stats.completed, Number(values.top)));
} finally {
  await server.stop();
}
// Worker threads write their own profiles; the main thread's is named with thread id 0
// (`CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile`).
// The largest: bin/satchel.js may leave a short profile of its own (the launcher) beside the server's.
const main = (values["no-prof"] ? [] : readdirSync(profiles))
  .filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f))
  .map((f) => join(profiles, f))
  .sort((a, b) => statSync(b).size - statSync(a).size)[0];
if (main) console.log(summarize(JSON.parse(readFileSync(main, "utf8")) as CpuProfile, Number(values.top)));
// pb_hooks workers (any other thread that ran long enough to matter)
for (const f of (values["no-prof"] ? [] : readdirSync(profiles)).filter(
  (f) => !/\.\d+\.0\.\d+\.cpuprofile$/.test(f),
)) {
  const profile = JSON.parse(readFileSync(join(profiles, f), "utf8")) as CpuProfile;
  if (profile.samples.length < 100) continue;
  console.log(`--- worker thread ${f}\n${summarize(profile, Number(values.top))}`);
}
if (values.keep) console.log(`kept ${work} (profiles in ${profiles}: open them in Chrome DevTools)`);
else rmSync(work, { recursive: true, force: true });
