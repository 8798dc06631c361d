import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";
import { startIdleReclaim, type ReclaimProbe } from "./idle-reclaim.ts";

const MB = 1 << 20;

/** A process whose RSS and CPU time the test sets; `collect` brings the RSS back to `floor`. */
class Scripted implements ReclaimProbe {
  rssBytes = 100 * MB;
  /** Busy: one full core of CPU time, all the time. */
  busy = false;
  #cpu = 0;
  floor = 100 * MB;
  collected = 0;
  /** Collections without the C heap trim (the start's). */
  heapCollected = 0;
  rss(): number {
    return this.rssBytes;
  }
  cpuMicros(): number {
    if (this.busy) this.#cpu = performance.now() * 1000;
    return this.#cpu;
  }
  collect(): void {
    this.collected++;
    this.rssBytes = this.floor;
  }
  collectHeap(): void {
    this.heapCollected++;
    this.rssBytes = this.floor;
  }
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const options = { intervalMs: 10, idleIntervals: 3, minGrowthBytes: 24 * MB };

describe("startIdleReclaim", () => {
  it("collects once after growth when the process went idle, not while it is busy", async () => {
    const probe = new Scripted();
    probe.busy = true;
    const reclaim = startIdleReclaim({ ...options, probe });
    try {
      probe.rssBytes = 200 * MB;
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(probe.collected, 0, "no collection while busy");
      probe.busy = false;
      await until(() => probe.collected === 1, "the collection");
      assert.equal(probe.rssBytes, 100 * MB);
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(probe.collected, 1, "nothing more to reclaim: no second collection");
      assert.equal(reclaim.collections, 1);
    } finally {
      reclaim.stop();
    }
  });

  it("leaves small growth alone, and takes a lower RSS as the new floor", async () => {
    const probe = new Scripted();
    const reclaim = startIdleReclaim({ ...options, probe });
    try {
      probe.rssBytes = 110 * MB;
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(probe.collected, 0);
      // a thread stopped: 80 MB is the floor now, so 110 MB is 30 MB of growth
      probe.rssBytes = 80 * MB;
      await new Promise((r) => setTimeout(r, 30));
      probe.floor = 80 * MB;
      probe.rssBytes = 110 * MB;
      await until(() => probe.collected === 1, "the collection");
    } finally {
      reclaim.stop();
    }
  });

  it("after a collection that could not reach the rest level, collects again only after more work or growth", async () => {
    const probe = new Scripted();
    const reclaim = startIdleReclaim({ ...options, minWorkMs: 30, probe });
    try {
      // a pause in a long load: the collection ends 60 MB above the rest level (live memory)
      probe.floor = 160 * MB;
      probe.rssBytes = 200 * MB;
      await until(() => probe.collected === 1, "the first collection");
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(probe.collected, 1, "idle since, and nothing grew: no futile second collection");
      // the load goes on, then ends 10 MB higher: under the growth threshold from where the
      // last collection ended, but the work since makes it worth looking again
      probe.busy = true;
      probe.rssBytes = 170 * MB;
      await new Promise((r) => setTimeout(r, 60));
      probe.busy = false;
      probe.floor = 100 * MB;
      await until(() => probe.collected === 2, "the collection after the load");
      assert.equal(probe.rssBytes, 100 * MB);
    } finally {
      reclaim.stop();
    }
  });

  it("lets the app release its caches just before each collection", async () => {
    const probe = new Scripted();
    const order: string[] = [];
    const collect = probe.collect.bind(probe);
    probe.collect = () => {
      order.push("collect");
      collect();
    };
    const reclaim = startIdleReclaim({ ...options, probe, release: () => order.push("release") });
    try {
      probe.rssBytes = 200 * MB;
      await until(() => probe.collected === 1, "the collection");
      assert.deepEqual(order, ["release", "collect"]);
    } finally {
      reclaim.stop();
    }
  });

  it("collects the start's garbage once, without release or trim, when nothing ran after the start", async () => {
    const probe = new Scripted();
    probe.floor = 90 * MB;
    let released = 0;
    const reclaim = startIdleReclaim({ ...options, probe, afterStartMs: 20, release: () => released++ });
    try {
      await until(() => probe.heapCollected === 1, "the start's collection");
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(probe.heapCollected, 1, "once");
      assert.equal(probe.collected, 0, "no C heap trim");
      assert.equal(released, 0, "the caches the start filled are kept");
      assert.equal(reclaim.collections, 1);
      // the lower RSS is the floor growth is measured from: 120 MB is 30 MB above it
      probe.rssBytes = 120 * MB;
      await until(() => probe.collected === 1, "the collection after growth");
    } finally {
      reclaim.stop();
    }
  });

  it("leaves the start's garbage alone when requests came at once", async () => {
    const probe = new Scripted();
    probe.busy = true;
    const reclaim = startIdleReclaim({ ...options, probe, afterStartMs: 20 });
    try {
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(probe.heapCollected, 0);
    } finally {
      reclaim.stop();
    }
  });

  it("gives a real heap back to the OS in this runtime", () => {
    // A child process: grows its heap, drops it, then runs one reclaim pass by hand.
    const script = `
      import { startIdleReclaim } from ${JSON.stringify(new URL("./idle-reclaim.ts", import.meta.url).href)};
      const before = process.memoryUsage().heapTotal;
      const r = startIdleReclaim({ intervalMs: 20, idleIntervals: 1, minGrowthBytes: 0, idleShare: 10 });
      let keep = [];
      for (let i = 0; i < 1_500_000; i++) keep.push({ i, s: "x" + i });
      keep = null;
      const grown = process.memoryUsage().heapTotal;
      setTimeout(() => {
        r.stop();
        console.log(JSON.stringify({ before, grown, after: process.memoryUsage().heapTotal, n: r.collections }));
      }, 200);
    `;
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    assert.equal(out.status, 0, out.stderr);
    const { before, grown, after, n } = JSON.parse(out.stdout) as {
      [k in "before" | "grown" | "after" | "n"]: number;
    };
    assert.ok(n >= 1, "it collected");
    assert.ok(grown > before + 32 * MB, `the heap grew (${before} → ${grown})`);
    assert.ok(after < grown / 2, `the heap shrank (${grown} → ${after})`);
  });
});
