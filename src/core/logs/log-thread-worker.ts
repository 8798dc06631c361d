/**
 * The thread behind log-thread.ts: its own connection to `auxiliary.db`, one batch INSERT per
 * message. SQLite's own locking (WAL, busy timeout) orders these writes with the app's.
 */
import { DatabaseSync, type StatementSync } from "node:sqlite";
import { parentPort } from "node:worker_threads";
import { INSERT_LOGS_SQL, insertLogRowsParams, insertLogRowsSql } from "./log-insert.ts";
import type { LogEntry } from "./log-writer.ts";

/** A message from the main thread: write `json` (a JSON array of entries) into `path`, or close. */
export type LogThreadRequest = { id: number; path: string; json: string } | { id: number; close: true };

/** The answer to one request. */
export interface LogThreadReply {
  id: number;
  error?: string;
}

let open: {
  path: string;
  db: DatabaseSync;
  insert: StatementSync;
  multi: Map<number, StatementSync>;
} | null = null;

/**
 * Stores a batch: a multi-row INSERT with bound values for the sizes the writer sends (its full
 * batch), prepared once each; SQLite's JSON functions read the rest (log-insert.ts). The
 * multi-row form costs ~30 % less per row than `json_each` (text to JSONB and back per value).
 */
function store(path: string, json: string): void {
  const conn = connection(path);
  const entries = JSON.parse(json) as LogEntry[];
  let multi = conn.multi.get(entries.length);
  if (multi === undefined && conn.multi.size < 4) {
    const sql = insertLogRowsSql(entries.length);
    if (sql !== null) conn.multi.set(entries.length, (multi = conn.db.prepare(sql)));
  }
  if (multi !== undefined) multi.run(...insertLogRowsParams(entries));
  else conn.insert.run(json);
}

function connection(path: string): NonNullable<typeof open> {
  if (open?.path === path) return open;
  open?.db.close();
  open = null;
  const db = new DatabaseSync(path, { timeout: 10_000 });
  // A checkpoint every 4,000 WAL pages (16 MB) rather than SQLite's 1,000: the message index
  // dirties a page per row, and a page rewritten by several batches is then copied back once
  // (measured at 150k rows: 25 → 17 µs of CPU per row).
  db.exec("PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = 4000");
  open = { path, db, insert: db.prepare(INSERT_LOGS_SQL), multi: new Map() };
  return open;
}

parentPort?.on("message", (msg: LogThreadRequest) => {
  const reply: LogThreadReply = { id: msg.id };
  try {
    if ("close" in msg) {
      open?.db.close();
      open = null;
    } else {
      store(msg.path, msg.json);
    }
  } catch (err) {
    reply.error = err instanceof Error ? err.message : String(err);
  }
  parentPort?.postMessage(reply);
});
