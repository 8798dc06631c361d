/**
 * Gives memory back once a burst is over. After a burst V8 keeps the pages its old generation
 * grew to (measured: 70 MB committed for 17 MB live, 30 s after a load, the memory reducer not
 * having shrunk it), and they stay in the process's RSS. When the process has been idle for a
 * few seconds and its RSS is well above its rest level (the lowest it has been), one "last resort"
 * full collection (the one V8 runs on memory pressure: compacts, shrinks the young generation
 * and unmaps the pooled pages) brings it back: 198 → 109 MB in ~60 ms, once, while nothing
 * else runs. Just before it, `release` lets the app free its own caches (SQLite's page caches);
 * just after it, the C heap's free pages go back to the kernel (c-heap-trim.ts): what SQLite
 * and Node's native side freed otherwise stays in glibc's heap (150 → 91 MB 30 s after the
 * bench's deletes and scans, rest 80).
 *
 * The start leaves garbage too (the young generation at 2 × 1 MB, objects and bytecode only the
 * start used): `afterStartMs` after the reclaimer starts, if the process has been idle since,
 * one full collection of the same kind, without the C heap trim (koffi, loaded for it, would
 * cost more than the trim gives back at rest): RSS at rest 61.3 → 59.3 MB, ~40 ms once.
 *
 * @example
 *   const reclaim = startIdleReclaim(); // serve; reclaim.stop() on shutdown
 */
import { runInNewContext } from "node:vm";
import { setFlagsFromString } from "node:v8";
import { trimCHeap } from "./c-heap-trim.ts";

/**
 * Idle enough after the start: under a fifth of one core. Not `idleShare`: the first half second
 * after listen has the JIT's background compiles and a health check's requests (~4 % measured),
 * and a server with requests coming at once is far above it.
 */
const START_IDLE_SHARE = 0.2;

/** What the reclaimer reads and does; replaced in tests. */
export interface ReclaimProbe {
  /** The process's resident memory in bytes. */
  rss(): number;
  /** CPU time used by the process so far (every thread), in microseconds. */
  cpuMicros(): number;
  /** Runs the full collection, then gives the C heap's free pages back (c-heap-trim.ts). */
  collect(): void;
  /** The full collection alone (after the start). */
  collectHeap(): void;
}

export interface IdleReclaimOptions {
  /** How often the process is looked at (ms). */
  intervalMs?: number;
  /** Idle: less CPU than this share of one core over the last interval. */
  idleShare?: number;
  /** How many idle intervals in a row before collecting. */
  idleIntervals?: number;
  /** Collect only when RSS is more than this many bytes above the lowest seen (the rest level). */
  minGrowthBytes?: number;
  /**
   * When the last collection could not go back that low (the memory is live), collect again
   * only after this much CPU time (ms, every thread) was spent since, or after that growth again.
   */
  minWorkMs?: number;
  probe?: ReclaimProbe;
  /** Gives back what else the process caches (SQLite's page caches), just before the collection. */
  release?: () => void;
  /** One heap collection this long (ms) after the start, if the process was idle meanwhile. */
  afterStartMs?: number;
}

/**
 * V8's full collection with the memory-pressure flavour, or Bun's synchronous collection.
 * `gc` is reached from a fresh context with `--expose-gc` set for an instant: the main
 * context's global (which TS hooks see) gets no `gc`.
 */
function fullCollection(): () => void {
  const bun = (globalThis as { Bun?: { gc(sync: boolean): void } }).Bun;
  if (bun) return () => bun.gc(true);
  try {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as (options?: object) => void;
    setFlagsFromString("--no-expose-gc");
    return () => gc({ type: "major", execution: "sync", flavor: "last-resort" });
  } catch {
    return () => {};
  }
}

function defaultProbe(): ReclaimProbe {
  // Made at the first collection: the new context it takes costs a few ms that a start needn't pay.
  let collection: (() => void) | undefined;
  const collectHeap = (): void => (collection ??= fullCollection())();
  const collect = (): void => {
    collectHeap();
    void trimCHeap();
  };
  return {
    rss: () => process.memoryUsage.rss(),
    cpuMicros: () => {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    },
    collect,
    collectHeap,
  };
}

/** A running reclaimer. */
export interface IdleReclaim {
  /** How many collections it ran. */
  readonly collections: number;
  stop(): void;
}

/** Starts looking for idle moments after growth; the timer never keeps the process alive. */
export function startIdleReclaim(options: IdleReclaimOptions = {}): IdleReclaim {
  const intervalMs = options.intervalMs ?? 1000;
  const idleShare = options.idleShare ?? 0.02;
  const idleIntervals = options.idleIntervals ?? 3;
  const minGrowth = options.minGrowthBytes ?? 24 << 20;
  const minWorkMicros = (options.minWorkMs ?? 2000) * 1000;
  const probe = options.probe ?? defaultProbe();
  // Growth is measured from the lowest RSS seen (the rest level), not from where the last
  // collection ended: a collection in a pause of a long load ends high (the load's threads and
  // caches are still there), and measured from there the growth left at the load's end stayed
  // under the threshold, so nothing was given back (120 MB 30 s after the bench, rest 59).
  let floor = probe.rss();
  // Where the last collection ended, and the CPU time then: collecting again with no growth
  // since and no work done in between would free nothing (the memory is live).
  let afterLast = Number.NEGATIVE_INFINITY;
  let cpuAtLast = 0;
  let lastCpu = probe.cpuMicros();
  let idleFor = 0;
  let collections = 0;
  // The start's garbage, once: not when requests came at once (the first reclaim after growth
  // then collects it too), and no release (the statements the start prepared are the first
  // requests' too).
  const startCpu = lastCpu;
  const afterStart =
    options.afterStartMs === undefined
      ? undefined
      : setTimeout(() => {
          const busy = (probe.cpuMicros() - startCpu) / (options.afterStartMs! * 1000);
          if (busy >= START_IDLE_SHARE) return;
          probe.collectHeap();
          collections++;
          floor = Math.min(floor, probe.rss());
          lastCpu = probe.cpuMicros();
        }, options.afterStartMs);
  afterStart?.unref();
  const timer = setInterval(() => {
    const cpu = probe.cpuMicros();
    const busy = (cpu - lastCpu) / (intervalMs * 1000);
    lastCpu = cpu;
    idleFor = busy < idleShare ? idleFor + 1 : 0;
    const rss = probe.rss();
    // RSS that went down on its own (a thread stopped, the C heap trimmed after a collection)
    // is the new floor, and where the last collection really ended.
    if (rss < floor) floor = rss;
    if (rss < afterLast) afterLast = rss;
    if (idleFor < idleIntervals || rss - floor <= minGrowth) return;
    if (rss - afterLast <= minGrowth && cpu - cpuAtLast < minWorkMicros) return;
    try {
      options.release?.();
    } catch {
      // a cache that cannot be freed now is freed at the next idle moment, or not at all
    }
    probe.collect();
    collections++;
    afterLast = probe.rss();
    // The collection's own CPU time is not activity.
    lastCpu = cpuAtLast = probe.cpuMicros();
    idleFor = 0;
  }, intervalMs);
  timer.unref();
  return {
    get collections() {
      return collections;
    },
    stop: () => {
      clearInterval(timer);
      clearTimeout(afterStart);
    },
  };
}
