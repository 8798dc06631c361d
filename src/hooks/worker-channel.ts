/**
 * The worker end of the bridge: a synchronous call is a message to the main thread followed by
 * `Atomics.wait` until the answer arrives. While it waits, the worker also serves the handler
 * runs the main thread sends it (hooks fired by this script's own `$app.save`, or the body of a
 * `runInTransaction`), so a busy pool never deadlocks on itself.
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import type { FromWorker, ToWorker } from "./protocol.ts";
import type { ErrorWire, SyncBridge } from "./wire.ts";
import { park } from "./wake-flag.ts";
import { pack, unpack } from "./message-pack.ts";

/** Runs one `run` message and posts its `done`. */
export type RunServer = (message: Extract<ToWorker, { t: "run" }>) => void;

/** An error rebuilt from the main thread's answer; its status and data survive a rethrow. */
export class BridgeError extends Error {
  readonly status: number;
  readonly kind: ErrorWire["kind"];
  readonly data: { [key: string]: unknown };
  /** The main thread's stack (and origin marker) of the error. */
  readonly origin: string;
  constructor(wire: ErrorWire) {
    super(wire.message);
    this.name = wire.kind === "validation" ? "ValidationErrors" : "GoError";
    this.status = wire.status;
    this.kind = wire.kind;
    this.data = wire.data;
    this.origin = wire.stack ?? "";
  }
  /** PocketBase's GoError text. */
  override toString(): string {
    return `GoError: ${this.message}`;
  }
}

/** The synchronous call channel of one worker. */
export class WorkerChannel implements SyncBridge {
  readonly #port: MessagePort;
  readonly #flag: Int32Array;
  #nextId = 0;
  /** Builds errors for failed calls (the script-facing error classes, once installed). */
  rebuildError: (wire: ErrorWire) => unknown = (wire) => new BridgeError(wire);
  serveRun: RunServer = () => {
    throw new Error("no run server installed");
  };

  constructor(port: MessagePort, flag: SharedArrayBuffer) {
    this.#port = port;
    this.#flag = new Int32Array(flag);
  }

  /** Posts a message to the main thread. */
  post(message: FromWorker): void {
    this.#port.postMessage(pack(message));
  }

  call(op: string, args: unknown[]): unknown {
    const id = ++this.#nextId;
    this.post({ t: "call", id, op, args });
    for (;;) {
      // The answer may have come while a run served below was waiting on its own call: the
      // main thread can answer an outer call before a run it started meanwhile has finished
      // (work it detached from the call, e.g. hooks after a commit).
      const early = this.#early.get(id);
      if (early) {
        this.#early.delete(id);
        return this.#settle(early);
      }
      const got = receiveMessageOnPort(this.#port);
      if (got) {
        const m = unpack<ToWorker>(got.message);
        if (m.t === "reply") {
          if (m.id !== id) {
            this.#early.set(m.id, m);
            continue;
          }
          return this.#settle(m);
        }
        if (m.t === "run") this.serveRun(m);
        continue;
      }
      park(this.#flag);
    }
  }

  /**
   * After a run, waits up to `ms` on the wake-up flag for the next run instead of returning to
   * the event loop. A message through the event loop costs the worker an epoll wake-up and
   * Node's message dispatch; a futex wake-up and `receiveMessageOnPort` cost about half (a
   * round trip main → worker → main: ≈ 40–50 µs of CPU → ≈ 25 µs, measured with one message in
   * flight). The wait sleeps in the kernel (no spinning): an idle worker costs one wake-up
   * when it times out, then sleeps in its event loop as before. Timers, I/O callbacks and console
   * flushing of scripts wait meanwhile, so a steady stream of runs still yields to the event
   * loop every `ms`.
   */
  linger(serve: (message: ToWorker) => void, ms: number): void {
    // one waiting loop at a time: a message the event loop delivers during a yield is served by it
    if (this.#lingerResumes) return;
    const yieldAt = Date.now() + ms;
    for (;;) {
      for (let got = receiveMessageOnPort(this.#port); got; got = receiveMessageOnPort(this.#port))
        serve(unpack<ToWorker>(got.message));
      if (Date.now() >= yieldAt) {
        // back to the event loop for one turn, then keep waiting (runs are still coming)
        this.#lingerResumes = true;
        setImmediate(() => {
          this.#lingerResumes = false;
          this.linger(serve, ms);
        });
        return;
      }
      if (!park(this.#flag, ms)) return;
    }
  }

  /** A yielded `linger` resumes after this event loop turn. */
  #lingerResumes = false;

  /** Answers of outer calls that arrived while an inner one was waiting. */
  readonly #early = new Map<number, Extract<ToWorker, { t: "reply" }>>();

  #settle(m: Extract<ToWorker, { t: "reply" }>): unknown {
    if (m.ok) return m.value;
    throw this.rebuildError(m.error);
  }
}

/** Blocks this thread only, for `ms` milliseconds. */
export function sleepSync(ms: number): void {
  if (!(ms > 0)) return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
