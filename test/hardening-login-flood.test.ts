/**
 * A login flood cannot starve file serving (issue 16 §1): bcrypt runs on its own bounded pool,
 * so downloads keep their latency while wrong-password logins pour in, and the overflow gets
 * PocketBase's 429 at once. Latency is measured as a ratio to the unloaded latency of the same
 * server in the same test.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { USER, startTestServer } from "./helpers/server.ts";
import { createDocs, file } from "./helpers/files.ts";

/** Concurrent looping logins: twice what made a download take 9–12 s before (issue 16). */
const FLOOD = 16;
/** A one-shot burst larger than the hashing pool's queue. */
const BURST = 160;

/** The flooding client: logs in with a wrong password in a loop until stdin says stop. */
const FLOOD_SCRIPT = `
let stop = false;
process.stdin.on("data", () => (stop = true));
const statuses = {};
const body = JSON.stringify({ identity: process.env.FLOOD_EMAIL, password: "wrong-password" });
const client = async () => {
  while (!stop) {
    try {
      const res = await fetch(process.env.FLOOD_URL, { method: "POST", headers: { "content-type": "application/json" }, body });
      await res.text();
      statuses[res.status] = (statuses[res.status] ?? 0) + 1;
    } catch {
      statuses.error = (statuses.error ?? 0) + 1;
    }
  }
};
const clients = Array.from({ length: Number(process.env.FLOOD) }, client);
console.log("started");
await Promise.all(clients);
console.log(JSON.stringify({ statuses }));
process.exit(0);
`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

test("file downloads keep their latency during a login flood; the overflow gets 429", async (t) => {
  const s = await startTestServer(t, { user: true });
  // The client is another process: this one must not count its requests against the server.
  await createDocs(s.pb);
  const form = new FormData();
  form.set("title", "f");
  form.set("one", file("hello", "hello.txt"));
  const rec = await s.pb.collection("docs").create(form);
  const url = `${s.url}/api/files/docs/${rec.id}/${rec.one}`;

  async function download(): Promise<number> {
    const start = performance.now();
    const res = await fetch(url);
    assert.equal(await res.text(), "hello");
    return performance.now() - start;
  }
  for (let i = 0; i < 5; i++) await download(); // warm up
  const unloaded: number[] = [];
  for (let i = 0; i < 20; i++) unloaded.push(await download());

  // The flood runs in its own process, as an attacker would: FLOOD concurrent wrong-password
  // logins, each client retrying at once until the process is told to stop.
  const flood = spawn(process.execPath, ["--input-type=module", "-e", FLOOD_SCRIPT], {
    env: {
      ...process.env,
      FLOOD_URL: `${s.url}/api/collections/users/auth-with-password`,
      FLOOD_EMAIL: USER.email,
      FLOOD: String(FLOOD),
    },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let output = "";
  flood.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(flood, "exit");
  t.after(() => flood.kill());
  try {
    // Wait until the flood is in full swing: the pool is busy and logins are being answered.
    const busySince = performance.now();
    while (!output.includes("started") && performance.now() - busySince < 10_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await new Promise((r) => setTimeout(r, 300));
    const loaded: number[] = [];
    for (let i = 0; i < 20; i++) loaded.push(await download());
    const ratio = median(loaded) / median(unloaded);
    const bound = Math.max(20 * median(unloaded), 250);
    assert.ok(
      median(loaded) < bound,
      `download p50 ${median(loaded).toFixed(1)} ms under the flood vs ${median(unloaded).toFixed(1)} ms unloaded (×${ratio.toFixed(1)})`,
    );
  } finally {
    flood.stdin.end("stop\n");
    await exited;
  }
  const result = JSON.parse(output.slice(output.indexOf("{"))) as {
    statuses: { [status: string]: number };
  };
  const statuses = new Map(Object.entries(result.statuses).map(([k, v]) => [Number(k), v]));
  assert.ok((statuses.get(400) ?? 0) > 0, `some logins were checked: ${JSON.stringify([...statuses])}`);
  assert.deepEqual(
    [...statuses.keys()].filter((status) => !(status === 400 || status === 429)),
    [],
  );

  // A burst beyond the queue: the overflow is refused at once with PocketBase's 429.
  const burst = await Promise.all(
    Array.from({ length: BURST }, async () => {
      const started = performance.now();
      const res = await fetch(`${s.url}/api/collections/users/auth-with-password`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ identity: USER.email, password: "wrong-password" }),
      });
      return { status: res.status, text: await res.text(), ms: performance.now() - started };
    }),
  );
  const refused = burst.filter((r) => r.status === 429);
  const checked = burst.filter((r) => r.status === 400);
  assert.ok(refused.length > 0, "the overflow was refused");
  assert.equal(refused.length + checked.length, BURST, "only 400 and 429 answers");
  assert.equal(refused[0]!.text.trim(), '{"data":{},"message":"Too Many Requests.","status":429}');
  // Refusals come before the checked logins finish (they do not wait for a thread).
  assert.ok(median(refused.map((r) => r.ms)) < median(checked.map((r) => r.ms)));
});
