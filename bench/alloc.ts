/**
 * Bytes allocated per request by the server, and by which functions: V8's sampling heap profiler
 * with the objects young- and old-generation collections freed included, read over the
 * inspector while a load runs.
 *
 *   node bench/alloc.ts --dir DATA --path /api/... [--method POST] [--body JSON|@FILE]
 *     [--token JWT|@FILE] [--requests 4000] [--concurrency 20] [--top 30] [--satchel BIN]
 *
 * In `--body`, `{i}` is replaced by the request's number. DATA is copied first. Garbage is what
 * separates Satchel from the limit server on small requests (docs/performance.md): compare two
 * builds with `--satchel`, alternating; the figures move by a few % from run to run.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runLoad } from "./lib/load.ts";
import { freePort, SATCHEL_MAIN, startServerProcess } from "./lib/procs.ts";

interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

const { values } = parseArgs({
  options: {
    dir: { type: "string" },
    path: { type: "string", default: "/api/health" },
    method: { type: "string", default: "GET" },
    body: { type: "string" },
    token: { type: "string" },
    requests: { type: "string", default: "4000" },
    concurrency: { type: "string", default: "20" },
    top: { type: "string", default: "30" },
    satchel: { type: "string", default: SATCHEL_MAIN },
  },
});
if (!values.dir) {
  console.error("usage: node bench/alloc.ts --dir DATA --path /api/... [--requests N]");
  process.exit(2);
}
const valueOf = (v: string | undefined): string | undefined =>
  v?.startsWith("@") ? readFileSync(v.slice(1), "utf8").trim() : v;
const body = valueOf(values.body);
const token = valueOf(values.token);

const work = mkdtempSync(join(tmpdir(), "satchel-alloc-"));
const data = join(work, "pb_data");
cpSync(values.dir, data, { recursive: true });
const port = await freePort();
const inspectPort = await freePort();
const url = `http://127.0.0.1:${port}`;
const server = await startServerProcess(
  "satchel",
  [
    `--inspect=127.0.0.1:${inspectPort}`,
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
  ],
  url,
);
const headers: { [key: string]: string } = {};
if (token) headers.authorization = token;
if (body) headers["content-type"] = "application/json";
const load = (requests: number, tag: string) =>
  runLoad({
    url,
    requests,
    concurrency: Number(values.concurrency),
    mode: "keepalive",
    maxSeconds: 600,
    build: (i) => ({
      method: values.method,
      path: values.path,
      headers,
      body: body?.replaceAll("{i}", `${tag}-${i}`),
    }),
  });

/** A minimal inspector client: one WebSocket, requests answered by id. */
async function inspector(): Promise<{
  send(method: string, params?: object): Promise<unknown>;
  close(): void;
}> {
  const targets = (await (await fetch(`http://127.0.0.1:${inspectPort}/json/list`)).json()) as {
    webSocketDebuggerUrl: string;
  }[];
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", reject, { once: true });
  });
  const pending = new Map<number, (result: unknown) => void>();
  ws.addEventListener("message", (e) => {
    const msg = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) pending.get(msg.id)?.(msg.result);
    if (msg.id !== undefined) pending.delete(msg.id);
  });
  let next = 0;
  return {
    send: (method, params = {}) =>
      new Promise((resolve) => {
        const id = ++next;
        pending.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      }),
    close: () => ws.close(),
  };
}

try {
  await load(3000, "warmup"); // JIT, caches, statement cache
  const client = await inspector();
  await client.send("HeapProfiler.enable");
  await client.send("HeapProfiler.startSampling", {
    samplingInterval: 256,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  const stats = await load(Number(values.requests), "measured");
  const { profile } = (await client.send("HeapProfiler.stopSampling")) as { profile: { head: SamplingNode } };
  client.close();
  let total = 0;
  const byFunction = new Map<string, number>();
  const walk = (node: SamplingNode): void => {
    total += node.selfSize;
    const { functionName, url: file, lineNumber } = node.callFrame;
    const key = `${functionName || "(anonymous)"} ${file.replace(/^.*\//, "")}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  const n = stats.completed;
  console.log(
    `${values.method} ${values.path}: ${n} requests, statuses ${JSON.stringify(stats.status)}, ` +
      `${(total / n / 1024).toFixed(1)} KB allocated/request\n`,
  );
  for (const [key, bytes] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top))) {
    console.log(`${(bytes / n).toFixed(0).padStart(7)} B  ${key}`);
  }
} finally {
  await server.stop();
  rmSync(work, { recursive: true, force: true });
}
