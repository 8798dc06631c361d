/**
 * Realtime fan-out benchmark (issue 7): many SSE clients (then WebSocket clients) subscribed to
 * one collection whose listRule is `""`, the server's memory at rest and with the clients
 * connected, and for each of a series of writes the time from sending the create request until
 * the LAST client has the event (p50/p99 over the writes).
 *
 * Standalone: `node bench/realtime.bench.ts [--clients=10000] [--writes=20] [--quick]
 * [--transports=sse,ws] [--ws-clients=N[,N…]] [--json]`. From a runner: `runRealtimeBench()`.
 *
 * Satchel runs as a child process (`node src/main.ts serve`) on a fresh data folder, a new one
 * per transport so each memory figure starts from the same state. The clients live in this
 * process and are kept light: raw TCP sockets speaking just enough HTTP for the SSE stream, the
 * `ws` package for WebSocket; an event is recognised by a unique marker in the record's title,
 * searched in the raw bytes. Each process needs a file descriptor per client: check
 * `ulimit -n` (the server child inherits this process's limit).
 */
import { Agent, request as httpRequest } from "node:http";
import { connect as netConnect, type Socket } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { WebSocket } from "ws";
import { readProcMem, RssSampler, runSatchelCli, startSatchel, type ServerProcess } from "./lib/procs.ts";

/** Options of `runRealtimeBench`. */
export interface RealtimeBenchOptions {
  /** SSE clients (default 10,000; quick mode 1,000). */
  clients?: number;
  /** WebSocket client counts to try, one server run each (default: the SSE count). */
  wsClients?: number[];
  /** Writes measured per run (default 20; quick mode 10). */
  writes?: number;
  /**
   * Writes sent to the connected clients before the measured ones (default 2): the first event
   * on each connection pays one-off costs (JIT, socket buffers); reported as `firstEventMs`.
   */
  warmupWrites?: number;
  /** Smaller defaults (1,000 clients, 10 writes, 3 s of RSS settling). */
  quick?: boolean;
  /**
   * Seconds without a new RSS low after which the server's memory counts as settled (default
   * 15; quick mode 3). V8 gives the garbage of the connection burst back only after a while.
   */
  rssQuietSeconds?: number;
  /** Transports to run (default both). */
  transports?: ("sse" | "ws")[];
  /** Connections being opened at once (default 200). */
  connectConcurrency?: number;
  /** Give up on one write's event after this many ms (default 15,000). */
  eventTimeoutMs?: number;
  /** Progress lines (stderr by default). */
  log?: (line: string) => void;
}

/** The figures of one run (one transport, one client count). */
export interface RealtimeRunResult {
  transport: "sse" | "ws";
  /** Clients asked for. */
  clients: number;
  /** Clients connected and subscribed. */
  connected: number;
  /** Seconds to connect and subscribe them all. */
  connectSeconds: number;
  /** Server RSS before any client (settled, as `rssClientsMB`), MB. */
  rssRestMB: number;
  /** Server RSS right after the clients connected, MB (includes the garbage of connecting). */
  rssConnectedMB: number;
  /** Server RSS with the clients connected and idle, once V8 has shrunk its heap, MB. */
  rssClientsMB: number;
  /** (rssClients − rssRest) / connected, KB per client (noisy for small counts). */
  perClientKB: number;
  /** (rssConnected − rssRest) / connected, KB per client, garbage of connecting included. */
  perClientConnectedKB: number;
  /** Peak server RSS during the writes, MB. */
  rssPeakMB: number;
  /** Writes measured. */
  writes: number;
  /** The last-client time of each warm-up write (the first events on fresh connections), ms. */
  firstEventMs: number[];
  /** Per write, ms from sending the create request until the last client had the event. */
  lastClientMs: number[];
  /** Over the writes: p50 / p99 / max of `lastClientMs`. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Over the writes: p50 / max of the create request's own response time, ms. */
  writeP50Ms: number;
  writeMaxMs: number;
  /** Over every (write, client): the median delivery time, ms. */
  medianClientMs: number;
  /** Events that never arrived within the timeout (summed over the writes). */
  missed: number;
  /** Problems (connect failures, timeouts). */
  notes: string[];
}

/** Every run of a bench. */
export interface RealtimeBenchResult {
  startedAt: string;
  node: string;
  runs: RealtimeRunResult[];
}

const MB = 1024 * 1024;
const COLLECTION = "rt_posts";
const SUPERUSER_EMAIL = "bench@example.com";
const SUPERUSER_PASSWORD = "1234567890";

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** A light HTTP client for the few API calls of the bench (keep-alive, a bounded pool). */
class Api {
  readonly #url: URL;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 32 });
  token = "";

  constructor(url: string) {
    this.#url = new URL(url);
  }

  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = httpRequest(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          method,
          path,
          agent: this.#agent,
          headers: {
            ...(data ? { "content-type": "application/json", "content-length": data.length } : {}),
            ...(this.token ? { authorization: this.token } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: unknown;
            try {
              json = text ? JSON.parse(text) : undefined;
            } catch {
              json = text;
            }
            resolve({ status: res.statusCode ?? 0, json });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** One bench client: the transport-independent part. */
interface BenchClient {
  /** The marker this client waits for, and when it saw it. */
  marker: Buffer | null;
  seenAt: number;
  close(): void;
}

/** Opens an SSE stream over a raw socket and subscribes it; resolves once subscribed. */
async function openSseClient(url: URL, api: Api): Promise<BenchClient> {
  const socket: Socket = netConnect(Number(url.port), url.hostname);
  socket.setNoDelay(true);
  const client: BenchClient = { marker: null, seenAt: 0, close: () => socket.destroy() };
  const clientId = await new Promise<string>((resolve, reject) => {
    let head = "";
    const onData = (chunk: Buffer): void => {
      head += chunk.toString("latin1");
      const m = /id:([A-Za-z0-9]{40})\n/.exec(head);
      if (!m) return;
      socket.off("data", onData);
      socket.off("error", reject);
      // From here on, only look for the marker of the write being measured.
      socket.on("data", (c: Buffer) => {
        if (client.marker && client.seenAt === 0 && c.includes(client.marker))
          client.seenAt = performance.now();
      });
      socket.on("error", () => {});
      resolve(m[1]!);
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.once("close", () => reject(new Error("closed before PB_CONNECT")));
    socket.write(`GET /api/realtime HTTP/1.1\r\nHost: ${url.host}\r\nAccept: text/event-stream\r\n\r\n`);
  });
  const res = await api.call("POST", "/api/realtime", { clientId, subscriptions: [`${COLLECTION}/*`] });
  if (res.status !== 204) {
    socket.destroy();
    throw new Error(`subscribe answered ${res.status}`);
  }
  return client;
}

/** Opens a WebSocket client and subscribes it; resolves once PB_SUBSCRIBE arrived. */
async function openWsClient(url: URL): Promise<BenchClient> {
  const ws = new WebSocket(`ws://${url.host}/api/realtime/ws`, { perMessageDeflate: false });
  const client: BenchClient = { marker: null, seenAt: 0, close: () => ws.terminate() };
  await new Promise<void>((resolve, reject) => {
    const onMessage = (data: Buffer): void => {
      const text = data.toString("utf8");
      if (text.startsWith('{"event":"PB_CONNECT"')) {
        ws.send(JSON.stringify({ type: "subscribe", subscriptions: [`${COLLECTION}/*`] }));
      } else if (text.startsWith('{"event":"PB_SUBSCRIBE"')) {
        ws.off("message", onMessage);
        ws.on("message", (c: Buffer) => {
          if (client.marker && client.seenAt === 0 && c.includes(client.marker))
            client.seenAt = performance.now();
        });
        resolve();
      } else if (text.startsWith('{"event":"PB_ERROR"')) {
        reject(new Error(text));
      }
    };
    ws.on("message", onMessage);
    ws.once("error", reject);
    ws.once("close", () => reject(new Error("closed before PB_SUBSCRIBE")));
  });
  ws.on("error", () => {});
  return client;
}

/** Opens `count` clients, `concurrency` at a time; failures are counted, not fatal. */
async function openClients(
  count: number,
  concurrency: number,
  open: () => Promise<BenchClient>,
  log: (line: string) => void,
): Promise<{ clients: BenchClient[]; failures: string[] }> {
  const clients: BenchClient[] = [];
  const failures: string[] = [];
  let next = 0;
  let lastLog = Date.now();
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      try {
        clients.push(await open());
      } catch (err) {
        failures.push(err instanceof Error ? err.message : String(err));
        if (failures.length > Math.max(50, count / 10))
          throw new Error(`too many connect failures: ${failures[0]}`);
      }
      if (Date.now() - lastLog > 2000) {
        lastLog = Date.now();
        log(`  ${clients.length} / ${count} connected`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { clients, failures };
}

/**
 * The RSS of a process once it stops shrinking: V8 gives the garbage of a burst (here, the
 * thousands of connect and subscribe requests) back only after a while idle. Samples every
 * second until no new low for `quietSeconds`, at most `maxSeconds`.
 */
async function settledRss(pid: number, quietSeconds: number, maxSeconds = 60): Promise<number> {
  let low = readProcMem(pid)?.rss ?? 0;
  let quiet = 0;
  for (let i = 0; i < maxSeconds && quiet < quietSeconds; i++) {
    await sleep(1000);
    const rss = readProcMem(pid)?.rss ?? low;
    if (rss < low - MB / 2) {
      low = rss;
      quiet = 0;
    } else quiet++;
  }
  return low;
}

/** Waits until every client saw the current marker, or the timeout. */
async function waitAllSeen(clients: BenchClient[], timeoutMs: number): Promise<void> {
  const end = performance.now() + timeoutMs;
  let from = 0;
  while (performance.now() < end) {
    while (from < clients.length && clients[from]!.seenAt !== 0) from++;
    if (from === clients.length) return;
    await sleep(1);
  }
}

async function startServer(
  log: (line: string) => void,
): Promise<{ server: ServerProcess; api: Api; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), "satchel-rt-bench-"));
  let server: ServerProcess | undefined;
  let api: Api | undefined;
  try {
    const cli = await runSatchelCli([
      "superuser",
      "upsert",
      SUPERUSER_EMAIL,
      SUPERUSER_PASSWORD,
      "--dir",
      dir,
    ]);
    if (cli.code !== 0) throw new Error(`satchel superuser upsert failed:\n${cli.output}`);
    server = await startSatchel(dir);
    log(`  satchel pid ${server.pid} on ${server.url}`);
    api = new Api(server.url);
    const auth = await api.call("POST", "/api/collections/_superusers/auth-with-password", {
      identity: SUPERUSER_EMAIL,
      password: SUPERUSER_PASSWORD,
    });
    const token = (auth.json as { token?: string } | undefined)?.token;
    if (auth.status !== 200 || !token) throw new Error(`superuser auth failed: ${auth.status}`);
    api.token = token;
    const created = await api.call("POST", "/api/collections", {
      name: COLLECTION,
      type: "base",
      listRule: "",
      viewRule: "",
      fields: [
        { name: "title", type: "text" },
        { name: "body", type: "text" },
        { name: "created", type: "autodate", onCreate: true },
        { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
      ],
    });
    if (created.status !== 200) {
      throw new Error(`collection create failed: ${created.status} ${JSON.stringify(created.json)}`);
    }
    return { server, api, dir };
  } catch (err) {
    api?.close();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

async function runOnce(
  transport: "sse" | "ws",
  count: number,
  options: Required<
    Pick<
      RealtimeBenchOptions,
      "writes" | "warmupWrites" | "connectConcurrency" | "eventTimeoutMs" | "rssQuietSeconds"
    >
  >,
  log: (line: string) => void,
): Promise<RealtimeRunResult> {
  log(`realtime bench: ${transport}, ${count} clients`);
  const { server, api, dir } = await startServer(log);
  const url = new URL(server.url);
  const notes: string[] = [];
  let clients: BenchClient[] = [];
  try {
    // A short warm-up write (JIT, statement cache), then memory at rest.
    await api.call("POST", `/api/collections/${COLLECTION}/records`, { title: "warm-up" });
    const rest = await settledRss(server.pid, options.rssQuietSeconds);

    const connectStart = performance.now();
    const opened = await openClients(
      count,
      options.connectConcurrency,
      transport === "sse" ? () => openSseClient(url, api) : () => openWsClient(url),
      log,
    );
    clients = opened.clients;
    const connectSeconds = (performance.now() - connectStart) / 1000;
    if (opened.failures.length > 0) {
      notes.push(`${opened.failures.length} connections failed (first: ${opened.failures[0]})`);
    }
    log(`  ${clients.length} connected in ${round(connectSeconds)} s`);
    await sleep(1000);
    const connected = readProcMem(server.pid)?.rss ?? 0;
    const withClients = await settledRss(server.pid, options.rssQuietSeconds);

    const sampler = new RssSampler(server.pid, 50);
    const lastClientMs: number[] = [];
    const allClientMs: number[] = [];
    const writeMs: number[] = [];
    let missed = 0;
    const body = "lorem ipsum dolor sit amet ".repeat(8);
    const firstEventMs: number[] = [];
    for (let w = -options.warmupWrites; w < options.writes; w++) {
      const marker = Buffer.from(`"title":"rt-${w}-${Date.now()}"`);
      for (const c of clients) {
        c.marker = marker;
        c.seenAt = 0;
      }
      const title = marker.toString().slice('"title":"'.length, -1);
      const t0 = performance.now();
      const res = await api.call("POST", `/api/collections/${COLLECTION}/records`, { title, body });
      const writeTime = performance.now() - t0;
      if (res.status !== 200) throw new Error(`create failed: ${res.status}`);
      await waitAllSeen(clients, options.eventTimeoutMs);
      if (w < 0) {
        const last = Math.max(0, ...clients.map((c) => (c.seenAt === 0 ? 0 : c.seenAt - t0)));
        firstEventMs.push(round(last, 2));
        await sleep(100);
        continue;
      }
      writeMs.push(writeTime);
      let last = 0;
      for (const c of clients) {
        if (c.seenAt === 0) {
          missed++;
          continue;
        }
        const ms = c.seenAt - t0;
        allClientMs.push(ms);
        if (ms > last) last = ms;
      }
      lastClientMs.push(round(last, 2));
      // Let the sockets drain before the next write.
      await sleep(100);
    }
    const peak = sampler.stop();
    if (missed > 0) notes.push(`${missed} events not received within ${options.eventTimeoutMs} ms`);
    const sorted = [...lastClientMs].sort((a, b) => a - b);
    allClientMs.sort((a, b) => a - b);
    const result: RealtimeRunResult = {
      transport,
      clients: count,
      connected: clients.length,
      connectSeconds: round(connectSeconds),
      rssRestMB: round(rest / MB),
      rssConnectedMB: round(connected / MB),
      rssClientsMB: round(withClients / MB),
      perClientKB: clients.length > 0 ? round((withClients - rest) / 1024 / clients.length, 2) : 0,
      perClientConnectedKB: clients.length > 0 ? round((connected - rest) / 1024 / clients.length, 2) : 0,
      rssPeakMB: round(Math.max(peak, connected) / MB),
      writes: options.writes,
      firstEventMs,
      lastClientMs,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      maxMs: sorted[sorted.length - 1] ?? 0,
      medianClientMs: round(percentile(allClientMs, 50), 2),
      writeP50Ms: round(
        percentile(
          [...writeMs].sort((a, b) => a - b),
          50,
        ),
        2,
      ),
      writeMaxMs: round(Math.max(0, ...writeMs), 2),
      missed,
      notes,
    };
    log(
      `  RSS ${result.rssRestMB} MB at rest, ${result.rssConnectedMB} MB after connecting ${result.connected} clients, ` +
        `${result.rssClientsMB} MB settled ` +
        `(${result.perClientKB} KB each), peak ${result.rssPeakMB} MB; last client: p50 ${result.p50Ms} ms, ` +
        `p99 ${result.p99Ms} ms, max ${result.maxMs} ms; median client ${result.medianClientMs} ms; ` +
        `first events ${result.firstEventMs.join(", ")} ms; ` +
        `write request p50 ${result.writeP50Ms} ms, max ${result.writeMaxMs} ms`,
    );
    return result;
  } finally {
    for (const c of clients) c.close();
    api.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs the realtime benchmark: SSE at `clients`, then WebSocket at each of `wsClients`. */
export async function runRealtimeBench(options: RealtimeBenchOptions = {}): Promise<RealtimeBenchResult> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + "\n"));
  const quick = options.quick ?? false;
  const clients = options.clients ?? (quick ? 1_000 : 10_000);
  const settings = {
    writes: options.writes ?? (quick ? 10 : 20),
    warmupWrites: options.warmupWrites ?? 2,
    rssQuietSeconds: options.rssQuietSeconds ?? (quick ? 3 : 15),
    connectConcurrency: options.connectConcurrency ?? 200,
    eventTimeoutMs: options.eventTimeoutMs ?? 15_000,
  };
  const transports = options.transports ?? ["sse", "ws"];
  const result: RealtimeBenchResult = {
    startedAt: new Date().toISOString(),
    node: process.version,
    runs: [],
  };
  if (transports.includes("sse")) result.runs.push(await runOnce("sse", clients, settings, log));
  if (transports.includes("ws")) {
    for (const n of options.wsClients ?? [clients]) result.runs.push(await runOnce("ws", n, settings, log));
  }
  return result;
}

/** The runs as a Markdown table. */
export function realtimeBenchTable(result: RealtimeBenchResult): string {
  const rows = [
    "| transport | clients | RSS at rest | RSS after connect | RSS settled | per client | peak RSS | last client p50 | p99 | max | median client | first event | write request p50 | missed |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of result.runs) {
    rows.push(
      `| ${r.transport} | ${r.connected}/${r.clients} | ${r.rssRestMB} MB | ${r.rssConnectedMB} MB | ${r.rssClientsMB} MB | ${r.perClientKB} KB | ` +
        `${r.rssPeakMB} MB | ${r.p50Ms} ms | ${r.p99Ms} ms | ${r.maxMs} ms | ${r.medianClientMs} ms | ${r.firstEventMs[0] ?? "-"} ms | ${r.writeP50Ms} ms | ${r.missed} |`,
    );
  }
  return rows.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: {
      clients: { type: "string" },
      "ws-clients": { type: "string" },
      writes: { type: "string" },
      quick: { type: "boolean" },
      transports: { type: "string" },
      json: { type: "boolean" },
    },
  });
  const result = await runRealtimeBench({
    clients: values.clients ? Number(values.clients) : undefined,
    wsClients: values["ws-clients"] ? values["ws-clients"].split(",").map(Number) : undefined,
    writes: values.writes ? Number(values.writes) : undefined,
    quick: values.quick,
    transports: values.transports ? (values.transports.split(",") as ("sse" | "ws")[]) : undefined,
  });
  process.stdout.write((values.json ? JSON.stringify(result, null, 2) : realtimeBenchTable(result)) + "\n");
}
