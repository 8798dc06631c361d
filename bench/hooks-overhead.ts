/**
 * What pb_hooks cost (issue 12): the same Satchel process started with and without a
 * `pb_hooks` folder, measured with wrk, alternating twice to even out machine noise:
 *   - create a record, with one `onRecordCreate` hook that sets a field (vs no hooks);
 *   - a `routerAdd` JSON route (vs the built-in `/api/health` JSON route without hooks);
 *   - idle RSS after start and after the runs (the hooks pool starts its threads on demand).
 *
 *   node bench/hooks-overhead.ts [--seconds=8] [--connections=16]
 *
 * Prints requests/second per run, the hooks/no-hooks ratios of the medians and the µs a hook
 * adds per request (aim: ≤ 50 µs per event; ≤ 20 MB more idle RSS).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { App } from "../src/core/app.ts";
import { collectionFromCreateBody } from "../src/core/collections/collection-input.ts";
import { saveCollection } from "../src/core/collections/collection-save.ts";
import { readProcMem, startSatchel } from "./lib/procs.ts";

const { values } = parseArgs({ options: { seconds: { type: "string" }, connections: { type: "string" } } });
const seconds = Number(values.seconds ?? 8);
const connections = Number(values.connections ?? 16);
const dir = mkdtempSync(join(tmpdir(), "satchel-hooksbench-"));
const dataDir = join(dir, "pb_data");
const hooksDir = join(dir, "pb_hooks");

const HOOKS = `
onRecordCreate((e) => { e.record.set("views", 1); e.next() }, "posts")
routerAdd("GET", "/bench/json", (e) => e.json(200, {code: 200, message: "API is healthy.", data: {}}))
`;

function wrk(url: string, script?: string): number {
  const args = ["-t2", `-c${connections}`, `-d${seconds}s`, ...(script ? ["-s", script] : []), url];
  const out = execFileSync("wrk", args, { encoding: "utf8" });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`unexpected wrk output:\n${out}`);
  return Number(m[1]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number | undefined) => ((bytes ?? 0) / 1e6).toFixed(1);

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
  const results: { [mode: string]: { create: number[]; json: number[]; idle: number[]; after: number[] } } = {
    hooks: { create: [], json: [], idle: [], after: [] },
    none: { create: [], json: [], idle: [], after: [] },
  };
  for (const mode of ["hooks", "none", "hooks", "none"] as const) {
    rmSync(hooksDir, { recursive: true, force: true });
    if (mode === "hooks") {
      mkdirSync(hooksDir);
      writeFileSync(join(hooksDir, "bench.pb.js"), HOOKS);
    }
    const server = await startSatchel(dataDir);
    await new Promise((r) => setTimeout(r, 1000));
    results[mode]!.idle.push(readProcMem(server.pid)?.rss ?? 0);
    const json = mode === "hooks" ? `${server.url}/bench/json` : `${server.url}/api/health`;
    const create = `${server.url}/api/collections/posts/records`;
    wrk(json); // warm-up (JIT, statement caches, the pool's first thread)
    results[mode]!.json.push(wrk(json));
    results[mode]!.create.push(wrk(create, script));
    results[mode]!.after.push(readProcMem(server.pid)?.rss ?? 0);
    await server.stop();
    process.stdout.write(
      `${mode}: create ${results[mode]!.create.at(-1)} req/s, json ${results[mode]!.json.at(-1)} req/s, idle RSS ${mb(results[mode]!.idle.at(-1))} MB, after ${mb(results[mode]!.after.at(-1))} MB\n`,
    );
  }
  for (const kind of ["create", "json"] as const) {
    const on = median(results.hooks![kind]);
    const off = median(results.none![kind]);
    const addedUs = (1 / on - 1 / off) * 1e6 * connections;
    process.stdout.write(
      `${kind}: hooks ${on} / none ${off} req/s = ${(on / off).toFixed(3)} (≈ ${addedUs.toFixed(0)} µs added per request at ${connections} connections)\n`,
    );
  }
  process.stdout.write(
    `idle RSS: hooks ${mb(median(results.hooks!.idle))} MB / none ${mb(median(results.none!.idle))} MB; after the runs: ${mb(median(results.hooks!.after))} / ${mb(median(results.none!.after))} MB\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
