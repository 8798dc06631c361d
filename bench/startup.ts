/**
 * Cold start and RSS at rest of one or more checkouts, measured as `npm run bench` measures them
 * (bench/run.ts: spawn `node bin/satchel.js serve` on a copy of the seeded folder, poll
 * `/api/health` every 5 ms, read the RSS 1 s after the first answer), but N times per checkout,
 * alternated (A, B, A, B, …) so a change in the machine's load weighs on both alike.
 *
 *   node bench/startup.ts [--satchel BIN]… [--runs 7] [--dir DATA] [--rest-ms 1000] [--breakdown]
 *
 * `--satchel` (repeatable) names a checkout's bin/satchel.js (default: this checkout's), optionally
 * after environment settings for it: `--satchel "SATCHEL_V8_SIZING=0 bin/satchel.js"`;
 * `--dir` a data folder to copy for each start (default: the quick bench's seeded folder, made
 * once). Per checkout it prints the median, min and max of the cold start, the CPU time the
 * process used to its first answer (all threads: robust to the machine's load), the RSS at rest, its
 * anonymous and file-backed parts (/proc/PID/smaps_rollup) and the threads alive at rest;
 * `--breakdown` adds, for the last start of each, the largest mappings by resident size.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort, SATCHEL_MAIN, startServerProcess } from "./lib/procs.ts";
import { plan } from "./lib/scenarios.ts";
import { seedDataFolder } from "./lib/seed.ts";

const MB = 1024 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const { values } = parseArgs({
  options: {
    satchel: { type: "string", multiple: true },
    runs: { type: "string", default: "7" },
    dir: { type: "string" },
    "rest-ms": { type: "string", default: "1000" },
    breakdown: { type: "boolean", default: false },
  },
});
const bins = values.satchel?.length ? values.satchel : [SATCHEL_MAIN];
const runs = Number(values.runs);
const restMs = Number(values["rest-ms"]);

/** kB fields of /proc/PID/smaps_rollup, in bytes. */
function rollup(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of readFileSync(`/proc/${pid}/smaps_rollup`, "utf8").matchAll(/^(\w+):\s+(\d+) kB/gm))
    out[m[1]!] = Number(m[2]) * 1024;
  return out;
}

/** CPU time a process (all its threads) or one of its threads used so far (user + system), in ms. */
function cpuMs(pid: number, tid?: number): number {
  const stat = readFileSync(
    tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`,
    "utf8",
  );
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in ticks
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** Thread names of a process (comm of each task). */
function threads(pid: number): string[] {
  return readdirSync(`/proc/${pid}/task`).map((t) =>
    readFileSync(`/proc/${pid}/task/${t}/comm`, "utf8").trim(),
  );
}

/** Resident bytes per mapping name (anonymous mappings without a name grouped as "[anon]"). */
function mappings(pid: number): [string, number][] {
  const byName = new Map<string, number>();
  let name = "";
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      name = head[1] || "[anon]";
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss) byName.set(name, (byName.get(name) ?? 0) + Number(rss[1]) * 1024);
  }
  return [...byName].sort((a, b) => b[1] - a[1]);
}

interface Sample {
  startMs: number;
  /** CPU time the process used to its first answer (robust to the machine's load). */
  cpuMs: number;
  /** The main thread's part of it (what the wall-clock start waits on; compilers and GC helpers run beside it). */
  mainCpuMs: number;
  rss: number;
  anon: number;
  file: number;
  threads: string[];
  mappings: [string, number][];
}

const work = mkdtempSync(join(tmpdir(), "satchel-startup-"));
try {
  let source = values.dir;
  if (!source) {
    source = join(work, "seed");
    await seedDataFolder(source, plan("quick", 20250101).dataset);
  }
  const samples = new Map<string, Sample[]>(bins.map((b) => [b, []]));
  for (let i = 0; i < runs; i++) {
    for (const bin of bins) {
      const dir = join(work, `run-${i}`);
      rmSync(dir, { recursive: true, force: true });
      cpSync(source, dir, { recursive: true });
      const port = await freePort();
      const words = bin.split(" ");
      const env = words.slice(0, -1).map((w) => w.split("=") as [string, string]);
      const saved = env.map(([k]) => [k, process.env[k]] as const);
      for (const [k, v] of env) process.env[k] = v;
      const started = startServerProcess(
        "satchel",
        [
          words.at(-1)!,
          "serve",
          "--dir",
          dir,
          "--http",
          `127.0.0.1:${port}`,
          "--automigrate=false",
          `--migrationsDir=${join(dir, "pb_migrations")}`,
        ],
        `http://127.0.0.1:${port}`,
      );
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
      const server = await started;
      const cpu = cpuMs(server.pid);
      const mainCpu = cpuMs(server.pid, server.pid);
      await sleep(restMs);
      const r = rollup(server.pid);
      samples.get(bin)!.push({
        startMs: server.startMs,
        cpuMs: cpu,
        mainCpuMs: mainCpu,
        rss: r.Rss ?? 0,
        anon: r.Anonymous ?? 0,
        file: (r.Rss ?? 0) - (r.Anonymous ?? 0),
        threads: threads(server.pid),
        mappings: values.breakdown ? mappings(server.pid) : [],
      });
      await server.stop();
    }
  }
  // MB to one decimal: the changes measured here move the rest by 1 MB or less.
  const stat = (xs: number[], digits = 0): string => {
    const s = [...xs].sort((a, b) => a - b);
    const f = (x: number): string => x.toFixed(digits);
    return `${f(s[Math.floor(s.length / 2)]!)} (${f(s[0]!)}–${f(s.at(-1)!)})`;
  };
  const mb = (bytes: number[]): string =>
    stat(
      bytes.map((b) => b / MB),
      1,
    );
  for (const [bin, s] of samples) {
    console.log(`\n${bin} (${s.length} starts)`);
    console.log(`  cold start ms      ${stat(s.map((x) => x.startMs))}`);
    console.log(`  CPU to it ms       ${stat(s.map((x) => x.cpuMs))}`);
    console.log(`    main thread ms   ${stat(s.map((x) => x.mainCpuMs))}`);
    console.log(`  RSS at rest MB     ${mb(s.map((x) => x.rss))}`);
    console.log(`    anonymous MB     ${mb(s.map((x) => x.anon))}`);
    console.log(`    file-backed MB   ${mb(s.map((x) => x.file))}`);
    const last = s.at(-1)!;
    console.log(`  threads at rest    ${last.threads.length}: ${last.threads.join(", ")}`);
    if (values.breakdown)
      for (const [name, bytes] of last.mappings.slice(0, 12))
        console.log(`    ${(bytes / MB).toFixed(1).padStart(6)} MB  ${name}`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
