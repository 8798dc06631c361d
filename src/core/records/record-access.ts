/**
 * Records seen through API rules (§1.1, §5.4): listing with the listRule and a client filter,
 * finding one record under a rule, checking a create rule against a not-yet-saved record, and
 * the visibility checks expand and email visibility need. SQL is compiled by the filter
 * engine through the record field resolver; every value is bound.
 */
import { DEFAULT_FILTER_LIMITS } from "../../query/limits.ts";
import { joinSql, toStatement } from "../../query/sql.ts";
import { isFilterError } from "../../query/errors.ts";
import { quoteIdent, type Row, type SqlValue } from "../db/database.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { RequestInfo } from "../hook-events.ts";
import { RecordFieldResolver } from "./record-field-resolver.ts";
import { type CompiledRule, compileRecordRule } from "./record-rule-cache.ts";
import { type ListStatements, listStatements } from "./record-list-cache.ts";
import { Record } from "./record.ts";
import { alwaysHeavy, existsFormPays, listCost, queryMayBeSlow } from "./record-query-cost.ts";
import { cachedTotal } from "./record-count-cache.ts";
import { ALPHANUMERIC, randomString } from "../../tools/random.ts";

/** Who is asking: the request info rules see, and whether it is a superuser (rules bypassed). */
export interface RuleContext {
  requestInfo: RequestInfo;
  isSuperuser: boolean;
}

/** A filter that may only be used by superusers (answered 403 by the API). */
export class SuperuserOnlyFilterError extends Error {
  override name = "SuperuserOnlyFilterError";
}

/** A filter, sort or rule that cannot be compiled (answered 400 by the API). */
export class InvalidFilterError extends Error {
  override name = "InvalidFilterError";
}

function rethrow(err: unknown): never {
  if (isFilterError(err)) {
    if (err.code === "forbidden" && /Only superusers/i.test(err.message))
      throw new SuperuserOnlyFilterError(err.message);
    throw new InvalidFilterError(err.message);
  }
  throw err;
}

function resolverFor(
  app: App,
  collection: Collection,
  ctx: RuleContext,
  isClientFilter: boolean,
): RecordFieldResolver {
  return new RecordFieldResolver({
    findCollection: (nameOrId: string) => app.findCollectionByNameOrId(nameOrId),
    collection,
    requestInfo: ctx.requestInfo,
    allowHiddenFields: ctx.isSuperuser || !isClientFilter,
    isClientFilter: isClientFilter && !ctx.isSuperuser,
  });
}

/** Alias of the main table inside a rule's correlated sub-select. */
const RULE_ALIAS = "__rule";

/**
 * A rule as one WHERE condition on the main table. A rule without joins is inlined; a rule
 * with joins becomes a correlated `EXISTS (SELECT 1 FROM t __rule <joins> WHERE __rule.id =
 * t.id AND rule)`, evaluated per candidate row (cheap for lookups by id) and with join aliases
 * that never clash with the outer query's.
 */
function ruleCondition(
  app: App,
  collection: Collection,
  rule: string,
  ctx: RuleContext,
): { sql: string; params: SqlValue[] } {
  const compile = (alias?: string) => {
    const newResolver = () =>
      new RecordFieldResolver({
        findCollection: (nameOrId: string) => app.findCollectionByNameOrId(nameOrId),
        collection,
        requestInfo: ctx.requestInfo,
        allowHiddenFields: true,
        isClientFilter: false,
        ...(alias ? { alias, table: collection.name } : {}),
      });
    try {
      const compiled = compileRecordRule({
        rule,
        owner: collection,
        variant: alias ? `correlated:${alias}` : "inline",
        collection,
        requestInfo: ctx.requestInfo,
        limits: DEFAULT_FILTER_LIMITS,
        newResolver,
      });
      return { where: toStatement(compiled.where), joins: compiled.joins };
    } catch (err) {
      rethrow(err);
    }
  };
  // The joins a rule needs don't depend on the alias: compiled inline first, and a second time
  // (correlated) only when it joins.
  const inline = compile();
  if (inline.joins.length === 0) return { sql: `(${inline.where.sql})`, params: inline.where.params };
  const correlated = compile(RULE_ALIAS);
  const table = quoteIdent(collection.name);
  const alias = quoteIdent(RULE_ALIAS);
  const sub = toStatement(joinSql([...correlated.joins], " "));
  return {
    sql: `EXISTS (SELECT 1 FROM ${table} ${alias} ${sub.sql} WHERE ${alias}.\`id\` = ${table}.\`id\` AND (${correlated.where.sql}))`,
    params: [...(sub.params as SqlValue[]), ...(correlated.where.params as SqlValue[])],
  };
}

/** Query of a records list. */
export interface RecordListQuery {
  filter: string;
  sort: string;
  page: number;
  perPage: number;
  skipTotal: boolean;
}

/**
 * A page of records visible under the listRule plus the client's filter and sort. Throws
 * SuperuserOnlyFilterError (→ 403) or InvalidFilterError (→ 400).
 */
export async function listRecords(
  app: App,
  collection: Collection,
  q: RecordListQuery,
  ctx: RuleContext,
): Promise<{ records: Record[]; total: number }> {
  const { rows, total } = await listRecordRows(app, collection, q, ctx);
  return { records: rows.map((row) => Record.fromRow(collection, row)), total };
}

/** `listRecords`' page as table rows (for a caller that exports them without `Record`s). */
export async function listRecordRows(
  app: App,
  collection: Collection,
  q: RecordListQuery,
  ctx: RuleContext,
): Promise<{ rows: Row[]; total: number }> {
  let statements: ListStatements;
  try {
    statements = listStatements(app, collection, q, ctx);
  } catch (err) {
    rethrow(err);
  }
  // The joins under an EXISTS when SQLite's plan would read every row anyway (record-query-cost.ts).
  const form =
    statements.exists !== null && (await existsFormPays(app, collection, collection.name, statements.page))
      ? statements.exists
      : statements;
  const { page, count } = form;
  const offset = (q.page - 1) * q.perPage;
  // What may be slow runs on the read pool, within the query timeout (record-query-cost.ts).
  const heavy = await listCost(app, collection, form.query, offset, { page, count });
  const rows = heavy.page
    ? await app.db.heavyAll(page.sql, page.params)
    : await app.db.all(page.sql, page.params);
  let total = -1;
  if (count !== null) {
    // Kept while no write may have changed it (record-count-cache.ts).
    const confined = !queryMayBeSlow(collection, form.query);
    total = await cachedTotal(app, collection, count, confined, async () => {
      const row = heavy.count
        ? await app.db.heavyGet(count.sql, count.params)
        : await app.db.get(count.sql, count.params);
      return Number(row?.total ?? 0);
    });
  }
  return { rows, total };
}

/**
 * The record with `id` if it satisfies `rule` for the requester (superusers bypass; a null
 * rule lets only superusers through), else null.
 */
export async function findRecordByRule(
  app: App,
  collection: Collection,
  id: string,
  rule: string | null,
  ctx: RuleContext,
): Promise<Record | null> {
  const row = await findRecordRowByRule(app, collection, id, rule, ctx);
  return row ? Record.fromRow(collection, row) : null;
}

/** `findRecordByRule`'s table row (for a caller that exports it without a `Record`). */
export async function findRecordRowByRule(
  app: App,
  collection: Collection,
  id: string,
  rule: string | null,
  ctx: RuleContext,
): Promise<Row | null> {
  const table = quoteIdent(collection.name);
  if (!ctx.isSuperuser && rule === null) return null;
  let where = "";
  let params: SqlValue[] = [];
  if (!ctx.isSuperuser && rule) {
    const cond = ruleCondition(app, collection, rule, ctx);
    where = ` AND ${cond.sql}`;
    params = cond.params;
  }
  const sql = `SELECT ${table}.* FROM ${table} WHERE ${table}.\`id\` = ?${where} LIMIT 1`;
  // A view's query is the user's and may be slow even for one id (record-query-cost.ts).
  const row = alwaysHeavy(collection)
    ? await app.db.heavyGet(sql, [id, ...params])
    : await app.db.get(sql, [id, ...params]);
  return row ?? null;
}

/**
 * The random part of the dummy table names of create-rule checks, drawn once per process: a
 * name that changed with every check made every check's SQL new to the statement cache (a
 * prepare per create, and the cache's useful statements evicted).
 */
const CREATE_SUFFIX = "__pb_create__" + randomString(6, ALPHANUMERIC);

/**
 * Whether a not-yet-saved record satisfies a rule: its values are exported into a CTE under a
 * dummy table name (PocketBase's `<name>__pb_create__xxxxxx`), which the rule's references to
 * the record's own fields resolve to, while joins (self-relations included) still reach the
 * real tables. A record without an id yet gets a dummy one for the check.
 */
export async function checkNewRecordRule(
  app: App,
  record: Record,
  rule: string | null,
  ctx: RuleContext,
): Promise<boolean> {
  if (ctx.isSuperuser) return true;
  if (rule === null) return false;
  if (rule.trim() === "") return true;
  const values = record.dbValues();
  const check = createCheckOf(record.collection, values);
  let checked: CompiledRule;
  try {
    checked = compileRecordRule({
      rule,
      owner: record.collection,
      variant: "create",
      collection: check.collection,
      requestInfo: ctx.requestInfo,
      limits: DEFAULT_FILTER_LIMITS,
      newResolver: () => resolverFor(app, check.collection, ctx, false),
    });
  } catch (err) {
    rethrow(err);
  }
  const params: SqlValue[] = [];
  for (const v of values) params.push(v.name === "id" && v.value === "" ? TEMP_ID : v.value);
  for (const join of checked.joins) for (const value of join.params) params.push(value);
  for (const value of checked.where.params) params.push(value);
  const row = await app.db.get(check.sql(checked), params);
  return row !== undefined;
}

/** The dummy id of a record without one yet, during its create-rule check. */
const TEMP_ID = "__temp_id__" + CREATE_SUFFIX;

/**
 * What a create-rule check of one collection shares between requests: the renamed collection
 * the rule resolves the record's fields against, the CTE of the record's columns and the full
 * SQL per compiled rule (the same text objects each time, so the statement cache finds them
 * without hashing a new string). They were built on every create (the collection copied, the
 * CTE and the SQL joined again).
 */
interface CreateCheck {
  readonly collection: Collection;
  /** The owner's name when built. */
  readonly base: string;
  /** The column names of the CTE, in `dbValues` order. */
  readonly names: readonly string[];
  sql(rule: CompiledRule): string;
}

const createChecks = new WeakMap<Collection, CreateCheck>();

function createCheckOf(owner: Collection, values: readonly { name: string }[]): CreateCheck {
  const known = createChecks.get(owner);
  if (known && sameNames(known, owner, values)) return known;
  const check = newCreateCheck(owner, values);
  createChecks.set(owner, check);
  return check;
}

/** Whether a check still fits the collection (an object changed in place, e.g. by a hook, gets a new one). */
function sameNames(check: CreateCheck, owner: Collection, values: readonly { name: string }[]): boolean {
  if (check.base !== owner.name || check.names.length !== values.length) return false;
  for (let i = 0; i < values.length; i++) if (check.names[i] !== values[i]!.name) return false;
  return true;
}

function newCreateCheck(owner: Collection, values: readonly { name: string }[]): CreateCheck {
  const collection: Collection = { ...owner, name: owner.name + CREATE_SUFFIX };
  const table = quoteIdent(collection.name);
  const names = values.map((v) => v.name);
  const cte = `WITH ${table} AS (SELECT ${names.map((n) => `? AS ${quoteIdent(n)}`).join(", ")})`;
  // by the rule's WHERE text, with the joins' text it was built with
  const built = new Map<string, { joins: string; sql: string }>();
  return {
    collection,
    base: owner.name,
    names,
    sql(rule) {
      const joins = rule.joins.length === 0 ? "" : joinSql([...rule.joins], " ").sql;
      const hit = built.get(rule.where.sql);
      if (hit && hit.joins === joins) return hit.sql;
      const sql = `${cte} SELECT 1 FROM ${table} ${joins} WHERE ${rule.where.sql} LIMIT 1`;
      if (built.size >= 64) built.clear();
      built.set(rule.where.sql, { joins, sql });
      return sql;
    },
  };
}

/** Whether the requester may create the record under the collection's createRule. */
export function canCreateRecord(
  app: App,
  record: Record,
  rule: string | null,
  ctx: RuleContext,
): Promise<boolean> {
  return checkNewRecordRule(app, record, rule, ctx);
}

/** Whether the requester manages the auth record (superuser, or matching the manageRule). */
export async function isManagerOf(app: App, record: Record, ctx: RuleContext): Promise<boolean> {
  if (ctx.isSuperuser) return true;
  const rule = record.collection.auth?.manageRule ?? null;
  // Only an authenticated requester can manage (a non-empty manageRule is required).
  if (!rule || !ctx.requestInfo.auth) return false;
  if (record.isNew) return checkNewRecordRule(app, record, rule, ctx);
  return (await findRecordByRule(app, record.collection, record.id, rule, ctx)) !== null;
}

/** Ids among `ids` whose records match the collection's manageRule for the requester. */
export async function managedRecordIds(
  app: App,
  collection: Collection,
  ids: string[],
  ctx: RuleContext,
): Promise<string[]> {
  const rule = collection.auth?.manageRule;
  if (!rule || ids.length === 0) return [];
  const table = quoteIdent(collection.name);
  const cond = ruleCondition(app, collection, rule, ctx);
  const rows = await app.db.all(
    `SELECT ${table}.\`id\` FROM ${table} WHERE ${table}.\`id\` IN (${ids.map(() => "?").join(",")}) AND ${cond.sql}`,
    [...ids, ...cond.params],
  );
  return rows.map((r) => String(r.id));
}

/**
 * Records of `collection` matching `where` that the requester may view (its viewRule), or
 * null when the rule refuses everyone but superusers. Used by expand.
 */
export async function fetchVisibleRecords(
  app: App,
  collection: Collection,
  where: string,
  params: SqlValue[],
  ctx: RuleContext,
  limit?: number,
): Promise<Record[] | null> {
  const rows = await fetchVisibleRows(app, collection, where, params, ctx, limit);
  return rows && rows.map((row) => Record.fromRow(collection, row));
}

/** `fetchVisibleRecords`' table rows (for a caller that exports them without `Record`s). */
export async function fetchVisibleRows(
  app: App,
  collection: Collection,
  where: string,
  params: SqlValue[],
  ctx: RuleContext,
  limit?: number,
): Promise<Row[] | null> {
  if (!ctx.isSuperuser && collection.viewRule === null) return null;
  const table = quoteIdent(collection.name);
  let rule = "";
  let ruleParams: SqlValue[] = [];
  if (!ctx.isSuperuser && collection.viewRule) {
    try {
      const cond = ruleCondition(app, collection, collection.viewRule, ctx);
      rule = ` AND ${cond.sql}`;
      ruleParams = cond.params;
    } catch {
      return null;
    }
  }
  const limitSql = limit ? ` LIMIT ${Math.trunc(limit)}` : "";
  return app.db.all(`SELECT ${table}.* FROM ${table} WHERE (${where})${rule}${limitSql}`, [
    ...params,
    ...ruleParams,
  ]);
}

// ---- rule checks without a request (authRule) ----------------------------------------------

/** Whether `record` satisfies `rule` (null = superusers only → false here; "" = everyone). */
export async function checkRecordRule(
  app: App,
  record: Record,
  rule: string | null,
  requestInfo?: RequestInfo,
): Promise<boolean> {
  if (rule === null) return false;
  if (rule.trim() === "") return true;
  const info: RequestInfo = requestInfo ?? {
    query: {},
    headers: {},
    body: {},
    auth: null,
    method: "POST",
    context: "default",
  };
  return (
    (await findRecordByRule(app, record.collection, record.id, rule, {
      requestInfo: info,
      isSuperuser: false,
    })) !== null
  );
}

/** Whether the record may authenticate under its collection's authRule. */
export function canAuthenticate(app: App, record: Record, requestInfo?: RequestInfo): Promise<boolean> {
  return checkRecordRule(app, record, record.collection.auth?.authRule ?? null, requestInfo);
}
