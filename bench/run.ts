/**
 * The benchmark runner: `npm run bench` (quick, under 3 minutes) or `npm run bench -- --full`
 * (under 20 minutes). It seeds one data folder, starts Satchel and the limit server side by side
 * (each on its own copy of the data, as a child process on a free loopback port), runs every
 * scenario on one then the other, and writes bench/RESULTS.md and bench/results.json.
 *
 * Options: --full | --quick, --only=ID[,ID…] (substring match on scenario ids),
 * --targets=satchel,limit, --seed=N, --out=DIR (default bench/), --no-write, --keep (keep the
 * temp folder).
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runLoad, type RequestSpec } from "./lib/load.ts";
import { readProcMem, ROOT, RssSampler, startLimit, startSatchel, type ServerProcess } from "./lib/procs.ts";
import { renderMarkdown, type BenchResults, type ScenarioResult, type TargetResult } from "./lib/report.ts";
import {
  plan,
  type BenchMode,
  type CollectionPatch,
  type Scenario,
  type TargetContext,
} from "./lib/scenarios.ts";
import { seedDataFolder, userToken, type DatasetConfig, type Manifest } from "./lib/seed.ts";
import { realtimeBenchTable, runRealtimeBench, type RealtimeBenchResult } from "./realtime.bench.ts";
import { footprintMarkdown, runFootprintBench, type FootprintResult } from "./footprint.bench.ts";

/** A bench target. */
export type Target = "satchel" | "limit";

/** How long after the load the settled RSS is read (issue 17: back to ≤ 1.5× rest within 30 s). */
const SETTLE_MS = 30_000;

/**
 * Rounds of a repeatable scenario (one that changes no data: reads, auth; or a write whose runs
 * each have data of their own: the posts delete, the chat insert): run at least
 * MIN_ROUNDS times and until Satchel has spent MIN_LOAD_SECONDS under it (at most MAX_ROUNDS),
 * alternating which target goes first; the ratio is the median of the rounds' ratios and each
 * target's figures are its median round's. A single run of 100 requests lasts ~0.1 s and moves
 * by ±50 % (JIT warm-up, a GC, the machine's other load); see docs/benchmarks.md, "Steadiness".
 * Before the rounds each target gets one unmeasured warm-up round of the same requests.
 */
const MIN_ROUNDS = 3;
const MAX_ROUNDS = 7;
const MIN_LOAD_SECONDS = 1.5;
/** Pause before each round after the first (the first gets the scenario's cooldown). */
const ROUND_PAUSE_MS = 100;

/**
 * Whether a scenario can run several times: it writes nothing, or it is a write whose every run
 * has data of its own (`writeRounds`).
 */
function repeatable(s: Scenario): boolean {
  return !s.custom && (s.idempotent === true || s.group === "auth" || s.writeRounds !== undefined);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Options of `runBench`. */
export interface BenchOptions {
  mode: BenchMode;
  /** Run only scenarios whose id contains one of these strings. */
  only?: string[];
  targets?: Target[];
  seed?: number;
  /** Replace parts of the mode's data set (the smoke test uses a tiny one). */
  dataset?: Partial<DatasetConfig>;
  /** Where to write RESULTS.md and results.json; null to write nothing. */
  outDir?: string | null;
  /** Keep the temp folder (data copies) for inspection. */
  keep?: boolean;
  /** Pause between scenarios, ms. */
  cooldownMs?: number;
  /** Wait before the settled RSS is read (default 30 s; 0 skips the reading). */
  settleMs?: number;
  /**
   * Idle keep-alive connections and the executable beside node (footprint.bench.ts); on by
   * default when every scenario runs. `sockets`: how many idle connections; `exe: false` skips
   * the executable.
   */
  footprint?: false | { sockets?: number; exe?: boolean };
  /** Run repeatable scenarios in rounds (default true; see MIN_ROUNDS). */
  rounds?: boolean;
  /** Skip the in-process filter engine micro-benchmark. */
  skipQuery?: boolean;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

/** The id of the realtime row, measured by bench/realtime.bench.ts rather than as a scenario. */
const REALTIME_ID = "realtime-sse-10k";

/** The results with the realtime run (issue 7), which replaces the realtime placeholder row. */
export type BenchRunResults = BenchResults & {
  realtime?: RealtimeBenchResult | { error: string };
  /** Idle keep-alive connections, and the single executable beside node (footprint.bench.ts). */
  footprint?: FootprintResult;
};

/** Whether the `only` filter asks for the realtime run (no filter: yes). */
function wantsRealtime(only: string[] | undefined): boolean {
  return !only?.length || only.some((o) => REALTIME_ID.includes(o));
}

/** RESULTS.md: the scenario report, then the realtime table in place of its placeholder row. */
function renderRunMarkdown(r: BenchRunResults): string {
  const footprint = r.footprint ? `\n\n${footprintMarkdown(r.footprint)}` : "";
  if (!r.realtime) return `${renderMarkdown(r).trimEnd()}${footprint}`;
  const md = `${renderMarkdown({ ...r, scenarios: r.scenarios.filter((s) => s.id !== REALTIME_ID) }).trimEnd()}${footprint}`;
  const table =
    "error" in r.realtime
      ? `Realtime run failed: ${r.realtime.error}`
      : `SSE then WebSocket clients subscribed to one collection; one write at a time, time until the LAST client has the event (bench/realtime.bench.ts).\n\n${realtimeBenchTable(r.realtime)}`;
  return `${md.trimEnd()}\n\n## Realtime fan-out (issue 7)\n\n${table}\n`;
}

const MB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function gitCommit(): string {
  try {
    const head = execFileSync("git", ["rev-parse", "--short", "HEAD"], {
      cwd: ROOT,
      encoding: "utf8",
    }).trim();
    const dirty =
      execFileSync("git", ["status", "--porcelain"], { cwd: ROOT, encoding: "utf8" }).trim() !== "";
    return dirty ? `${head} + uncommitted changes` : head;
  } catch {
    return "unknown";
  }
}

/** Formats a results file with the repository's Prettier settings (so `npm run check` passes). */
async function prettierFormat(text: string, file: string): Promise<string> {
  try {
    const prettier = await import("prettier");
    const config = (await prettier.resolveConfig(file)) ?? {};
    return await prettier.format(text, { ...config, filepath: file });
  } catch {
    return text;
  }
}

/** Waits until the server answers /api/health quickly again (after a capped, still-busy run). */
async function drain(url: string, maxMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + maxMs;
  while (Date.now() < deadline) {
    const t0 = performance.now();
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(5000) });
      await res.arrayBuffer();
      if (res.ok && performance.now() - t0 < 250) return true;
    } catch {
      // busy
    }
    await sleep(100);
  }
  return false;
}

async function send(url: string, spec: RequestSpec): Promise<{ status: number; text: string }> {
  const headers: { [key: string]: string } = { ...spec.headers };
  if (spec.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(url + spec.path, {
    method: spec.method,
    headers,
    body: spec.body,
    signal: AbortSignal.timeout(120_000),
  });
  return { status: res.status, text: await res.text() };
}

async function check(url: string, spec: RequestSpec): Promise<TargetResult["check"]> {
  try {
    const { status, text } = await send(url, spec);
    const out: NonNullable<TargetResult["check"]> = { status, bytes: Buffer.byteLength(text) };
    try {
      const json = JSON.parse(text) as { items?: unknown[]; totalItems?: number };
      if (Array.isArray(json.items)) out.items = json.items.length;
      if (typeof json.totalItems === "number") out.totalItems = json.totalItems;
    } catch {
      // not JSON
    }
    return out;
  } catch {
    return { status: 0, bytes: 0 };
  }
}

function classify(stats: TargetResult["stats"]): Pick<TargetResult, "status" | "note"> {
  if (!stats) return { status: "failed", note: "no measurement" };
  const codes = Object.entries(stats.status)
    .filter(([code]) => !code.startsWith("2"))
    .map(([code, n]) => `HTTP ${code} ×${n}`);
  const notes: string[] = [];
  if (codes.length > 0) notes.push(codes.join(", "));
  if (stats.errors > 0) notes.push(`${stats.errors} connection errors (${stats.errorSamples.join(" / ")})`);
  if (stats.capped) notes.push(`time limit: ${stats.completed}/${stats.sent} answered`);
  const note = notes.length > 0 ? notes.join(", ") : undefined;
  if (stats.ok > 0) return { status: "ok", note };
  if ((stats.status["404"] ?? 0) + (stats.status["405"] ?? 0) > 0) return { status: "not landed", note };
  return { status: "failed", note: note ?? "no response" };
}

/** A target's server and what it measured so far. */
interface TargetRun {
  target: Target;
  dir: string;
  server: ServerProcess;
  restMB: number;
  peakMB: number;
  /** RSS 30 s after the last scenario ended (V8 and the allocator given time to give memory back). */
  settledMB: number;
  /** Spawn to the first answered request, on the seeded folder. */
  coldStartMs: number;
  results: Map<string, TargetResult>;
  ctx: Omit<TargetContext, "url">;
}

async function startTarget(
  target: Target,
  seedDir: string,
  workDir: string,
  manifest: Manifest,
): Promise<TargetRun> {
  const dir = join(workDir, target);
  cpSync(seedDir, dir, { recursive: true });
  const server = await (target === "satchel" ? startSatchel(dir) : startLimit(dir));
  return {
    target,
    dir,
    server,
    restMB: 0,
    peakMB: 0,
    settledMB: 0,
    coldStartMs: server.startMs,
    results: new Map(),
    ctx: {
      target,
      manifest,
      userToken: userToken(manifest.users[0]!, manifest.usersAuth),
      chatToken: userToken(manifest.chat.poster, manifest.chat.auth),
    },
  };
}

/** Sends a collection patch as the superuser; throws with the status on a refusal. */
async function patchCollection(t: TargetRun, p: CollectionPatch): Promise<void> {
  const res = await send(t.server.url, {
    method: "PATCH",
    path: `/api/collections/${p.collection}`,
    headers: { authorization: t.ctx.manifest.superuser.token },
    body: JSON.stringify(p.patch),
  });
  if (res.status !== 200) throw new Error(`HTTP ${res.status} ${res.text.slice(0, 200)}`);
}

/** The scenario's setup on a target; false (and the result recorded) when it failed. */
async function setUp(t: TargetRun, s: Scenario, log: (line: string) => void): Promise<boolean> {
  if (!s.setup) return true;
  try {
    await patchCollection(t, s.setup);
    return true;
  } catch (err) {
    const message = (err as Error).message;
    const status = /^HTTP (404|405)\b/.test(message) ? "not landed" : "failed";
    t.results.set(s.id, { status, stats: null, note: `setup failed: ${message}` });
    log(`[${t.target}] ${s.id}: setup failed: ${message}`);
    return false;
  }
}

/** One run of the scenario's load on a target (after a drain and a pause), with its peak RSS. */
async function measure(
  t: TargetRun,
  s: Scenario,
  pauseMs: number,
  withCheck: boolean,
  round = 0,
): Promise<TargetResult> {
  const { server } = t;
  const ctx: TargetContext = { ...t.ctx, url: server.url };
  await drain(server.url);
  await sleep(pauseMs);
  const build = s.build?.(ctx, round);
  const result: TargetResult = { status: "failed", stats: null };
  if (withCheck && s.idempotent && build) result.check = await check(server.url, build(0));
  const sampler = new RssSampler(server.pid);
  try {
    result.stats = s.custom
      ? await s.custom({ ...ctx, pid: server.pid })
      : await runLoad({
          url: server.url,
          requests: s.requests,
          concurrency: s.concurrency,
          mode: s.mode,
          maxSeconds: s.maxSeconds,
          build: build!,
        });
    Object.assign(result, classify(result.stats));
  } catch (err) {
    result.note = `load failed: ${(err as Error).message}`;
  }
  result.peakRssMB = sampler.stop() / MB;
  return result;
}

/** After the load: the teardown, the progress line, the peak RSS (or a restart if it died). */
async function finish(
  t: TargetRun,
  s: Scenario,
  result: TargetResult,
  log: (line: string) => void,
  restart: (t: TargetRun) => Promise<void>,
): Promise<void> {
  const { server } = t;
  t.results.set(s.id, result);
  if (s.teardown) {
    await drain(server.url);
    await patchCollection(t, s.teardown).catch((err: unknown) => {
      result.note = [result.note, `teardown failed: ${(err as Error).message}`].filter(Boolean).join("; ");
    });
  }
  const st = result.stats;
  const rounds = result.rounds ? ` (median of ${result.rounds.length} rounds)` : "";
  log(
    `[${t.target}] ${s.id}: ${st ? `${st.ok}/${s.requests} ok in ${st.seconds.toFixed(2)} s → ${st.rps.toFixed(1)}/s, p50 ${st.latencyMs.p50.toFixed(2)} ms${rounds}` : "—"}` +
      `${result.note ? ` (${result.note})` : ""}`,
  );
  const mem = readProcMem(server.pid);
  if (mem) {
    t.peakMB = Math.max(t.peakMB, mem.hwm / MB);
  } else {
    log(`[${t.target}] the server exited; output:\n${server.output()}`);
    result.note = [result.note, "server exited"].filter(Boolean).join("; ");
    await restart(t);
  }
}

/** Runs one scenario on one target (setup, drain, one check request, the load, RSS). */
async function runScenario(
  t: TargetRun,
  s: Scenario,
  opts: Required<Pick<BenchOptions, "cooldownMs" | "log">>,
  restart: (t: TargetRun) => Promise<void>,
): Promise<void> {
  if (!(await setUp(t, s, opts.log))) return;
  await finish(t, s, await measure(t, s, opts.cooldownMs, true), opts.log, restart);
}

/**
 * Runs a repeatable scenario in rounds on every target (see MIN_ROUNDS): each target keeps its
 * median round's figures and every round's rate (`rounds`); the paired ratios go in `ratios`.
 */
async function runRounds(
  runs: TargetRun[],
  s: Scenario,
  opts: Required<Pick<BenchOptions, "cooldownMs" | "log">>,
  restart: (t: TargetRun) => Promise<void>,
  ratios: Map<string, number[]>,
): Promise<void> {
  const ready: TargetRun[] = [];
  for (const t of runs) if (await setUp(t, s, opts.log)) ready.push(t);
  const rounds = new Map<TargetRun, TargetResult[]>(ready.map((t) => [t, []]));
  // One unmeasured round per target first (with the answer check): the scenario's own code
  // paths (its rule's SQL, its JSON shape) compiled and optimized, as in a server that has been
  // running. Without it the 100-request scenarios measured JIT tiers: a fresh Satchel cost
  // 1,900 → 1,350 → 1,400 µs/request over its first rounds of 200 requests, then 450–650.
  const warmups = new Map<TargetRun, TargetResult>();
  for (const t of ready) {
    const warm = await measure(t, s, opts.cooldownMs, true);
    warmups.set(t, warm);
    // a warm-up that failed is reported as the scenario's result
    if (warm.status !== "ok") rounds.get(t)!.push(warm);
  }
  if ([...rounds.values()].some((list) => list.length > 0)) {
    for (const t of ready) await finish(t, s, rounds.get(t)![0] ?? warmups.get(t)!, opts.log, restart);
    return;
  }
  const satchelSeconds = (): number =>
    (rounds.get(ready.find((t) => t.target === "satchel")!) ?? []).reduce(
      (n, r) => n + (r.stats?.seconds ?? 0),
      0,
    );
  // a write's runs each take data of their own, the warm-up's included
  const maxRounds = Math.min(MAX_ROUNDS, (s.writeRounds ?? Infinity) - 1);
  for (let round = 0; round < maxRounds; round++) {
    if (
      round >= MIN_ROUNDS &&
      (!ready.some((t) => t.target === "satchel") || satchelSeconds() >= MIN_LOAD_SECONDS)
    )
      break;
    // alternate which target goes first, so neither always runs just after the other's load
    const order = round % 2 === 0 ? ready : [...ready].reverse();
    for (const t of order) {
      rounds.get(t)!.push(await measure(t, s, ROUND_PAUSE_MS, false, round + 1));
    }
    // a round that failed anywhere ends the rounds (the failure is reported as measured)
    if (order.some((t) => rounds.get(t)!.at(-1)!.status !== "ok")) break;
  }
  const satchel = ready.find((t) => t.target === "satchel");
  const limit = ready.find((t) => t.target === "limit");
  if (satchel && limit) {
    const a = rounds.get(satchel)!;
    const b = rounds.get(limit)!;
    const paired = a
      .map((r, i) => (r.stats && b[i]?.stats?.rps ? r.stats.rps / b[i].stats.rps : NaN))
      .filter((x) => Number.isFinite(x) && x > 0);
    if (paired.length === a.length && paired.length > 1) ratios.set(s.id, paired);
  }
  for (const t of ready) {
    const list = rounds.get(t)!;
    const ok = list.filter((r) => r.status === "ok" && r.stats);
    let chosen = list.at(-1)!;
    if (ok.length === list.length && ok.length > 1) {
      const rates = ok.map((r) => r.stats!.rps);
      const mid = median(rates);
      // the round closest to the median rate (the median itself for an odd count)
      chosen = ok.reduce((best, r) =>
        Math.abs(r.stats!.rps - mid) < Math.abs(best.stats!.rps - mid) ? r : best,
      );
      chosen = { ...chosen, rounds: rates };
      chosen.peakRssMB = Math.max(...list.map((r) => r.peakRssMB ?? 0));
    }
    chosen.check = warmups.get(t)!.check;
    chosen.peakRssMB = Math.max(chosen.peakRssMB ?? 0, warmups.get(t)!.peakRssMB ?? 0);
    await finish(t, s, chosen, opts.log, restart);
  }
}

function combine(
  s: Scenario,
  satchel?: TargetResult,
  limit?: TargetResult,
  roundRatios?: number[],
): ScenarioResult {
  const notes: string[] = [];
  if (s.note !== undefined) notes.push(s.note);
  if (satchel?.note) notes.push(`Satchel: ${satchel.note}`);
  if (limit?.note) notes.push(`limit: ${limit.note}`);
  const a = satchel?.check;
  const b = limit?.check;
  if (a && b) {
    if (a.status !== b.status || a.items !== b.items) {
      notes.push(
        `answers differ: Satchel HTTP ${a.status}/${a.items ?? "-"} items, limit HTTP ${b.status}/${b.items ?? "-"} items`,
      );
    } else if (a.totalItems !== b.totalItems) {
      notes.push(`totals differ: Satchel ${a.totalItems}, limit ${b.totalItems}`);
    }
  }
  const ok = (r?: TargetResult): r is TargetResult & { stats: NonNullable<TargetResult["stats"]> } =>
    r?.status === "ok" && r.stats !== null && r.stats.rps > 0;
  return {
    id: s.id,
    group: s.group,
    title: s.title,
    requests: s.requests,
    concurrency: s.concurrency,
    mode: s.mode,
    maxSeconds: s.maxSeconds,
    satchel,
    limit,
    ratio:
      ok(satchel) && ok(limit)
        ? roundRatios
          ? median(roundRatios)
          : satchel.stats.rps / limit.stats.rps
        : null,
    ...(roundRatios ? { roundRatios } : {}),
    reference: s.reference,
    skipped: s.skip,
    notes,
  };
}

/** Runs the benchmarks and returns (and, unless outDir is null, writes) the results. */
export async function runBench(options: BenchOptions): Promise<BenchRunResults> {
  const started = Date.now();
  const loadAverage = loadavg()[0] ?? 0;
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const seed = options.seed ?? 20250101;
  const targets = options.targets ?? ["satchel", "limit"];
  const planned = plan(options.mode, seed);
  const dataset: DatasetConfig = { ...planned.dataset, ...options.dataset };
  const scenarios = options.only?.length
    ? planned.scenarios.filter((s) => options.only!.some((o) => s.id.includes(o)))
    : planned.scenarios;

  const workDir = mkdtempSync(join(tmpdir(), "satchel-bench-"));
  const live = new Set<ServerProcess>();
  const onExit = (): void => {
    for (const s of live) {
      try {
        process.kill(s.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    if (!options.keep) rmSync(workDir, { recursive: true, force: true });
  };
  process.once("exit", onExit);
  try {
    let query: BenchResults["query"] = { error: "skipped" };
    if (!options.skipQuery) {
      log("filter engine micro-benchmark…");
      try {
        const mod = (await import("./query.bench.ts")) as {
          runQueryBench: () => Promise<{ name: string; usPerOp: number }[]>;
        };
        query = await mod.runQueryBench();
      } catch (err) {
        query = { error: (err as Error).message };
      }
    }

    log(`seeding (${options.mode} mode, seed ${seed})…`);
    const seedDir = join(workDir, "seed");
    mkdirSync(seedDir);
    const seedStarted = performance.now();
    const manifest = await seedDataFolder(seedDir, dataset);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    log(`seeded in ${seedSeconds.toFixed(1)} s`);

    // Both servers run side by side (each on its own copy of the data) and every scenario runs on
    // one, then on the other: background load on the machine then weighs on both figures alike.
    const runs: TargetRun[] = [];
    for (const target of targets) {
      const t = await startTarget(target, seedDir, workDir, manifest);
      live.add(t.server);
      runs.push(t);
    }
    await sleep(1000);
    for (const t of runs) t.restMB = (readProcMem(t.server.pid)?.rss ?? 0) / MB;
    const restart = async (t: TargetRun): Promise<void> => {
      live.delete(t.server);
      t.server = await (t.target === "satchel" ? startSatchel(t.dir) : startLimit(t.dir));
      live.add(t.server);
    };
    const runnable = scenarios.filter((s) => !s.skip && (s.build || s.custom));
    log(`running ${runnable.length} scenarios against ${targets.join(" and ")}…`);
    const ratios = new Map<string, number[]>();
    for (const s of runnable) {
      const opts = { cooldownMs: options.cooldownMs ?? 300, log };
      if (repeatable(s) && (options.rounds ?? true)) await runRounds(runs, s, opts, restart, ratios);
      else for (const t of runs) await runScenario(t, s, opts, restart);
    }
    const perTarget = new Map<Target, TargetRun>();
    const settleMs = options.settleMs ?? SETTLE_MS;
    if (runnable.length > 0 && settleMs > 0) {
      log(`waiting ${settleMs / 1000} s for the memory to settle…`);
      await Promise.all(runs.map((t) => drain(t.server.url, 60_000)));
      await sleep(settleMs);
      for (const t of runs) t.settledMB = (readProcMem(t.server.pid)?.rss ?? 0) / MB;
    }
    for (const t of runs) {
      const mem = readProcMem(t.server.pid);
      if (mem) t.peakMB = Math.max(t.peakMB, mem.hwm / MB);
      await drain(t.server.url, 60_000);
      await t.server.stop();
      live.delete(t.server);
      perTarget.set(t.target, t);
    }

    // Alone on the machine (the scenario servers are stopped): it runs its own servers.
    let realtime: BenchRunResults["realtime"];
    if (wantsRealtime(options.only)) {
      log(`realtime fan-out (${options.mode} mode)…`);
      try {
        realtime = await runRealtimeBench({ quick: options.mode === "quick", log });
      } catch (err) {
        realtime = { error: (err as Error).message };
      }
    }

    // Alone on the machine too: idle connections, and the executable beside node.
    let footprint: FootprintResult | undefined;
    const footprintOptions = options.footprint ?? (options.only?.length ? false : {});
    if (footprintOptions && targets.includes("satchel")) {
      footprint = await runFootprintBench({
        ...footprintOptions,
        seedDir,
        workDir,
        manifest,
        scenarios: planned.scenarios,
        quick: options.mode === "quick",
        log,
      });
    }

    const memory: BenchResults["memory"] = {};
    for (const [t, r] of perTarget) {
      memory[t] = { restMB: r.restMB, peakMB: r.peakMB, settledMB: r.settledMB, coldStartMs: r.coldStartMs };
    }
    const cpuList = cpus();
    const results: BenchRunResults = {
      meta: {
        mode: options.mode,
        startedAt: new Date(started).toISOString(),
        seconds: (Date.now() - started) / 1000,
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        cpus: cpuList.length,
        cpuModel: cpuList[0]?.model.trim() ?? "unknown",
        memoryGB: Math.round(totalmem() / 1024 ** 3),
        commit: gitCommit(),
        loadAverage,
        loadGenerator: "autocannon 9 JS API (keep-alive) / node:http with a new connection per request (nc)",
      },
      dataset: { ...dataset, seedSeconds },
      memory,
      query,
      scenarios: scenarios.map((s) =>
        combine(
          s,
          perTarget.get("satchel")?.results.get(s.id),
          perTarget.get("limit")?.results.get(s.id),
          ratios.get(s.id),
        ),
      ),
      ...(realtime ? { realtime } : {}),
      ...(footprint ? { footprint } : {}),
    };
    const outDir = options.outDir === undefined ? join(ROOT, "bench") : options.outDir;
    if (outDir !== null) {
      const json = join(outDir, "results.json");
      const md = join(outDir, "RESULTS.md");
      writeFileSync(json, await prettierFormat(JSON.stringify(results, null, 2) + "\n", json));
      writeFileSync(md, await prettierFormat(renderRunMarkdown(results), md));
    }
    return results;
  } finally {
    for (const s of live) await s.stop();
    live.clear();
    process.removeListener("exit", onExit);
    if (!options.keep) rmSync(workDir, { recursive: true, force: true });
    else log(`kept ${workDir}`);
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      full: { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
      only: { type: "string" },
      targets: { type: "string" },
      seed: { type: "string" },
      out: { type: "string" },
      "no-write": { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      // RESULTS.md rendered again from results.json (after a change to the report), no run
      render: { type: "boolean", default: false },
    },
  });
  if (values.render) {
    const dir = values.out ?? join(ROOT, "bench");
    const results = JSON.parse(readFileSync(join(dir, "results.json"), "utf8")) as BenchRunResults;
    const md = join(dir, "RESULTS.md");
    writeFileSync(md, await prettierFormat(renderRunMarkdown(results), md));
    process.exit(0);
  }
  const stop = (): void => process.exit(130);
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  const results = await runBench({
    mode: values.full ? "full" : "quick",
    only: values.only?.split(",").filter(Boolean),
    targets: values.targets?.split(",").filter((t): t is Target => t === "satchel" || t === "limit"),
    seed: values.seed ? Number(values.seed) : undefined,
    outDir: values["no-write"] ? null : values.out,
    keep: values.keep,
  });
  process.stdout.write(renderRunMarkdown(results));
}
