/**
 * API rules and client filters over records, compiled to SQL for the records API (list, view,
 * create, update, delete) and for anything else that checks a rule against a record.
 *
 * One `RecordQueryBuilder` compiles the collection's rule, the client's `?filter` and `?sort`
 * with resolvers that share one join list, so a relation used by both is joined once (or twice
 * when the client filter must see it through the target's listRule, §5.4). Rules are compiled
 * with full access (hidden fields, `@request.*`, `@collection.*`); client filters of
 * non-superusers with the client restrictions. Errors are `FilterError`s: 400, except those
 * `isSuperuserOnlyFilterError` recognises (403).
 *
 * @example records list
 *   const query = new RecordQueryBuilder({ findCollection, collection, requestInfo, isSuperuser })
 *     .rule(isSuperuser ? "" : collection.listRule!) // null listRule → 403 before this
 *     .filter(url.searchParams.get("filter") ?? "")
 *     .sort(url.searchParams.get("sort") ?? "")
 *     .build();
 *   const select = recordSelectSql(collection, query, { limit: perPage, offset });
 *   const rows = await db.all(select.sql, select.params);
 */
import type { SqlDialect } from "../../query/dialect.ts";
import type { FieldResolver } from "../../query/field-resolver.ts";
import { sqliteDialect } from "../../query/dialect.ts";
import { type FilterCache, sharedFilterCache } from "../../query/filter-cache.ts";
import { compileFilter } from "../../query/filter-compiler.ts";
import { DEFAULT_FILTER_LIMITS } from "../../query/limits.ts";
import type { FilterLimits } from "../../query/limits.ts";
import { buildSort } from "../../query/sort.ts";
import type { SqlFragment, SqlValue } from "../../query/sql.ts";
import { joinSql, param, raw, sql } from "../../query/sql.ts";
import type { Collection } from "../collections/collection-model.ts";
import { getFieldType } from "../fields/registry.ts";
import type { RequestInfo } from "../hook-events.ts";
import { RULE_FILTER_LIMITS, RecordFieldResolver } from "./record-field-resolver.ts";
import { type ConditionTerm, andTerms, compileTerms, joinsUnderExists } from "./record-query-exists.ts";
import { compileRecordRule } from "./record-rule-cache.ts";

/** What compiling a rule or filter over one collection needs. */
export interface RecordRuleContext {
  /** Looks a collection up by id or name (null when there is none). */
  readonly findCollection: (nameOrId: string) => Collection | null;
  readonly collection: Collection;
  /** What `@request.*` sees; null outside requests. */
  readonly requestInfo: RequestInfo | null;
  readonly dialect?: SqlDialect;
  /** Parse cache for rules (they repeat on every request). */
  readonly cache?: FilterCache;
  /** Clock for `@now` & co. */
  readonly now?: Date;
}

/** Options of `buildRecordFilter`. */
export interface RecordFilterOptions extends RecordRuleContext {
  readonly filter: string;
  /** A non-superuser's `?filter` (see `RecordFieldResolverOptions.isClientFilter`). */
  readonly isClientFilter: boolean;
  readonly allowHiddenFields: boolean;
  /** Compile with this resolver (to share its joins) instead of a new one. */
  readonly resolver?: RecordFieldResolver;
}

/** A compiled condition with the joins it needs. */
export interface RecordFilterResult {
  /** The condition, parenthesised so it can be ANDed with others. */
  readonly where: SqlFragment;
  /** Every join of the resolver (including those of earlier compiles with the same resolver). */
  readonly joins: readonly SqlFragment[];
  /** Joins can repeat rows: select DISTINCT. */
  readonly needsDistinct: boolean;
  /** The resolver used, for compiling more with the same joins. */
  readonly resolver: RecordFieldResolver;
}

function newResolver(
  ctx: RecordRuleContext,
  mode: { isClientFilter: boolean; allowHiddenFields: boolean },
  shareJoinsWith?: RecordFieldResolver,
): RecordFieldResolver {
  return new RecordFieldResolver({
    findCollection: (nameOrId) => ctx.findCollection(nameOrId),
    collection: ctx.collection,
    requestInfo: ctx.requestInfo,
    dialect: ctx.dialect,
    cache: ctx.cache,
    now: ctx.now,
    shareJoinsWith,
    ...mode,
  });
}

function compile(
  text: string,
  resolver: FieldResolver,
  ctx: RecordRuleContext,
  limits: FilterLimits,
): SqlFragment {
  const node = (ctx.cache ?? sharedFilterCache).parse(text, limits);
  return sql`(${compileFilter(node, { resolver, dialect: ctx.dialect, now: ctx.now })})`;
}

/** `compile`, as top-level `&&` terms marked with whether they joined (record-query-exists.ts). */
function compileQueryTerms(
  text: string,
  resolver: FieldResolver,
  joinUses: () => number,
  ctx: RecordRuleContext,
  limits: FilterLimits,
): ConditionTerm[] {
  const node = (ctx.cache ?? sharedFilterCache).parse(text, limits);
  return compileTerms(node, { resolver, joinUses, dialect: ctx.dialect, now: ctx.now });
}

/** Compiles one filter (client filter or, with `isClientFilter: false`, a rule). */
export function buildRecordFilter(options: RecordFilterOptions): RecordFilterResult {
  const resolver = options.resolver ?? newResolver(options, options);
  const limits = options.isClientFilter ? DEFAULT_FILTER_LIMITS : RULE_FILTER_LIMITS;
  const where = compile(options.filter, resolver, options, limits);
  const joins = resolver.joins();
  return { where, joins, needsDistinct: joins.length > 0, resolver };
}

/** Compiles a `?sort` string to an ORDER BY list (empty SQL for no sort). */
export function buildRecordSort(options: Omit<RecordFilterOptions, "filter"> & { readonly sort: string }): {
  orderBy: SqlFragment;
  joins: readonly SqlFragment[];
  needsDistinct: boolean;
} {
  const resolver = options.resolver ?? newResolver(options, options);
  const orderBy = buildSort(options.sort, { resolver, dialect: options.dialect });
  const joins = resolver.joins();
  return { orderBy, joins, needsDistinct: joins.length > 0 };
}

/**
 * Everything a records query needs besides the select list and paging: PocketBase's form (every
 * join in the FROM clause, DISTINCT rows), and the same rows with the joins under an EXISTS when
 * that form applies (record-query-exists.ts; `existsForm` builds it, the caller picks).
 */
export interface RecordQuery {
  /** The ANDed conditions (`1` when there are none). */
  readonly where: SqlFragment;
  readonly joins: readonly SqlFragment[];
  /** The ORDER BY list, empty SQL for none. */
  readonly orderBy: SqlFragment;
  /** Joins can repeat rows: select DISTINCT (and count distinct ids). */
  readonly needsDistinct: boolean;
  /** Alias of the main table. */
  readonly alias: string;
  /**
   * The condition of the EXISTS form (joins under an EXISTS on each main row); null when there
   * are no joins, a sort reads them, or the collection is a view.
   */
  readonly existsWhere: SqlFragment | null;
}

/** The query in its EXISTS form: no join in the FROM clause, every row once. */
export function existsForm(query: RecordQuery): RecordQuery {
  if (query.existsWhere === null) throw new Error("existsForm: this query has no EXISTS form.");
  return { ...query, where: query.existsWhere, joins: [], needsDistinct: false, existsWhere: null };
}

/** Options of `RecordQueryBuilder` besides the rule context. */
export interface RecordQueryBuilderOptions extends RecordRuleContext {
  readonly isSuperuser: boolean;
  /**
   * Compiles through a wrapper of each resolver (the rules' first, then the client's), e.g. a
   * `SlotResolver` making a template of the whole query (record-list-cache.ts). The rule is then
   * compiled directly, never from its own template.
   */
  readonly wrapResolver?: (resolver: RecordFieldResolver) => FieldResolver;
}

/** Compiles rule + client filter + sort over one collection with one shared join list. */
export class RecordQueryBuilder {
  readonly #ctx: RecordRuleContext;
  readonly #rules: RecordFieldResolver;
  readonly #client: RecordFieldResolver;
  /** What the compiles go through: the resolvers or their wrappers. */
  readonly #rulesView: FieldResolver;
  readonly #clientView: FieldResolver;
  readonly #isWrapped: boolean;
  readonly #conditions: ConditionTerm[] = [];
  #orderBy: SqlFragment = raw("");
  /** Whether the sort reads a joined row (the joins must then stay in the FROM clause). */
  #sortJoins = false;
  /** A rule not compiled yet: the last one may come from a template (record-rule-cache.ts). */
  #pendingRule: string | null = null;
  /** The joins of a rule that came from a template (the resolvers then have none). */
  #templateJoins: readonly SqlFragment[] | null = null;
  /** That rule's term, and its condition in the EXISTS form (null: none). */
  #templateTerm: ConditionTerm | null = null;
  #templateExists: SqlFragment | null = null;

  constructor(ctx: RecordQueryBuilderOptions) {
    this.#ctx = ctx;
    this.#rules = newResolver(ctx, { isClientFilter: false, allowHiddenFields: true });
    this.#client = newResolver(
      ctx,
      { isClientFilter: !ctx.isSuperuser, allowHiddenFields: ctx.isSuperuser },
      this.#rules,
    );
    const wrap = ctx.wrapResolver;
    this.#isWrapped = wrap !== undefined;
    this.#rulesView = wrap !== undefined ? wrap(this.#rules) : this.#rules;
    this.#clientView = wrap !== undefined ? wrap(this.#client) : this.#client;
  }

  /** ANDs an API rule (full access); `""` adds nothing. A null rule must be refused before. */
  rule(rule: string): this {
    if (rule.trim() !== "") {
      this.#compilePendingRule(false);
      this.#pendingRule = rule;
    }
    return this;
  }

  /**
   * Compiles the pending rule. Only a rule compiled last, with nothing joined before it, may
   * come from a template: a filter or sort compiled after it must share its resolver's joins.
   */
  #compilePendingRule(last: boolean): void {
    const rule = this.#pendingRule;
    if (rule === null) return;
    this.#pendingRule = null;
    const ctx = this.#ctx;
    const reusable =
      last &&
      !this.#isWrapped &&
      ctx.now === undefined &&
      (ctx.dialect === undefined || ctx.dialect === sqliteDialect) &&
      this.#rules.joins().length === 0;
    if (!reusable) {
      this.#conditions.push(...this.#terms(rule, this.#rulesView, RULE_FILTER_LIMITS));
      return;
    }
    // Nothing is compiled after it, so no sort: its joins may go under an EXISTS unless a view's.
    const withExists = ctx.collection.type !== "view";
    const alias = this.#rules.alias;
    const compiled = compileRecordRule({
      rule,
      owner: ctx.collection,
      variant: `query:${alias}${withExists ? ":exists" : ""}`,
      collection: ctx.collection,
      requestInfo: ctx.requestInfo,
      limits: RULE_FILTER_LIMITS,
      newResolver: () => newResolver(ctx, { isClientFilter: false, allowHiddenFields: true }),
      withExists,
    });
    const term = { sql: sql`(${compiled.where})`, joined: compiled.joins.length > 0 };
    this.#conditions.push(term);
    if (compiled.joins.length > 0) {
      this.#templateJoins = compiled.joins;
      this.#templateTerm = term;
      this.#templateExists = compiled.existsWhere ?? null;
    }
  }

  #terms(text: string, view: FieldResolver, limits: FilterLimits): ConditionTerm[] {
    const rules = this.#rules;
    return compileQueryTerms(text, view, () => rules.joinUses(), this.#ctx, limits);
  }

  /**
   * ANDs the client's `?filter` (restricted unless superuser; PocketBase's length limits apply
   * to everyone); `""` adds nothing.
   */
  filter(filter: string): this {
    if (filter.trim() !== "") {
      this.#compilePendingRule(false);
      this.#conditions.push(...this.#terms(filter, this.#clientView, DEFAULT_FILTER_LIMITS));
    }
    return this;
  }

  /** Sets the client's `?sort` (restricted unless superuser). */
  sort(sort: string): this {
    this.#compilePendingRule(false);
    const before = this.#rules.joinUses();
    this.#orderBy = buildSort(sort, { resolver: this.#clientView, dialect: this.#ctx.dialect });
    this.#sortJoins = this.#rules.joinUses() !== before;
    return this;
  }

  /** The compiled query parts. */
  build(): RecordQuery {
    this.#compilePendingRule(true);
    const base = { orderBy: this.#orderBy, alias: this.#rules.alias };
    const conditions = this.#conditions;
    const where = conditions.length > 0 ? andTerms(conditions) : raw("1");
    const joins = this.#templateJoins ?? this.#rules.joins();
    if (joins.length === 0) return { ...base, where, joins, needsDistinct: false, existsWhere: null };
    return { ...base, where, joins, needsDistinct: true, existsWhere: this.#existsWhere(joins) };
  }

  /** The condition of the EXISTS form, when there is one (see `RecordQuery.existsWhere`). */
  #existsWhere(joins: readonly SqlFragment[]): SqlFragment | null {
    if (this.#sortJoins || this.#ctx.collection.type === "view") return null;
    const template = this.#templateTerm;
    if (template === null) return joinsUnderExists(this.#conditions, joins);
    // The rule from a template has its own EXISTS form; the terms before it read no join.
    const existsWhere = this.#templateExists;
    if (existsWhere === null) return null;
    return andTerms(
      this.#conditions.map((term) =>
        term === template ? { sql: sql`(${existsWhere})`, joined: false } : term,
      ),
    );
  }
}

/** Options of `recordSelectSql`. */
export interface RecordSelectOptions {
  /** Select list (default: every column of the main table). */
  readonly columns?: SqlFragment;
  readonly limit?: number;
  readonly offset?: number;
  readonly dialect?: SqlDialect;
}

function fromClause(collection: Collection, query: RecordQuery, dialect: SqlDialect): SqlFragment {
  const q = (name: string): SqlFragment => raw(dialect.quoteIdentifier(name));
  const table =
    query.alias === collection.name ? q(collection.name) : sql`${q(collection.name)} ${q(query.alias)}`;
  // No condition, no WHERE: SQLite answers a bare `COUNT(*)` by counting the smallest index's
  // cells (~15 µs for 50k rows), but reads every row for `COUNT(*) … WHERE 1` (~650 µs).
  if (query.joins.length === 0 && isAlwaysTrue(query.where)) return sql`FROM ${table}`;
  return joinSql([sql`FROM ${table}`, ...query.joins, sql`WHERE ${query.where}`], " ");
}

/** The condition of a query without rule or filter (`RecordQueryBuilder.build`). */
function isAlwaysTrue(where: SqlFragment): boolean {
  return where.sql === "1" && where.params.length === 0;
}

/** `SELECT [DISTINCT] <alias>.* FROM … WHERE … [ORDER BY …] [LIMIT … OFFSET …]`. */
export function recordSelectSql(
  collection: Collection,
  query: RecordQuery,
  options: RecordSelectOptions = {},
): SqlFragment {
  const dialect = options.dialect ?? sqliteDialect;
  const columns = options.columns ?? raw(`${dialect.quoteIdentifier(query.alias)}.*`);
  let statement = sql`SELECT ${raw(query.needsDistinct ? "DISTINCT " : "")}${columns} ${fromClause(collection, query, dialect)}`;
  if (query.orderBy.sql !== "") statement = sql`${statement} ORDER BY ${query.orderBy}`;
  if (options.limit !== undefined) statement = sql`${statement} LIMIT ${param(options.limit)}`;
  if (options.offset !== undefined) statement = sql`${statement} OFFSET ${param(options.offset)}`;
  return statement;
}

/**
 * `SELECT COUNT(DISTINCT <alias>.id) AS total FROM … WHERE …` (`totalItems`); with
 * `{distinct: false}` (a query without joins) a plain `COUNT(*)`, which SQLite answers from
 * the smallest index.
 */
export function recordCountSql(
  collection: Collection,
  query: RecordQuery,
  dialect = sqliteDialect,
  options: { readonly distinct?: boolean } = {},
): SqlFragment {
  const total = raw(dialect.quoteIdentifier("total"));
  if (options.distinct === false)
    return sql`SELECT COUNT(*) AS ${total} ${fromClause(collection, query, dialect)}`;
  const id = dialect.column(query.alias, "id");
  return sql`SELECT COUNT(DISTINCT ${id}) AS ${total} ${fromClause(collection, query, dialect)}`;
}

/** The one method of a DB executor the rule checks need. */
export interface RuleExecutor {
  get(sql: string, params?: readonly SqlValue[]): Promise<unknown>;
}

/**
 * Whether the stored record `id` satisfies `rule` for the context's request (view, update and
 * delete rules, and per-record checks like realtime and expand). `null` → false (superusers
 * only; a superuser caller should not call this), `""` → true.
 */
export async function canAccessRecord(
  db: RuleExecutor,
  ctx: RecordRuleContext,
  id: string,
  rule: string | null,
): Promise<boolean> {
  if (rule === null) return false;
  if (rule.trim() === "") return true;
  const dialect = ctx.dialect ?? sqliteDialect;
  const query = new RecordQueryBuilder({ ...ctx, isSuperuser: false }).rule(rule).build();
  const where = sql`${dialect.column(query.alias, "id")} = ${param(id)} AND ${query.where}`;
  const statement = recordSelectSql(
    ctx.collection,
    { ...query, where, needsDistinct: false, existsWhere: null },
    {
      columns: raw("1 AS ok"),
      limit: 1,
      dialect,
    },
  );
  return (await db.get(statement.sql, [...statement.params])) !== undefined;
}

/** One column of a record that is not stored yet. */
export interface NewRecordValue {
  readonly name: string;
  /** The DB value (`Record.dbValues()`); typed views other than Uint8Array are copied. */
  readonly value: SqlValue | ArrayBufferView;
}

/**
 * Whether a record that is not stored yet satisfies `rule` (the create rule). As PocketBase
 * does, the values are exported into a CTE named after the collection plus a suffix, and the
 * rule is evaluated with the collection's alias pointing at that CTE, so the rule's own columns
 * see the new values while relation joins (even into the same collection) see the real tables.
 * Fields missing from `values` get their type's default. The caller decides the id (PocketBase
 * uses a placeholder) and forces `verified` to false for auth collections.
 */
export async function canAccessNewRecord(
  db: RuleExecutor,
  ctx: RecordRuleContext,
  values: readonly NewRecordValue[],
  rule: string | null,
): Promise<boolean> {
  if (rule === null) return false;
  if (rule.trim() === "") return true;
  const dialect = ctx.dialect ?? sqliteDialect;
  const q = (name: string): SqlFragment => raw(dialect.quoteIdentifier(name));
  const collection = ctx.collection;
  const given = new Map(values.map((v) => [v.name, v.value]));
  const columns = collection.fields.map((field) => {
    const value = given.has(field.name)
      ? given.get(field.name)
      : getFieldType(field.type).toDbValue(field, getFieldType(field.type).prepareValue(field, undefined));
    return sql`${param(toSqlValue(value))} AS ${q(field.name)}`;
  });
  // The CTE must not shadow a real table a relation join may need.
  let cte = `${collection.name}__pb_create`;
  for (let n = 2; ctx.findCollection(cte) !== null; n++) cte = `${collection.name}__pb_create${n}`;

  const resolver = new RecordFieldResolver({
    findCollection: (nameOrId) => ctx.findCollection(nameOrId),
    collection,
    requestInfo: ctx.requestInfo,
    allowHiddenFields: true,
    isClientFilter: false,
    dialect,
    table: cte,
    cache: ctx.cache,
    now: ctx.now,
  });
  const where = compile(rule, resolver, ctx, RULE_FILTER_LIMITS);
  const from = joinSql([sql`FROM ${q(cte)} ${q(resolver.alias)}`, ...resolver.joins()], " ");
  const statement = sql`WITH ${q(cte)} AS (SELECT ${joinSql(columns, ", ")}) SELECT 1 AS ok ${from} WHERE ${where} LIMIT 1`;
  return (await db.get(statement.sql, [...statement.params])) !== undefined;
}

function toSqlValue(value: SqlValue | ArrayBufferView | undefined): SqlValue {
  if (value === undefined) return null;
  if (ArrayBuffer.isView(value)) {
    return value instanceof Uint8Array
      ? value
      : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  }
  return value;
}
