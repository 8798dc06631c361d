/**
 * View collections (PocketBase core/view.go): inferring the fields of a view from its SELECT,
 * validating the query against SQLite, and the DDL that stores it. PocketBase regenerates the
 * fields on every save of a view, overwriting whatever the client sent.
 *
 * Inference rules, per result column (the first that applies):
 * - named `id` → the text primary key (`^[a-z0-9]+$`, system, required);
 * - `count(…)` → number (onlyInt), `total(…)` → number;
 * - `cast(… as real|decimal|numeric)` → number, `cast(… as int|integer)` → number (onlyInt),
 *   `cast(… as text)` → text, `cast(… as bool|boolean)` → bool;
 * - `t.id`, or `id` under another name, of a collection → single relation to that collection;
 * - `t.field` (or an unqualified `field` found in one of the FROM collections) → a clone of that
 *   field with a new `_clone_xxxx` id, renamed to the result column;
 * - anything else → json.
 *
 * The column names and their order come from SQLite itself (`PRAGMA table_info` of a temporary
 * view), so whatever SQLite accepts gets a field, and whatever it rejects is a validation error.
 */
import type { DatabaseSync } from "node:sqlite";
import { randomString } from "../../tools/random.ts";
import { ValidationError } from "../../tools/validation.ts";
import { quoteIdent, type DbExecutor } from "../db/database.ts";
import { newFieldId, normalizeField, type Field } from "../fields/registry.ts";
import type { Collection } from "./collection-model.ts";
import {
  checkSingleStatement,
  isWord,
  parseSelect,
  SqlParseError,
  type ColumnRef,
  type FromSource,
  type ParsedSelect,
  type ResultColumn,
  type Token,
} from "./sql-select-parser.ts";

/** A column of a view as SQLite describes it (`PRAGMA table_info`): its name and declared type. */
export interface ViewColumn {
  readonly name: string;
  /** Declared type, e.g. `TEXT`; `""` for expressions without one. */
  readonly type: string;
}

/**
 * What view inference needs from the app.
 *
 * `viewColumns(query)` must describe the columns of ``SELECT * FROM (<query>)`` as
 * `PRAGMA table_info` reports them for a view with that body, and throw the SQLite error when
 * the query does not compile (unknown table or column, syntax error…). It must never execute
 * the query and must run each SQL text as a single statement. Use `sqliteViewColumns(db)` or
 * `executorViewColumns(tx)`; both use a randomly named TEMP view that they drop again. Run it
 * on the connection whose schema the view will see (inside the saving transaction, when other
 * collections change in the same transaction).
 */
export interface ViewQueryDeps {
  /** A collection by name or id, or null (the lookup may be case-insensitive). */
  findCollectionByName(nameOrId: string): Collection | null;
  /** The columns of the view the query defines; throws the SQLite error when invalid. */
  viewColumns(query: string): readonly ViewColumn[] | Promise<readonly ViewColumn[]>;
}

/** PocketBase's error code for a view query that cannot be used. */
export const INVALID_VIEW_QUERY = "validation_invalid_view_query";

/** Error messages are cut at this length (SQLite's can quote the query). */
const MAX_DETAIL_LENGTH = 500;

/** PocketBase's suggestion when the query has no `id` column. */
const MISSING_ID =
  "missing required id column (you can use `(ROW_NUMBER() OVER()) as id` if you don't have one)";

/** The `validation_invalid_view_query` error, `Invalid query - <detail>` like PocketBase. */
export function invalidViewQuery(detail: string): ValidationError {
  const short = detail.length > MAX_DETAIL_LENGTH ? detail.slice(0, MAX_DETAIL_LENGTH) : detail;
  return new ValidationError(INVALID_VIEW_QUERY, `Invalid query - ${short}`);
}

/**
 * Trims the query as PocketBase does before using it: surrounding whitespace, then any
 * leading and trailing semicolons (Go's `strings.Trim(strings.TrimSpace(q), ";")`).
 */
export function trimViewQuery(query: string): string {
  const trimmed = query.trim();
  // Loops rather than /;+$/, which backtracks quadratically on long runs of semicolons.
  let start = 0;
  let end = trimmed.length;
  while (start < end && trimmed[start] === ";") start++;
  while (end > start && trimmed[end - 1] === ";") end--;
  return trimmed.slice(start, end);
}

/**
 * ``SELECT * FROM (<query>)``: the body of a view. The wrapping is PocketBase's guard against
 * inline statements; the query is checked to be one statement with balanced parentheses first,
 * and a trailing `--` comment gets a newline so that it cannot comment out the `)`.
 */
export function viewSelectSql(query: string): string {
  const trimmed = trimViewQuery(query);
  const { endsWithLineComment } = guard(() => checkSingleStatement(trimmed));
  return `SELECT * FROM (${trimmed}${endsWithLineComment ? "\n" : ""})`;
}

/** ``CREATE VIEW `name` AS SELECT * FROM (<query>)``, PocketBase's stored form of a view. */
export function viewDdl(name: string, query: string): string {
  return `CREATE VIEW ${quoteIdent(name)} AS ${viewSelectSql(query)}`;
}

/** ``DROP VIEW IF EXISTS `name` ``. */
export function dropViewDdl(name: string): string {
  return `DROP VIEW IF EXISTS ${quoteIdent(name)}`;
}

/**
 * The fields of a view collection whose SELECT is `query`. Throws a `ValidationError`
 * (`validation_required` for an empty query, otherwise `validation_invalid_view_query`) when
 * the query is not a single SELECT, selects `*`, has no `id` column, or SQLite rejects it.
 * Errors of `deps` that are not SQLite errors are rethrown as they are.
 */
export async function inferViewFields(query: string, deps: ViewQueryDeps): Promise<Field[]> {
  if (query === "") throw new ValidationError("validation_required", "Cannot be blank.");
  const trimmed = trimViewQuery(query);
  const parsed = guard(() => parseSelect(trimmed));
  const star = parsed.columns.find((c) => c.star);
  if (star) {
    throw invalidViewQuery(`wildcard columns (${star.expr}) are not supported, list the columns explicitly`);
  }

  const columns = await describe(deps, trimmed);
  if (!columns.some((c) => c.name === "id")) throw invalidViewQuery(MISSING_ID);

  const sources = resolveSources(parsed, deps);
  // Result columns map to SQLite's columns by position; by name if the parser miscounted.
  const byPosition = columns.length === parsed.columns.length;
  const byName = new Map<string, ResultColumn>();
  if (!byPosition) for (const c of parsed.columns) if (!byName.has(c.name)) byName.set(c.name, c);
  return columns.map((column, i) => {
    const rc = byPosition ? parsed.columns[i] : byName.get(column.name);
    return normalizeField(rc ? suggestField(column.name, rc, sources) : jsonField(column.name));
  });
}

/**
 * The query to store in the view: as is when its `id` column is declared TEXT, otherwise
 * wrapped as ``SELECT CAST(`id` as TEXT) `id`,`col`… FROM (<query>)`` so that record ids are
 * always strings (PocketBase's `normalizeViewQueryId`, pocketbase#3110).
 */
export async function normalizeViewQuery(
  query: string,
  deps: Pick<ViewQueryDeps, "viewColumns">,
): Promise<string> {
  const trimmed = trimViewQuery(query);
  const columns = await describe(deps, trimmed);
  return wrapIdAsText(trimmed, columns);
}

/** `normalizeViewQuery` with the columns already known. */
export function wrapIdAsText(query: string, columns: readonly ViewColumn[]): string {
  const trimmed = trimViewQuery(query);
  const textId = columns.some((c) => c.name.toLowerCase() === "id" && c.type.toUpperCase() === "TEXT");
  if (textId) return trimmed;
  const list = columns.map((c) =>
    c.name === "id" ? `CAST(${quoteIdent(c.name)} as TEXT) ${quoteIdent(c.name)}` : quoteIdent(c.name),
  );
  const { endsWithLineComment } = guard(() => checkSingleStatement(trimmed));
  return `SELECT ${list.join(",")} FROM (${trimmed}${endsWithLineComment ? "\n" : ""})`;
}

/** `viewColumns` over a node:sqlite connection (synchronous). */
export function sqliteViewColumns(db: DatabaseSync): (query: string) => ViewColumn[] {
  return (query) => {
    const name = quoteIdent("_temp_" + randomString(6));
    db.prepare(`CREATE TEMP VIEW ${name} AS ${viewSelectSql(query)}`).run();
    try {
      return toColumns(db.prepare(`PRAGMA temp.table_info(${name})`).all());
    } finally {
      db.prepare(`DROP VIEW IF EXISTS temp.${name}`).run();
    }
  };
}

/**
 * `viewColumns` over an open transaction. A `Database` outside a transaction does not work:
 * it reads through another connection, which cannot see the TEMP view.
 */
export function executorViewColumns(tx: DbExecutor): (query: string) => Promise<ViewColumn[]> {
  return async (query) => {
    if (!tx.inTransaction) throw new Error("executorViewColumns needs a transaction (one connection).");
    const name = quoteIdent("_temp_" + randomString(6));
    await tx.run(`CREATE TEMP VIEW ${name} AS ${viewSelectSql(query)}`);
    try {
      return toColumns(await tx.all(`PRAGMA temp.table_info(${name})`));
    } finally {
      await tx.run(`DROP VIEW IF EXISTS temp.${name}`);
    }
  };
}

function toColumns(rows: readonly Record<string, unknown>[]): ViewColumn[] {
  return rows.map((row) => ({
    name: typeof row["name"] === "string" ? row["name"] : String(row["name"]),
    type: typeof row["type"] === "string" ? row["type"] : "",
  }));
}

/** Runs the parser, turning its errors into validation errors. */
function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof SqlParseError) throw invalidViewQuery(err.message);
    throw err;
  }
}

/** Asks SQLite for the view's columns; SQLite errors become validation errors. */
async function describe(
  deps: Pick<ViewQueryDeps, "viewColumns">,
  query: string,
): Promise<readonly ViewColumn[]> {
  try {
    return await deps.viewColumns(query);
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    if (err instanceof SqlParseError) throw invalidViewQuery(err.message);
    if (isSqliteError(err)) throw invalidViewQuery(err.message);
    throw err;
  }
}

function isSqliteError(err: unknown): err is Error {
  return err instanceof Error && "code" in err && err.code === "ERR_SQLITE_ERROR";
}

/** A FROM source that is a collection, under the name the query uses for it. */
interface CollectionSource {
  /** The alias, else the table name, lower-cased (SQLite identifiers are case-insensitive). */
  readonly key: string;
  readonly collection: Collection | null;
}

/** Looks up the collection of every plain-table source (CTEs and other schemas are not). */
function resolveSources(parsed: ParsedSelect, deps: ViewQueryDeps): CollectionSource[] {
  const ctes = new Set(parsed.cteNames.map((n) => n.toLowerCase()));
  return parsed.sources.map((source: FromSource) => {
    const key = (source.alias ?? source.name ?? "").toLowerCase();
    const name = source.name;
    const plainTable =
      source.kind === "table" &&
      name !== null &&
      !ctes.has(name.toLowerCase()) &&
      (source.schema === null || source.schema.toLowerCase() === "main");
    const found = plainTable ? deps.findCollectionByName(name) : null;
    // Only a name match counts: the lookup also accepts ids, which are not table names.
    const collection = found && found.name.toLowerCase() === name?.toLowerCase() ? found : null;
    return { key, collection };
  });
}

/** The collection field a column reference points to, if any. */
function resolveRef(
  ref: ColumnRef,
  sources: readonly CollectionSource[],
): { collection: Collection; field: Field } | null {
  const column = ref.column.toLowerCase();
  const table = ref.table?.toLowerCase();
  for (const source of sources) {
    if (table !== undefined && source.key !== table) continue;
    const field = source.collection?.fields.find((f) => f.name.toLowerCase() === column);
    if (source.collection && field) return { collection: source.collection, field };
    // A qualified reference names exactly one source.
    if (table !== undefined) return null;
  }
  return null;
}

type RawField = Record<string, unknown>;

/** The field suggested for result column `rc`, which SQLite named `name`. */
function suggestField(name: string, rc: ResultColumn, sources: readonly CollectionSource[]): RawField {
  if (name === "id") {
    return {
      id: newFieldId("text", name),
      name,
      type: "text",
      system: true,
      required: true,
      primaryKey: true,
      pattern: "^[a-z0-9]+$",
    };
  }
  const expr = rc.unwrapped;
  const head = expr[0];
  if (isWord(head, "COUNT") && isOpenParen(expr[1])) return numberField(name, true);
  if (isWord(head, "TOTAL") && isOpenParen(expr[1])) return numberField(name, false);

  const castType = castTypeOf(expr);
  if (castType === "REAL" || castType === "DECIMAL" || castType === "NUMERIC")
    return numberField(name, false);
  if (castType === "INT" || castType === "INTEGER") return numberField(name, true);
  if (castType === "TEXT") return { id: newFieldId("text", name), name, type: "text" };
  if (castType === "BOOL" || castType === "BOOLEAN")
    return { id: newFieldId("bool", name), name, type: "bool" };

  const target = rc.ref ? resolveRef(rc.ref, sources) : null;
  if (!target) return jsonField(name);
  if (target.field.name.toLowerCase() === "id") {
    return {
      id: newFieldId("relation", name),
      name,
      type: "relation",
      collectionId: target.collection.id,
      maxSelect: 1,
    };
  }
  // A new id on each clone, so the same field can be selected under several names.
  return { ...structuredClone(target.field), id: "_clone_" + randomString(4), name };
}

function numberField(name: string, onlyInt: boolean): RawField {
  return { id: newFieldId("number", name), name, type: "number", onlyInt };
}

/** PocketBase's fallback: a json field (its size limit is irrelevant, views are read-only). */
function jsonField(name: string): RawField {
  return { id: newFieldId("json", name), name, type: "json", maxSize: 1 };
}

function isOpenParen(token: Token | undefined): boolean {
  return token?.kind === "punct" && token.text === "(";
}

/** For `CAST(… AS type)` spanning the whole expression, the upper-cased one-word type. */
function castTypeOf(expr: readonly Token[]): string | null {
  if (!isWord(expr[0], "CAST") || !isOpenParen(expr[1])) return null;
  let depth = 0;
  let lastAs = -1;
  for (let i = 1; i < expr.length; i++) {
    const tok = expr[i];
    if (tok?.kind === "punct" && tok.text === "(") depth++;
    else if (tok?.kind === "punct" && tok.text === ")") depth--;
    else if (depth === 1 && isWord(tok, "AS")) lastAs = i;
    // The cast's own parenthesis must close the expression.
    if (depth === 0) {
      if (i !== expr.length - 1) return null;
      break;
    }
  }
  const type = expr[lastAs + 1];
  if (lastAs === -1 || lastAs + 2 !== expr.length - 1 || type?.kind !== "word") return null;
  return type.text.toUpperCase();
}
