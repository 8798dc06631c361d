/**
 * What pb_hooks cost (issue 12): the same Satchel process started with and without a
 * `pb_hooks` folder, loaded with wrk, alternating (hooks, none, hooks, none) to even out noise:
 *   - create a record, with one `onRecordCreate` hook that sets a field (vs no hooks);
 *   - a `routerAdd` JSON route (vs the built-in `/api/health` JSON route without hooks);
 *   - idle RSS, settled: after start (no pool thread yet), once one request went through the
 *     pool ("pool started"), and after the load.
 *
 *   node bench/hooks-overhead.ts [--seconds=8] [--connections=16] [--root=CHECKOUT] [--saves=N] [--rss]
 *
 * `--rss` measures only the memory rows (idle, with a pool started), without any load.
 *
 * `--saves=N` measures the event path without HTTP instead: a process per mode (hooks, none,
 * hooks, none) runs N `app.save()` creates in-process, 16 in flight, after a warm-up of 15,000
 * saves per pool thread (every thread's code fully compiled), with serve's default pool size
 * (`SATCHEL_BENCH_POOL=N` for another), and reports CPU per save by thread group (main, the
 * pool's workers, V8's helpers: GC and the JIT's compiler threads). Far less noisy
 * than the HTTP figures on a shared machine; the difference is what the hook adds per event.
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
import type { HooksRuntime as HooksRuntimeClass } from "../src/hooks/runtime.ts";
import type { Record as RecordClass } from "../src/core/records/record.ts";
import { collectionFromCreateBody } from "../src/core/collections/collection-input.ts";
import { saveCollection } from "../src/core/collections/collection-save.ts";
import { freePort, readProcMem, ROOT, startServerProcess } from "./lib/procs.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string" },
    connections: { type: "string" },
    root: { type: "string" },
    saves: { type: "string" },
    /** Only the RSS rows (no load): idle and with a pool started, alternating. */
    rss: { type: "boolean" },
    /** Internal: the in-process child of `--saves` (its hooks folder). */
    "saves-child": { type: "string" },
  },
});
const seconds = Number(values.seconds ?? 8);
const connections = Number(values.connections ?? 16);
const root = resolve(values.root ?? ROOT);
// the `--saves` child works in its parent's folder
const dir = process.env.SATCHEL_BENCH_DIR ?? mkdtempSync(join(tmpdir(), "satchel-hooksbench-"));
const dataDir = join(dir, "pb_data");
const hooksDir = join(dir, "pb_hooks");

const HOOKS = `
onRecordCreate((e) => { e.record.set("views", 1); e.next() }, "posts")
routerAdd("GET", "/bench/json", (e) => e.json(200, {code: 200, message: "API is healthy.", data: {}}))
`;

/** Saves before the measured ones in `--saves`, per pool thread (see savesChild). */
const WARMUP_SAVES_PER_THREAD = 15_000;

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

/**
 * The `--saves` child: N in-process creates on a copy of the data folder, with the hooks folder
 * given (empty: none); prints one JSON line of CPU µs per save by thread group.
 */
async function savesChild(n: number, hooks: string): Promise<void> {
  const load = async <T>(rel: string) => (await import(join(root, rel))) as T;
  const { App: RootApp } = await load<{ App: typeof App }>("src/core/app.ts");
  const { HooksRuntime, defaultPoolSize } = await load<{
    HooksRuntime: typeof HooksRuntimeClass;
    defaultPoolSize: () => number;
  }>("src/hooks/runtime.ts");
  const { Record } = await load<{ Record: typeof RecordClass }>("src/core/records/record.ts");
  const app = new RootApp({ dataDir });
  // The pool `serve` starts by default (--hooksPool: as many threads as CPUs, at most 4); with one
  // thread the 16 saves in flight queue behind it one event at a time (a hook added 65–71 µs per
  // event with one thread, 51–56 with the default two on the 2-core machine).
  const runtime = new HooksRuntime(app, {
    hooksDir: hooks,
    watch: false,
    poolSize: Number(process.env.SATCHEL_BENCH_POOL ?? defaultPoolSize()),
    timeoutMs: 0,
  });
  await runtime.start();
  await app.bootstrap();
  const posts = app.findCollectionByNameOrId("posts")!;
  const batch = async (count: number) => {
    let i = 0;
    const one = async () => {
      while (i++ < count) {
        const r = new Record(posts);
        r.set("title", "bench");
        await app.save(r);
      }
    };
    await Promise.all(Array.from({ length: 16 }, one));
  };
  // A long warm-up: each worker's isolate tiers its code up on its own, from the events it ran,
  // and with a short one (2,000 saves) TurboFan was still compiling the threads' hook paths
  // during the measured saves (V8's helper threads: +12–17 µs per save that a running server pays
  // once, not per event). With two threads and 15,000 saves in all, +9–10 µs still were.
  await batch(WARMUP_SAVES_PER_THREAD * Math.max(1, runtime.options.poolSize));
  const before = threadTicks(process.pid);
  await batch(n);
  const after = threadTicks(process.pid);
  const us: { [group: string]: number } = {};
  for (const group of Object.keys(after))
    us[group] = (((after[group]! - (before[group] ?? 0)) / TICKS_PER_SECOND) * 1e6) / n;
  await runtime.close();
  await app.terminate();
  process.stdout.write(`${JSON.stringify(us)}\n`);
}

/** `--saves`: the in-process event path, hooks vs none, alternating. */
function savesBench(n: number): void {
  const runs: { [mode: string]: { [group: string]: number }[] } = { hooks: [], none: [] };
  for (const mode of ["hooks", "none", "hooks", "none"] as const) {
    const out = execFileSync(
      process.execPath,
      [
        import.meta.filename,
        `--root=${root}`,
        `--saves=${n}`,
        `--saves-child=${mode === "hooks" ? hooksDir : join(dir, "empty")}`,
      ],
      { encoding: "utf8", env: { ...process.env, SATCHEL_BENCH_DIR: dir } },
    );
    const us = JSON.parse(out.trim().split("\n").at(-1)!) as { [group: string]: number };
    runs[mode]!.push(us);
    const parts = Object.entries(us).map(([g, v]) => `${g} ${v.toFixed(0)}`);
    process.stdout.write(`${mode}: ${parts.join(", ")} µs CPU per save\n`);
  }
  const on = least(runs.hooks!.map((x) => x.total!));
  const off = least(runs.none!.map((x) => x.total!));
  process.stdout.write(
    `in-process save: hooks ${on.toFixed(0)} / none ${off.toFixed(0)} µs CPU: a hook adds ≈ ${(on - off).toFixed(0)} µs per event\n`,
  );
}

try {
  if (values["saves-child"] !== undefined) {
    await savesChild(Number(values.saves), values["saves-child"]);
    process.exit(0);
  }
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
  if (values.saves !== undefined) {
    mkdirSync(hooksDir);
    mkdirSync(join(dir, "empty"));
    writeFileSync(join(hooksDir, "bench.pb.js"), HOOKS);
    savesBench(Number(values.saves));
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  }
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
    if (values.rss) {
      await server.stop();
      process.stdout.write(
        `${mode}: idle RSS ${mb(r.idle.at(-1))} MB, with a pool started ${mb(r.pool.at(-1))} MB\n`,
      );
      continue;
    }
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
  for (const kind of values.rss ? [] : (["create", "json"] as const)) {
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
      `with a pool started: ${mb(least(results.hooks!.pool))} / ${mb(least(results.none!.pool))} MB (+${mb(pool)})` +
      (values.rss
        ? "\n"
        : `; after the load: ${mb(least(results.hooks!.after))} / ${mb(least(results.none!.after))} MB (+${mb(after)})\n`),
  );
} finally {
  if (values["saves-child"] === undefined) rmSync(dir, { recursive: true, force: true });
}
