/**
 * Request logging's cost (issue 15): the records list and create scenarios against one Satchel
 * process with request logging on (`settings.logs.maxDays: 5`, the default) and one with it off
 * (`maxDays: 0`), measured with wrk, alternating on/off twice to even out machine noise.
 *
 *   node bench/logs-overhead.ts [--seconds=8] [--connections=16]
 *
 * Prints requests/second per run and the on/off ratio of the medians (aim: ≥ 0.95).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import PocketBase from "pocketbase";
import { App } from "../src/core/app.ts";
import { upsertSuperuser } from "../src/core/records/superusers.ts";
import { startSatchel } from "./lib/procs.ts";

const { values } = parseArgs({ options: { seconds: { type: "string" }, connections: { type: "string" } } });
const seconds = Number(values.seconds ?? 8);
const connections = Number(values.connections ?? 16);
const dir = mkdtempSync(join(tmpdir(), "satchel-logbench-"));
const dataDir = join(dir, "pb_data");

async function setLogs(maxDays: number): Promise<void> {
  const app = new App({ dataDir });
  await app.bootstrap();
  const settings = structuredClone(app.settings());
  settings.logs.maxDays = maxDays;
  await app.saveSettings(settings);
  await app.terminate();
}

function wrk(url: string, script?: string): number {
  const args = ["-t2", `-c${connections}`, `-d${seconds}s`, ...(script ? ["-s", script] : []), url];
  const out = execFileSync("wrk", args, { encoding: "utf8" });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`unexpected wrk output:\n${out}`);
  return Number(m[1]);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

try {
  const app = new App({ dataDir });
  await app.bootstrap();
  await upsertSuperuser(app, "bench@example.com", "1234567890");
  await app.terminate();

  // Seed through the API, as a user would.
  let server = await startSatchel(dataDir);
  const pb = new PocketBase(server.url);
  pb.autoCancellation(false);
  await pb.collection("_superusers").authWithPassword("bench@example.com", "1234567890");
  await pb.collections.create({
    name: "posts",
    type: "base",
    listRule: "",
    viewRule: "",
    createRule: "",
    fields: [
      { name: "title", type: "text" },
      { name: "views", type: "number" },
    ],
  });
  for (let i = 0; i < 500; i++) await pb.collection("posts").create({ title: `post ${i}`, views: i });
  await server.stop();

  const script = join(dir, "create.lua");
  writeFileSync(
    script,
    `wrk.method = "POST"\nwrk.body = '{"title":"bench","views":1}'\nwrk.headers["Content-Type"] = "application/json"\n`,
  );
  const results: { [mode: string]: { list: number[]; create: number[] } } = {
    on: { list: [], create: [] },
    off: { list: [], create: [] },
  };
  for (const mode of ["on", "off", "on", "off"] as const) {
    await setLogs(mode === "on" ? 5 : 0);
    server = await startSatchel(dataDir);
    const list = `${server.url}/api/collections/posts/records?perPage=20`;
    wrk(list); // warm-up (JIT, statement caches)
    results[mode]!.list.push(wrk(list));
    results[mode]!.create.push(wrk(`${server.url}/api/collections/posts/records`, script));
    await server.stop();
    process.stdout.write(
      `logging ${mode}: list ${results[mode]!.list.at(-1)} req/s, create ${results[mode]!.create.at(-1)} req/s\n`,
    );
  }
  for (const kind of ["list", "create"] as const) {
    const on = median(results.on![kind]);
    const off = median(results.off![kind]);
    process.stdout.write(`${kind}: on ${on} / off ${off} req/s = ${(on / off).toFixed(3)}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
