/**
 * V8 set for serving, once the server listens: the other half of what bin/satchel.js sets for
 * the start (docs/performance.md, "Memory" and "Cold start"). The JIT compilers also come back
 * before pending pb_migrations run (`restoreJit`), which may be long.
 *
 * - The JIT compilers (TurboFan, Maglev, Sparkplug), off during the start (they would only compile
 *   code that runs once), are turned back on for the request paths.
 * - The young generation may grow to 2 × `maxSemiSpaceMB` and no further. V8 starts it at
 *   2 × 1 MB and doubles it whenever enough objects survive its collections, up to 2 × 32 MB on
 *   a machine with a few GB of memory, and keeps what it grew to: resident memory held for
 *   garbage. `--max-semi-space-size` only acts when the process starts, but V8 reads the growth
 *   factor each time it grows the young generation: after each collection this sets it to 2
 *   while the young generation is below the cap and to 1 once it reached it. At the cap it stops
 *   watching collections and looks every `RECHECK_MS` instead: when V8 shrank the young
 *   generation (a low allocation rate, the idle reclaimer's collection), it may grow again.
 *
 * Both are left alone when they were given on the command line, or with SATCHEL_V8_SIZING=0.
 * On Bun (the single executable) there is no V8: nothing is done.
 *
 * @example
 *   const v8 = serveWithV8Tuned({ maxSemiSpaceMB: 4 }); // after listen; v8.stop() on shutdown
 */
import { PerformanceObserver } from "node:perf_hooks";
import { isBun } from "./runtime.ts";

export interface V8Serving {
  stop(): void;
  /** Whether each collection is being watched (the young generation is below its cap). */
  readonly watching: boolean;
}

/** V8's compiler tiers bin/satchel.js turns off for the start, and how a user names each. */
const JIT_TIERS: [string, RegExp][] = [
  ["turbofan", /--(no-)?(turbofan|opt)\b/],
  ["maglev", /--(no-)?maglev\b/],
  ["sparkplug", /--(no-)?sparkplug\b/],
];

/** Whether bin/satchel.js's settings apply: V8, and not turned off. */
const tuned = (): boolean => !isBun() && process.env.SATCHEL_V8_SIZING !== "0";

/**
 * Turns the JIT compilers back on (those the user did not set). Also called before work that
 * may be long and runs before the server listens: pending pb_migrations.
 */
export function restoreJit(): void {
  if (!tuned()) return;
  const given = process.execArgv.join(" ");
  const v8 = process.getBuiltinModule("node:v8");
  for (const [tier, pattern] of JIT_TIERS) if (!pattern.test(given)) v8.setFlagsFromString(`--${tier}`);
}

/**
 * Runs `work`, start-up work deferred past listen that runs once (the types.d.ts check's walk of
 * the sources), with the optimizing compilers off, as the start itself runs. Otherwise its loop
 * is hot enough for Maglev and TurboFan, and their code in the `node` binary becomes resident:
 * +7 MB of RSS two seconds after every start, for a server that then sits idle
 * (docs/performance.md, "Memory, round 6"). Requests served meanwhile keep their optimized code
 * and are optimized again once it is done. Tiers the user set are left alone.
 */
export async function withoutOptimizingJit<T>(work: () => Promise<T>): Promise<T> {
  if (!tuned()) return work();
  const given = process.execArgv.join(" ");
  const v8 = process.getBuiltinModule("node:v8");
  const tiers = JIT_TIERS.filter(([tier, pattern]) => tier !== "sparkplug" && !pattern.test(given));
  for (const [tier] of tiers) v8.setFlagsFromString(`--no-${tier}`);
  try {
    return await work();
  } finally {
    for (const [tier] of tiers) v8.setFlagsFromString(`--${tier}`);
  }
}

/**
 * How often the young generation's size is looked at once it reached its cap: V8 shrinks it by
 * itself when the allocation rate drops (and the idle reclaimer's collection does), and it may
 * then grow again.
 */
const RECHECK_MS = 2000;

/** Turns the JIT compilers back on and starts holding the young generation at its cap. */
export function serveWithV8Tuned(options: { maxSemiSpaceMB: number }): V8Serving {
  const untouched = { stop() {}, watching: false };
  if (!tuned()) return untouched;
  restoreJit();
  const given = process.execArgv.join(" ");
  const v8 = process.getBuiltinModule("node:v8");
  if (/--(max|min)-semi-space-size|--semi-space-growth-factor/.test(given)) return untouched;
  // The young generation is two semi-spaces; V8 reports them as one space.
  const cap = 2 * options.maxSemiSpaceMB * 1024 * 1024;
  let factor = 0;
  let watching = false;
  // Each collection is watched only while the young generation grows: Node's "gc" performance
  // entries cost ~100 µs per collection (measured: 296 scavenges, +30–35 ms of CPU), which a
  // server at its cap would pay every few hundred requests for nothing.
  const observer = new PerformanceObserver(() => hold());
  const hold = (): void => {
    const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
    const wanted = young && young.space_size >= cap ? 1 : 2;
    if (wanted !== factor) {
      factor = wanted;
      v8.setFlagsFromString(`--semi-space-growth-factor=${wanted}`);
    }
    if (wanted === 2 && !watching) observer.observe({ entryTypes: ["gc"] });
    else if (wanted === 1 && watching) observer.disconnect();
    watching = wanted === 2;
  };
  hold();
  const recheck = setInterval(hold, RECHECK_MS);
  recheck.unref();
  return {
    stop: () => {
      clearInterval(recheck);
      observer.disconnect();
      watching = false;
    },
    get watching() {
      return watching;
    },
  };
}
