/**
 * Log batches written from a worker thread (log-thread-worker.ts) with its own connection to
 * `auxiliary.db`: the INSERT, its index updates and WAL writes cost about 10 % of a small
 * request's CPU when run on the event loop, and nothing there when run beside it. The thread
 * starts on the first write and is stopped by `close()` (before the app closes or swaps its
 * data folder); a later write starts it again.
 */
import { Worker } from "node:worker_threads";
import { workerEntry } from "../../tools/workers.ts";
import type { LogThreadReply, LogThreadRequest } from "./log-thread-worker.ts";

export class LogThread {
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #waiting = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  /** Stores a batch (`json`: a JSON array of entries) into the `_logs` of the database at `path`. */
  write(path: string, json: string): Promise<void> {
    return this.#send({ id: this.#nextId++, path, json });
  }

  /** Closes the thread's connection and stops it (a no-op when it is not running). */
  async close(): Promise<void> {
    const worker = this.#worker;
    if (!worker) return;
    try {
      await this.#send({ id: this.#nextId++, close: true });
    } finally {
      this.#worker = null;
      await worker.terminate();
    }
  }

  #send(msg: LogThreadRequest): Promise<void> {
    const worker = (this.#worker ??= this.#start());
    // Referenced while a write is in flight, so that a shutdown waits for it.
    if (this.#waiting.size === 0) worker.ref();
    return new Promise<void>((resolve, reject) => {
      this.#waiting.set(msg.id, { resolve, reject });
      worker.postMessage(msg);
    });
  }

  #start(): Worker {
    const worker = new Worker(workerEntry("core/logs/log-thread-worker.ts"));
    worker.on("message", (reply: LogThreadReply) => {
      const waiting = this.#waiting.get(reply.id);
      this.#waiting.delete(reply.id);
      // An idle log thread must not keep the process alive.
      if (this.#waiting.size === 0) worker.unref();
      if (reply.error !== undefined) waiting?.reject(new Error(reply.error));
      else waiting?.resolve();
    });
    const fail = (err: Error) => {
      if (this.#worker === worker) this.#worker = null;
      for (const waiting of this.#waiting.values()) waiting.reject(err);
      this.#waiting.clear();
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`the log thread exited (code ${code})`)));
    return worker;
  }
}
