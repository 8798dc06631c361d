/**
 * Load generation. `keepalive` drives autocannon's JS API (persistent connections, one request
 * in flight per connection); `newconn` opens a new TCP connection for every request, as
 * PocketBase's harness does (it builds a new Go http.Client per request). Both send exactly
 * `requests` requests (or stop at `maxSeconds`) with at most `concurrency` in flight, and
 * record every response time so percentiles are exact.
 */
import autocannon from "autocannon";
import { request as httpRequest } from "node:http";

/** One request to send. */
export interface RequestSpec {
  method: string;
  path: string;
  headers?: { [key: string]: string };
  body?: string;
}

/** A load run. */
export interface LoadOptions {
  url: string;
  requests: number;
  concurrency: number;
  mode: "keepalive" | "newconn";
  /** Stop after this long even if requests remain (the figures then cover what completed). */
  maxSeconds: number;
  /** The i-th request (i counts from 0; called once per request sent). */
  build: (i: number) => RequestSpec;
}

/** What a load run measured. */
export interface LoadStats {
  sent: number;
  completed: number;
  /** Responses by status code. */
  status: { [code: string]: number };
  ok: number;
  /** Connection errors and timeouts. */
  errors: number;
  /** The first few distinct error messages. */
  errorSamples: string[];
  seconds: number;
  /** Completed 2xx responses per second. */
  rps: number;
  latencyMs: {
    min: number;
    mean: number;
    p50: number;
    p75: number;
    p90: number;
    p95: number;
    p99: number;
    max: number;
  };
  bytesPerResponse: number;
  /** Whether the run hit `maxSeconds` before sending every request. */
  capped: boolean;
}

class Recorder {
  readonly latencies: number[] = [];
  readonly status: { [code: string]: number } = {};
  bytes = 0;
  ok = 0;
  errors = 0;
  readonly errorSamples = new Set<string>();

  error(err: unknown): void {
    this.errors++;
    if (this.errorSamples.size < 3) this.errorSamples.add(err instanceof Error ? err.message : String(err));
  }

  record(status: number, bytes: number, ms: number): void {
    this.latencies.push(ms);
    this.status[status] = (this.status[status] ?? 0) + 1;
    this.bytes += bytes;
    if (status >= 200 && status < 300) this.ok++;
  }

  stats(sent: number, seconds: number, capped: boolean): LoadStats {
    const sorted = Float64Array.from(this.latencies).sort();
    const n = sorted.length;
    const pct = (p: number): number => (n === 0 ? 0 : sorted[Math.min(n - 1, Math.ceil((p / 100) * n) - 1)]!);
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      sent,
      completed: n,
      status: this.status,
      ok: this.ok,
      errors: this.errors,
      errorSamples: [...this.errorSamples],
      seconds,
      rps: seconds > 0 ? this.ok / seconds : 0,
      latencyMs: {
        min: n ? sorted[0]! : 0,
        mean: n ? sum / n : 0,
        p50: pct(50),
        p75: pct(75),
        p90: pct(90),
        p95: pct(95),
        p99: pct(99),
        max: n ? sorted[n - 1]! : 0,
      },
      bytesPerResponse: n ? Math.round(this.bytes / n) : 0,
      capped,
    };
  }
}

function keepAlive(opts: LoadOptions): Promise<LoadStats> {
  const rec = new Recorder();
  let sent = 0;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    // autocannon ends a run on its 1 s sampling tick: time the run to its last response instead.
    let lastAt = started;
    let capped = false;
    const instance = autocannon(
      {
        url: opts.url,
        connections: Math.min(opts.concurrency, opts.requests),
        amount: opts.requests,
        timeout: opts.maxSeconds + 30,
        requests: [
          {
            setupRequest: (req) => {
              const spec = opts.build(sent++);
              return {
                ...req,
                method: spec.method,
                path: spec.path,
                headers: {
                  ...spec.headers,
                  ...(spec.body !== undefined ? { "content-type": "application/json" } : {}),
                },
                body: spec.body ?? "",
              };
            },
          },
        ],
      },
      (err) => {
        clearTimeout(timer);
        if (err) return reject(err);
        const seconds = (lastAt - started) / 1000;
        // autocannon builds one request ahead per connection; count what was answered.
        resolve(rec.stats(Math.min(sent, opts.requests), seconds, capped));
      },
    );
    instance.on("reqError", (err) => rec.error(err));
    instance.on("response", (_client, status, bytes, ms) => {
      lastAt = performance.now();
      rec.record(status, bytes, ms);
    });
    const timer = setTimeout(() => {
      capped = true;
      instance.stop();
    }, opts.maxSeconds * 1000);
  });
}

function oneRequest(base: URL, spec: RequestSpec, rec: Recorder): Promise<void> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const headers: { [key: string]: string | number } = { connection: "close", ...spec.headers };
    if (spec.body !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = Buffer.byteLength(spec.body);
    }
    const req = httpRequest(
      { host: base.hostname, port: base.port, method: spec.method, path: spec.path, headers, agent: false },
      (res) => {
        let bytes = 0;
        res.on("data", (c: Buffer) => (bytes += c.length));
        res.on("end", () => {
          rec.record(res.statusCode ?? 0, bytes, performance.now() - t0);
          resolve();
        });
        res.on("error", (err) => {
          rec.error(err);
          resolve();
        });
      },
    );
    req.on("error", (err) => {
      rec.error(err);
      resolve();
    });
    req.end(spec.body);
  });
}

async function newConnection(opts: LoadOptions): Promise<LoadStats> {
  const rec = new Recorder();
  const base = new URL(opts.url);
  const started = performance.now();
  const deadline = started + opts.maxSeconds * 1000;
  let next = 0;
  let capped = false;
  const worker = async (): Promise<void> => {
    while (next < opts.requests) {
      if (performance.now() > deadline) {
        capped = true;
        return;
      }
      await oneRequest(base, opts.build(next++), rec);
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, opts.requests) }, worker));
  return rec.stats(next, (performance.now() - started) / 1000, capped);
}

/** Runs a load and returns its measurements. */
export function runLoad(opts: LoadOptions): Promise<LoadStats> {
  return opts.mode === "keepalive" ? keepAlive(opts) : newConnection(opts);
}
