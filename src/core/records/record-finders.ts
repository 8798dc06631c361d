/**
 * The record look-ups behind the App methods hooks and the API share (`app.findRecordById`,
 * `app.findRecordsByFilter`, …), with PocketBase's semantics: a collection is given as the
 * object, its name or its id; a missing record or collection throws NotFoundError (→ 404);
 * filters use the filter language with `{:name}` placeholders and see hidden fields, without
 * any request context. Every value is bound.
 */
import { parseUnverifiedJwt } from "../../tools/jwt.ts";
import { isFilterError } from "../../query/errors.ts";
import { bindFilterParams, type FilterParams } from "../../query/placeholders.ts";
import { joinSql, toStatement, type SqlFragment } from "../../query/sql.ts";
import { quoteIdent, type SqlValue } from "../db/database.ts";
import type { App } from "../app.ts";
import { SUPERUSERS, type Collection } from "../collections/collection-model.ts";
import { NotFoundError } from "../errors.ts";
import type { RequestInfo } from "../hook-events.ts";
import { findRecordByRule, InvalidFilterError } from "./record-access.ts";
import { expandRecords as expandInPlace, type VisibleFetcher } from "./record-expand.ts";
import * as query from "./record-query.ts";
import {
  RecordQueryBuilder,
  existsForm,
  recordCountSql,
  recordSelectSql,
  type RecordQuery,
} from "./record-rule.ts";
import { findAuthRecordByToken as findByTokenOfType, TOKEN_TYPES, type TokenType } from "./record-tokens.ts";
import { Record } from "./record.ts";
import { existsFormPays, queryMayBeSlow } from "./record-query-cost.ts";

/** A collection given as the object, its name or its id (PocketBase's `collectionModelOrIdentifier`). */
export type CollectionRef = Collection | string;

/** A SQL condition with its bound values (what `$dbx` expressions compile to); null ones are skipped. */
export type SqlExpression = SqlFragment | null | undefined;

/** The collection a reference names; throws NotFoundError when there is none. */
export function collectionOf(app: App, ref: CollectionRef): Collection {
  if (typeof ref !== "string") return ref;
  const found = app.findCollectionByNameOrId(ref);
  if (!found) throw new NotFoundError(`Missing collection context: ${JSON.stringify(ref)} doesn't exist.`);
  return found;
}

function found<T>(value: T | null | undefined): T {
  if (value === null || value === undefined) throw new NotFoundError();
  return value;
}

/** The record with that id; throws NotFoundError when missing. */
export async function findRecordById(app: App, ref: CollectionRef, id: string): Promise<Record> {
  return found(await query.findRecordById(app, collectionOf(app, ref), id));
}

/** The records with these ids (those that exist, in table order). */
export async function findRecordsByIds(
  app: App,
  ref: CollectionRef,
  ids: readonly string[],
): Promise<Record[]> {
  const collection = collectionOf(app, ref);
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  const table = quoteIdent(collection.name);
  const rows = await app.db.all(
    `SELECT ${table}.* FROM ${table} WHERE ${table}.\`id\` IN (${unique.map(() => "?").join(",")})`,
    unique,
  );
  return rows.map((row) => Record.fromRow(collection, row));
}

function whereOf(expressions: readonly SqlExpression[]): { sql: string; params: SqlValue[] } {
  const given = expressions.filter(
    (e): e is SqlFragment => e !== null && e !== undefined && e.sql.trim() !== "",
  );
  if (given.length === 0) return { sql: "", params: [] };
  const where = toStatement(
    joinSql(
      given.map((e) => ({ sql: `(${e.sql})`, params: e.params })),
      " AND ",
    ),
  );
  return { sql: ` WHERE ${where.sql}`, params: where.params };
}

/** Every record matching all the expressions (every record without any). */
export async function findAllRecords(
  app: App,
  ref: CollectionRef,
  ...expressions: SqlExpression[]
): Promise<Record[]> {
  const collection = collectionOf(app, ref);
  const table = quoteIdent(collection.name);
  const where = whereOf(expressions);
  const rows = await app.db.all(`SELECT ${table}.* FROM ${table}${where.sql}`, where.params);
  return rows.map((row) => Record.fromRow(collection, row));
}

/** Compiles a filter and sort as an unrestricted query (hidden fields allowed, no request). */
function compileQuery(
  app: App,
  collection: Collection,
  filter: string,
  sort: string,
  params: FilterParams[],
) {
  try {
    const builder = new RecordQueryBuilder({
      findCollection: (nameOrId) => app.findCollectionByNameOrId(nameOrId),
      collection,
      requestInfo: null,
      isSuperuser: true,
    });
    builder.rule(bindFilterParams(filter, ...params));
    if (sort.trim() !== "") builder.sort(sort);
    return builder.build();
  } catch (err) {
    if (isFilterError(err)) throw new InvalidFilterError(`invalid filter expression: ${err.message}`);
    throw err;
  }
}

/** The form of `q` to run: its EXISTS form when SQLite would read every row anyway. */
async function runnableForm(app: App, collection: Collection, q: RecordQuery): Promise<RecordQuery> {
  if (q.existsWhere === null) return q;
  const joined = toStatement(recordSelectSql(collection, q));
  return (await existsFormPays(app, collection, q.alias, joined)) ? existsForm(q) : q;
}

/**
 * Records matching a filter (`""` = all), sorted (`-created,title`), paged: a limit or offset of
 * 0 means none. Throws InvalidFilterError (→ 400) for a filter or sort that does not compile.
 */
export async function findRecordsByFilter(
  app: App,
  ref: CollectionRef,
  filter: string,
  sort = "",
  limit = 0,
  offset = 0,
  ...params: FilterParams[]
): Promise<Record[]> {
  const collection = collectionOf(app, ref);
  const q = await runnableForm(app, collection, compileQuery(app, collection, filter, sort, params));
  const page: { limit?: number; offset?: number } = {};
  // SQLite needs a LIMIT before an OFFSET: -1 is "no limit".
  if (limit > 0 || offset > 0) page.limit = limit > 0 ? Math.trunc(limit) : -1;
  if (offset > 0) page.offset = Math.trunc(offset);
  const statement = toStatement(recordSelectSql(collection, q, page));
  const rows = queryMayBeSlow(collection, q)
    ? await app.db.heavyAll(statement.sql, statement.params)
    : await app.db.all(statement.sql, statement.params);
  return rows.map((row) => Record.fromRow(collection, row));
}

/** The first record matching a filter; throws NotFoundError when none does. */
export async function findFirstRecordByFilter(
  app: App,
  ref: CollectionRef,
  filter: string,
  ...params: FilterParams[]
): Promise<Record> {
  return found((await findRecordsByFilter(app, ref, filter, "", 1, 0, ...params))[0]);
}

/**
 * How many records match: either a filter (with `{:name}` params) or SQL expressions.
 * `countRecords("posts")`, `countRecords("posts", "views > {:n}", {n: 1})`.
 */
export async function countRecords(
  app: App,
  ref: CollectionRef,
  ...args: (string | FilterParams | SqlExpression)[]
): Promise<number> {
  const collection = collectionOf(app, ref);
  if (typeof args[0] === "string") {
    const [filter, ...params] = args as [string, ...FilterParams[]];
    const q = await runnableForm(app, collection, compileQuery(app, collection, filter, "", params));
    const statement = toStatement(recordCountSql(collection, q, undefined, { distinct: q.needsDistinct }));
    const row = queryMayBeSlow(collection, q)
      ? await app.db.heavyGet(statement.sql, statement.params)
      : await app.db.get(statement.sql, statement.params);
    return Number(row?.total ?? 0);
  }
  const table = quoteIdent(collection.name);
  const where = whereOf(args as SqlExpression[]);
  const row = await app.db.get(`SELECT COUNT(*) AS n FROM ${table}${where.sql}`, where.params);
  return Number(row?.n ?? 0);
}

/** The first record whose field equals a value; the field must exist. Throws NotFoundError. */
export async function findFirstRecordByData(
  app: App,
  ref: CollectionRef,
  field: string,
  value: unknown,
): Promise<Record> {
  const collection = collectionOf(app, ref);
  if (!collection.fields.some((f) => f.name === field)) {
    throw new Error(`invalid or missing field ${JSON.stringify(field)}`);
  }
  const bound: SqlValue =
    typeof value === "boolean"
      ? Number(value)
      : typeof value === "number" || typeof value === "string" || value === null
        ? value
        : JSON.stringify(value);
  const table = quoteIdent(collection.name);
  const row = await app.db.get(`SELECT ${table}.* FROM ${table} WHERE ${quoteIdent(field)} = ? LIMIT 1`, [
    bound,
  ]);
  return found(row && Record.fromRow(collection, row));
}

/** An auth record by email (case-insensitive). Throws for a non-auth collection or NotFoundError. */
export async function findAuthRecordByEmail(app: App, ref: CollectionRef, email: string): Promise<Record> {
  const collection = collectionOf(app, ref);
  if (collection.type !== "auth")
    throw new Error(`${JSON.stringify(collection.name)} is not an auth collection`);
  return found(await query.findAuthRecordByEmail(app, collection, email));
}

/**
 * The auth record a valid token of one of `types` (any type when none) belongs to. Throws
 * NotFoundError for a malformed, expired, foreign or stale token.
 */
export async function findAuthRecordByToken(app: App, token: string, ...types: string[]): Promise<Record> {
  const claimType = parseUnverifiedJwt(token)?.type;
  const type = typeof claimType === "string" && Object.hasOwn(TOKEN_TYPES, claimType) ? claimType : "";
  if (!type || (types.length > 0 && !types.includes(type)))
    throw new NotFoundError("invalid or expired token");
  const result = await findByTokenOfType(app, token, type as TokenType);
  if (!result) throw new NotFoundError("invalid or expired token");
  return result.record;
}

/**
 * Whether the requester of `requestInfo` may access the stored record under `rule`:
 * superusers always, nobody else when the rule is null, everyone when it is empty, otherwise
 * when the rule matches the record.
 */
export async function canAccessRecord(
  app: App,
  record: Record,
  requestInfo: RequestInfo,
  rule: string | null,
): Promise<boolean> {
  const isSuperuser = requestInfo.auth?.collection.name === SUPERUSERS;
  if (isSuperuser) return true;
  if (rule === null) return false;
  if (rule.trim() === "") return true;
  const match = await findRecordByRule(app, record.collection, record.id, rule, { requestInfo, isSuperuser });
  return match !== null;
}

/** Fetches the related records of an expand: `(collection, ids) => records`. */
export type ExpandFetch = (collection: Collection, ids: string[]) => Promise<Record[]> | Record[];

/**
 * Expands relation paths (`["author", "comments_via_post.user"]`) on records of one
 * collection, in place, without access rules unless `fetch` applies some. Returns the paths
 * that failed (unknown field, or refused), each with its error; empty when all expanded.
 */
export async function expandRecords(
  app: App,
  records: Record[],
  expands: readonly string[],
  fetch: ExpandFetch | null = null,
): Promise<{ [path: string]: Error }> {
  const fetcher: VisibleFetcher = async (collection, where, params, limit) => {
    const table = quoteIdent(collection.name);
    const limitSql = limit ? ` LIMIT ${Math.trunc(limit)}` : "";
    if (!fetch) {
      const rows = await app.db.all(`SELECT ${table}.* FROM ${table} WHERE (${where})${limitSql}`, params);
      return rows.map((row) => Record.fromRow(collection, row));
    }
    const rows = await app.db.all(`SELECT ${table}.\`id\` FROM ${table} WHERE (${where})${limitSql}`, params);
    return fetch(
      collection,
      rows.map((r) => String(r.id)),
    );
  };
  const failed = await expandInPlace(app, records, expands.join(","), fetcher);
  const out: { [path: string]: Error } = {};
  for (const path of failed) out[path] = new Error(`Failed to expand ${JSON.stringify(path)}.`);
  return out;
}
