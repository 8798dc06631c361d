/**
 * The process's memory budget (issue 16 §7): above it, the server refuses what would make it
 * grow further (new realtime connections, uploads) while the work in progress finishes.
 *
 * Memory is the process's resident set (RSS): it holds the V8 heap, buffers, SQLite's caches
 * and every thread. It is sampled off the request path, a few times a second, so that the check
 * a request makes is one number compared with another. The default budget is 90% of V8's heap
 * limit (which Node sizes from the machine's or the container's memory, or `--max-old-space-size`):
 * since the heap is part of the RSS, shedding starts before the heap could run out and the
 * process crash.
 *
 * @example
 *   const budget = new MemoryBudget(512 * 1024 * 1024);
 *   if (budget.exceeded) refuse();
 */
import { getHeapStatistics } from "node:v8";

/** How often the resident memory is read. */
const SAMPLE_MS = 200;

/** The last sample of the resident memory, in bytes. */
let resident = 0;
let sampler: NodeJS.Timeout | undefined;

function sample(): void {
  resident = process.memoryUsage.rss();
}

/** The default budget: 90% of V8's heap limit, in bytes. */
export function defaultMemoryLimit(): number {
  return Math.floor(getHeapStatistics().heap_size_limit * 0.9);
}

/** A memory budget checked against the process-wide sample of the resident memory. */
export class MemoryBudget {
  /** The budget in bytes. */
  readonly limit: number;

  /** `limitBytes`: the budget; 0 or missing for the default (`defaultMemoryLimit()`). */
  constructor(limitBytes = 0) {
    this.limit = limitBytes > 0 ? limitBytes : defaultMemoryLimit();
    if (sampler === undefined) {
      sample();
      sampler = setInterval(sample, SAMPLE_MS);
      sampler.unref();
    }
  }

  /** Whether the process is above its budget (as of the last sample). */
  get exceeded(): boolean {
    return resident > this.limit;
  }

  /** The last sample of the process's resident memory, in bytes. */
  get resident(): number {
    return resident;
  }
}
