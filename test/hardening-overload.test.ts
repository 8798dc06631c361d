/**
 * Overload (issue 16 §7): a probe opens far more SSE, WebSocket and HTTP connections than the
 * server's memory budget allows (`serve --memoryLimit` a little above its idle memory). The
 * server sheds with 503 (PocketBase's error body) rather than growing without bound: no 5xx but
 * 503, the connections opened before the budget was reached keep working, and the process
 * survives and answers `/api/health` afterwards.
 *
 * The server runs as its own process (`satchel serve`) so that only its memory counts.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { request, type ClientRequest } from "node:http";
import { join } from "node:path";
import { after, test } from "node:test";
import { tempDir } from "./helpers/server.ts";
import { App } from "../src/core/app.ts";
import { startServer } from "../src/api/server.ts";

const MAIN = new URL("../src/main.ts", import.meta.url).pathname;
const SSE = 1500;
const WS = 1500;
const HTTP_LOOPS = 50;
/** How far above its idle memory the server's budget is set. */
const HEADROOM_MB = 24;

const children: ChildProcess[] = [];
after(() => {
  for (const child of children) child.kill("SIGKILL");
});

/** Starts `satchel serve` on a free port; resolves with its URL once it listens. */
function serve(dir: string, extra: string[]): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [
      MAIN,
      "serve",
      "--http=127.0.0.1:0",
      `--dir=${join(dir, "pb_data")}`,
      `--hooksDir=${join(dir, "pb_hooks")}`,
      `--migrationsDir=${join(dir, "pb_migrations")}`,
      `--publicDir=${join(dir, "pb_public")}`,
      ...extra,
    ]);
    children.push(child);
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /Server started at (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => reject(new Error(`serve exited (${code}): ${err}`)));
  });
}

/** The resident memory of a process, in bytes (Linux). */
function residentMemory(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

/** Opens an SSE connection; resolves with its status and, when open, its client id. */
function openSse(url: string, held: ClientRequest[]): Promise<{ status: number; clientId?: string }> {
  return new Promise((resolve) => {
    const req = request(`${url}/api/realtime`, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        resolve({ status: res.statusCode ?? 0 });
        return;
      }
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
        const m = /"clientId":"(\w+)"/.exec(text);
        if (m) resolve({ status: 200, clientId: m[1]! });
      });
      res.on("error", () => {});
    });
    req.on("error", () => resolve({ status: -1 }));
    req.end();
    held.push(req);
  });
}

/** Opens a WebSocket; resolves with the refusal's status, or 101 once open. */
function openWs(url: string, held: WebSocket[]): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/realtime/ws`);
    held.push(ws);
    ws.onopen = () => resolve(101);
    ws.onerror = (event) => {
      const m = /(\d{3})/.exec(String((event as ErrorEvent).message ?? ""));
      resolve(m ? Number(m[1]) : -1);
    };
  });
}

function count(statuses: Map<number, number>, status: number): void {
  statuses.set(status, (statuses.get(status) ?? 0) + 1);
}

test("past its memory budget the server sheds new realtime connections and uploads with 503, and survives", async (t) => {
  if (!existsSync("/proc/self/status")) {
    t.skip("needs /proc to read the server's memory (Linux)");
    return;
  }
  const dir = tempDir(t);
  // The server's idle memory, measured on a first run of the same data folder.
  const first = await serve(dir, []);
  await fetch(`${first.url}/api/health`).then((r) => r.text());
  const idle = residentMemory(first.child.pid!);
  await stop(first.child);
  const limitMb = Math.ceil(idle / 1024 / 1024) + HEADROOM_MB;
  const { child, url } = await serve(dir, [`--memoryLimit=${limitMb}`]);

  const statuses = new Map<number, number>();
  const sse: ClientRequest[] = [];
  const ws: WebSocket[] = [];
  try {
    // The first connection, opened under the budget, must live through the flood.
    const early = await openSse(url, sse);
    assert.equal(early.status, 200);

    let stopHttp = false;
    const httpLoop = async () => {
      while (!stopHttp) {
        const upload = new FormData();
        upload.set("file", new Blob(["x".repeat(1024)]), "x.txt");
        for (const init of [undefined, { method: "POST", body: upload }]) {
          try {
            const res = await fetch(`${url}/api/${init ? "collections/users/records" : "health"}`, init);
            await res.arrayBuffer();
            count(statuses, res.status);
          } catch {
            count(statuses, -1);
          }
        }
      }
    };
    const http = Array.from({ length: HTTP_LOOPS }, httpLoop);
    const opened: Promise<unknown>[] = [];
    for (let i = 0; i < Math.max(SSE, WS); i++) {
      if (i < SSE) opened.push(openSse(url, sse).then((r) => count(statuses, r.status)));
      if (i < WS) opened.push(openWs(url, ws).then((s) => count(statuses, s)));
      if (i % 100 === 99) await Promise.all(opened.splice(0));
    }
    await Promise.all(opened);
    stopHttp = true;
    await Promise.all(http);

    const shown = JSON.stringify(Object.fromEntries(statuses));
    t.diagnostic(
      `budget ${limitMb} MB (idle ${(idle / 1048576).toFixed(0)} MB), answers by status: ${shown}`,
    );
    assert.ok((statuses.get(503) ?? 0) + (statuses.get(429) ?? 0) > 0, `no load was shed: ${shown}`);
    for (const status of statuses.keys()) {
      assert.ok(status < 500 || status === 503, `a ${status} answer: ${shown}`);
    }
    assert.equal(child.exitCode, null, "the server died");

    // The early connection is still served: its subscriptions can be set.
    const subscribed = await fetch(`${url}/api/realtime`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ clientId: early.clientId, subscriptions: ["users"] }),
    });
    assert.equal(subscribed.status, 204);
    // A refusal is PocketBase's error body.
    const refused = await fetch(`${url}/api/realtime`);
    if (refused.status === 503) {
      assert.deepEqual(await refused.json(), {
        data: {},
        message: "The server is short of memory, try again later.",
        status: 503,
      });
    } else await refused.body?.cancel();
  } finally {
    for (const req of sse) req.destroy();
    for (const socket of ws) socket.close();
  }
  const health = await fetch(`${url}/api/health`);
  assert.equal(health.status, 200);
  assert.equal(child.exitCode, null, "the server died");
  await stop(child);
});

test("over the budget: realtime connections and multipart bodies get PocketBase's 503, the rest is served", async (t) => {
  const app = new App({ dataDir: tempDir(t) });
  await app.bootstrap();
  // A budget of one byte: always exceeded.
  const server = await startServer(app, "127.0.0.1:0", { memoryLimit: 1 });
  t.after(() => server.close());
  const refusal = {
    data: {},
    message: "The server is short of memory, try again later.",
    status: 503,
  };
  const sse = await fetch(`${server.url}/api/realtime`);
  assert.equal(sse.status, 503);
  assert.equal(sse.headers.get("retry-after"), "5");
  assert.deepEqual(await sse.json(), refusal);
  const form = new FormData();
  form.set("file", new Blob(["x"]), "x.txt");
  const upload = await fetch(`${server.url}/api/collections/users/records`, { method: "POST", body: form });
  assert.equal(upload.status, 503);
  assert.deepEqual(await upload.json(), refusal);
  const ws = await new Promise<string>((resolve) => {
    const socket = new WebSocket(`${server.url.replace(/^http/, "ws")}/api/realtime/ws`);
    socket.onopen = () => resolve("open");
    socket.onerror = () => resolve("refused");
  });
  assert.equal(ws, "refused");
  // Everything else goes on: health, reads, JSON writes.
  assert.equal((await fetch(`${server.url}/api/health`)).status, 200);
  const json = await fetch(`${server.url}/api/collections/users/records`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: "a@example.com", password: "1234567890", passwordConfirm: "1234567890" }),
  });
  assert.equal(json.status, 200);
});
