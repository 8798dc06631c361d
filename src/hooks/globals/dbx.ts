/**
 * `$dbx` expression builders (jsvm-surface §3.10), as pocketbase/dbx builds them for SQLite:
 * SQL fragments with `{:pN}` placeholders and a params map (values are never spliced in).
 * Expressions are plain data until `build(db, params)`; the runtime sends
 * `compileExpression(e)` = `{sql, params}` to the main thread, which binds the `{:name}`
 * placeholders and `[[col]]`/`{{table}}` quoting like the rest of the query builder.
 */

type Params = { [name: string]: unknown };

/** Quotes one name part with backticks (dbx's SQLite builder); `*` and quoted parts stay. */
function quoteSimple(s: string): string {
  return s === "*" || s.startsWith("`") ? s : `\`${s}\``;
}

/** dbx's `QuoteColumnName`: `t.col` → `` `t`.`col` ``; expressions and `[[…]]` stay as they are. */
export function quoteColumnName(name: string): string {
  if (name.includes("(") || name.includes("[[") || name.includes("{{")) return name;
  const dot = name.lastIndexOf(".");
  if (dot < 0) return quoteSimple(name);
  return `${quoteTableName(name.slice(0, dot))}.${quoteSimple(name.slice(dot + 1))}`;
}

function quoteTableName(name: string): string {
  if (name.includes("(") || name.includes("{{")) return name;
  return name
    .split(".")
    .map((p) => quoteSimple(p))
    .join(".");
}

const nextParam = (params: Params): string => `p${Object.keys(params).length}`;

/** A SQL expression: `build(db, params)` returns the SQL and adds its values to `params`. */
export abstract class Expression {
  abstract build(db: unknown, params: Params): string;
}

/** `$dbx.exp(sql, params)`: raw SQL with its own `{:name}` params. */
class RawExp extends Expression {
  readonly #sql: string;
  readonly #params: Params;

  constructor(sql: string, params: Params) {
    super();
    this.#sql = sql;
    this.#params = params;
  }

  build(_db: unknown, params: Params): string {
    Object.assign(params, this.#params);
    return this.#sql;
  }
}

/** `$dbx.hashExp({col: value})`: AND of `col={:p}`, `IS NULL`, `IN (…)`, keys sorted. */
class HashExp extends Expression {
  readonly #map: Params;

  constructor(map: Params) {
    super();
    this.#map = map;
  }

  build(db: unknown, params: Params): string {
    const parts: string[] = [];
    for (const name of Object.keys(this.#map).sort()) {
      const value = this.#map[name];
      if (value === null || value === undefined) parts.push(`${quoteColumnName(name)} IS NULL`);
      else if (value instanceof Expression) {
        const sql = value.build(db, params);
        if (sql !== "") parts.push(`(${sql})`);
      } else if (Array.isArray(value)) {
        const sql = new InExp(name, value, false).build(db, params);
        if (sql !== "") parts.push(sql);
      } else {
        const p = nextParam(params);
        params[p] = value;
        parts.push(`${quoteColumnName(name)}={:${p}}`);
      }
    }
    if (parts.length === 1) return parts[0] ?? "";
    return parts.length === 0 ? "" : `(${parts.join(") AND (")})`;
  }
}

class NotExp extends Expression {
  readonly #e: Expression;

  constructor(e: Expression) {
    super();
    this.#e = e;
  }

  build(db: unknown, params: Params): string {
    const sql = this.#e.build(db, params);
    return sql === "" ? "" : `NOT (${sql})`;
  }
}

class AndOrExp extends Expression {
  readonly #exps: Expression[];
  readonly #op: "AND" | "OR";

  constructor(exps: Expression[], op: "AND" | "OR") {
    super();
    this.#exps = exps;
    this.#op = op;
  }

  build(db: unknown, params: Params): string {
    const parts = this.#exps.map((e) => e.build(db, params)).filter((s) => s !== "");
    if (parts.length === 1) return parts[0] ?? "";
    return parts.length === 0 ? "" : `(${parts.join(`) ${this.#op} (`)})`;
  }
}

class InExp extends Expression {
  readonly #col: string;
  readonly #values: unknown[];
  readonly #not: boolean;

  constructor(col: string, values: unknown[], not: boolean) {
    super();
    this.#col = col;
    this.#values = values;
    this.#not = not;
  }

  build(db: unknown, params: Params): string {
    if (this.#values.length === 0) return this.#not ? "" : "0=1";
    const values = this.#values.map((v) => {
      if (v === null || v === undefined) return "NULL";
      if (v instanceof Expression) return v.build(db, params);
      const p = nextParam(params);
      params[p] = v;
      return `{:${p}}`;
    });
    const col = quoteColumnName(this.#col);
    if (values.length === 1) return `${col}${this.#not ? "<>" : "="}${values[0] ?? ""}`;
    return `${col} ${this.#not ? "NOT IN" : "IN"} (${values.join(", ")})`;
  }
}

const DEFAULT_LIKE_ESCAPE = ["\\", "\\\\", "%", "\\%", "_", "\\_"];

/** A LIKE expression; `.match(left, right)` and `.escape(...pairs)` adjust it. */
class LikeExp extends Expression {
  readonly #col: string;
  readonly #values: string[];
  readonly #like: string;
  readonly #and: boolean;
  #left = true;
  #right = true;
  #escape = DEFAULT_LIKE_ESCAPE;

  constructor(col: string, values: unknown[], like: string, and: boolean) {
    super();
    this.#col = col;
    this.#values = values.map((v) => (typeof v === "string" ? v : String(v)));
    this.#like = like;
    this.#and = and;
  }

  /** Whether to wrap values with `%` on the left and right (default both). */
  match(left: boolean, right: boolean): LikeExp {
    this.#left = Boolean(left);
    this.#right = Boolean(right);
    return this;
  }

  /** Replacement pairs applied to each value (default escapes `\`, `%`, `_`). */
  escape(...pairs: string[]): LikeExp {
    if (pairs.length % 2 !== 0) throw new Error("dbx: the escape pairs must be given in pairs");
    this.#escape = pairs.map(String);
    return this;
  }

  build(_db: unknown, params: Params): string {
    if (this.#values.length === 0) return "";
    const col = quoteColumnName(this.#col);
    const parts = this.#values.map((raw) => {
      let value = raw;
      for (let i = 0; i < this.#escape.length; i += 2) {
        value = value.split(this.#escape[i] ?? "").join(this.#escape[i + 1] ?? "");
      }
      if (this.#left) value = `%${value}`;
      if (this.#right) value = `${value}%`;
      const p = nextParam(params);
      params[p] = value;
      return `${col} ${this.#like} {:${p}}`;
    });
    return parts.join(this.#and ? " AND " : " OR ");
  }
}

class ExistsExp extends Expression {
  readonly #e: Expression;
  readonly #not: boolean;

  constructor(e: Expression, not: boolean) {
    super();
    this.#e = e;
    this.#not = not;
  }

  build(db: unknown, params: Params): string {
    const sql = this.#e.build(db, params);
    if (sql === "") return this.#not ? "" : "0=1";
    return `${this.#not ? "NOT EXISTS" : "EXISTS"} (${sql})`;
  }
}

class BetweenExp extends Expression {
  readonly #col: string;
  readonly #from: unknown;
  readonly #to: unknown;
  readonly #not: boolean;

  constructor(col: string, from: unknown, to: unknown, not: boolean) {
    super();
    this.#col = col;
    this.#from = from;
    this.#to = to;
    this.#not = not;
  }

  build(_db: unknown, params: Params): string {
    const p1 = nextParam(params);
    params[p1] = this.#from;
    const p2 = nextParam(params);
    params[p2] = this.#to;
    return `${quoteColumnName(this.#col)} ${this.#not ? "NOT BETWEEN" : "BETWEEN"} {:${p1}} AND {:${p2}}`;
  }
}

const isParams = (v: unknown): v is Params => typeof v === "object" && v !== null && !Array.isArray(v);

function expression(v: unknown): Expression {
  if (v instanceof Expression) return v;
  throw new TypeError("$dbx: expected an expression (e.g. $dbx.exp(...))");
}

/** Compiles an expression to `{sql, params}` (what crosses to the main thread). */
export function compileExpression(e: unknown): { sql: string; params: Params } {
  const params: Params = {};
  const sql = expression(e).build(null, params);
  return { sql, params };
}

/** The `$dbx` namespace. */
export const dbx = {
  exp: (sql: string, params?: unknown): Expression =>
    new RawExp(String(sql), isParams(params) ? { ...params } : {}),
  hashExp: (map: unknown): Expression => new HashExp(isParams(map) ? { ...map } : {}),
  not: (e: unknown): Expression => new NotExp(expression(e)),
  and: (...exps: unknown[]): Expression => new AndOrExp(exps.filter((e) => e != null).map(expression), "AND"),
  or: (...exps: unknown[]): Expression => new AndOrExp(exps.filter((e) => e != null).map(expression), "OR"),
  in: (col: string, ...values: unknown[]): Expression => new InExp(String(col), values, false),
  notIn: (col: string, ...values: unknown[]): Expression => new InExp(String(col), values, true),
  like: (col: string, ...values: unknown[]): LikeExp => new LikeExp(String(col), values, "LIKE", true),
  notLike: (col: string, ...values: unknown[]): LikeExp => new LikeExp(String(col), values, "NOT LIKE", true),
  orLike: (col: string, ...values: unknown[]): LikeExp => new LikeExp(String(col), values, "LIKE", false),
  orNotLike: (col: string, ...values: unknown[]): LikeExp =>
    new LikeExp(String(col), values, "NOT LIKE", false),
  exists: (e: unknown): Expression => new ExistsExp(expression(e), false),
  notExists: (e: unknown): Expression => new ExistsExp(expression(e), true),
  between: (col: string, from: unknown, to: unknown): Expression =>
    new BetweenExp(String(col), from, to, false),
  notBetween: (col: string, from: unknown, to: unknown): Expression =>
    new BetweenExp(String(col), from, to, true),
};
