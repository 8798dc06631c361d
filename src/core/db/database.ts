/**
 * Asynchronous data access over node:sqlite. node:sqlite is synchronous, but the API is async
 * on purpose (DESIGN §3): it keeps the door open to a PostgreSQL driver and worker-thread reads.
 *
 * One write connection, shared by the whole process and guarded by an async mutex (a
 * transaction holds it across awaits), plus a separate read connection: while a transaction is
 * open, other requests read the last committed state through it (WAL snapshot isolation)
 * instead of seeing uncommitted rows. Reads that may be slow (`heavyAll`/`heavyGet`) run on the
 * read pool's threads instead, bounded by the query timeout (read-pool.ts).
 *
 * The lock is held only for the statements of a write, or for the whole of an explicit
 * transaction. Code running inside a transaction must write through it (the txApp): a write
 * through the database itself would wait for a lock its own async path holds, forever. Such a
 * write fails at once with TransactionRequiredError instead (an AsyncLocalStorage knows which
 * async paths hold the lock); writes from other async paths (other requests) just wait.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { DatabaseSync, type SQLInputValue, type SQLOutputValue, type StatementSync } from "node:sqlite";
import { Mutex } from "../../tools/mutex.ts";
import { forgetDatabase, readPool } from "./read-pool.ts";
import { isGroupable, runWriteGroup, type GroupedWrite } from "./write-group.ts";

/** A bound SQL value. */
export type SqlValue = SQLInputValue;
/** A result row. */
export type Row = Record<string, SQLOutputValue>;
/** The outcome of a write statement. */
export interface RunResult {
  changes: number;
  lastInsertRowid: number;
}

/** Something that runs SQL: the database itself, or an open transaction. */
export interface DbExecutor {
  /** All rows of a query. */
  all(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** The first row of a query, or undefined. */
  get(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined>;
  /**
   * `all` for a read that may be slow (see read-pool.ts): off the main thread, stopped after the
   * query timeout with QueryTimeoutError. In a transaction it runs inline, on the transaction.
   */
  heavyAll(sql: string, params?: readonly SqlValue[]): Promise<Row[]>;
  /** `get` for a read that may be slow (see `heavyAll`). */
  heavyGet(sql: string, params?: readonly SqlValue[]): Promise<Row | undefined>;
  /**
   * Runs one write statement. `table`, when given, says the statement writes rows of that one
   * table and nothing else (no schema change): see `Database.writesTo`.
   */
  run(sql: string, params?: readonly SqlValue[], table?: string): Promise<RunResult>;
  /** Runs a script of statements without parameters (DDL). */
  exec(sql: string): Promise<void>;
  /** Whether this executor is an open transaction. */
  readonly inTransaction: boolean;
}

/** A write that would wait for the write lock its own async path holds (see the file comment). */
export class TransactionRequiredError extends Error {
  override name = "TransactionRequiredError";
  constructor(path: string) {
    super(
      `A transaction of this same call chain holds the write lock of ${path}: write through the transaction's app ` +
        "(the txApp passed to runInTransaction, or e.app in a hook handler), not the outer app ($app), " +
        "which would wait for that transaction to end.",
    );
  }
}

/** A write lock held by an async path: the transaction of `db` while `active`. */
interface LockHold {
  readonly db: Database;
  active: boolean;
  readonly parent: LockHold | undefined;
}

const lockHolds = new AsyncLocalStorage<LockHold>();

/** Options of `Database.open`. */
export interface DatabaseOptions {
  /** Open without write access (and without creating the file). */
  readOnly?: boolean;
  /** Called after each statement with its SQL, parameters and duration (`--dev` prints them). */
  trace?: QueryTrace;
  /**
   * How long a heavy read (`heavyAll`/`heavyGet`) may run, in ms (PocketBase's `--queryTimeout`).
   * Unset: heavy reads run on the main thread like any other, without a timeout.
   */
  queryTimeoutMs?: number;
}

/** Receives every executed statement (see `DatabaseOptions.trace`). */
export type QueryTrace = (sql: string, params: readonly SqlValue[], ms: number) => void;

/** The `--dev` trace: each statement with its duration on stderr, as PocketBase's dev mode. */
export const printQuery: QueryTrace = (sql, params, ms) => {
  const shown =
    params.length > 0
      ? ` ${JSON.stringify(params, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`
      : "";
  process.stderr.write(`[${ms.toFixed(2)}ms] ${sql}${shown}\n`);
};

const STATEMENT_CACHE_SIZE = 500;

/** A trigger or a foreign key anywhere in the schema: a write may then change other tables. */
const CONFINING_SCHEMA_SQL =
  "SELECT 1 FROM sqlite_schema WHERE type = 'trigger' UNION ALL " +
  "SELECT 1 FROM sqlite_schema s, pragma_foreign_key_list(s.name) f WHERE s.type = 'table' LIMIT 1";
const TEMP_TRIGGERS_SQL = "SELECT 1 FROM sqlite_temp_schema WHERE type = 'trigger' LIMIT 1";
/**
 * How late another process's new trigger or foreign key may be noticed, at most: as late as its
 * writes are seen by the row caches (record-auth-cache.ts checks `data_version` as often).
 */
const SCHEMA_RECHECK_MS = 250;

/**
 * Whether a statement only reads: a SELECT, or a WITH (the create-rule checks) without a
 * data-changing keyword anywhere (a literal containing one only sends the read to the reader).
 */
function isPlainRead(sql: string): boolean {
  if (SELECT_START.test(sql)) return true;
  if (!WITH_START.test(sql)) return false;
  // A WITH is scanned once per text (a create rule's is ~1.5 kB and runs on every create).
  let plain = plainWiths.get(sql);
  if (plain === undefined) {
    plain = !WRITE_KEYWORD.test(sql);
    if (plainWiths.size >= STATEMENT_CACHE_SIZE) plainWiths.clear();
    plainWiths.set(sql, plain);
  }
  return plain;
}
const plainWiths = new Map<string, boolean>();
const SELECT_START = /^\s*SELECT\b/i;
const WITH_START = /^\s*WITH\b/i;
const WRITE_KEYWORD = /\b(?:INSERT|UPDATE|DELETE|REPLACE)\b/i;

/** One node:sqlite connection with a bounded prepared-statement cache (read pool threads use it too). */
export class Connection {
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  readonly #trace: QueryTrace | undefined;

  constructor(path: string, readOnly: boolean, trace?: QueryTrace) {
    this.#trace = trace;
    this.db = new DatabaseSync(path, { readOnly, timeout: 10_000, enableForeignKeyConstraints: true });
    // PocketBase's pragmas (§7.1). WAL and journal_size_limit are per-database and need write access.
    if (!readOnly) this.db.exec("PRAGMA journal_mode = WAL; PRAGMA journal_size_limit = 200000000;");
    this.db.exec(
      "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32000;",
    );
  }

  statement(sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (stmt) {
      // Re-insert to keep the Map ordered by recent use (cheap LRU).
      this.#statements.delete(sql);
      this.#statements.set(sql, stmt);
      return stmt;
    }
    stmt = this.db.prepare(sql);
    this.#statements.set(sql, stmt);
    if (this.#statements.size > STATEMENT_CACHE_SIZE) {
      const oldest = this.#statements.keys().next().value;
      if (oldest !== undefined) this.#statements.delete(oldest);
    }
    return stmt;
  }

  /** Forgets cached statements (after schema changes they may be stale). */
  resetStatements(): void {
    this.#statements.clear();
  }

  all(sql: string, params: readonly SqlValue[]): Row[] {
    return this.#trace ? this.#traced(sql, params, () => this.#all(sql, params)) : this.#all(sql, params);
  }

  get(sql: string, params: readonly SqlValue[]): Row | undefined {
    return this.#trace ? this.#traced(sql, params, () => this.#get(sql, params)) : this.#get(sql, params);
  }

  run(sql: string, params: readonly SqlValue[]): RunResult {
    return this.#trace ? this.#traced(sql, params, () => this.#run(sql, params)) : this.#run(sql, params);
  }

  /** Runs a script of statements (no parameters). */
  exec(sql: string): void {
    if (this.#trace) this.#traced(sql, [], () => this.db.exec(sql));
    else this.db.exec(sql);
  }

  #traced<T>(sql: string, params: readonly SqlValue[], fn: () => T): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      this.#trace?.(sql, params, performance.now() - start);
    }
  }

  #all(sql: string, params: readonly SqlValue[]): Row[] {
    const stmt = this.statement(sql);
    try {
      return stmt.all(...params);
    } catch (err) {
      if (!isOutOfRange(err)) throw err;
      return withBigInts(stmt, () => stmt.all(...params)).map(unBigIntRow);
    }
  }

  #get(sql: string, params: readonly SqlValue[]): Row | undefined {
    const stmt = this.statement(sql);
    try {
      return stmt.get(...params);
    } catch (err) {
      if (!isOutOfRange(err)) throw err;
      const row = withBigInts(stmt, () => stmt.get(...params));
      return row && unBigIntRow(row);
    }
  }

  #run(sql: string, params: readonly SqlValue[]): RunResult {
    const result = this.statement(sql).run(...params);
    return { changes: Number(result.changes), lastInsertRowid: Number(result.lastInsertRowid) };
  }
}

/**
 * node:sqlite refuses to read an INTEGER beyond ±2^53 as a number. A NUMERIC column stores such
 * a number (say 2^53, accepted by a number field) as an INTEGER, so reading it back would fail;
 * PocketBase reads it as a float64. Reads (`all`/`get`: never used for writes) that hit one are
 * run again with BigInts, which are then turned into the nearest numbers. The retry costs
 * nothing on the usual path.
 */
function isOutOfRange(err: unknown): boolean {
  return err instanceof RangeError && (err as NodeJS.ErrnoException).code === "ERR_OUT_OF_RANGE";
}

function withBigInts<T>(stmt: StatementSync, read: () => T): T {
  stmt.setReadBigInts(true);
  try {
    return read();
  } finally {
    stmt.setReadBigInts(false);
  }
}

function unBigIntRow(row: Row): Row {
  for (const key in row) {
    const value = row[key];
    if (typeof value === "bigint") row[key] = Number(value);
  }
  return row;
}

/** The operations of an open transaction; reads and writes go to the write connection. */
class Transaction implements DbExecutor {
  readonly inTransaction = true;
  readonly #conn: Connection;
  readonly #afterCommit: (() => void | Promise<void>)[] = [];
  readonly #afterRollback: ((err: unknown) => void | Promise<void>)[] = [];
  #closed = false;

  constructor(conn: Connection) {
    this.#conn = conn;
  }

  #check(): void {
    if (this.#closed) throw new Error("The transaction is already closed.");
  }

  async all(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    this.#check();
    return this.#conn.all(sql, params);
  }

  async get(sql: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    this.#check();
    return this.#conn.get(sql, params);
  }

  async heavyAll(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.all(sql, params);
  }

  async heavyGet(sql: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    return this.get(sql, params);
  }

  /** `_table` is not needed here: the transaction counts as a write to any table when it ends. */
  async run(sql: string, params: readonly SqlValue[] = [], _table?: string): Promise<RunResult> {
    this.#check();
    return this.#conn.run(sql, params);
  }

  async exec(sql: string): Promise<void> {
    this.#check();
    this.#conn.db.exec(sql);
    this.#conn.resetStatements();
  }

  /** Registers a callback to run once the transaction has committed (never on rollback). */
  onCommit(fn: () => void | Promise<void>): void {
    this.#afterCommit.push(fn);
  }

  /** Registers a callback to run once the transaction has rolled back, with its error. */
  onRollback(fn: (err: unknown) => void | Promise<void>): void {
    this.#afterRollback.push(fn);
  }

  /** @internal */
  close(): (() => void | Promise<void>)[] {
    this.#closed = true;
    return this.#afterCommit;
  }

  /** @internal */
  rollbackCallbacks(): ((err: unknown) => void | Promise<void>)[] {
    return this.#afterRollback;
  }
}

export type { Transaction };

/** A SQLite database file with one writer and one reader connection. */
export class Database implements DbExecutor {
  readonly inTransaction = false;
  readonly path: string;
  readonly #writer: Connection | null;
  readonly #reader: Connection;
  readonly #writeLock = new Mutex();
  readonly #queryTimeoutMs: number | undefined;
  readonly #trace: QueryTrace | undefined;
  #closed = false;
  /** See `writes`. */
  #writes = 0;
  /** Writes that may have touched any table (see `writesTo`). */
  #anyTableWrites = 0;
  /** Writes confined to one table, by lower-cased table name (see `writesTo`). */
  readonly #tableWrites = new Map<string, number>();
  /**
   * Whether a statement's writes stay in the table it names (no trigger and no foreign key
   * anywhere in the schema), as known at the main/temp `schema_version`s `#confinedVersions`,
   * after `#confinedAfter` writes to any table, checked at `#confinedCheckedAt`.
   */
  #confined = false;
  #confinedVersions = "";
  #confinedAfter = -1;
  #confinedCheckedAt = 0;
  /** The writer's `schema_version` when the reader's statements were last known fresh. */
  #schemaVersion = -1;
  /** Row writes waiting for the end of this turn of the event loop (see `run`). */
  #group: GroupedWrite[] = [];

  private constructor(path: string, options: DatabaseOptions) {
    this.path = path;
    this.#queryTimeoutMs = options.queryTimeoutMs;
    this.#trace = options.trace;
    this.#writer = options.readOnly ? null : new Connection(path, false, options.trace);
    this.#reader = new Connection(path, true, options.trace);
  }

  /** Opens (creating when missing, unless read-only) a database file. */
  static open(path: string, options: DatabaseOptions = {}): Database {
    return new Database(path, options);
  }

  #writerOrThrow(): Connection {
    if (this.#closed) throw new Error("The database is closed.");
    if (!this.#writer) throw new Error("The database is read-only.");
    return this.#writer;
  }

  /**
   * The connection a read runs on. In WAL mode a connection drops its whole page cache when it
   * starts reading after another connection committed, so with every read on the reader, each
   * write made the next request's reads fetch their pages again (a create or delete reads the
   * token's record, the rule, the relations after the previous one's commit). While the writer
   * is idle (no lock held, no transaction open: reads are synchronous, nothing can start one
   * meanwhile) it serves plain SELECTs from its own cache, which its commits keep valid, and
   * sees the same committed data. Anything else (a write sent through `all`, a PRAGMA) stays
   * on the read-only reader, which refuses writes as before.
   */
  #readConnection(sql: string): Connection {
    const writer = this.#writer;
    if (writer === null || this.#writeLock.isLocked || writer.db.isTransaction) return this.#reader;
    return isPlainRead(sql) ? writer : this.#reader;
  }

  async all(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    return this.#readConnection(sql).all(sql, params);
  }

  async get(sql: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    return this.#readConnection(sql).get(sql, params);
  }

  /**
   * SQLite's `data_version` as the reader sees it: it changes whenever another connection (the
   * writer, another process) commits, so a value read before and after tells whether anything
   * committed in between (caches of rows use it, e.g. record-auth-cache.ts).
   */
  dataVersion(): number {
    return Number(this.#reader.statement("PRAGMA data_version").get()?.data_version ?? -1);
  }

  async heavyAll(sql: string, params: readonly SqlValue[] = []): Promise<Row[]> {
    if (this.#queryTimeoutMs === undefined) return this.#reader.all(sql, params);
    if (this.#closed) throw new Error("The database is closed.");
    return readPool().all(this.path, sql, params, this.#queryTimeoutMs, this.#trace);
  }

  async heavyGet(sql: string, params: readonly SqlValue[] = []): Promise<Row | undefined> {
    if (this.#queryTimeoutMs === undefined) return this.#reader.get(sql, params);
    if (this.#closed) throw new Error("The database is closed.");
    return readPool().get(this.path, sql, params, this.#queryTimeoutMs, this.#trace);
  }

  /** Refuses a write that would wait for a lock held by this same async path. */
  #refuseSelfWait(): void {
    for (let hold = lockHolds.getStore(); hold; hold = hold.parent) {
      if (hold.db === this && hold.active) throw new TransactionRequiredError(this.path);
    }
  }

  /**
   * Counts the writes through this object (statements, scripts, transactions once they end):
   * a value read before and after a read tells whether this process wrote in between, without
   * a query (record-auth-cache.ts). Other processes are seen through `dataVersion`.
   */
  get writes(): number {
    return this.#writes;
  }

  /**
   * Counts the writes through this object that may have changed rows of `table`: the statements
   * `run` with that table, plus every write that may have touched any table (scripts,
   * transactions, statements given without a table, and any statement while the schema has a
   * trigger or a foreign key, which can reach other tables). Like `writes`, but a cache of one
   * table's rows (record-auth-cache.ts: the auth records) outlives the creates and deletes of
   * other tables. Table names compare case-insensitively, as in SQLite.
   */
  writesTo(table: string): number {
    return this.#anyTableWrites + (this.#tableWrites.get(table.toLowerCase()) ?? 0);
  }

  /**
   * A row write (INSERT, UPDATE, DELETE) waits for the end of this turn of the event loop and
   * commits with the others that arrived meanwhile (write-group.ts); anything else runs at once.
   */
  async run(sql: string, params: readonly SqlValue[] = [], table?: string): Promise<RunResult> {
    const writer = this.#writerOrThrow();
    this.#refuseSelfWait();
    if (isGroupable(sql)) {
      return new Promise<RunResult>((resolve, reject) => {
        if (this.#group.push({ sql, params, table, resolve, reject }) === 1) setImmediate(this.#flushGroup);
      });
    }
    return this.#writeLock.runSync(() => {
      try {
        return writer.run(sql, params);
      } finally {
        this.#countWrite(writer, table);
      }
    });
  }

  /** Runs the writes grouped so far, holding the write lock (behind a transaction, if one holds it). */
  readonly #flushGroup = (): void => {
    const writes = this.#group;
    if (writes.length === 0) return;
    this.#group = [];
    const settle = (err: unknown) => {
      for (const write of writes) write.reject(err);
    };
    let writer: Connection;
    try {
      writer = this.#writerOrThrow();
    } catch (err) {
      return settle(err);
    }
    this.#writeLock
      .runSync(() => runWriteGroup(writer, writes, (table) => this.#countWrite(writer, table)))
      .catch(settle);
  };

  /** Counts a statement's write, on its table when it cannot have reached any other. */
  #countWrite(writer: Connection, table: string | undefined): void {
    this.#writes++;
    if (table === undefined || !this.#writesConfined(writer)) {
      this.#anyTableWrites++;
      return;
    }
    const key = table.toLowerCase();
    this.#tableWrites.set(key, (this.#tableWrites.get(key) ?? 0) + 1);
  }

  /**
   * Whether the schema has neither triggers nor foreign keys. Checked again after any write of
   * this process that may have changed the schema (every DDL is one), and at most every
   * `SCHEMA_RECHECK_MS` for other processes' schema changes; the check reads the main and temp
   * `schema_version`s and looks at the schema only when one moved. A PRAGMA per write instead
   * cost ~8 µs of a create's ~40 µs INSERT.
   */
  #writesConfined(writer: Connection): boolean {
    const now = performance.now();
    if (this.#anyTableWrites === this.#confinedAfter && now - this.#confinedCheckedAt < SCHEMA_RECHECK_MS) {
      return this.#confined;
    }
    try {
      const main = writer.statement("PRAGMA schema_version").get()?.schema_version;
      const temp = writer.statement("PRAGMA temp.schema_version").get()?.schema_version;
      const versions = `${String(main)}/${String(temp)}`;
      if (versions !== this.#confinedVersions) {
        this.#confined =
          writer.statement(CONFINING_SCHEMA_SQL).get() === undefined &&
          writer.statement(TEMP_TRIGGERS_SQL).get() === undefined;
        this.#confinedVersions = versions;
      }
      this.#confinedAfter = this.#anyTableWrites;
      this.#confinedCheckedAt = now;
      return this.#confined;
    } catch {
      this.#confinedVersions = "";
      return false; // unknown: counted as a write to any table
    }
  }

  async exec(sql: string): Promise<void> {
    const writer = this.#writerOrThrow();
    this.#refuseSelfWait();
    await this.#writeLock.runSync(() => {
      try {
        writer.exec(sql);
      } finally {
        this.#countWrite(writer, undefined);
      }
      writer.resetStatements();
    });
    this.#reader.resetStatements();
  }

  /**
   * Runs `fn` in one write transaction holding the write lock; commits when it resolves, rolls
   * back when it throws. After-commit (or after-rollback) callbacks run once the lock is
   * released; their errors are reported to `onCallbackError` and never undo the committed write.
   * Throws TransactionRequiredError when this async path already holds the lock.
   */
  async transaction<T>(
    fn: (tx: Transaction) => Promise<T>,
    onCallbackError: (err: unknown) => void = (err) => console.error(err),
  ): Promise<T> {
    const writer = this.#writerOrThrow();
    this.#refuseSelfWait();
    const release = await this.#writeLock.acquire();
    const tx = new Transaction(writer);
    const hold: LockHold = { db: this, active: true, parent: lockHolds.getStore() };
    let result: T;
    let callbacks: (() => void | Promise<void>)[];
    try {
      writer.db.exec("BEGIN IMMEDIATE");
      try {
        result = await lockHolds.run(hold, () => fn(tx));
        writer.db.exec("COMMIT");
      } catch (err) {
        if (writer.db.isTransaction) writer.db.exec("ROLLBACK");
        tx.close();
        hold.active = false;
        release();
        for (const callback of tx.rollbackCallbacks()) {
          try {
            await callback(err);
          } catch (callbackErr) {
            onCallbackError(callbackErr);
          }
        }
        throw err;
      }
      callbacks = tx.close();
    } finally {
      this.#countWrite(writer, undefined);
      hold.active = false;
      release();
    }
    this.#forgetStaleReads(writer);
    for (const callback of callbacks) {
      try {
        await callback();
      } catch (err) {
        onCallbackError(err);
      }
    }
    return result;
  }

  /**
   * After a transaction that changed the schema (DDL, possibly from a hook or a migration), the
   * reader's cached statements may be stale: they are forgotten. Most transactions only write
   * rows, and the reader keeps its statements (re-preparing them after every delete cost ~4 %
   * of a delete's CPU). `schema_version` changes with every schema change (SQLite's own counter).
   */
  #forgetStaleReads(writer: Connection): void {
    const version = Number(writer.statement("PRAGMA schema_version").get()?.schema_version ?? -1);
    if (version === this.#schemaVersion && version !== -1) return;
    this.#schemaVersion = version;
    this.#reader.resetStatements();
  }

  /** Waits for in-flight writes, checkpoints the WAL and closes both connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flushGroup(); // writes already accepted are committed first
    const release = await this.#writeLock.acquire();
    try {
      this.#closed = true;
      if (this.#writer) {
        this.#writer.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        this.#writer.db.close();
      }
      this.#reader.db.close();
      forgetDatabase(this.path);
    } finally {
      release();
    }
  }

  /**
   * Frees the page caches of both connections (`PRAGMA shrink_memory`: pages not in use by an
   * open statement; SQLite reads them again from the file, or the OS's cache, when needed). A
   * cache grows to `cache_size` (32 MB) with the pages a connection touched and otherwise keeps
   * them for as long as it lives. Freed pages go back to glibc, not to the kernel: the idle
   * reclaimer (serve) calls this just before its collection and C heap trim
   * (tools/c-heap-trim.ts), which hands them back. Never on the request path.
   *
   * The prepared-statement caches are dropped too: each statement is SQLite's compiled program
   * for it, kept in the C heap for as long as the statement lives (up to 500 per connection,
   * rule and filter variants included), and re-preparing one after an idle moment costs
   * microseconds. The collection that follows finalizes the forgotten statements.
   */
  releaseMemory(): void {
    if (this.#closed) return;
    for (const connection of [this.#writer, this.#reader]) {
      if (!connection) continue;
      connection.resetStatements();
      connection.db.exec("PRAGMA shrink_memory");
    }
  }

  /** Whether `close` has been called. */
  get isClosed(): boolean {
    return this.#closed;
  }
}

/** Quotes an SQL identifier with backticks (the one place identifiers are quoted in core). */
export function quoteIdent(name: string): string {
  return "`" + name.replaceAll("`", "``") + "`";
}
