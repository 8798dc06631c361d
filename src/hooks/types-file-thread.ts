/**
 * Writes `<dataDir>/types.d.ts` (types-file.ts) from a short-lived worker thread: generating it
 * loads the whole script library and reads its sources, about 18 MB that would otherwise stay in
 * the server's heap for good, and start-up time the first request would wait for.
 */
import { Worker } from "node:worker_threads";
import { workerEntry } from "../tools/workers.ts";

/** Starts writing the types file; resolves when done. Failures go to `log`, never throw. */
export function writeTypesFileInThread(dataDir: string, log: (message: string) => void): Promise<void> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(workerEntry("hooks/types-worker.ts"), { workerData: { dataDir } });
    } catch (err) {
      log(`cannot write ${dataDir}/types.d.ts: ${err instanceof Error ? err.message : String(err)}`);
      resolve();
      return;
    }
    worker.on("message", (message: string) => log(message));
    worker.on("error", (err) => log(`cannot write ${dataDir}/types.d.ts: ${err.message}`));
    worker.once("exit", () => resolve());
  });
}
