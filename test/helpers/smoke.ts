/**
 * The smoke run of a built Satchel (the single executable, or the npm package installed into an
 * empty folder): start it as a child process with an empty environment, then check what a user
 * does first — health, the dashboard, a pb_hooks route, a superuser, a collection, a record
 * created with curl, an upload and its thumbnail, realtime over SSE and WebSocket — and stop it
 * with SIGTERM.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { EventSource } from "eventsource";
import { crc32, deflateSync } from "node:zlib";
import PocketBase from "pocketbase";
import { waitFor } from "./wait.ts";

(globalThis as { EventSource?: unknown }).EventSource ??= EventSource;

/** A started child with its output so far. */
export interface Started {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns `command args` in `cwd` with exactly `env`, resolving once the banner names the URL. */
export async function startServing(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): Promise<Started> {
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, signal) => resolve({ code, signal })),
  );
  let done = false;
  void exited.then(() => (done = true));
  await waitFor(
    () => done || /Server started at https?:\/\/\S+/.test(output),
    "the server banner",
    timeoutMs,
    20,
  );
  const m = /Server started at (https?:\/\/\S+)/.exec(output);
  if (!m) throw new Error(`the server did not start:\n${output}`);
  return { child, url: m[1]!, output: () => output, exited };
}

/** Stops a started child with SIGTERM and asserts it exits 0 on its own. */
export async function stopGracefully(started: Started, timeoutMs = 15_000): Promise<void> {
  started.child.kill("SIGTERM");
  const timer = setTimeout(() => started.child.kill("SIGKILL"), timeoutMs);
  const { code, signal } = await started.exited;
  clearTimeout(timer);
  assert.equal(signal, null, `killed by ${signal}:\n${started.output()}`);
  assert.equal(code, 0, started.output());
  assert.match(started.output(), /SIGTERM received, shutting down/);
}

/** What the smoke run checks beyond the basics. */
export interface SmokeOptions {
  /** The superuser that exists in the data folder. */
  email: string;
  password: string;
  /** Check `/_/` serves the dashboard's HTML. */
  dashboard: boolean;
  /** A pb_hooks route to GET and the body it must answer, when hooks are supported. */
  hookRoute?: { path: string; body: string };
}

/** Runs the checks against a running server. */
export async function smokeCheck(url: string, options: SmokeOptions): Promise<void> {
  const health = await fetch(`${url}/api/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { message: string }).message, "API is healthy.");

  if (options.dashboard) {
    const ui = await fetch(`${url}/_/`);
    assert.equal(ui.status, 200);
    assert.match(ui.headers.get("content-type") ?? "", /text\/html/);
    assert.match(await ui.text(), /<html/i);
  }
  if (options.hookRoute) {
    const res = await fetch(`${url}${options.hookRoute.path}`);
    assert.equal(res.status, 200);
    assert.equal((await res.text()).trim(), options.hookRoute.body);
  }

  const pb = new PocketBase(url);
  await pb.collection("_superusers").authWithPassword(options.email, options.password);
  await pb.collections.create({
    name: "notes",
    type: "base",
    listRule: "",
    viewRule: "",
    createRule: "",
    fields: [
      { name: "title", type: "text" },
      { name: "picture", type: "file", maxSelect: 1, thumbs: ["20x20"] },
    ],
  });

  // Realtime: an SSE subscriber (the SDK) and a WebSocket subscriber both see the create.
  const seen: string[] = [];
  const subscriber = new PocketBase(url);
  await subscriber.collection("notes").subscribe("*", (e) => void seen.push(`sse:${e.action}`));
  const ws = new WebSocket(`${url.replace(/^http/, "ws")}/api/realtime/ws`);
  ws.addEventListener("message", (m) => {
    const frame = JSON.parse(String(m.data)) as { event: string; data: { action?: string } };
    if (frame.event === "notes/*" && frame.data.action === "create") seen.push("ws:create");
  });
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error("WebSocket failed")), { once: true });
  });
  await wsSubscribe(ws, "notes/*");

  // The seed's curl example: a record created by curl.
  const curl = spawnSync(
    "curl",
    [
      "-s",
      "-X",
      "POST",
      `${url}/api/collections/notes/records`,
      "-H",
      "content-type: application/json",
      "-d",
      '{"title":"from curl"}',
    ],
    { encoding: "utf8" },
  );
  if (curl.error) {
    const res = await fetch(`${url}/api/collections/notes/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"title":"from curl"}',
    });
    assert.equal(res.status, 200);
  } else {
    assert.equal(curl.status, 0, curl.stderr);
    assert.equal((JSON.parse(curl.stdout) as { title: string }).title, "from curl");
  }
  await waitFor(
    () => seen.includes("sse:create") && seen.includes("ws:create"),
    "realtime events",
    10_000,
    20,
  );
  subscriber.realtime.unsubscribe();
  ws.close();

  // An upload and its thumbnail (sharp inside the build).
  const form = new FormData();
  form.append("title", "with picture");
  form.append("picture", new File([new Uint8Array(png(64, 32))], "p.png", { type: "image/png" }));
  const rec = await pb.collection("notes").create<{ id: string; picture: string }>(form);
  const thumb = await fetch(`${url}/api/files/notes/${rec.id}/${rec.picture}?thumb=20x20`);
  assert.equal(thumb.status, 200);
  assert.equal(thumb.headers.get("content-type"), "image/png");
  const bytes = new Uint8Array(await thumb.arrayBuffer());
  // A PNG's IHDR holds the width and height at bytes 16..23.
  const view = new DataView(bytes.buffer);
  assert.deepEqual([view.getUint32(16), view.getUint32(20)], [20, 20]);

  // bcrypt: a user signs up and logs in.
  await pb
    .collection("users")
    .create({ email: "u@example.com", password: "1234567890", passwordConfirm: "1234567890" });
  const user = new PocketBase(url);
  await user.collection("users").authWithPassword("u@example.com", "1234567890");
  assert.ok(user.authStore.isValid);
}

/**
 * A solid RGB PNG, encoded here rather than with sharp: the smoke run must not load, from the
 * test's node_modules, what it checks the build carries.
 */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, "latin1"), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x80)]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

/** Sends a subscribe request over the WebSocket transport and waits for its answer. */
async function wsSubscribe(ws: WebSocket, topic: string): Promise<void> {
  const answered = new Promise<void>((resolve, reject) => {
    const onMessage = (m: MessageEvent) => {
      const frame = JSON.parse(String(m.data)) as { event: string };
      if (frame.event === "PB_SUBSCRIBE" || frame.event === "PB_ERROR") {
        ws.removeEventListener("message", onMessage);
        if (frame.event === "PB_SUBSCRIBE") resolve();
        else reject(new Error(`subscribe refused: ${String(m.data)}`));
      }
    };
    ws.addEventListener("message", onMessage);
  });
  ws.send(JSON.stringify({ id: "sub", type: "subscribe", subscriptions: [topic] }));
  await answered;
}
