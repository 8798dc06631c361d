/**
 * Keeps the benchmark code from rotting: runs the quick mode's smallest case (getOne at
 * concurrency 100) on a tiny data set against both Satchel and the limit server, and checks that
 * a table row with both figures and a ratio comes out. Never asserts on speed.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runBench } from "../bench/run.ts";

test(
  "the bench runs its smallest quick case against Satchel and the limit server",
  { timeout: 120_000 },
  async (t) => {
    const out = mkdtempSync(join(tmpdir(), "satchel-bench-smoke-"));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    const results = await runBench({
      mode: "quick",
      only: ["getone-c100"],
      dataset: {
        organizations: 5,
        permissions: 5,
        users: 20,
        posts: { posts10k: 50 },
        chat: { users: 2, rooms: 1, messages: 10 },
      },
      outDir: out,
      skipQuery: true,
      cooldownMs: 0,
      settleMs: 100,
      footprint: { sockets: 50, exe: false },
      log: () => {},
    });

    assert.equal(results.scenarios.length, 1);
    const [row] = results.scenarios;
    assert.equal(row!.id, "getone-c100");
    for (const target of [row!.satchel, row!.limit]) {
      assert.equal(target?.status, "ok", target?.note);
      assert.ok(target.stats!.ok > 0);
      assert.equal(target.check?.status, 200);
    }
    assert.equal(typeof row!.ratio, "number");
    // a read runs in rounds, alternating the targets; its ratio is the rounds' median
    const ratios = row!.roundRatios!;
    assert.ok(ratios.length >= 3 && ratios.length <= 7, String(ratios.length));
    assert.equal(row!.satchel!.rounds!.length, ratios.length);
    const sorted = [...ratios].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    assert.equal(row!.ratio, sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2);
    assert.deepEqual(row!.notes, []);
    assert.ok(results.memory.satchel!.restMB > 0);
    assert.ok(results.memory.satchel!.settledMB! > 0);
    assert.ok(results.memory.satchel!.coldStartMs! > 0);

    const md = readFileSync(join(out, "RESULTS.md"), "utf8");
    assert.match(md, /\|\s*getOne user\s*\|\s*1,000 @ 100 ×\d\s*\|/);
    // idle keep-alive connections: all 50 still open when the memory was read
    const keepAlive = results.footprint?.keepAlive;
    assert.ok(keepAlive && !("error" in keepAlive), JSON.stringify(keepAlive));
    assert.equal(keepAlive.open, 50);
    assert.match(md, /\|\s*50 of 50\s*\|/);
    assert.match(md, /Executable: not measured in this run\./);
    assert.equal(JSON.parse(readFileSync(join(out, "results.json"), "utf8")).scenarios[0].id, "getone-c100");
  },
);
