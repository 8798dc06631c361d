/**
 * The thread behind log-thread.ts: its own connection to `auxiliary.db`, one batch INSERT per
 * message. SQLite's own locking (WAL, busy timeout) orders these writes with the app's.
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { parentPort } from "node:worker_threads";
import { INSERT_LOGS_SQL } from "./log-insert.ts";

/** A message from the main thread: write `json` (a JSON array of entries) into `path`, or close. */
export type LogThreadRequest = { id: number; path: string; json: string } | { id: number; close: true };

/** The answer to one request. */
export interface LogThreadReply {
  id: number;
  error?: string;
}

let open: { path: string; db: DatabaseSync; insert: StatementSync } | null = null;

function connection(path: string): StatementSync {
  if (open?.path === path) return open.insert;
  open?.db.close();
  open = null;
  const db = new DatabaseSync(path, { timeout: 10_000 });
  db.exec("PRAGMA synchronous = NORMAL");
  open = { path, db, insert: db.prepare(INSERT_LOGS_SQL) };
  return open.insert;
}

parentPort?.on("message", (msg: LogThreadRequest) => {
  const reply: LogThreadReply = { id: msg.id };
  try {
    if ("close" in msg) {
      open?.db.close();
      open = null;
    } else {
      connection(msg.path).run(msg.json);
    }
  } catch (err) {
    reply.error = err instanceof Error ? err.message : String(err);
  }
  parentPort?.postMessage(reply);
});
