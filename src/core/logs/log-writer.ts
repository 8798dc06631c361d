/**
 * The batched writer of `auxiliary.db` `_logs`: entries wait in memory and are written together,
 * off the request path, in one INSERT (one implicit transaction; log-insert.ts) when 200 are waiting or 3 s
 * after the first one, as PocketBase's batch handler does. Reads do not flush (PocketBase's do
 * not either: a list taken right after a request does not show that request yet); closing the
 * app writes what is waiting. A failed write is reported to stderr and dropped: logging
 * must never break what is being logged. */
import type { DbExecutor } from "../db/database.ts";
import { newLogId } from "./log-id.ts";
import { INSERT_LOGS_SQL, insertLogRowsParams, insertLogRowsSql } from "./log-insert.ts";
import { LogThread } from "./log-thread.ts";

/** One `_logs` row. */
export interface LogEntry {
  /** `r` + 14 hex digits, ascending (log-id.ts); given by `push` when absent. */
  id?: string;
  /** slog level: -4 debug, 0 info, 4 warn, 8 error. */
  level: number;
  message: string;
  data: { [key: string]: unknown };
  /** PocketBase's date layout, e.g. `2024-01-02 09:30:00.123Z`. */
  created: string;
}

/** Options of a writer. */
export interface LogWriterOptions {
  /** Entries that trigger an immediate write (default 200). */
  batchSize?: number;
  /** Longest wait of an entry before it is written, in ms (default 3000). */
  flushDelayMs?: number;
  /**
   * Write full batches (a busy server's) from a worker thread with its own connection
   * (log-thread.ts) rather than through `db` on the event loop; needs `db` to tell its file
   * (`path`). Smaller batches (the timer's, a quiet server's) stay on `db`: a few rows cost less
   * than a thread (~25 MB while it runs). Off by default.
   */
  thread?: boolean;
}

/** Queues log entries and writes them in batches. */
export class LogWriter {
  readonly #db: () => (DbExecutor & { readonly path?: string }) | null;
  readonly #thread: LogThread | null;
  readonly #batchSize: number;
  readonly #flushDelayMs: number;
  #queue: LogEntry[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #writing: Promise<void> = Promise.resolve();
  /** The multi-row INSERT of a full batch (log-insert.ts), or null when it cannot be one statement. */
  readonly #fullBatchSql: string | null;

  /** `db` gives the auxiliary database, or null when it is closed (entries are then dropped). */
  constructor(db: () => (DbExecutor & { readonly path?: string }) | null, options: LogWriterOptions = {}) {
    this.#db = db;
    this.#thread = options.thread ? new LogThread() : null;
    this.#batchSize = options.batchSize ?? 200;
    this.#flushDelayMs = options.flushDelayMs ?? 3000;
    this.#fullBatchSql = insertLogRowsSql(this.#batchSize);
  }

  /** Queues an entry; never blocks and never throws. */
  push(entry: LogEntry): void {
    entry.id ??= newLogId();
    this.#queue.push(entry);
    if (this.#queue.length >= this.#batchSize) {
      void this.flush();
    } else if (this.#timer === null) {
      this.#timer = setTimeout(() => void this.flush(), this.#flushDelayMs);
      this.#timer.unref();
    }
  }

  /** The number of entries waiting. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Writes everything queued so far; resolves when it (and any earlier write) is stored. */
  flush(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    const batch = this.#queue;
    this.#queue = [];
    this.#writing = this.#writing.then(async () => {
      if (batch.length === 0) return;
      const db = this.#db();
      if (!db) return;
      try {
        const full = batch.length === this.#batchSize;
        if (full && this.#thread && db.path) await this.#thread.write(db.path, JSON.stringify(batch));
        else if (full && this.#fullBatchSql !== null)
          await db.run(this.#fullBatchSql, insertLogRowsParams(batch));
        else await db.run(INSERT_LOGS_SQL, [JSON.stringify(batch)]);
      } catch (err) {
        console.error(`Failed to write ${batch.length} log entries:`, err);
      }
    });
    return this.#writing;
  }

  /**
   * Writes what is queued, then stops the writing thread and its connection (before the database
   * closes or its file is swapped); a later write starts it again.
   */
  async close(): Promise<void> {
    await this.flush();
    await this.#thread?.close();
  }

  /** Drops everything queued (settings turned logging off). */
  clear(): void {
    this.#queue = [];
  }
}
