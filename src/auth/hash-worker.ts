/**
 * A thread of the password hashing pool (hash-pool.ts): runs bcrypt synchronously, one job at a
 * time, so hashing occupies this thread and never libuv's pool that file I/O needs.
 */
import { parentPort } from "node:worker_threads";
import bcrypt from "bcrypt";

/** A job as posted by the pool. */
export interface HashJobMessage {
  readonly id: number;
  readonly op: "hash" | "compare";
  readonly plain: string;
  /** The cost for `hash`, the stored hash for `compare`. */
  readonly arg: string | number;
}

/** The answer to one job. */
export type HashResultMessage =
  | { readonly id: number; readonly result: string | boolean }
  | { readonly id: number; readonly error: string };

parentPort?.on("message", (job: HashJobMessage) => {
  let answer: HashResultMessage;
  try {
    const result =
      job.op === "hash"
        ? bcrypt.hashSync(job.plain, Number(job.arg))
        : bcrypt.compareSync(job.plain, String(job.arg));
    answer = { id: job.id, result };
  } catch (err) {
    answer = { id: job.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort?.postMessage(answer);
});
