/**
 * The write and schema helpers of the `$app.db()` builder (jsvm-surface §3.10), written as
 * pocketbase/dbx's SQLite builder writes them: `insert`, `upsert`, `update`, `delete`,
 * `createTable`, `renameTable`, `dropTable`, `truncateTable`, `addColumn`, `dropColumn`,
 * `renameColumn`, `createIndex`, `createUniqueIndex`, `dropIndex`. Each returns a Query to run
 * with `execute()`. Column maps are sorted by name, values are `{:pN}` params (an expression
 * value is spliced as its SQL); what SQLite cannot do (altering a column, primary/foreign key
 * changes) throws dbx's error.
 */
import { Expression, quoteColumnName } from "./dbx.ts";
import { GoError } from "./errors.ts";
import type { Query } from "./select-query.ts";

type Obj = { [key: string]: unknown };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

function quoteTable(name: unknown): string {
  const s = String(name);
  if (s.includes("(") || s.includes("{{")) return s;
  return s
    .split(".")
    .map((p) => quoteColumnName(p))
    .join(".");
}

/** A value as SQL: an expression's own text, else a new `{:pN}` param. */
function valueSql(value: unknown, params: Obj): string {
  if (value instanceof Expression) return value.build(null, params);
  const name = `p${Object.keys(params).length}`;
  params[name] = value;
  return `{:${name}}`;
}

function whereSql(where: unknown, params: Obj): string {
  if (where === null || where === undefined) return "";
  const sql =
    where instanceof Expression
      ? where.build(null, params)
      : typeof where === "string"
        ? where
        : (() => {
            throw new TypeError("expected an expression (e.g. $dbx.hashExp(...))");
          })();
  return sql === "" ? "" : ` WHERE ${sql}`;
}

const sortedKeys = (cols: unknown): string[] => (isObj(cols) ? Object.keys(cols).sort() : []);

function unsupported(what: string): never {
  throw new GoError(`SQLite does not support ${what}`);
}

/** The helpers, each returning the Query `q` makes of its SQL and params. */
export function schemaBuilder(q: (sql: string, params?: Obj) => Query): {
  [name: string]: (...args: never[]) => Query;
} {
  const insert = (table: unknown, cols: unknown): Query => {
    const params: Obj = {};
    const names = sortedKeys(cols);
    if (names.length === 0) return q(`INSERT INTO ${quoteTable(table)} DEFAULT VALUES`);
    const values = names.map((n) => valueSql((cols as Obj)[n], params));
    return q(
      `INSERT INTO ${quoteTable(table)} (${names.map(quoteColumnName).join(", ")}) VALUES (${values.join(", ")})`,
      params,
    );
  };

  return {
    insert,
    upsert: (table: unknown, cols: unknown, ...constraints: unknown[]): Query => {
      const base = insert(table, cols);
      const params = { ...base.params() };
      const sets = sortedKeys(cols).map((n) => `${quoteColumnName(n)}=${valueSql((cols as Obj)[n], params)}`);
      const conflict = constraints.map((c) => quoteColumnName(String(c))).join(", ");
      const action = sets.length ? `DO UPDATE SET ${sets.join(", ")}` : "DO NOTHING";
      return q(`${base.sql()} ON CONFLICT${conflict ? ` (${conflict})` : ""} ${action}`, params);
    },
    update: (table: unknown, cols: unknown, where?: unknown): Query => {
      const params: Obj = {};
      const sets = sortedKeys(cols).map((n) => `${quoteColumnName(n)}=${valueSql((cols as Obj)[n], params)}`);
      return q(`UPDATE ${quoteTable(table)} SET ${sets.join(", ")}${whereSql(where, params)}`, params);
    },
    delete: (table: unknown, where?: unknown): Query => {
      const params: Obj = {};
      return q(`DELETE FROM ${quoteTable(table)}${whereSql(where, params)}`, params);
    },
    createTable: (table: unknown, cols: unknown, ...options: unknown[]): Query => {
      const lines = sortedKeys(cols).map((n) => `${quoteColumnName(n)} ${String((cols as Obj)[n])}`);
      const opts = options.map(String).join(" ");
      return q(`CREATE TABLE ${quoteTable(table)} (${lines.join(", ")})${opts ? ` ${opts}` : ""}`);
    },
    renameTable: (oldName: unknown, newName: unknown): Query =>
      q(`ALTER TABLE ${quoteTable(oldName)} RENAME TO ${quoteTable(newName)}`),
    dropTable: (table: unknown): Query => q(`DROP TABLE ${quoteTable(table)}`),
    truncateTable: (table: unknown): Query => q(`DELETE FROM ${quoteTable(table)}`),
    addColumn: (table: unknown, col: unknown, type: unknown): Query =>
      q(`ALTER TABLE ${quoteTable(table)} ADD ${quoteColumnName(String(col))} ${String(type)}`),
    dropColumn: (table: unknown, col: unknown): Query =>
      q(`ALTER TABLE ${quoteTable(table)} DROP COLUMN ${quoteColumnName(String(col))}`),
    renameColumn: (table: unknown, oldName: unknown, newName: unknown): Query =>
      q(
        `ALTER TABLE ${quoteTable(table)} RENAME COLUMN ${quoteColumnName(String(oldName))} TO ${quoteColumnName(String(newName))}`,
      ),
    alterColumn: (): Query => unsupported("altering column"),
    addPrimaryKey: (): Query => unsupported("adding primary key"),
    dropPrimaryKey: (): Query => unsupported("dropping primary key"),
    addForeignKey: (): Query => unsupported("adding foreign keys"),
    dropForeignKey: (): Query => unsupported("dropping foreign keys"),
    createIndex: (table: unknown, name: unknown, ...cols: unknown[]): Query =>
      q(
        `CREATE INDEX ${quoteColumnName(String(name))} ON ${quoteTable(table)} (${cols.map((c) => quoteColumnName(String(c))).join(", ")})`,
      ),
    createUniqueIndex: (table: unknown, name: unknown, ...cols: unknown[]): Query =>
      q(
        `CREATE UNIQUE INDEX ${quoteColumnName(String(name))} ON ${quoteTable(table)} (${cols.map((c) => quoteColumnName(String(c))).join(", ")})`,
      ),
    dropIndex: (_table: unknown, name: unknown): Query => q(`DROP INDEX ${quoteColumnName(String(name))}`),
  };
}
