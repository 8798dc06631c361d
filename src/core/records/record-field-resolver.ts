/**
 * The record field resolver: what identifiers mean in record filters, sorts and API rules
 * (§5.2), for the generic filter compiler in `query/`. Port of PocketBase's
 * core/record_field_resolver.go + record_field_resolver_runner.go.
 *
 * - `title`, `meta.a.0.b`, `geo.lon` → columns and JSON extracts of the main table;
 * - `author.name`, `editors.tags:each`, `comments_via_post.user.name` → LEFT JOINs through
 *   relations and back-relations (≤ 6 levels), with a `multiMatch` subquery whenever the path
 *   can yield several values, so that plain operators mean "all values" and `?=` "any value";
 * - `@collection.<name>[:<alias>].<path>` → a cross join of another collection;
 * - `@request.*` → constants from the `RequestInfo` (plus joins for `@request.auth.<rel>.x`,
 *   `@request.body.<rel>.x` and `@request.body.<multi>:each`).
 *
 * Joins are recorded once per path (same path → same alias and join) and committed only when a
 * whole identifier resolved, so a rejected identifier leaves no stray join behind.
 *
 * Client filters (`isClientFilter`, the `?filter`/`?sort` of non-superusers, §5.4) may not use
 * `@request.*`/`@collection.*` (403) nor hidden fields, and every join into another collection
 * only sees the records that collection's listRule lets the requester list: the join's ON gets
 * `AND EXISTS (SELECT 1 FROM <target> __lr_<target> … WHERE __lr_<target>.id = <alias>.id AND
 * (<listRule>))`, so an invisible record behaves exactly like a missing one (also inside the
 * multi-match subqueries). PocketBase ANDs the listRule to the outer WHERE instead, which also
 * drops main rows whose relation is empty; putting it in the ON keeps the join's LEFT semantics.
 *
 * @example
 *   const resolver = new RecordFieldResolver({ findCollection, collection: posts,
 *     requestInfo, allowHiddenFields: false, isClientFilter: true });
 *   const where = buildFilter("author.name ~ 'ann' && tags:each ?= 'news'", { resolver });
 *   // SELECT DISTINCT `posts`.* FROM `posts` ${resolver.joins()} WHERE ${where}
 */
import { sqliteDialect } from "../../query/dialect.ts";
import type { SqlDialect } from "../../query/dialect.ts";
import { FilterError, quoteForMessage } from "../../query/errors.ts";
import type { FieldResolution, FieldResolver, ResolvedField } from "../../query/field-resolver.ts";
import { type FilterCache, sharedFilterCache } from "../../query/filter-cache.ts";
import { compileFilter } from "../../query/filter-compiler.ts";
import { DEFAULT_FILTER_LIMITS } from "../../query/limits.ts";
import type { FilterLimits } from "../../query/limits.ts";
import type { SqlFragment } from "../../query/sql.ts";
import { joinSql, param, raw, sql } from "../../query/sql.ts";
import type { Collection } from "../collections/collection-model.ts";
import { findField } from "../collections/collection-model.ts";
import { goJsonMarshal } from "../fields/cast.ts";
import type { Field } from "../fields/registry.ts";
import type { RelationField } from "../fields/relation.ts";
import type { RequestInfo } from "../hook-events.ts";
import type { AuthRecord } from "./record.ts";
import {
  NAME,
  NULL_CONSTANT,
  SEGMENT,
  checkSegments,
  hasSingleColumnUniqueIndex,
  invalid,
  isMultiple,
  nonFilterable,
  requireMultiValuer,
  splitModifier,
} from "./record-field-resolver-path.ts";
import { JoinRegistry } from "./record-field-resolver-joins.ts";
import type { ListRuleCheck, PendingJoin } from "./record-field-resolver-joins.ts";
import type { RequestScope } from "./record-field-resolver-request.ts";
import { resolveRequestField } from "./record-field-resolver-request.ts";

/** Maximum relation hops in one identifier (PocketBase `maxNestedRels`). */
export const MAX_NESTED_RELATIONS = 6;

/**
 * Parse limits for API rules: written by superusers, so roomier than PocketBase's client
 * filter limits (which still apply to `?filter=`).
 */
export const RULE_FILTER_LIMITS: FilterLimits = Object.freeze({
  ...DEFAULT_FILTER_LIMITS,
  maxLength: 100_000,
  maxExpressions: 5_000,
});

/** Configuration of a `RecordFieldResolver`. */
export interface RecordFieldResolverOptions {
  /** Looks a collection up by id or name (null when there is none). */
  readonly findCollection: (nameOrId: string) => Collection | null;
  /** The collection whose records are filtered. */
  readonly collection: Collection;
  /** What `@request.*` sees; null outside requests (every `@request.*` is then NULL). */
  readonly requestInfo: RequestInfo | null;
  /** Allow hidden fields and skip the email visibility check (superusers, API rules). */
  readonly allowHiddenFields: boolean;
  /** A non-superuser's `?filter`/`?sort`: no `@request`/`@collection`, listRules on joins. */
  readonly isClientFilter: boolean;
  readonly dialect?: SqlDialect;
  /** Alias of the main table in the query (default: the collection name). */
  readonly alias?: string;
  /**
   * Table (or CTE) the main rows come from, used by multi-match subqueries (default: the
   * collection name). `canAccessNewRecord` points it at the CTE holding the unsaved record.
   */
  readonly table?: string;
  /** Record joins into the same list as this resolver (same collection and alias required). */
  readonly shareJoinsWith?: RecordFieldResolver;
  /** Parse cache for the listRules compiled on behalf of client filters. */
  readonly cache?: FilterCache;
  /** Clock for the macros of nested compiles (listRules, `:changed`). */
  readonly now?: Date;
}

/**
 * Whether `error` is the "Only superusers can filter by @request./@collection." rejection of a
 * client filter, which the API answers with 403 (every other `FilterError` is a 400).
 */
export function isSuperuserOnlyFilterError(error: unknown): error is FilterError {
  return (
    error instanceof FilterError &&
    error.code === "forbidden" &&
    error.message.startsWith("Only superusers can filter by @")
  );
}

const VIA = /^(\w+)_via_(\w+)$/;
const EMPTY = raw("");

/** The multi-match subquery being built alongside the main joins of one identifier. */
interface MultiMatchDraft {
  from: SqlFragment;
  where: SqlFragment | undefined;
  readonly joins: SqlFragment[];
  readonly aliases: Set<string>;
}

/** The state of resolving one identifier (PocketBase's `runner`). */
interface Walk {
  readonly identifier: string;
  collection: Collection;
  /** Alias of `collection` in the main query. */
  alias: string;
  /** Join key of `alias`: identifies the path that led here. */
  key: string;
  /** Alias of `collection` in the multi-match subquery. */
  mmAlias: string;
  readonly allowHidden: boolean;
  /** `@request.*` paths: unknown fields are NULL instead of an error. */
  readonly nullifyMissing: boolean;
  /** Apply the target's listRule to every join into a collection. */
  readonly restricted: boolean;
  /** Whether the path went through something with several values per row. */
  multi: boolean;
  readonly joins: PendingJoin[];
  readonly mm: MultiMatchDraft;
}

interface WalkFlags {
  readonly allowHidden: boolean;
  readonly nullifyMissing: boolean;
  readonly restricted: boolean;
}

/** Resolves record filter identifiers to SQL for one query over one collection. */
export class RecordFieldResolver implements FieldResolver {
  /** The collection whose records are filtered. */
  readonly collection: Collection;
  /** Alias of the main table. */
  readonly alias: string;
  readonly #options: RecordFieldResolverOptions;
  readonly #dialect: SqlDialect;
  readonly #table: string;
  readonly #clientFilter: boolean;
  readonly #allowHidden: boolean;
  readonly #registry: JoinRegistry;
  /** Set while resolving an operand of a `?` operator (see `resolveAnyOf`). */
  #anyOf = false;

  constructor(options: RecordFieldResolverOptions) {
    this.#options = options;
    this.collection = options.collection;
    this.alias = options.alias ?? options.collection.name;
    this.#dialect = options.dialect ?? sqliteDialect;
    this.#table = options.table ?? options.collection.name;
    this.#clientFilter = options.isClientFilter;
    this.#allowHidden = options.allowHiddenFields && !options.isClientFilter;
    const shared = options.shareJoinsWith;
    if (
      shared !== undefined &&
      (shared.alias !== this.alias || shared.collection.id !== this.collection.id)
    ) {
      throw new Error("RecordFieldResolver: shareJoinsWith needs the same collection and alias.");
    }
    this.#registry = shared !== undefined ? shared.#registry : new JoinRegistry([this.alias]);
  }

  /** Resolves one identifier; `undefined` for an unknown plain name (the compiler reports it). */
  resolve(identifier: string): FieldResolution | undefined {
    const props = identifier.split(".");
    const root = props[0] ?? "";
    if (root === "@request" || root === "@collection") {
      if (this.#clientFilter) {
        throw new FilterError("forbidden", `Only superusers can filter by ${root}.`);
      }
      if (props.length < 2) throw invalid(identifier, "incomplete path");
      // `@collection.<name>:<alias>` carries its alias where other paths cannot have a modifier.
      if (root === "@collection" && !/^\w+(?::\w*)?$/.test(props[1]!)) {
        throw invalid(identifier, "malformed collection name");
      }
      checkSegments(identifier, props.slice(root === "@request" ? 1 : 2));
      return root === "@request"
        ? resolveRequestField(identifier, props, this.#requestScope())
        : this.#resolveCollection(identifier, props);
    }
    if (!SEGMENT.test(root)) return undefined; // other `@x`/`#x` names are not fields
    checkSegments(identifier, props);
    const walk = this.#rootWalk(identifier, {
      allowHidden: this.#allowHidden,
      nullifyMissing: false,
      restricted: this.#clientFilter,
    });
    const result = this.#walkProps(walk, props);
    if (result === undefined && props.length > 1) throw invalid(identifier, "unknown field");
    return result;
  }

  /**
   * Resolves an operand of a `?` (any-of) operator. A plain multi-value field (multiple
   * select/relation/file, also at the end of a relation path) then means each of its values,
   * as `field:each` does: `tags ?= 'news'` matches records holding 'news' among their tags and
   * `tags ?!= 'news'` records holding some other value (PocketBase v0.39).
   */
  resolveAnyOf(identifier: string): FieldResolution | undefined {
    this.#anyOf = true;
    try {
      return this.resolve(identifier);
    } finally {
      this.#anyOf = false;
    }
  }

  /** The LEFT JOINs needed by everything resolved so far (by this and sharing resolvers). */
  joins(): readonly SqlFragment[] {
    return this.#registry.list();
  }

  /** How many joins were added or reused so far (by this and sharing resolvers). */
  joinUses(): number {
    return this.#registry.uses;
  }

  /**
   * The listRules compiled into the joins so far (client filters see related collections
   * through them): their `@request.*` values and macros are bound in the joins' SQL.
   */
  visibilityRules(): string[] {
    return [...this.#registry.listRules.values()].map((check) => check.rule);
  }

  /** The main table's `_rowid_`. */
  rowid(): SqlFragment {
    return this.#dialect.rowid(this.alias);
  }

  // ---- walking paths --------------------------------------------------------------------

  #rootWalk(identifier: string, flags: WalkFlags): Walk {
    const d = this.#dialect;
    const mmAlias = `__mm_${this.alias}`;
    return {
      identifier,
      collection: this.collection,
      alias: this.alias,
      key: flags.restricted ? "client:" : "rule:",
      mmAlias,
      ...flags,
      multi: false,
      joins: [],
      mm: {
        from: sql`${this.#quote(this.#table)} ${this.#quote(mmAlias)}`,
        where: sql`${d.column(mmAlias, "id")} = ${d.column(this.alias, "id")}`,
        joins: [],
        aliases: new Set([this.alias.toLowerCase(), mmAlias.toLowerCase()]),
      },
    };
  }

  #quote(name: string): SqlFragment {
    return raw(this.#dialect.quoteIdentifier(name));
  }

  #collection(nameOrId: string): Collection | null {
    if (nameOrId === this.collection.id || nameOrId === this.collection.name) return this.collection;
    return this.#options.findCollection(nameOrId);
  }

  /** Records a main-query join for `key` (built with its alias) and returns the alias. */
  #join(walk: Walk, key: string, preferred: string, build: (alias: string) => SqlFragment): string {
    const alias = this.#registry.alias(key, preferred);
    walk.joins.push({ key, fragment: build(alias) });
    return alias;
  }

  /** A fresh alias inside the walk's multi-match subquery. */
  #mmAlias(walk: Walk, preferred: string): string {
    let alias = preferred;
    for (let n = 2; walk.mm.aliases.has(alias.toLowerCase()); n++) alias = `${preferred}_${n}`;
    walk.mm.aliases.add(alias.toLowerCase());
    return alias;
  }

  #walkProps(walk: Walk, props: readonly string[]): FieldResolution | undefined {
    for (let i = 0; i < props.length; i++) {
      const prop = props[i]!;
      if (i === props.length - 1) return this.#lastProp(walk, prop);

      const field = findField(walk.collection, prop);
      if (field?.hidden === true && !walk.allowHidden) throw nonFilterable(prop);
      // JSON and geoPoint fields: the rest of the path is a path inside the JSON value.
      if (field?.type === "json" || field?.type === "geoPoint") {
        return this.#jsonPath(walk, field, props.slice(i + 1));
      }
      if (i >= MAX_NESTED_RELATIONS) {
        throw invalid(walk.identifier, `more than ${MAX_NESTED_RELATIONS} nested relations`);
      }
      if (field === undefined) {
        if (!this.#joinBackRelation(walk, prop)) return NULL_CONSTANT;
        continue;
      }
      if (field.type !== "relation") {
        throw invalid(walk.identifier, `${quoteForMessage(prop)} is not a relation field`);
      }
      const target = this.#collection(field.collectionId);
      if (target === null)
        throw invalid(walk.identifier, `the collection of ${quoteForMessage(prop)} is missing`);
      // `rel.id` of a single relation is the column itself: no join needed.
      if (!isMultiple(field) && i === props.length - 2 && props[i + 1] === "id") {
        return this.#lastProp(walk, field.name);
      }
      this.#joinRelation(walk, field, target);
    }
    return undefined;
  }

  #jsonPath(walk: Walk, field: Field, path: readonly string[]): FieldResolution {
    if (!path.every((segment) => NAME.test(segment))) {
      throw invalid(walk.identifier, "JSON paths take no modifiers");
    }
    const d = this.#dialect;
    const value = d.jsonExtract(d.column(walk.alias, field.name), path);
    const mmValue = d.jsonExtract(d.column(walk.mmAlias, field.name), path);
    return this.#finish(walk, value, mmValue, { noCoalesce: true });
  }

  #lastProp(walk: Walk, prop: string): FieldResolution | undefined {
    const { name, modifier } = splitModifier(walk.identifier, prop);
    const field = findField(walk.collection, name);
    if (field === undefined) return walk.nullifyMissing ? NULL_CONSTANT : undefined;
    if (field.hidden && !walk.allowHidden) throw nonFilterable(name);

    const d = this.#dialect;
    const column = d.column(walk.alias, field.name);
    const mmColumn = d.column(walk.mmAlias, field.name);
    switch (modifier) {
      case "isset":
        throw invalid(walk.identifier, ":isset applies to @request.* fields only");
      case "changed":
        throw invalid(walk.identifier, ":changed applies to @request.body.* fields only");
      case "length":
        requireMultiValuer(walk.identifier, field);
        return this.#finish(walk, this.#arrayLength(column), this.#arrayLength(mmColumn), {});
      case "each":
        requireMultiValuer(walk.identifier, field);
        return this.#each(walk, field, column, mmColumn);
      case "":
        if (this.#anyOf && isMultiple(field)) {
          return this.#each(walk, field, column, mmColumn);
        }
        break;
      case "lower":
        break;
    }

    let value = column;
    let mmValue = mmColumn;
    let noCoalesce = false;
    if (field.type === "json") {
      // Top-level JSON scalars compare as their SQL equivalents (PocketBase #4068).
      value = d.jsonExtract(column, []);
      mmValue = d.jsonExtract(mmColumn, []);
      noCoalesce = true;
    }
    if (modifier === "lower") {
      value = sql`LOWER(${value})`;
      mmValue = sql`LOWER(${mmValue})`;
    }
    // Non-superusers may only match auth records by email where the email is public.
    const wrap =
      field.name === "email" && walk.collection.type === "auth" && !walk.allowHidden
        ? this.#emailVisibility(walk.alias)
        : undefined;
    return this.#finish(walk, value, mmValue, { noCoalesce, wrap });
  }

  /** `json_array_length` of a select/relation/file value; '' and NULL count as no values. */
  #arrayLength(value: SqlFragment): SqlFragment {
    const d = this.#dialect;
    return sql`(CASE WHEN ${value} = '' OR ${value} IS NULL THEN 0 ELSE ${d.jsonArrayLength(d.jsonArray(value))} END)`;
  }

  #each(walk: Walk, field: Field, column: SqlFragment, mmColumn: SqlFragment): FieldResolution {
    const d = this.#dialect;
    // Same key as the json_each of a multiple relation over the same column: one join serves both.
    const je = this.#join(walk, `${walk.key}.${field.name}#each`, `${walk.alias}_${field.name}_je`, (a) => {
      return sql`LEFT JOIN ${d.jsonEach(d.jsonArray(column))} ${this.#quote(a)}`;
    });
    if (isMultiple(field)) walk.multi = true;
    let mmValue: SqlFragment | undefined;
    if (walk.multi) {
      const mmJe = this.#mmAlias(walk, `${walk.mmAlias}_${field.name}_je`);
      walk.mm.joins.push(sql`LEFT JOIN ${d.jsonEach(d.jsonArray(mmColumn))} ${this.#quote(mmJe)}`);
      mmValue = d.jsonEachValue(mmJe);
    }
    return this.#finish(walk, d.jsonEachValue(je), mmValue, {});
  }

  #emailVisibility(alias: string): (condition: SqlFragment) => SqlFragment {
    const d = this.#dialect;
    const visible = sql`${d.column(alias, "emailVisibility")} = ${raw(d.booleanLiteral(true))}`;
    return (condition) => sql`(${condition} AND ${visible})`;
  }

  /** Commits the walk's joins and builds the resolution. */
  #finish(
    walk: Walk,
    value: SqlFragment,
    mmValue: SqlFragment | undefined,
    options: { noCoalesce?: boolean; wrap?: ((condition: SqlFragment) => SqlFragment) | undefined },
  ): ResolvedField {
    for (const join of walk.joins) this.#registry.add(join);
    const multiMatch =
      walk.multi && mmValue !== undefined
        ? { value: mmValue, from: walk.mm.from, joins: [...walk.mm.joins], where: walk.mm.where }
        : undefined;
    return {
      sql: value.sql,
      params: value.params,
      ...(options.noCoalesce === true ? { noCoalesce: true } : {}),
      ...(multiMatch !== undefined ? { multiMatch } : {}),
      ...(options.wrap !== undefined ? { wrapCondition: options.wrap } : {}),
    };
  }

  // ---- joins ----------------------------------------------------------------------------

  #joinRelation(walk: Walk, field: RelationField, target: Collection): void {
    const d = this.#dialect;
    const q = (name: string): SqlFragment => this.#quote(name);
    const key = `${walk.key}.${field.name}`;
    const multiple = isMultiple(field);
    const parent = d.column(walk.alias, field.name);
    let source = parent;
    if (multiple) {
      const je = this.#join(walk, `${key}#each`, `${walk.alias}_${field.name}_je`, (a) => {
        return sql`LEFT JOIN ${d.jsonEach(d.jsonArray(parent))} ${q(a)}`;
      });
      source = d.jsonEachValue(je);
    }
    const alias = this.#join(walk, key, `${walk.alias}_${field.name}`, (a) => {
      return sql`LEFT JOIN ${q(target.name)} ${q(a)} ON ${d.column(a, "id")} = ${source}${this.#visibility(walk, target, a)}`;
    });

    const mmParent = d.column(walk.mmAlias, field.name);
    let mmSource = mmParent;
    if (multiple) {
      const mmJe = this.#mmAlias(walk, `${walk.mmAlias}_${field.name}_je`);
      walk.mm.joins.push(sql`LEFT JOIN ${d.jsonEach(d.jsonArray(mmParent))} ${q(mmJe)}`);
      mmSource = d.jsonEachValue(mmJe);
    }
    const mmAlias = this.#mmAlias(walk, `${walk.mmAlias}_${field.name}`);
    walk.mm.joins.push(
      sql`LEFT JOIN ${q(target.name)} ${q(mmAlias)} ON ${d.column(mmAlias, "id")} = ${mmSource}${this.#visibility(walk, target, mmAlias)}`,
    );

    walk.collection = target;
    walk.alias = alias;
    walk.key = key;
    walk.mmAlias = mmAlias;
    if (multiple) walk.multi = true;
  }

  /**
   * `<collection>_via_<relField>`: the records of another collection whose relation points at
   * the current one. Returns false when the name does not resolve on a NULL-tolerant path.
   */
  #joinBackRelation(walk: Walk, prop: string): boolean {
    const fail = (reason: string): false => {
      if (walk.nullifyMissing) return false;
      throw invalid(walk.identifier, reason);
    };
    const m = VIA.exec(prop);
    if (m === null) return fail(`unknown field ${quoteForMessage(prop)}`);
    const source = this.#collection(m[1]!);
    if (source === null) return fail(`unknown collection in ${quoteForMessage(prop)}`);
    const backField = findField(source, m[2]!);
    if (backField?.type !== "relation") return fail(`invalid back-relation ${quoteForMessage(prop)}`);
    if (backField.hidden && !walk.allowHidden) throw nonFilterable(backField.name);
    if (backField.collectionId !== walk.collection.id) {
      return fail(`${quoteForMessage(prop)} does not point to ${quoteForMessage(walk.collection.name)}`);
    }

    const d = this.#dialect;
    const q = (name: string): SqlFragment => this.#quote(name);
    // A single relation with a single-column unique index is one record per row; anything
    // else may be several.
    const multiple = isMultiple(backField) || !hasSingleColumnUniqueIndex(source.indexes, backField.name);
    const on = (alias: string, parentAlias: string): SqlFragment => {
      const backColumn = d.column(alias, backField.name);
      if (!multiple) return sql`${backColumn} = ${d.column(parentAlias, "id")}`;
      const je = `${alias}_je`;
      return sql`${d.column(parentAlias, "id")} IN (SELECT ${d.jsonEachValue(je)} FROM ${d.jsonEach(d.jsonArray(backColumn))} ${q(je)})`;
    };
    const key = `${walk.key}.${prop}`;
    const parentAlias = walk.alias;
    const alias = this.#join(walk, key, `${parentAlias}_${prop}`, (a) => {
      return sql`LEFT JOIN ${q(source.name)} ${q(a)} ON ${on(a, parentAlias)}${this.#visibility(walk, source, a)}`;
    });
    const mmAlias = this.#mmAlias(walk, `${walk.mmAlias}_${prop}`);
    walk.mm.joins.push(
      sql`LEFT JOIN ${q(source.name)} ${q(mmAlias)} ON ${on(mmAlias, walk.mmAlias)}${this.#visibility(walk, source, mmAlias)}`,
    );

    walk.collection = source;
    walk.alias = alias;
    walk.key = key;
    walk.mmAlias = mmAlias;
    if (multiple) walk.multi = true;
    return true;
  }

  /**
   * For client filters: ` AND EXISTS (…listRule of target for alias…)`; nothing otherwise.
   * A null listRule makes the whole collection unreachable from client filters.
   */
  #visibility(walk: Walk, target: Collection, alias: string): SqlFragment {
    if (!walk.restricted) return EMPTY;
    const rule = target.listRule;
    if (rule === null) {
      throw new FilterError(
        "unknown_field",
        `The fields of collection ${quoteForMessage(target.name)} can only be filtered by superusers.`,
      );
    }
    if (rule.trim() === "") return EMPTY;
    const check = this.#listRuleCheck(target, rule);
    const d = this.#dialect;
    return sql` AND EXISTS (SELECT 1 FROM ${check.source} WHERE ${d.column(check.alias, "id")} = ${d.column(alias, "id")} AND ${check.where})`;
  }

  #listRuleCheck(target: Collection, rule: string): ListRuleCheck {
    const cached = this.#registry.listRules.get(target.id);
    if (cached !== undefined) return cached;
    const alias = `__lr_${target.name}`;
    // The listRule is a rule: hidden fields and @request.* allowed, evaluated for the same request.
    const nested = new RecordFieldResolver({
      findCollection: this.#options.findCollection,
      collection: target,
      requestInfo: this.#options.requestInfo,
      allowHiddenFields: true,
      isClientFilter: false,
      dialect: this.#dialect,
      alias,
      cache: this.#options.cache,
      now: this.#options.now,
    });
    const cache = this.#options.cache;
    const node = (cache ?? sharedFilterCache).parse(rule, RULE_FILTER_LIMITS);
    const where = compileFilter(node, { resolver: nested, dialect: this.#dialect, now: this.#options.now });
    const source = joinSql([sql`${this.#quote(target.name)} ${this.#quote(alias)}`, ...nested.joins()], " ");
    const check: ListRuleCheck = { rule, alias, source, where };
    this.#registry.listRules.set(target.id, check);
    return check;
  }

  // ---- @collection.* ------------------------------------------------------------------

  #resolveCollection(identifier: string, props: readonly string[]): FieldResolution {
    if (props.length < 3) throw invalid(identifier, "expected @collection.<name>.<field>");
    const [nameOrId = "", aliasName = ""] = props[1]!.split(":");
    const target = this.#collection(nameOrId);
    if (target === null) throw invalid(identifier, `unknown collection ${quoteForMessage(nameOrId)}`);

    const walk = this.#rootWalk(identifier, { allowHidden: true, nullifyMissing: false, restricted: false });
    // The @collection rows do not depend on the row being checked (the join is `ON 1=1`), so the
    // multi-match subquery needs one row to LEFT JOIN them from, not the row itself found again
    // by id: uncorrelated, SQLite builds no automatic index on every run (the chat create rule:
    // 15-18 -> 12-14 µs in-process). The same rows either way, since `id` is a non-null primary
    // key; a view's `id` may be NULL or repeated, so views keep the self-join.
    if (this.collection.type !== "view") {
      walk.mm.from = sql`(SELECT 1) ${this.#quote(walk.mmAlias)}`;
      walk.mm.where = undefined;
    }
    const preferred = aliasName !== "" ? `__collection_alias_${aliasName}` : `__collection_${target.name}`;
    const key = `@collection:${target.id}:${aliasName}`;
    const alias = this.#join(walk, key, preferred, (a) => {
      return sql`LEFT JOIN ${this.#quote(target.name)} ${this.#quote(a)} ON 1=1`;
    });
    const mmAlias = this.#mmAlias(walk, `__mm${alias}`);
    walk.mm.joins.push(sql`LEFT JOIN ${this.#quote(target.name)} ${this.#quote(mmAlias)} ON 1=1`);
    walk.collection = target;
    walk.alias = alias;
    walk.key = key;
    walk.mmAlias = mmAlias;
    walk.multi = true;
    const result = this.#walkProps(walk, props.slice(2));
    if (result === undefined) throw invalid(identifier, "unknown field");
    return result;
  }

  // ---- @request.* ---------------------------------------------------------------------

  /** The joins `@request.*` may need, for record-field-resolver-request.ts. */
  #requestScope(): RequestScope {
    return {
      collection: this.collection,
      requestInfo: this.#options.requestInfo,
      bodyEach: (identifier, field, values) => this.#bodyEach(identifier, field, values),
      bodyRelation: (identifier, field, ids, rest) => this.#bodyRelation(identifier, field, ids, rest),
      authPath: (identifier, auth, path) => this.#authPath(identifier, auth, path),
      changed: (field) => this.#changed(field),
    };
  }

  /** `@request.body.f:changed` → `(@request.body.f:isset = true && @request.body.f != f)`. */
  #changed(field: Field): FieldResolution {
    const name = field.name;
    const node = sharedFilterCache.parse(
      `@request.body.${name}:isset = true && @request.body.${name} != ${name}`,
    );
    const condition = compileFilter(node, { resolver: this, dialect: this.#dialect, now: this.#options.now });
    return { sql: condition.sql, params: condition.params, noCoalesce: true };
  }

  /** `@request.body.<multi>:each`: the submitted values as a `json_each` over a bound JSON list. */
  #bodyEach(identifier: string, field: Field, values: readonly unknown[]): FieldResolution {
    const d = this.#dialect;
    const list = goJsonMarshal(values);
    const walk = this.#rootWalk(identifier, { allowHidden: true, nullifyMissing: true, restricted: false });
    const alias = this.#join(walk, `@body:${field.name}#each`, `__dataEach_${field.name}_je`, (a) => {
      return sql`LEFT JOIN ${d.jsonEach(param(list))} ${this.#quote(a)}`;
    });
    // The values do not depend on the row: the subquery is the list itself.
    const mmAlias = `__mm__dataEach_${field.name}_je`;
    walk.multi = isMultiple(field);
    walk.mm.from = sql`${d.jsonEach(param(list))} ${this.#quote(mmAlias)}`;
    walk.mm.where = undefined;
    return this.#finish(walk, d.jsonEachValue(alias), d.jsonEachValue(mmAlias), {});
  }

  /** `@request.body.<rel>.<path>`: joins the submitted ids into the relation's collection. */
  #bodyRelation(
    identifier: string,
    field: RelationField,
    ids: readonly string[],
    rest: readonly string[],
  ): FieldResolution {
    const target = this.#collection(field.collectionId);
    if (target === null) {
      throw invalid(identifier, `the collection of ${quoteForMessage(field.name)} is missing`);
    }
    const d = this.#dialect;
    const q = (name: string): SqlFragment => this.#quote(name);
    // One bound JSON list rather than one placeholder per id.
    const idList = goJsonMarshal(ids);
    const submitted = (alias: string): SqlFragment => {
      const je = `${alias}_ids`;
      return sql`${d.column(alias, "id")} IN (SELECT ${d.jsonEachValue(je)} FROM ${d.jsonEach(param(idList))} ${q(je)})`;
    };
    const walk = this.#rootWalk(identifier, { allowHidden: true, nullifyMissing: true, restricted: false });
    const key = `@body:${field.name}`;
    const alias = this.#join(walk, key, `__data_${target.name}_${field.name}`, (a) => {
      return sql`LEFT JOIN ${q(target.name)} ${q(a)} ON ${submitted(a)}`;
    });
    const mmAlias = this.#mmAlias(walk, `__data_mm_${target.name}_${field.name}`);
    walk.mm.joins.push(sql`LEFT JOIN ${q(target.name)} ${q(mmAlias)} ON ${submitted(mmAlias)}`);
    walk.collection = target;
    walk.alias = alias;
    walk.key = key;
    walk.mmAlias = mmAlias;
    walk.multi = isMultiple(field);
    return this.#walkProps(walk, rest) ?? NULL_CONSTANT;
  }

  /** `@request.auth.<path>` beyond a plain field: joins the auth collection on the auth id. */
  #authPath(identifier: string, auth: AuthRecord, path: readonly string[]): FieldResolution {
    const d = this.#dialect;
    const q = (name: string): SqlFragment => this.#quote(name);
    const table = auth.collection.name;
    const walk = this.#rootWalk(identifier, { allowHidden: true, nullifyMissing: true, restricted: false });
    const alias = this.#join(walk, "@auth", `__auth_${table}`, (a) => {
      return sql`LEFT JOIN ${q(table)} ${q(a)} ON ${d.column(a, "id")} = ${param(auth.id)}`;
    });
    const mmAlias = this.#mmAlias(walk, `__mm_${alias}`);
    walk.mm.joins.push(
      sql`LEFT JOIN ${q(table)} ${q(mmAlias)} ON ${d.column(mmAlias, "id")} = ${param(auth.id)}`,
    );
    walk.collection = auth.collection;
    walk.alias = alias;
    walk.key = "@auth";
    walk.mmAlias = mmAlias;
    return this.#walkProps(walk, path) ?? NULL_CONSTANT;
  }
}
