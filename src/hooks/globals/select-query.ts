/**
 * The `$app.db()` query builder of scripts (jsvm-surface §3.10): `newQuery(sql)` and the
 * `select(...)` builder (`from`, `where`/`andWhere`/`orWhere` with `$dbx` expressions, joins,
 * `orderBy`, `groupBy`, `having`, `limit`/`offset`, `union`), and `$app.recordQuery(collection)`;
 * the write and schema helpers (`insert`, `createTable`, …) are in schema-builder.ts.
 * The SQL is assembled here as pocketbase/dbx writes it for SQLite (backtick-quoted names,
 * `{:name}` placeholders); values never enter the text: the main thread binds the params.
 */
import { cloneDynamicModelShape, DynamicModel, fillDynamicModel } from "./dynamic-model.ts";
import { Expression, quoteColumnName } from "./dbx.ts";
import { arrayOfModel } from "./helpers.ts";
import { assignRecordFromWire, Record } from "./record.ts";
import type { RecordWire } from "../wire.ts";
import { schemaBuilder } from "./schema-builder.ts";
import { GoError } from "./errors.ts";

type Obj = { [key: string]: unknown };

/** How a built query runs: `execute`, `one` (a row, or "no rows"), `all` (rows), or `records`
 * (the rows as wire records of `collection`). */
export type QueryRunner = (
  mode: "execute" | "one" | "all" | "records",
  sql: string,
  params: Obj,
  collection?: string,
) => unknown;

function fillModel(dst: unknown, row: Obj): void {
  if (dst instanceof DynamicModel) fillDynamicModel(dst, row);
  else if (dst && typeof dst === "object") Object.assign(dst, row);
}

/** Go's `sql.ErrNoRows` (a 404 when a route leaves it uncaught, as in PocketBase). */
function noRows(): Error {
  return new GoError("sql: no rows in result set", 404);
}

/** A query ready to run (`$app.db().newQuery(sql)` or a select builder's `build()`). */
export class Query {
  readonly #run: QueryRunner;
  readonly #sql: string;
  #params: Obj;
  readonly #collection: string | undefined;

  constructor(run: QueryRunner, sql: string, params: Obj = {}, collection?: string) {
    this.#run = run;
    this.#sql = sql;
    this.#params = { ...params };
    this.#collection = collection;
  }

  /** Replaces the bound params. */
  bind(params: Obj): this {
    this.#params = { ...(params ?? {}) };
    return this;
  }

  /** Adds bound params. */
  andBind(params: Obj): this {
    this.#params = { ...this.#params, ...(params ?? {}) };
    return this;
  }

  sql(): string {
    return this.#sql;
  }

  params(): Obj {
    return this.#params;
  }

  /** Accepted for PocketBase compatibility (statements are prepared on the main thread). */
  prepare(): this {
    return this;
  }
  close(): void {}
  withContext(): this {
    return this;
  }

  execute(): { lastInsertId(): number; rowsAffected(): number } {
    const r = this.#run("execute", this.#sql, this.#params) as { lastInsertId: number; rowsAffected: number };
    return { lastInsertId: () => r.lastInsertId, rowsAffected: () => r.rowsAffected };
  }

  #records(): RecordWire[] {
    return this.#run("records", this.#sql, this.#params, this.#collection) as RecordWire[];
  }

  /** Fills `dst` (a DynamicModel, a Record for record queries, or an object) from the first row. */
  one(dst: unknown): void {
    if (this.#collection !== undefined && dst instanceof Record) {
      const [first] = this.#records();
      if (!first) throw noRows();
      assignRecordFromWire(dst, first);
      return;
    }
    fillModel(dst, this.#run("one", this.#sql, this.#params) as Obj);
  }

  /** Replaces the items of `dst` (`arrayOf(model)`) with one item per row. */
  all(dst: unknown[]): void {
    const template = arrayOfModel(dst);
    if (this.#collection !== undefined && (template === undefined || template instanceof Record)) {
      const wires = this.#records();
      dst.length = 0;
      for (const w of wires) dst.push(Record.fromWire(w));
      return;
    }
    const rows = this.#run("all", this.#sql, this.#params) as Obj[];
    dst.length = 0;
    for (const row of rows) {
      const item = template instanceof DynamicModel ? cloneDynamicModelShape(template) : {};
      fillModel(item, row);
      dst.push(item);
    }
  }

  /** The first column of every row into `dst`. */
  column(dst: unknown[]): void {
    const rows = this.#run("all", this.#sql, this.#params) as Obj[];
    dst.length = 0;
    for (const row of rows) dst.push(Object.values(row)[0]);
  }

  /** The first row's values (as many as destinations were given, or all). */
  row(...dsts: unknown[]): unknown[] {
    const row = this.#run("one", this.#sql, this.#params) as Obj;
    return Object.values(row).slice(0, dsts.length || undefined);
  }

  /** Every row as a plain object. */
  rows(): Obj[] {
    return this.#run("all", this.#sql, this.#params) as Obj[];
  }
}

/** `name AS alias` / `name alias` split as dbx does; the name quoted, the alias too. */
function quoteWithAlias(item: string, quote: (s: string) => string): string {
  const m = /^(.*?)(?:\s+as\s+|\s+)([\w\-.]+)$/i.exec(item.trim());
  if (!m || m[1]!.includes("(") || m[1] === "") return quote(item.trim());
  return `${quote(m[1]!)} AS ${quoteColumnName(m[2]!)}`;
}

function quoteTable(name: string): string {
  if (name.includes("(") || name.includes("{{")) return name;
  return name
    .split(".")
    .map((p) => quoteColumnName(p))
    .join(".");
}

function asExpression(e: unknown): Expression | null {
  if (e === null || e === undefined) return null;
  if (e instanceof Expression) return e;
  if (typeof e === "string") return rawExpression(e);
  if (typeof (e as { build?: unknown }).build === "function") return e as Expression;
  throw new TypeError("expected an expression (e.g. $dbx.exp(...))");
}

function rawExpression(sql: string): Expression {
  return new (class extends Expression {
    build(): string {
      return sql;
    }
  })();
}

/** Two conditions joined by AND/OR (an empty side drops out, as in dbx). */
function joinConditions(a: Expression | null, b: Expression | null, op: "AND" | "OR"): Expression | null {
  if (!a) return b;
  if (!b) return a;
  return new (class extends Expression {
    build(db: unknown, params: Obj): string {
      const left = a.build(db, params);
      const right = b.build(db, params);
      if (left === "") return right;
      if (right === "") return left;
      return `(${left}) ${op} (${right})`;
    }
  })();
}

/** `$app.db().select(...)`: a SELECT built step by step, run with `one`/`all`/`column`/`row`. */
export class SelectQuery {
  readonly #run: QueryRunner;
  #select: string[] = [];
  #distinct = false;
  #selectOption = "";
  #from: string[] = [];
  #joins: { type: string; table: string; on: Expression | null }[] = [];
  #where: Expression | null = null;
  #groupBy: string[] = [];
  #having: Expression | null = null;
  #orderBy: string[] = [];
  #unions: { all: boolean; query: Query | SelectQuery }[] = [];
  #limit = -1;
  #offset = -1;
  #params: Obj = {};
  #pre = "";
  #post = "";
  /** For record queries: the collection whose records the rows become. */
  #collection: string | undefined;

  constructor(run: QueryRunner, cols: string[] = [], collection?: string) {
    this.#run = run;
    this.#select = cols.map(String);
    this.#collection = collection;
  }

  select(...cols: string[]): this {
    this.#select = cols.map(String);
    return this;
  }
  andSelect(...cols: string[]): this {
    this.#select.push(...cols.map(String));
    return this;
  }
  distinct(on: boolean): this {
    this.#distinct = on !== false;
    return this;
  }
  selectOption(option: string): this {
    this.#selectOption = String(option);
    return this;
  }
  from(...tables: string[]): this {
    this.#from = tables.map(String);
    return this;
  }
  where(e: unknown): this {
    this.#where = asExpression(e);
    return this;
  }
  andWhere(e: unknown): this {
    this.#where = joinConditions(this.#where, asExpression(e), "AND");
    return this;
  }
  orWhere(e: unknown): this {
    this.#where = joinConditions(this.#where, asExpression(e), "OR");
    return this;
  }
  join(type: string, table: string, on: unknown): this {
    this.#joins.push({ type: String(type), table: String(table), on: asExpression(on) });
    return this;
  }
  innerJoin(table: string, on: unknown): this {
    return this.join("INNER JOIN", table, on);
  }
  leftJoin(table: string, on: unknown): this {
    return this.join("LEFT JOIN", table, on);
  }
  rightJoin(table: string, on: unknown): this {
    return this.join("RIGHT JOIN", table, on);
  }
  orderBy(...cols: string[]): this {
    this.#orderBy = cols.map(String);
    return this;
  }
  andOrderBy(...cols: string[]): this {
    this.#orderBy.push(...cols.map(String));
    return this;
  }
  groupBy(...cols: string[]): this {
    this.#groupBy = cols.map(String);
    return this;
  }
  andGroupBy(...cols: string[]): this {
    this.#groupBy.push(...cols.map(String));
    return this;
  }
  having(e: unknown): this {
    this.#having = asExpression(e);
    return this;
  }
  andHaving(e: unknown): this {
    this.#having = joinConditions(this.#having, asExpression(e), "AND");
    return this;
  }
  orHaving(e: unknown): this {
    this.#having = joinConditions(this.#having, asExpression(e), "OR");
    return this;
  }
  union(q: Query | SelectQuery): this {
    this.#unions.push({ all: false, query: q });
    return this;
  }
  unionAll(q: Query | SelectQuery): this {
    this.#unions.push({ all: true, query: q });
    return this;
  }
  limit(n: number): this {
    this.#limit = Math.trunc(Number(n));
    return this;
  }
  offset(n: number): this {
    this.#offset = Math.trunc(Number(n));
    return this;
  }
  bind(params: Obj): this {
    this.#params = { ...(params ?? {}) };
    return this;
  }
  andBind(params: Obj): this {
    this.#params = { ...this.#params, ...(params ?? {}) };
    return this;
  }
  preFragment(sql: string): this {
    this.#pre = String(sql);
    return this;
  }
  postFragment(sql: string): this {
    this.#post = String(sql);
    return this;
  }
  withContext(): this {
    return this;
  }

  /** The SELECT statement with its params (placeholders `{:pN}`, expression params merged). */
  build(): Query {
    const params: Obj = { ...this.#params };
    const parts: string[] = [];
    if (this.#pre) parts.push(this.#pre);
    let head = this.#distinct ? "SELECT DISTINCT" : "SELECT";
    if (this.#selectOption) head += ` ${this.#selectOption}`;
    const cols = this.#select.length ? this.#select.map((c) => quoteWithAlias(c, quoteColumnName)) : ["*"];
    parts.push(`${head} ${cols.join(", ")}`);
    if (this.#from.length)
      parts.push(`FROM ${this.#from.map((t) => quoteWithAlias(t, quoteTable)).join(", ")}`);
    for (const j of this.#joins) {
      const on = j.on?.build(null, params) ?? "";
      parts.push(`${j.type} ${quoteWithAlias(j.table, quoteTable)}${on ? ` ON ${on}` : ""}`);
    }
    const where = this.#where?.build(null, params) ?? "";
    if (where) parts.push(`WHERE ${where}`);
    if (this.#groupBy.length) parts.push(`GROUP BY ${this.#groupBy.map(quoteColumnName).join(", ")}`);
    const having = this.#having?.build(null, params) ?? "";
    if (having) parts.push(`HAVING ${having}`);
    let sql = parts.join(" ");
    if (this.#unions.length) {
      sql = `(${sql})`;
      for (const u of this.#unions) {
        const q = u.query instanceof SelectQuery ? u.query.build() : u.query;
        Object.assign(params, q.params());
        sql += ` ${u.all ? "UNION ALL" : "UNION"} (${q.sql()})`;
      }
    }
    if (this.#orderBy.length) sql += ` ORDER BY ${this.#orderBy.map(orderTerm).join(", ")}`;
    if (this.#limit >= 0 || this.#offset > 0) {
      sql += ` LIMIT ${this.#limit >= 0 ? this.#limit : -1}`;
      if (this.#offset > 0) sql += ` OFFSET ${this.#offset}`;
    }
    if (this.#post) sql += ` ${this.#post}`;
    return new Query(this.#run, sql, params, this.#collection);
  }

  execute(): ReturnType<Query["execute"]> {
    return this.build().execute();
  }
  one(dst: unknown): void {
    this.build().one(dst);
  }
  all(dst: unknown[]): void {
    this.build().all(dst);
  }
  column(dst: unknown[]): void {
    this.build().column(dst);
  }
  row(...dsts: unknown[]): unknown[] {
    return this.build().row(...dsts);
  }
  rows(): Obj[] {
    return this.build().rows();
  }
  /** What the builder holds (dbx's `Info()`), for inspection. */
  info(): Obj {
    return {
      selects: [...this.#select],
      distinct: this.#distinct,
      from: [...this.#from],
      orderBy: [...this.#orderBy],
      groupBy: [...this.#groupBy],
      limit: this.#limit,
      offset: this.#offset,
      params: { ...this.#params },
    };
  }
}

/** `col DESC` → `` `col` DESC `` (the direction kept, the name quoted). */
function orderTerm(term: string): string {
  const m = /^(.*?)\s+(asc|desc)$/i.exec(term.trim());
  return m ? `${quoteColumnName(m[1]!)} ${m[2]!.toUpperCase()}` : quoteColumnName(term.trim());
}

/** The builder object of `$app.db()`: raw queries, the select builder, the write and schema helpers. */
export function queryBuilder(run: QueryRunner): {
  newQuery(sql: string): Query;
  select(...cols: string[]): SelectQuery;
  [helper: string]: (...args: never[]) => unknown;
} {
  return {
    ...schemaBuilder((sql, params) => new Query(run, sql, params)),
    newQuery: (sql: string) => new Query(run, String(sql)),
    select: (...cols: string[]) => new SelectQuery(run, cols),
    quoteTableName: (name: string) => quoteTable(String(name)),
    quoteColumnName: (name: string) => quoteColumnName(String(name)),
    quoteSimpleTableName: (name: string) => quoteColumnName(String(name)),
    quoteSimpleColumnName: (name: string) => quoteColumnName(String(name)),
  };
}

/** `$app.recordQuery(collection)`: `SELECT <table>.* FROM <table>` whose rows become records. */
export function recordQuery(run: QueryRunner, table: string): SelectQuery {
  return new SelectQuery(run, [`${table}.*`], table).from(table);
}
