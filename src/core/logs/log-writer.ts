/**
 * The batched writer of `auxiliary.db` `_logs`: entries wait in memory and are written together,
 * off the request path, in one INSERT (one implicit transaction) when 200 are waiting or 3 s
 * after the first one, as PocketBase's batch handler does. A failed write is reported to stderr
 * and dropped: logging must never break what is being logged.
 */
import type { DbExecutor } from "../db/database.ts";

/** One `_logs` row (its id comes from the column's default, `'r' || 15 hex digits`). */
export interface LogEntry {
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
}

// One statement whatever the batch size: the rows travel as one JSON array parameter, so the
// statement is prepared once and cached.
const INSERT_SQL =
  "INSERT INTO `_logs` (`level`, `message`, `data`, `created`) " +
  "SELECT value->>'level', value->>'message', value->'data', value->>'created' FROM json_each(?)";

/** Queues log entries and writes them in batches. */
export class LogWriter {
  readonly #db: () => DbExecutor | null;
  readonly #batchSize: number;
  readonly #flushDelayMs: number;
  #queue: LogEntry[] = [];
  #timer: ReturnType<typeof setTimeout> | null = null;
  #writing: Promise<void> = Promise.resolve();

  /** `db` gives the auxiliary database, or null when it is closed (entries are then dropped). */
  constructor(db: () => DbExecutor | null, options: LogWriterOptions = {}) {
    this.#db = db;
    this.#batchSize = options.batchSize ?? 200;
    this.#flushDelayMs = options.flushDelayMs ?? 3000;
  }

  /** Queues an entry; never blocks and never throws. */
  push(entry: LogEntry): void {
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
        await db.run(INSERT_SQL, [JSON.stringify(batch)]);
      } catch (err) {
        console.error(`Failed to write ${batch.length} log entries:`, err);
      }
    });
    return this.#writing;
  }

  /** Drops everything queued (settings turned logging off). */
  clear(): void {
    this.#queue = [];
  }
}
