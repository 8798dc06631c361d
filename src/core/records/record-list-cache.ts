/**
 * The statements of a records list built once and reused (issue 17). A list's SQL depends on
 * the listRule, the client's `?filter` and `?sort`, whether the requester is a superuser, and
 * on the request only through the `@request.*` constants it reads (record-request-shape.ts).
 * So the page and count statements are compiled once per (collection object, requester kind,
 * rule, filter, sort, request shape) into templates whose `@request.*` values are slots
 * (src/query/filter-template.ts); a request binds its values, its LIMIT and OFFSET into the same
 * SQL text, which also finds its prepared statement without rebuilding or rehashing the text.
 * The filter's and sort's own literals are bound params too; they are part of the key. A query
 * with joins keeps the statements of both its forms (PocketBase's joined one and the EXISTS one,
 * record-query-exists.ts); the request runs the one SQLite's plan favours (record-query-cost.ts).
 *
 * Compiled per request as before: a rule or filter with a date macro (`@now`…), `@request.*`
 * that need SQL (`@request.auth.rel.x`, `:changed`…), and a client filter or sort that reaches
 * a related collection whose listRule reads the request or the clock (the join's visibility
 * check binds those values where no slot can see them). Errors are never cached: a bad filter
 * fails on every request exactly as before.
 *
 * Bounds: a filter text per request must neither grow memory nor evict the rule templates
 * (record-rule-cache.ts, a separate map): each collection object keeps its `MAX_LISTS` most
 * recently used (requester, rule, filter, sort) keys, each up to `MAX_SHAPES` request shapes.
 * Entries live as long as their collection object: any collection change reloads every
 * collection (`App.reloadCollections`), so a changed rule, field or related collection gets
 * new objects and new entries.
 */
import { sharedFilterCache } from "../../query/filter-cache.ts";
import { type FragmentTemplate, SlotResolver } from "../../query/filter-template.ts";
import { DEFAULT_FILTER_LIMITS } from "../../query/limits.ts";
import type { SqlValue } from "../../query/sql.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { RequestInfo } from "../hook-events.ts";
import { RULE_FILTER_LIMITS, type RecordFieldResolver } from "./record-field-resolver.ts";
import type { ListQueryShape } from "./record-query-cost.ts";
import {
  type RequestValues,
  isRequestIdentifier,
  requestIdentifiers,
  requestValues,
  shapeKey,
} from "./record-request-shape.ts";
import {
  type RecordQuery,
  RecordQueryBuilder,
  existsForm,
  recordCountSql,
  recordSelectSql,
} from "./record-rule.ts";
import { sqliteDialect } from "../../query/dialect.ts";

/** What a list asks for (`RecordListQuery` of record-access.ts). */
export interface ListRequest {
  readonly filter: string;
  readonly sort: string;
  readonly page: number;
  readonly perPage: number;
  readonly skipTotal: boolean;
}

/** Who asks (`RuleContext` of record-access.ts). */
export interface ListRequester {
  readonly requestInfo: RequestInfo;
  readonly isSuperuser: boolean;
}

/** A statement ready for `db.all`/`db.get`. */
export interface ListStatement {
  readonly sql: string;
  readonly params: SqlValue[];
}

/** A list's statements in one form, and what the cost decision reads of its query. */
export interface ListForm {
  readonly query: ListQueryShape;
  readonly page: ListStatement;
  /** Null with skipTotal. */
  readonly count: ListStatement | null;
}

/**
 * A list's statements for one request: PocketBase's form, and the EXISTS form of the same
 * query when it has one (record-query-exists.ts; `existsFormPays` picks).
 */
export interface ListStatements extends ListForm {
  readonly exists: ListForm | null;
}

interface PlanForm {
  readonly query: ListQueryShape;
  /** Its last two params are LIMIT and OFFSET. */
  readonly page: FragmentTemplate;
  readonly count: FragmentTemplate;
}

interface Plan extends PlanForm {
  readonly exists: PlanForm | null;
  /** The `@request.*` identifier of each slot, by slot index. */
  readonly slots: readonly string[];
}

interface Entry {
  /** The `@request.*` identifiers of the rule and filter; null when never reused. */
  readonly identifiers: readonly string[] | null;
  /** By request shape; null when that shape compiles per request. */
  readonly plans: Map<string, Plan | null>;
}

/** Bounds: (requester, rule, filter, sort) keys per collection, shapes per key. */
export const MAX_LISTS = 128;
const MAX_SHAPES = 16;

const entriesByCollection = new WeakMap<Collection, Map<string, Entry>>();

/** Counters for tests: compiles (template or per request) and requests answered from a plan. */
export const listCacheStats = { compiles: 0, hits: 0 };

/** How many (requester, rule, filter, sort) keys a collection object holds (for tests). */
export function cachedListCount(collection: Collection): number {
  return entriesByCollection.get(collection)?.size ?? 0;
}

/**
 * The page and count statements of a list (see the header). Throws the compiler's errors
 * (`FilterError`s) as a direct compile does.
 */
export function listStatements(
  app: App,
  collection: Collection,
  q: ListRequest,
  ctx: ListRequester,
): ListStatements {
  const rule = !ctx.isSuperuser && collection.listRule ? collection.listRule : "";
  const entry = listEntry(collection, rule, q, ctx.isSuperuser);
  if (entry === null || entry.identifiers === null) return compileDirect(app, collection, q, ctx);
  const values = requestValues(entry.identifiers, collection, ctx.requestInfo);
  if (values === null) return compileDirect(app, collection, q, ctx);
  const shape = shapeKey(values);
  const plan = entry.plans.get(shape);
  if (plan === undefined) return compilePlan(app, collection, q, ctx, entry, shape, values);
  if (plan === null) return compileDirect(app, collection, q, ctx);
  listCacheStats.hits++;
  return fill(plan, values, q);
}

/** The entry of a (requester, rule, filter, sort), most recently used last; null on a parse error. */
function listEntry(collection: Collection, rule: string, q: ListRequest, isSuperuser: boolean): Entry | null {
  let entries = entriesByCollection.get(collection);
  if (entries === undefined) {
    entries = new Map();
    entriesByCollection.set(collection, entries);
  }
  const key = `${isSuperuser ? "s" : "u"}\u0000${rule}\u0000${q.sort}\u0000${q.filter}`;
  let entry = entries.get(key);
  if (entry !== undefined) {
    entries.delete(key);
    entries.set(key, entry);
    return entry;
  }
  let identifiers: string[] | null;
  try {
    identifiers = filterIdentifiers(rule, q.filter);
  } catch {
    // A parse error: the direct compile throws it, in the order it always did; nothing is kept.
    return null;
  }
  entry = { identifiers, plans: new Map() };
  if (entries.size >= MAX_LISTS) {
    const oldest = entries.keys().next();
    if (oldest.done !== true) entries.delete(oldest.value);
  }
  entries.set(key, entry);
  return entry;
}

/** The distinct `@request.*` identifiers of the rule and the filter; null with a date macro. */
function filterIdentifiers(rule: string, filter: string): string[] | null {
  const found = new Set<string>();
  const texts: [string, typeof RULE_FILTER_LIMITS][] = [
    [rule, RULE_FILTER_LIMITS],
    [filter, DEFAULT_FILTER_LIMITS],
  ];
  for (const [text, limits] of texts) {
    if (text.trim() === "") continue;
    const identifiers = requestIdentifiers(sharedFilterCache.parse(text, limits));
    if (identifiers === null) return null;
    for (const identifier of identifiers) found.add(identifier);
  }
  return [...found];
}

function buildQuery(
  app: App,
  collection: Collection,
  q: ListRequest,
  ctx: ListRequester,
  wrapResolver?: (resolver: RecordFieldResolver) => SlotResolver,
): RecordQuery {
  // One join list for the listRule, the client filter and the sort: the rule's joins go into
  // the main query (one join per relation hop, as PocketBase), so SQLite can stop at LIMIT
  // instead of first computing every row the rule allows.
  const builder = new RecordQueryBuilder({
    findCollection: (nameOrId: string) => app.findCollectionByNameOrId(nameOrId),
    collection,
    requestInfo: ctx.requestInfo,
    isSuperuser: ctx.isSuperuser,
    wrapResolver,
  });
  if (!ctx.isSuperuser && collection.listRule) builder.rule(collection.listRule);
  builder.filter(q.filter);
  if (q.sort.trim()) builder.sort(q.sort);
  return builder.build();
}

/** Without joins every row is distinct already: COUNT(*) is answered from the smallest index. */
function countSql(collection: Collection, query: RecordQuery) {
  return query.needsDistinct
    ? recordCountSql(collection, query)
    : recordCountSql(collection, query, sqliteDialect, { distinct: false });
}

/** The statements of one form of the query. */
function formStatements(collection: Collection, query: RecordQuery, q: ListRequest): ListForm {
  const offset = (q.page - 1) * q.perPage;
  const page = recordSelectSql(collection, query, { limit: q.perPage, offset });
  const count = q.skipTotal ? null : countSql(collection, query);
  return {
    query,
    page: { sql: page.sql, params: [...page.params] },
    count: count === null ? null : { sql: count.sql, params: [...count.params] },
  };
}

/** The statements compiled for this request alone. */
function compileDirect(app: App, collection: Collection, q: ListRequest, ctx: ListRequester): ListStatements {
  listCacheStats.compiles++;
  const query = buildQuery(app, collection, q, ctx);
  const exists = query.existsWhere === null ? null : formStatements(collection, existsForm(query), q);
  return { ...formStatements(collection, query, q), exists };
}

/** The templates of one form, or null when one cannot be reused. */
function planForm(collection: Collection, query: RecordQuery, slots: SlotResolver): PlanForm | null {
  const page = slots.statementTemplate(recordSelectSql(collection, query, { limit: 0, offset: 0 }));
  const count = slots.statementTemplate(countSql(collection, query));
  if (page === null || count === null) return null;
  // Only the texts: the first request's values must never be run for another.
  const shape = {
    joins: query.joins.map(() => null),
    where: { sql: query.where.sql },
    orderBy: { sql: query.orderBy.sql },
  };
  return { query: shape, page, count };
}

function compilePlan(
  app: App,
  collection: Collection,
  q: ListRequest,
  ctx: ListRequester,
  entry: Entry,
  shape: string,
  values: RequestValues,
): ListStatements {
  listCacheStats.compiles++;
  let slots: SlotResolver | undefined;
  const resolvers: RecordFieldResolver[] = [];
  const query = buildQuery(app, collection, q, ctx, (resolver) => {
    resolvers.push(resolver);
    const wrapped = new SlotResolver(resolver, isRequestIdentifier, slots);
    slots ??= wrapped;
    return wrapped;
  });
  const joined = slots === undefined ? null : planForm(collection, query, slots);
  const exists =
    slots === undefined || query.existsWhere === null ? null : planForm(collection, existsForm(query), slots);
  if (entry.plans.size >= MAX_SHAPES) entry.plans.clear();
  if (
    slots === undefined ||
    joined === null ||
    (query.existsWhere !== null && exists === null) ||
    !visibilityIsStatic(resolvers)
  ) {
    entry.plans.set(shape, null);
    return compileDirect(app, collection, q, ctx);
  }
  const plan: Plan = { ...joined, exists, slots: slots.slotIdentifiers };
  entry.plans.set(shape, plan);
  return fill(plan, values, q);
}

/** Whether the listRules joined for the client filter and sort read neither request nor clock. */
function visibilityIsStatic(resolvers: readonly RecordFieldResolver[]): boolean {
  for (const resolver of resolvers) {
    for (const rule of resolver.visibilityRules()) {
      const identifiers = requestIdentifiers(sharedFilterCache.parse(rule, RULE_FILTER_LIMITS));
      if (identifiers === null || identifiers.length > 0) return false;
    }
  }
  return true;
}

function bind(template: FragmentTemplate, slotValues: readonly SqlValue[]): SqlValue[] {
  const params = template.params.slice();
  for (const [at, slot] of template.slots) params[at] = slotValues[slot] ?? null;
  return params;
}

/** A plan with this request's values, LIMIT and OFFSET bound. */
function fill(plan: Plan, values: RequestValues, q: ListRequest): ListStatements {
  const slotValues: SqlValue[] = [];
  for (const identifier of plan.slots) slotValues.push(values.get(identifier) as SqlValue);
  const exists = plan.exists === null ? null : fillForm(plan.exists, slotValues, q);
  return { ...fillForm(plan, slotValues, q), exists };
}

function fillForm(form: PlanForm, slotValues: readonly SqlValue[], q: ListRequest): ListForm {
  const pageParams = bind(form.page, slotValues);
  pageParams[pageParams.length - 2] = q.perPage;
  pageParams[pageParams.length - 1] = (q.page - 1) * q.perPage;
  return {
    query: form.query,
    page: { sql: form.page.sql, params: pageParams },
    count: q.skipTotal ? null : { sql: form.count.sql, params: bind(form.count, slotValues) },
  };
}
