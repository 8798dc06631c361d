/**
 * PocketBase v0.39's SQL console (§1.10): one statement from a superuser. Statements that start
 * with INSERT/CREATE/UPDATE/DELETE/DROP/DETACH/ALTER/REPLACE run on the write connection in a
 * transaction and report only `affectedRows`; anything else runs on a separate read-only
 * connection (it can never write) and returns at most `maxRows` rows, every value as a string
 * or null, with the columns' declared type and nullability.
 *
 * Reads run on the read pool (read-pool.ts), off the main thread: a statement still running at
 * the timeout is answered with QueryTimeoutError at once and its thread is terminated, so a long
 * single step (a huge aggregate) holds neither the request nor the server.
 */
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { type SQLOutputValue } from "node:sqlite";
import type { App } from "../app.ts";
import { readPool } from "./read-pool.ts";
import { splitSqlStatements } from "./sql-statements.ts";

/** The statements run as writes. */
const WRITE_STATEMENT = /^\s*(INSERT|CREATE|UPDATE|DELETE|DROP|DETACH|ALTER|REPLACE)\b/i;

/** A result column. */
export interface SqlColumn {
  name: string;
  type: string;
  nullable: boolean;
}

/** The console's answer. */
export interface SqlResult {
  /** Milliseconds the statement took. */
  execTime: number;
  affectedRows: number;
  columns: SqlColumn[];
  rows: (string | null)[][];
}

function asString(value: SQLOutputValue): string | null {
  if (value === null) return null;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("utf8");
  return String(value);
}

/**
 * How PocketBase's SQLite driver words an error: the result code's text, the message and the
 * code (`SQL logic error: no such table: x (1)`). node:sqlite errors carry the parts.
 */
export function sqliteErrorText(err: unknown): string {
  const e = err as { message?: unknown; errstr?: unknown; errcode?: unknown };
  const message = typeof e?.message === "string" ? e.message : String(err);
  if (typeof e?.errstr === "string" && typeof e.errcode === "number") {
    return `${e.errstr}: ${message} (${e.errcode})`;
  }
  return message;
}

/**
 * Runs a console query (one statement or several separated by semicolons). Writes run together
 * in one transaction and report the rows they changed; of several reads, the last one's rows are
 * returned. SQL errors are thrown as they are (the caller reports them).
 */
export async function runSqlConsole(
  app: App,
  query: string,
  options: { maxRows: number; timeoutMs: number },
): Promise<SqlResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  if (WRITE_STATEMENT.test(query)) {
    const affectedRows = await app.runInTransaction(async (tx) => {
      // exec runs every statement of the script; total_changes() tells what they changed
      const changes = async () => Number((await tx.db.get("SELECT total_changes() AS n"))?.n ?? 0);
      const before = await changes();
      await tx.db.exec(query);
      return (await changes()) - before;
    });
    return { execTime: elapsed(), affectedRows, columns: [], rows: [] };
  }
  const result = await readPool().console(
    join(app.dataDir, "data.db"),
    query,
    options.maxRows,
    options.timeoutMs,
  );
  return { execTime: elapsed(), ...result };
}

/**
 * Runs one read statement of the console on `db` (in a read pool thread): at most `maxRows`
 * rows, every value as a string or null, with the columns' declared type and nullability.
 */
export function readConsoleStatement(
  db: DatabaseSync,
  query: string,
  maxRows: number,
): Omit<SqlResult, "execTime"> {
  const statements = splitSqlStatements(query);
  // the earlier statements run for their effect (errors); the last one answers
  for (const sql of statements.slice(0, -1)) db.prepare(sql).all();
  const stmt = db.prepare(statements.at(-1) ?? query);
  stmt.setReturnArrays(true);
  stmt.setReadBigInts(true);
  const columns = stmt.columns().map((col) => {
    let nullable = true;
    if (col.table && col.column) {
      const info = db
        .prepare("SELECT `notnull` FROM pragma_table_info(?, ?) WHERE name = ?")
        .get(col.table, col.database ?? "main", col.column) as { notnull?: number } | undefined;
      nullable = !info?.notnull;
    }
    return { name: col.name, type: (col.type ?? "").toUpperCase(), nullable };
  });
  const rows: (string | null)[][] = [];
  for (const row of stmt.iterate() as Iterable<SQLOutputValue[]>) {
    if (rows.length >= maxRows) break;
    rows.push(row.map(asString));
  }
  return { affectedRows: 0, columns, rows };
}
