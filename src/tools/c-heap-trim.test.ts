import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, it } from "node:test";

const MB = 1 << 20;

describe("trimCHeap", () => {
  it("gives the C heap's free pages back to the kernel on Linux with glibc", (t) => {
    // A child process: fragments glibc's heap (many small native buffers, every 50th kept),
    // frees the rest, then trims.
    const script = `
      import { runInNewContext } from "node:vm";
      import { setFlagsFromString } from "node:v8";
      import { trimCHeap } from ${JSON.stringify(new URL("./c-heap-trim.ts", import.meta.url).href)};
      setFlagsFromString("--expose-gc");
      const gc = runInNewContext("gc");
      let keep = [], drop = [];
      for (let i = 0; i < 40_000; i++) (i % 50 === 0 ? keep : drop).push(Buffer.allocUnsafeSlow(4000));
      drop = null;
      gc({ type: "major", execution: "sync" });
      // glibc keeps what is freed: RSS stays at this level until a trim
      const freed = process.memoryUsage.rss();
      // V8 may free the buffers' memory on a background thread after the collection: trim
      // again (after another collection) until the RSS falls, for at most ~2 s
      let trimmed = false;
      let after = freed;
      for (let i = 0; i < 40 && after > freed - ${64 * MB}; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 50));
        gc({ type: "major", execution: "sync" });
        trimmed = await trimCHeap();
        if (!trimmed) break;
        after = process.memoryUsage.rss();
      }
      console.log(JSON.stringify({ trimmed, freed, after, kept: keep.length }));
    `;
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    assert.equal(out.status, 0, out.stderr);
    const { trimmed, freed, after } = JSON.parse(out.stdout) as {
      trimmed: boolean;
      freed: number;
      after: number;
    };
    if (process.platform !== "linux") {
      assert.equal(trimmed, false);
      return t.skip("malloc_trim is glibc's: nothing to trim here");
    }
    assert.equal(trimmed, true, "koffi loaded and malloc_trim ran");
    // 40k × 4 KB were malloc'd and 98 % freed: without the trim glibc keeps nearly all of it.
    assert.ok(
      after < freed - 64 * MB,
      `RSS fell (${(freed / MB).toFixed(0)} → ${(after / MB).toFixed(0)} MB)`,
    );
  });
});
