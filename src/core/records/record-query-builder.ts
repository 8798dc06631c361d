/**
 * `app.recordQuery(collection)`: PocketBase's record select builder for TypeScript hooks and
 * programs — `SELECT <table>.* FROM <table>` narrowed with SQL expressions (`{sql, params}`, the
 * same values `findAllRecords` takes), ordered and paged, whose rows come back as records of the
 * collection. (pb_hooks scripts get the synchronous `$app.recordQuery` of src/hooks/globals.)
 */
import type { App } from "../app.ts";
import { quoteIdent, type SqlValue } from "../db/database.ts";
import { NotFoundError } from "../errors.ts";
import type { Collection } from "../collections/collection-model.ts";
import { Record } from "./record.ts";
import type { SqlExpression } from "./record-finders.ts";

/** `col`, `t.col`, `col DESC` → quoted name(s) with the direction kept. */
function orderTerm(term: string): string {
  const m = /^(.*?)(?:\s+(asc|desc))?$/i.exec(term.trim());
  const name = (m?.[1] ?? "").split(".").map(quoteIdent).join(".");
  return m?.[2] ? `${name} ${m[2].toUpperCase()}` : name;
}

/** A select over one collection's table whose results are records. */
export class RecordQueryBuilder {
  readonly #app: App;
  readonly #collection: Collection;
  #where: { sql: string; params: SqlValue[] } | null = null;
  #orderBy: string[] = [];
  #limit = -1;
  #offset = 0;

  constructor(app: App, collection: Collection) {
    this.#app = app;
    this.#collection = collection;
  }

  /** Replaces the condition (null clears it). */
  where(expression: SqlExpression): this {
    this.#where = null;
    return this.andWhere(expression);
  }

  /** Adds a condition with AND. */
  andWhere(expression: SqlExpression): this {
    return this.#combine("AND", expression);
  }

  /** Adds a condition with OR. */
  orWhere(expression: SqlExpression): this {
    return this.#combine("OR", expression);
  }

  #combine(op: "AND" | "OR", expression: SqlExpression): this {
    if (!expression || expression.sql.trim() === "") return this;
    const next = { sql: `(${expression.sql})`, params: [...expression.params] };
    this.#where = this.#where
      ? { sql: `${this.#where.sql} ${op} ${next.sql}`, params: [...this.#where.params, ...next.params] }
      : next;
    return this;
  }

  /** Replaces the order (`"created DESC"`, `"title"`). */
  orderBy(...columns: string[]): this {
    this.#orderBy = columns.map(orderTerm);
    return this;
  }

  /** Adds to the order. */
  andOrderBy(...columns: string[]): this {
    this.#orderBy.push(...columns.map(orderTerm));
    return this;
  }

  /** At most `n` records (negative: no limit). */
  limit(n: number): this {
    this.#limit = Math.trunc(n);
    return this;
  }

  /** Skips `n` records. */
  offset(n: number): this {
    this.#offset = Math.max(0, Math.trunc(n));
    return this;
  }

  /** The statement as it runs: `{sql, params}` with `?` placeholders. */
  build(): { sql: string; params: SqlValue[] } {
    const table = quoteIdent(this.#collection.name);
    let sql = `SELECT ${table}.* FROM ${table}`;
    if (this.#where) sql += ` WHERE ${this.#where.sql}`;
    if (this.#orderBy.length) sql += ` ORDER BY ${this.#orderBy.join(", ")}`;
    if (this.#limit >= 0 || this.#offset > 0) sql += ` LIMIT ${this.#limit >= 0 ? this.#limit : -1}`;
    if (this.#offset > 0) sql += ` OFFSET ${this.#offset}`;
    return { sql, params: [...(this.#where?.params ?? [])] };
  }

  /** Every matching record. */
  async all(): Promise<Record[]> {
    const { sql, params } = this.build();
    const rows = await this.#app.db.all(sql, params);
    return rows.map((row) => Record.fromRow(this.#collection, row));
  }

  /** The first matching record (throws NotFoundError, `sql: no rows in result set`, when none). */
  async one(): Promise<Record> {
    const saved = this.#limit;
    this.#limit = 1;
    try {
      const [first] = await this.all();
      if (!first) throw new NotFoundError();
      return first;
    } finally {
      this.#limit = saved;
    }
  }
}
