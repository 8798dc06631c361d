/**
 * What pb_hooks cost (issue 12): the same Satchel process started with and without a
 * `pb_hooks` folder, loaded with wrk, alternating (hooks, none, hooks, none) to even out noise:
 *   - create a record, with one `onRecordCreate` hook that sets a field (vs no hooks);
 *   - a `routerAdd` JSON route (vs the built-in `/api/health` JSON route without hooks);
 *   - idle RSS, settled: after start (no pool thread yet), once one request went through the
 *     pool ("pool started"), and after the load.
 *
 *   node bench/hooks-overhead.ts [--seconds=8] [--connections=16] [--root=CHECKOUT]
 *
 * The cost is the server's CPU time per request, read from /proc (every thread: the main thread,
 * the pool's workers, V8's helpers), so it barely depends on how busy the machine is; the
 * difference hooks − none is the µs a hook adds per event (aim: ≤ 50 µs; ≤ 20 MB more idle RSS).
 * req/s is printed too but is noisy on a shared machine. `--root` runs another checkout's
 * server (e.g. /work/wt/before) with this script, for before/after figures.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { App } from "../src/core/app.ts";
import { collectionFromCreateBody } from "../src/core/collections/collection-input.ts";
import { saveCollection } from "../src/core/collections/collection-save.ts";
import { freePort, readProcMem, ROOT, startServerProcess } from "./lib/procs.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string" },
    connections: { type: "string" },
    root: { type: "string" },
  },
});
const seconds = Number(values.seconds ?? 8);
const connections = Number(values.connections ?? 16);
const root = resolve(values.root ?? ROOT);
const dir = mkdtempSync(join(tmpdir(), "satchel-hooksbench-"));
const dataDir = join(dir, "pb_data");
const hooksDir = join(dir, "pb_hooks");

const HOOKS = `
onRecordCreate((e) => { e.record.set("views", 1); e.next() }, "posts")
routerAdd("GET", "/bench/json", (e) => e.json(200, {code: 200, message: "API is healthy.", data: {}}))
`;

/** Linux's USER_HZ. */
const TICKS_PER_SECOND = 100;

/** CPU ticks per thread name group: the main thread, pb_hooks/other workers, V8's helpers, the rest. */
function threadTicks(pid: number): { [group: string]: number } {
  const out: { [group: string]: number } = { total: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim();
      const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      const group =
        name === "MainThread" || Number(tid) === pid ? "main" : name === "WorkerThread" ? "workers" : "other";
      out[group] = (out[group] ?? 0) + ticks;
      out.total! += ticks;
    } catch {
      // the thread ended meanwhile
    }
  }
  return out;
}

interface Run {
  requests: number;
  rps: number;
  /** µs of CPU per request, by thread group. */
  us: { [group: string]: number };
}

function wrk(pid: number, url: string, script?: string): Run {
  const args = ["-t2", `-c${connections}`, `-d${seconds}s`, ...(script ? ["-s", script] : []), url];
  const before = threadTicks(pid);
  const out = execFileSync("wrk", args, { encoding: "utf8" });
  const after = threadTicks(pid);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const count = /(\d+) requests in/.exec(out);
  if (!rps || !count) throw new Error(`unexpected wrk output:\n${out}`);
  const requests = Number(count[1]);
  const us: { [group: string]: number } = {};
  for (const group of Object.keys(after))
    us[group] = (((after[group]! - (before[group] ?? 0)) / TICKS_PER_SECOND) * 1e6) / requests;
  return { requests, rps: Number(rps[1]), us };
}

// the least of the runs: noise on a shared machine only ever adds CPU time and memory
const least = (xs: number[]) => Math.min(...xs);
const mb = (bytes: number | undefined) => ((bytes ?? 0) / 1e6).toFixed(1);
const fmt = (r: Run) =>
  `${r.us.total!.toFixed(0)} µs/req (main ${(r.us.main ?? 0).toFixed(0)}, workers ${(r.us.workers ?? 0).toFixed(0)}, other ${(r.us.other ?? 0).toFixed(0)}), ${r.rps} req/s`;

/** Waits until the process's RSS stops moving (GC and the allocator settle after a load). */
async function settledRss(pid: number): Promise<number> {
  let last = readProcMem(pid)?.rss ?? 0;
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const now = readProcMem(pid)?.rss ?? 0;
    if (Math.abs(now - last) < 1e6) return now;
    last = now;
  }
  return last;
}

try {
  const app = new App({ dataDir });
  await app.bootstrap();
  const { collection } = collectionFromCreateBody({
    name: "posts",
    type: "base",
    createRule: "",
    fields: [
      { name: "title", type: "text" },
      { name: "views", type: "number" },
    ],
  });
  await saveCollection(app, collection);
  await app.terminate();

  const script = join(dir, "create.lua");
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = '{"title":"bench"}'\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  type Results = { create: Run[]; json: Run[]; idle: number[]; pool: number[]; after: number[] };
  const results: { [mode: string]: Results } = {
    hooks: { create: [], json: [], idle: [], pool: [], after: [] },
    none: { create: [], json: [], idle: [], pool: [], after: [] },
  };
  for (const mode of ["hooks", "none", "hooks", "none"] as const) {
    rmSync(hooksDir, { recursive: true, force: true });
    mkdirSync(hooksDir);
    if (mode === "hooks") writeFileSync(join(hooksDir, "bench.pb.js"), HOOKS);
    const port = await freePort();
    const server = await startServerProcess(
      "satchel",
      [
        join(root, "bin", "satchel.js"),
        "serve",
        "--dir",
        dataDir,
        "--http",
        `127.0.0.1:${port}`,
        "--automigrate=false",
        `--migrationsDir=${join(dataDir, "pb_migrations")}`,
        `--hooksDir=${hooksDir}`,
      ],
      `http://127.0.0.1:${port}`,
    );
    const r = results[mode]!;
    r.idle.push(await settledRss(server.pid));
    const json = mode === "hooks" ? `${server.url}/bench/json` : `${server.url}/api/health`;
    const create = `${server.url}/api/collections/posts/records`;
    // one request through the pool (its first thread starts), then the RSS of a started pool
    await (await fetch(json)).arrayBuffer();
    r.pool.push(await settledRss(server.pid));
    wrk(server.pid, json); // warm-up (JIT, statement caches, the pool's threads)
    r.json.push(wrk(server.pid, json));
    r.create.push(wrk(server.pid, create, script));
    r.after.push(await settledRss(server.pid));
    await server.stop();
    process.stdout.write(
      `${mode}: create ${fmt(r.create.at(-1)!)}\n${mode}: json   ${fmt(r.json.at(-1)!)}\n` +
        `${mode}: idle RSS ${mb(r.idle.at(-1))} MB, with a pool started ${mb(r.pool.at(-1))} MB, after the load ${mb(r.after.at(-1))} MB\n`,
    );
  }
  for (const kind of ["create", "json"] as const) {
    const on = least(results.hooks![kind].map((x) => x.us.total!));
    const off = least(results.none![kind].map((x) => x.us.total!));
    process.stdout.write(
      `${kind}: hooks ${on.toFixed(0)} / none ${off.toFixed(0)} µs CPU per request: a hook adds ≈ ${(on - off).toFixed(0)} µs per event\n`,
    );
  }
  const idle = least(results.hooks!.idle) - least(results.none!.idle);
  const pool = least(results.hooks!.pool) - least(results.none!.pool);
  const after = least(results.hooks!.after) - least(results.none!.after);
  process.stdout.write(
    `idle RSS: hooks ${mb(least(results.hooks!.idle))} / none ${mb(least(results.none!.idle))} MB (+${mb(idle)}); ` +
      `with a pool started: ${mb(least(results.hooks!.pool))} / ${mb(least(results.none!.pool))} MB (+${mb(pool)}); ` +
      `after the load: ${mb(least(results.hooks!.after))} / ${mb(least(results.none!.after))} MB (+${mb(after)})\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
