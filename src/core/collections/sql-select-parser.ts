/**
 * A small tokenizer and structural parser for the SELECT of a view collection (PocketBase's
 * `identifiersParser` in core/view.go does the same job with regexes). It finds what field
 * inference needs: the result columns (expression, alias, plain column reference) and the FROM
 * sources with their aliases, and it enforces "one SELECT statement". It does not validate
 * expressions: SQLite compiles the query afterwards and reports real syntax errors.
 *
 * The tokenizer is also a safety gate: the query ends up inside ``CREATE VIEW … AS SELECT * FROM
 * (<query>)``, so it must agree with SQLite on where strings, quoted identifiers and comments end.
 * Everything is linear in the input size, recursion depth is bounded by `MAX_NESTING`, and any
 * problem is reported as a `SqlParseError` (never another exception type).
 */

/** A problem with the query text; the message is meant for the user. */
export class SqlParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SqlParseError";
  }
}

/**
 * Token kinds: bare words (identifiers and keywords), quoted identifiers (`"x"`, `` `x` ``,
 * `[x]`), string literals, blob literals (`x'00'`), numbers and punctuation/operators.
 */
export type TokenKind = "word" | "quoted" | "string" | "blob" | "number" | "punct";

/** One token; `value` is unquoted/unescaped for quoted identifiers and strings. */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly value: string;
  readonly start: number;
  readonly end: number;
}

/** The tokens of a query, without whitespace and comments. */
export interface TokenizedSql {
  readonly tokens: readonly Token[];
  /** Whether the text ends inside a `--` comment (a closing parenthesis appended to it would be commented out). */
  readonly endsWithLineComment: boolean;
}

/** A (possibly qualified) column reference such as `col`, `t.col` or `main.t.col`. */
export interface ColumnRef {
  readonly schema: string | null;
  readonly table: string | null;
  readonly column: string;
}

/** One entry of the select list. */
export interface ResultColumn {
  /** Source text of the expression, without the alias. */
  readonly expr: string;
  /** The expression's tokens. */
  readonly tokens: readonly Token[];
  /** The expression's tokens without parentheses enclosing all of it (`(count(*))` → `count(*)`). */
  readonly unwrapped: readonly Token[];
  /** The explicit alias (`expr AS alias` or `expr alias`), unquoted. */
  readonly alias: string | null;
  /** The alias, else the column name of a column reference, else the expression text. */
  readonly name: string;
  /** Set when the expression is a plain column reference (redundant parentheses allowed). */
  readonly ref: ColumnRef | null;
  /** `*` or `t.*`. */
  readonly star: boolean;
}

/** One table-or-subquery of the FROM clause (joins included). */
export interface FromSource {
  readonly kind: "table" | "subquery" | "function";
  readonly schema: string | null;
  /** Table or table-valued function name (null for subqueries). */
  readonly name: string | null;
  /** The explicit alias, if any. */
  readonly alias: string | null;
}

/** The structure of a SELECT statement, as far as field inference needs it. */
export interface ParsedSelect {
  /** The result columns of the first (or only) SELECT of a compound. */
  readonly columns: readonly ResultColumn[];
  /** The FROM sources of that SELECT, in order (the first is the main table). */
  readonly sources: readonly FromSource[];
  /** Names of the common table expressions of a leading WITH clause. */
  readonly cteNames: readonly string[];
  /** Whether the statement is a compound (UNION, INTERSECT, EXCEPT). */
  readonly compound: boolean;
}

/** Deepest parenthesis nesting accepted (SQLite's own expression depth limit is 1000). */
export const MAX_NESTING = 1000;

const WORD_RE = /[A-Za-z0-9_$\u0080-\uffff]/;
const WORD_START_RE = /[A-Za-z_\u0080-\uffff]/;
const SPACE_RE = /[ \t\n\f\r\v]/;
const MULTI_CHAR_OPS = ["->>", "->", "||", "<=", ">=", "<>", "!=", "==", "<<", ">>"];

/**
 * Splits SQL into tokens like SQLite's tokenizer does. Rejects NUL characters, unterminated
 * strings, quoted identifiers and block comments, and bound parameters (`?`, `:x`, `@x`, `$x`,
 * `#x`), which views cannot have and whose TCL-style syntax (`$x(…)`) could hide quotes.
 */
export function tokenizeSql(sql: string): TokenizedSql {
  if (sql.includes("\0")) throw new SqlParseError("the query must not contain NUL characters");
  const tokens: Token[] = [];
  const n = sql.length;
  let endsWithLineComment = false;
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number, value?: string): void => {
    const text = sql.slice(start, end);
    tokens.push({ kind, text, value: value ?? text, start, end });
    i = end;
  };
  while (i < n) {
    const c = sql[i] ?? "";
    const next = sql[i + 1] ?? "";
    endsWithLineComment = false;
    if (SPACE_RE.test(c)) {
      i++;
    } else if (c === "-" && next === "-") {
      const eol = sql.indexOf("\n", i + 2);
      if (eol === -1) {
        endsWithLineComment = true;
        i = n;
      } else {
        i = eol + 1;
      }
    } else if (c === "/" && next === "*") {
      const close = sql.indexOf("*/", i + 2);
      if (close === -1) throw new SqlParseError("unterminated /* comment");
      i = close + 2;
    } else if (c === "'") {
      const end = scanQuoted(sql, i, "'");
      if (end === -1) throw new SqlParseError("unterminated string literal");
      push("string", i, end, sql.slice(i + 1, end - 1).replaceAll("''", "'"));
    } else if (c === '"' || c === "`") {
      const end = scanQuoted(sql, i, c);
      if (end === -1) throw new SqlParseError(`unterminated quoted identifier (missing closing ${c})`);
      push("quoted", i, end, sql.slice(i + 1, end - 1).replaceAll(c + c, c));
    } else if (c === "[") {
      const close = sql.indexOf("]", i + 1);
      if (close === -1) throw new SqlParseError("unterminated quoted identifier (missing closing ])");
      push("quoted", i, close + 1, sql.slice(i + 1, close));
    } else if ((c === "x" || c === "X") && next === "'") {
      const end = scanQuoted(sql, i + 1, "'");
      if (end === -1) throw new SqlParseError("unterminated blob literal");
      push("blob", i, end);
    } else if (isDigit(c) || (c === "." && isDigit(next))) {
      let j = i + 1;
      while (j < n) {
        const d = sql[j] ?? "";
        if ((d === "+" || d === "-") && /[eE]/.test(sql[j - 1] ?? "") && isDigit(sql[j + 1] ?? "")) j++;
        else if (d === "." || WORD_RE.test(d)) j++;
        else break;
      }
      push("number", i, j);
    } else if (WORD_START_RE.test(c)) {
      let j = i + 1;
      while (j < n && WORD_RE.test(sql[j] ?? "")) j++;
      push("word", i, j);
    } else if (c === "?" || c === ":" || c === "@" || c === "$" || c === "#") {
      throw new SqlParseError(`parameters ("${c}…") are not allowed in views`);
    } else {
      const op = MULTI_CHAR_OPS.find((o) => sql.startsWith(o, i));
      push("punct", i, i + (op?.length ?? 1));
    }
  }
  return { tokens, endsWithLineComment };
}

/** The end (exclusive) of a quoted run starting at `start` with doubled-quote escapes, or -1. */
function scanQuoted(sql: string, start: number, quote: string): number {
  let j = start + 1;
  for (;;) {
    const close = sql.indexOf(quote, j);
    if (close === -1) return -1;
    if (sql[close + 1] !== quote) return close + 1;
    j = close + 2;
  }
}

/** Quotes a piece of the query for an error message, shortened so messages stay small. */
function excerpt(text: string): string {
  return `"${text.length > 40 ? text.slice(0, 40) + "…" : text}"`;
}

function isDigit(c: string): boolean {
  return c >= "0" && c <= "9";
}

/** Whether the token is the bare word `word` (case-insensitive; `word` given in upper case). */
export function isWord(token: Token | undefined, word: string): boolean {
  return token?.kind === "word" && token.text.toUpperCase() === word;
}

function isPunct(token: Token | undefined, text: string): boolean {
  return token?.kind === "punct" && token.text === text;
}

function upper(token: Token | undefined): string {
  return token?.kind === "word" ? token.text.toUpperCase() : "";
}

/** Keywords that end the select list of a SELECT core. */
const SELECT_LIST_END = new Set([
  "FROM",
  "WHERE",
  "GROUP",
  "HAVING",
  "WINDOW",
  "ORDER",
  "LIMIT",
  "UNION",
  "INTERSECT",
  "EXCEPT",
]);
/** Keywords that end the FROM clause. */
const FROM_END = new Set([
  "WHERE",
  "GROUP",
  "HAVING",
  "WINDOW",
  "ORDER",
  "LIMIT",
  "UNION",
  "INTERSECT",
  "EXCEPT",
]);
/** Words of join operators (only when not followed by `(`, which would make them function calls). */
const JOIN_WORDS = new Set(["NATURAL", "LEFT", "RIGHT", "FULL", "INNER", "CROSS", "OUTER", "JOIN"]);
/** Words that cannot be an implicit table alias. */
const NOT_TABLE_ALIAS = new Set([...FROM_END, ...JOIN_WORDS, "ON", "USING", "INDEXED", "NOT", "AS"]);
/** Keywords that continue an expression, so neither they nor the word after them are an alias. */
const EXPR_KEYWORDS = new Set([
  "AND",
  "OR",
  "NOT",
  "IS",
  "IN",
  "LIKE",
  "GLOB",
  "MATCH",
  "REGEXP",
  "BETWEEN",
  "ESCAPE",
  "COLLATE",
  "CASE",
  "WHEN",
  "THEN",
  "ELSE",
  "EXISTS",
  "CAST",
  "DISTINCT",
  "OVER",
  "FILTER",
  "AS",
]);
/** Keywords that end an expression but can never be an alias themselves. */
const EXPR_END_KEYWORDS = new Set([
  "END",
  "NULL",
  "ISNULL",
  "NOTNULL",
  "CURRENT_DATE",
  "CURRENT_TIME",
  "CURRENT_TIMESTAMP",
]);
/** Bare words that are values rather than column references. */
const LITERAL_WORDS = new Set(["NULL", "TRUE", "FALSE", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP"]);

/**
 * Tokenizes and checks that the text is one statement with balanced parentheses: the minimum
 * before it may be embedded in ``SELECT * FROM (<sql>)``.
 */
export function checkSingleStatement(sql: string): TokenizedSql {
  const result = tokenizeSql(sql);
  if (result.tokens.some((tok) => isPunct(tok, ";"))) {
    throw new SqlParseError("multiple statements are not supported");
  }
  matchParentheses(result.tokens);
  return result;
}

/**
 * Parses a single SELECT statement (optionally with a leading WITH clause, wrapped in
 * parentheses, or compound). Throws `SqlParseError` when the text is not one SELECT.
 */
export function parseSelect(sql: string): ParsedSelect {
  const { tokens } = checkSingleStatement(sql);
  return new Parser(sql, tokens).parse();
}

class Parser {
  readonly #sql: string;
  readonly #t: readonly Token[];
  /** For every `(` and `)` token, the index of its partner; -1 elsewhere. */
  readonly #pair: Int32Array;
  readonly #sources: FromSource[] = [];
  readonly #cteNames: string[] = [];

  constructor(sql: string, tokens: readonly Token[]) {
    this.#sql = sql;
    this.#t = tokens;
    this.#pair = matchParentheses(tokens);
  }

  parse(): ParsedSelect {
    const t = this.#t;
    if (t.length === 0) throw new SqlParseError("the query is empty");

    let lo = 0;
    let hi = t.length;
    // `(SELECT …)` is valid inside `SELECT * FROM (…)`: look through redundant parentheses.
    while (isPunct(t[lo], "(") && this.#pair[lo] === hi - 1) {
      lo++;
      hi--;
    }
    if (lo >= hi) throw new SqlParseError("the query is empty");

    let i = lo;
    if (isWord(t[i], "WITH")) i = this.#with(i + 1, hi);
    if (!isWord(t[i], "SELECT")) {
      const found = t[i] ? excerpt(t[i]?.text ?? "") : "the end of the query";
      throw new SqlParseError(`only SELECT queries are supported (found ${found})`);
    }
    i++;
    while (isWord(t[i], "DISTINCT") || isWord(t[i], "ALL")) i++;

    const columns: ResultColumn[] = [];
    let start = i;
    for (;;) {
      const tok = t[i];
      if (i >= hi || tok === undefined || SELECT_LIST_END.has(upper(tok))) {
        columns.push(this.#column(start, i));
        break;
      }
      if (isPunct(tok, ",")) {
        columns.push(this.#column(start, i));
        start = i + 1;
      }
      i = this.#skip(i);
    }

    if (isWord(t[i], "FROM")) i = this.#fromList(i + 1, hi, 0);

    let compound = false;
    for (; i < hi; i = this.#skip(i)) {
      const word = upper(t[i]);
      if (word === "UNION" || word === "INTERSECT" || word === "EXCEPT") compound = true;
    }
    return { columns, sources: this.#sources, cteNames: this.#cteNames, compound };
  }

  /** The index after token `i`, jumping over a whole parenthesised group. */
  #skip(i: number): number {
    return isPunct(this.#t[i], "(") ? (this.#pair[i] ?? i) + 1 : i + 1;
  }

  /** Skips `[RECURSIVE] name [(cols)] AS [NOT] [MATERIALIZED] (select), …`; returns the index after. */
  #with(i: number, hi: number): number {
    const t = this.#t;
    if (isWord(t[i], "RECURSIVE")) i++;
    for (;;) {
      const name = t[i];
      if (
        name === undefined ||
        i >= hi ||
        (name.kind !== "word" && name.kind !== "quoted" && name.kind !== "string")
      ) {
        throw new SqlParseError("invalid WITH clause: expected a table name");
      }
      this.#cteNames.push(name.value);
      i++;
      if (isPunct(t[i], "(")) i = this.#skip(i);
      if (!isWord(t[i], "AS"))
        throw new SqlParseError(`invalid WITH clause: expected AS after ${excerpt(name.text)}`);
      i++;
      if (isWord(t[i], "NOT")) i++;
      if (isWord(t[i], "MATERIALIZED")) i++;
      if (!isPunct(t[i], "("))
        throw new SqlParseError("invalid WITH clause: expected a parenthesised SELECT");
      i = this.#skip(i);
      if (!isPunct(t[i], ",")) return i;
      i++;
    }
  }

  /** Builds a result column from tokens `[a, b)`. */
  #column(a: number, b: number): ResultColumn {
    const t = this.#t;
    if (b <= a) throw new SqlParseError("empty column in the select list");
    const range = t.slice(a, b);
    if (isStar(range)) {
      const expr = this.#text(range);
      return { expr, tokens: range, unwrapped: range, alias: null, name: expr, ref: null, star: true };
    }

    let alias: string | null = null;
    let end = range.length;
    const last = range[end - 1];
    const prev = range[end - 2];
    if (last && prev && isWord(prev, "AS") && isName(last)) {
      alias = last.value;
      end -= 2;
    } else if (last && prev && end >= 2 && isImplicitAlias(last) && endsExpression(prev)) {
      alias = last.value;
      end -= 1;
    }
    if (end === 0) throw new SqlParseError(`missing expression before alias ${excerpt(alias ?? "")}`);
    const exprTokens = range.slice(0, end);
    let lo = a;
    let hi = a + end;
    while (isPunct(t[lo], "(") && this.#pair[lo] === hi - 1) {
      lo++;
      hi--;
    }
    const unwrapped = t.slice(lo, hi);
    const expr = this.#text(exprTokens);
    const ref = columnRef(unwrapped);
    return {
      expr,
      tokens: exprTokens,
      unwrapped,
      alias,
      name: alias ?? ref?.column ?? expr,
      ref,
      star: false,
    };
  }

  /** Parses `source [join-op source [constraint]]…` in `[i, hi)`; returns where it stopped. */
  #fromList(i: number, hi: number, depth: number): number {
    const t = this.#t;
    if (depth > MAX_NESTING) throw new SqlParseError("the FROM clause is nested too deeply");
    let expectSource = true;
    while (i < hi && !FROM_END.has(upper(t[i]))) {
      const tok = t[i];
      const word = upper(tok);
      if (expectSource) {
        i = this.#source(i, hi, depth);
        expectSource = false;
      } else if (isPunct(tok, ",")) {
        expectSource = true;
        i++;
      } else if (JOIN_WORDS.has(word)) {
        if (word === "JOIN") expectSource = true;
        i++;
      } else if (word === "ON") {
        // Skip the join condition up to the next join operator or the end of the clause
        // (`left(…)` and `right(…)` in a condition are function calls).
        i++;
        while (i < hi) {
          const w = upper(t[i]);
          const joins = w === "JOIN" || (JOIN_WORDS.has(w) && !isPunct(t[i + 1], "("));
          if (isPunct(t[i], ",") || FROM_END.has(w) || joins) break;
          i = this.#skip(i);
        }
      } else {
        // USING (…) and anything SQLite will judge by itself.
        i = this.#skip(i);
      }
    }
    if (expectSource) throw new SqlParseError("missing table name after FROM, JOIN or comma");
    return i;
  }

  /** Parses one table-or-subquery starting at `i`; returns the index after it (and its alias). */
  #source(i: number, hi: number, depth: number): number {
    const t = this.#t;
    const tok = t[i];
    if (tok === undefined || i >= hi) throw new SqlParseError("missing table name after FROM, JOIN or comma");
    if (isPunct(tok, "(")) {
      const close = this.#pair[i] ?? i;
      let inner = i + 1;
      while (isPunct(t[inner], "(") && this.#pair[inner] === close - (inner - i)) inner++;
      const head = upper(t[inner]);
      if (head === "SELECT" || head === "WITH" || head === "VALUES") {
        const [next, alias] = this.#alias(close + 1, hi);
        this.#sources.push({ kind: "subquery", schema: null, name: null, alias });
        return next;
      }
      // A parenthesised join: its sources count as sources of this FROM.
      this.#fromList(i + 1, close, depth + 1);
      return this.#alias(close + 1, hi)[0];
    }
    if (!isName(tok))
      throw new SqlParseError(`unexpected ${excerpt(tok.text)} where a table name was expected`);
    let schema: string | null = null;
    let name = tok.value;
    i++;
    const dotted = t[i + 1];
    if (isPunct(t[i], ".") && dotted && isName(dotted)) {
      schema = name;
      name = dotted.value;
      i += 2;
    }
    let kind: FromSource["kind"] = "table";
    if (isPunct(t[i], "(")) {
      kind = "function";
      i = this.#skip(i);
    }
    const [next, alias] = this.#alias(i, hi);
    i = next;
    if (isWord(t[i], "INDEXED") && isWord(t[i + 1], "BY")) i += 3;
    else if (isWord(t[i], "NOT") && isWord(t[i + 1], "INDEXED")) i += 2;
    this.#sources.push({ kind, schema, name, alias });
    return i;
  }

  /** Reads an optional `[AS] alias` at `i`. */
  #alias(i: number, hi: number): [number, string | null] {
    const t = this.#t;
    const tok = t[i];
    if (i >= hi || tok === undefined) return [i, null];
    if (isWord(tok, "AS")) {
      const name = t[i + 1];
      if (!name || !isName(name)) throw new SqlParseError("missing alias after AS");
      return [i + 2, name.value];
    }
    if (tok.kind === "quoted" || tok.kind === "string") return [i + 1, tok.value];
    if (tok.kind === "word" && !NOT_TABLE_ALIAS.has(upper(tok))) return [i + 1, tok.value];
    return [i, null];
  }

  #text(tokens: readonly Token[]): string {
    const first = tokens[0];
    const last = tokens[tokens.length - 1];
    return first && last ? this.#sql.slice(first.start, last.end) : "";
  }
}

/** Pairs every `(` with its `)`; throws on unbalanced or too deeply nested parentheses. */
function matchParentheses(tokens: readonly Token[]): Int32Array {
  const pair = new Int32Array(tokens.length).fill(-1);
  const stack: number[] = [];
  tokens.forEach((tok, i) => {
    if (isPunct(tok, "(")) {
      stack.push(i);
      if (stack.length > MAX_NESTING) throw new SqlParseError("the query is nested too deeply");
    } else if (isPunct(tok, ")")) {
      const open = stack.pop();
      if (open === undefined) throw new SqlParseError('unbalanced parentheses (unexpected ")")');
      pair[open] = i;
      pair[i] = open;
    }
  });
  if (stack.length > 0) throw new SqlParseError('unbalanced parentheses (missing ")")');
  return pair;
}

/** A token usable as a name: identifier, quoted identifier or string (SQLite accepts all three). */
function isName(token: Token): boolean {
  return token.kind === "word" || token.kind === "quoted" || token.kind === "string";
}

function isImplicitAlias(token: Token): boolean {
  if (token.kind === "quoted" || token.kind === "string") return true;
  if (token.kind !== "word") return false;
  const word = upper(token);
  return !EXPR_KEYWORDS.has(word) && !EXPR_END_KEYWORDS.has(word);
}

/** Whether an expression can end with this token (so that a following name is an alias). */
function endsExpression(token: Token): boolean {
  switch (token.kind) {
    case "word":
      return !EXPR_KEYWORDS.has(upper(token));
    case "quoted":
    case "string":
    case "blob":
    case "number":
      return true;
    case "punct":
      return token.text === ")";
  }
}

/** `*`, `t.*` or `schema.t.*`. */
function isStar(tokens: readonly Token[]): boolean {
  const last = tokens[tokens.length - 1];
  if (!isPunct(last, "*")) return false;
  if (tokens.length === 1) return true;
  return isPunct(tokens[tokens.length - 2], ".") && (tokens.length === 3 || tokens.length === 5);
}

/** The column reference the tokens form, if they are exactly `name`, `t.name` or `s.t.name`. */
export function columnRef(tokens: readonly Token[]): ColumnRef | null {
  const parts: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok === undefined) return null;
    if (i % 2 === 1) {
      if (!isPunct(tok, ".")) return null;
      continue;
    }
    if (tok.kind === "quoted" || (tok.kind === "word" && !LITERAL_WORDS.has(upper(tok))))
      parts.push(tok.value);
    else return null;
  }
  if (tokens.length % 2 === 0) return null;
  const [a, b, c] = parts;
  if (parts.length === 1 && a !== undefined) return { schema: null, table: null, column: a };
  if (parts.length === 2 && a !== undefined && b !== undefined) return { schema: null, table: a, column: b };
  if (parts.length === 3 && a !== undefined && b !== undefined && c !== undefined) {
    return { schema: a, table: b, column: c };
  }
  return null;
}
