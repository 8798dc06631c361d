/**
 * A thread of the read pool (read-pool.ts): runs the reads that may be slow on its own
 * read-only connections (one per database file, opened on first use; WAL lets them read beside
 * the main thread's connections), so a long query occupies this thread, never the event loop.
 * One job at a time; the pool stops a job that outlives the query timeout by terminating the
 * thread.
 */
import { parentPort } from "node:worker_threads";
import { DatabaseSync } from "node:sqlite";
import { Connection, type Row, type SqlValue } from "./database.ts";
import { readConsoleStatement, type SqlResult } from "./sql-console.ts";

/** A job as posted by the pool. */
export type ReadJobMessage =
  | {
      readonly id: number;
      readonly op: "all" | "get";
      readonly path: string;
      readonly sql: string;
      readonly params: readonly SqlValue[];
    }
  | {
      readonly id: number;
      readonly op: "console";
      readonly path: string;
      readonly sql: string;
      readonly maxRows: number;
    }
  /** Close the connection to `path` (its database is being closed). */
  | { readonly id: 0; readonly op: "forget"; readonly path: string };

/** A failed job's error, rebuilt on the main thread with the same name, message and SQLite codes. */
export interface ReadJobError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly errcode?: number;
  readonly errstr?: string;
}

/** The answer to one job; `ms` is how long the statement ran (for `--dev`'s trace). */
export type ReadResultMessage =
  | { readonly id: number; readonly ms: number; readonly rows: Row[] }
  | { readonly id: number; readonly ms: number; readonly row: Row | undefined }
  | { readonly id: number; readonly ms: number; readonly console: Omit<SqlResult, "execTime"> }
  | { readonly id: number; readonly ms: number; readonly error: ReadJobError };

const connections = new Map<string, Connection>();

function connection(path: string): Connection {
  let conn = connections.get(path);
  if (conn === undefined) {
    conn = new Connection(path, true);
    connections.set(path, conn);
  }
  return conn;
}

function run(job: Exclude<ReadJobMessage, { op: "forget" }>): ReadResultMessage {
  const started = performance.now();
  const ms = () => performance.now() - started;
  try {
    switch (job.op) {
      case "all": {
        const rows = connection(job.path).all(job.sql, job.params);
        return { id: job.id, ms: ms(), rows };
      }
      case "get": {
        const row = connection(job.path).get(job.sql, job.params);
        return { id: job.id, ms: ms(), row };
      }
      case "console": {
        // A console statement gets a connection of its own, as it always had: whatever it
        // changes on its connection (a PRAGMA, an ATTACH) is gone with it.
        const db = new DatabaseSync(job.path, { readOnly: true, timeout: 10_000 });
        try {
          return { id: job.id, ms: ms(), console: readConsoleStatement(db, job.sql, job.maxRows) };
        } finally {
          db.close();
        }
      }
    }
  } catch (err) {
    const e = err as Error & ReadJobError;
    const error: ReadJobError = {
      name: e instanceof Error ? e.name : "Error",
      message: e instanceof Error ? e.message : String(err),
      ...(typeof e.code === "string" ? { code: e.code } : {}),
      ...(typeof e.errcode === "number" ? { errcode: e.errcode } : {}),
      ...(typeof e.errstr === "string" ? { errstr: e.errstr } : {}),
    };
    return { id: job.id, ms: ms(), error };
  }
}

parentPort?.on("message", (job: ReadJobMessage) => {
  if (job.op === "forget") {
    connections.get(job.path)?.db.close();
    connections.delete(job.path);
    return;
  }
  parentPort?.postMessage(run(job));
});
