/**
 * Records seen through API rules (§1.1, §5.4): listing with the listRule and a client filter,
 * finding one record under a rule, checking a create rule against a not-yet-saved record, and
 * the visibility checks expand and email visibility need. SQL is compiled by the filter
 * engine through the record field resolver; every value is bound.
 */
import { buildFilter } from "../../query/filter-compiler.ts";
import { buildSort } from "../../query/sort.ts";
import { joinSql, toStatement, type SqlFragment } from "../../query/sql.ts";
import { isFilterError } from "../../query/errors.ts";
import { quoteIdent, type SqlValue } from "../db/database.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { RequestInfo } from "../hook-events.ts";
import { RecordFieldResolver } from "./record-field-resolver.ts";
import { Record } from "./record.ts";
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

/**
 * A rule as one WHERE condition on the main table. A rule without joins is inlined; a rule
 * with joins becomes `id IN (SELECT …)` so its join aliases never clash with the client
 * filter's.
 */
function ruleCondition(
  app: App,
  collection: Collection,
  rule: string,
  ctx: RuleContext,
): { sql: string; params: SqlValue[] } {
  const resolver = resolverFor(app, collection, ctx, false);
  let where: SqlFragment;
  try {
    where = buildFilter(rule, { resolver });
  } catch (err) {
    rethrow(err);
  }
  const joins = resolver.joins();
  const compiled = toStatement(where);
  if (joins.length === 0) return { sql: `(${compiled.sql})`, params: compiled.params };
  const table = quoteIdent(collection.name);
  const sub = toStatement(joinSql([...joins], " "));
  return {
    sql: `${table}.\`id\` IN (SELECT DISTINCT ${table}.\`id\` FROM ${table} ${sub.sql} WHERE ${compiled.sql})`,
    params: [...(sub.params as SqlValue[]), ...(compiled.params as SqlValue[])],
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
  const table = quoteIdent(collection.name);
  const conditions: string[] = [];
  const whereParams: SqlValue[] = [];
  if (!ctx.isSuperuser && collection.listRule) {
    const rule = ruleCondition(app, collection, collection.listRule, ctx);
    conditions.push(rule.sql);
    whereParams.push(...rule.params);
  }
  const resolver = resolverFor(app, collection, ctx, true);
  let orderSql = "";
  let orderParams: SqlValue[] = [];
  try {
    if (q.filter.trim()) {
      const f = toStatement(buildFilter(q.filter, { resolver }));
      conditions.push(`(${f.sql})`);
      whereParams.push(...(f.params as SqlValue[]));
    }
    if (q.sort.trim()) {
      const s = toStatement(buildSort(q.sort, { resolver }));
      if (s.sql) {
        orderSql = ` ORDER BY ${s.sql}`;
        orderParams = s.params;
      }
    }
  } catch (err) {
    rethrow(err);
  }
  const joins = toStatement(joinSql([...resolver.joins()], " "));
  const joinSqlText = joins.sql ? ` ${joins.sql}` : "";
  const joinParams = joins.params as SqlValue[];
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
  const distinct = joinSqlText ? "DISTINCT " : "";
  const offset = (q.page - 1) * q.perPage;
  const rows = await app.db.all(
    `SELECT ${distinct}${table}.* FROM ${table}${joinSqlText}${where}${orderSql} LIMIT ? OFFSET ?`,
    [...joinParams, ...whereParams, ...orderParams, q.perPage, offset],
  );
  let total = -1;
  if (!q.skipTotal) {
    const rowid = collection.type === "view" ? `${table}.\`id\`` : `${table}.\`_rowid_\``;
    const count = await app.db.get(
      `SELECT COUNT(DISTINCT ${rowid}) AS n FROM ${table}${joinSqlText}${where}`,
      [...joinParams, ...whereParams],
    );
    total = Number(count?.n ?? 0);
  }
  return { records: rows.map((row) => Record.fromRow(collection, row)), total };
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
  const table = quoteIdent(collection.name);
  if (!ctx.isSuperuser && rule === null) return null;
  let where = "";
  let params: SqlValue[] = [];
  if (!ctx.isSuperuser && rule) {
    const cond = ruleCondition(app, collection, rule, ctx);
    where = ` AND ${cond.sql}`;
    params = cond.params;
  }
  const row = await app.db.get(`SELECT ${table}.* FROM ${table} WHERE ${table}.\`id\` = ?${where} LIMIT 1`, [
    id,
    ...params,
  ]);
  return row ? Record.fromRow(collection, row) : null;
}

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
  const suffix = "__pb_create__" + randomString(6, ALPHANUMERIC);
  const collection: Collection = { ...record.collection, name: record.collection.name + suffix };
  const table = quoteIdent(collection.name);
  const values = record
    .dbValues()
    .map((v) => (v.name === "id" && v.value === "" ? { ...v, value: "__temp_id__" + suffix } : v));
  const cte = `WITH ${table} AS (SELECT ${values.map((v) => `? AS ${quoteIdent(v.name)}`).join(", ")})`;
  const resolver = resolverFor(app, collection, ctx, false);
  let where: SqlFragment;
  try {
    where = buildFilter(rule, { resolver });
  } catch (err) {
    rethrow(err);
  }
  const joins = toStatement(joinSql([...resolver.joins()], " "));
  const compiled = toStatement(where);
  const row = await app.db.get(`${cte} SELECT 1 FROM ${table} ${joins.sql} WHERE ${compiled.sql} LIMIT 1`, [
    ...values.map((v) => v.value),
    ...(joins.params as SqlValue[]),
    ...(compiled.params as SqlValue[]),
  ]);
  return row !== undefined;
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
  const rows = await app.db.all(`SELECT ${table}.* FROM ${table} WHERE (${where})${rule}${limitSql}`, [
    ...params,
    ...ruleParams,
  ]);
  return rows.map((row) => Record.fromRow(collection, row));
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
