/**
 * The seam between the generic filter compiler and whoever knows what identifiers mean.
 *
 * The compiler handles literals, macros, functions and operators; for every other identifier it
 * asks a `FieldResolver`. A resolver returns SQL for a field (`ResolvedField`), a constant to bind
 * (`ResolvedConstant`, e.g. `@request.method` → "GET"), or `undefined` for a name it does not
 * know, in which case the compiler falls back to the `null`/`true`/`false` literals or rejects
 * the name. A resolver throws `FilterError("forbidden", …)` for names it knows but will not
 * allow (e.g. `@request.*` in a non-superuser's client filter).
 *
 * Joins are the resolver's business: while resolving it records the LEFT JOINs its SQL needs, and
 * after compiling the filter (and the sort, which can add joins too) the caller reads `joins()`
 * and builds `SELECT DISTINCT … FROM t <joins> WHERE <filter> ORDER BY <sort>`; DISTINCT is needed
 * whenever `joins()` is not empty. Join params come before filter params in the statement.
 *
 * Multi-valued operands. An identifier that can yield several values per row (a multiple
 * relation `tags.name`, a back-relation `comments_via_post.text`, an `@collection.x` join, a
 * `field:each`) is resolved against the LEFT JOINed rows, so `?=`-style operators naturally mean
 * "at least one value matches". For the plain operators PocketBase requires ALL values to
 * match; the resolver makes that possible by also describing, in `multiMatch`, how to select the
 * same values for one outer row in an independent subquery. The compiler then emits
 *
 *   (<cond> AND NOT EXISTS (SELECT 1 FROM (<subquery>) m WHERE NOT (<cond on m.value>) [OR m.value IS NULL]))
 *
 * (the `IS NULL` arm is added for every operator but `=`, as PocketBase does).
 *
 * @example A records resolver resolving `tags.name`, where `tags` is a multiple relation stored
 * as a JSON array of ids in `posts.tags` and pointing at collection `tags`:
 *
 *   // joins it records for the outer query (once per path, reused by later references;
 *   // a table-valued json_each needs no ON clause in SQLite):
 *   //   LEFT JOIN json_each(<jsonArray(`posts`.`tags`)>) `__tags_je`
 *   //   LEFT JOIN `tags` `__tags` ON `__tags`.`id` = `__tags_je`.`value`
 *   // (for a non-superuser client filter, the target's listRule goes into that ON clause)
 *   return {
 *     sql: "`__tags`.`name`",
 *     multiMatch: {
 *       value: raw("`__mm_tags`.`name`"),
 *       from: raw("`posts` `__mm_posts`"),
 *       joins: [
 *         sql`LEFT JOIN ${dialect.jsonEach(dialect.jsonArray(dialect.column("__mm_posts", "tags")))} \`__mm_je\``,
 *         raw("LEFT JOIN `tags` `__mm_tags` ON `__mm_tags`.`id` = `__mm_je`.`value`"),
 *       ],
 *       where: raw("`__mm_posts`.`id` = `posts`.`id`"), // correlate with the outer row
 *     },
 *   };
 *
 * `field:each` on a JSON array column can skip the self-join: `from` is
 * `json_each(<jsonArray(outer.column)>) alias` correlated directly to the outer table, and
 * `value` is `alias.value` (see `ItemsResolver` in query-fixtures.ts for both shapes, tested).
 *
 * Other record features map onto the same result type: `:lower` returns `LOWER(<sql>)` (and a
 * LOWER'd `multiMatch.value`), `:length` returns `json_array_length(<jsonArray(col)>)`, `:isset`
 * returns a constant, `email` visibility uses `wrapCondition`, and `:changed` can compile its
 * expansion (`@request.body.f:isset = true && @request.body.f != f`) with `compileFilter` and
 * return the parenthesised condition as `sql` (it then compares like any value, e.g. `= false`).
 *
 * Alias names starting with `__sm`, `__ml` and `__mr` are used by the compiler's NOT EXISTS
 * subqueries; resolvers should pick other prefixes.
 */
import type { SqlFragment, SqlValue } from "./sql.ts";

/** How to select, for one outer row, every value of a multi-valued operand. */
export interface MultiMatchSubquery {
  /** Expression yielding one value per subquery row. */
  readonly value: SqlFragment;
  /** FROM source with its alias (a table or a table-valued function such as `json_each`). */
  readonly from: SqlFragment;
  /** Complete join clauses (`LEFT JOIN x y ON …`), in order. */
  readonly joins?: readonly SqlFragment[];
  /** Condition tying the subquery to the outer row (omit when `from` is already correlated). */
  readonly where?: SqlFragment;
}

/** An identifier resolved to an SQL expression. */
export interface ResolvedField {
  /** The expression (quoted column, JSON extract, `LOWER(x)`…). */
  readonly sql: string;
  /** Values for the `?` placeholders in `sql`, in order. */
  readonly params?: readonly SqlValue[];
  /**
   * Compare with `IS`/`IS NOT` and never COALESCE NULL to '' (JSON extracts, function results):
   * NULL there means "missing", which must not equal ''.
   */
  readonly noCoalesce?: boolean;
  /** Set when the operand has several values per row; enables "all values must match". */
  readonly multiMatch?: MultiMatchSubquery;
  /**
   * Post-processes the finished comparison this operand takes part in, e.g. to AND
   * `emailVisibility = TRUE` to any comparison on `email` in client filters.
   */
  readonly wrapCondition?: (condition: SqlFragment) => SqlFragment;
}

/** An identifier resolved to a constant that is bound as a parameter (`@request.method`). */
export interface ResolvedConstant {
  readonly value: SqlValue | boolean;
  /** As `ResolvedField.wrapCondition`. */
  readonly wrapCondition?: (condition: SqlFragment) => SqlFragment;
}

/** What `FieldResolver.resolve` may return for a known identifier. */
export type FieldResolution = ResolvedField | ResolvedConstant;

/** True when a resolution is a constant rather than an SQL expression. */
export function isResolvedConstant(resolution: FieldResolution): resolution is ResolvedConstant {
  return "value" in resolution;
}

/** Turns filter identifiers into SQL for one query. */
export interface FieldResolver {
  /**
   * Resolves `identifier` (e.g. `title`, `author.name`, `tags:each`, `@request.auth.id`).
   * Returns `undefined` for unknown names; throws `FilterError` for known but forbidden ones.
   * Macros (`@now`…) and functions never reach the resolver.
   */
  resolve(identifier: string): FieldResolution | undefined;
  /**
   * Resolves an operand of a `?` (any-of) operator, where a resolver may give a name another
   * meaning (records: a plain multi-value field means each of its values). `resolve` is used
   * when this is absent.
   */
  resolveAnyOf?(identifier: string): FieldResolution | undefined;
  /** The LEFT JOIN clauses needed by everything resolved so far, in order. */
  joins(): readonly SqlFragment[];
  /** The main table's row id, for `sort=@rowid`; omit when the source has none. */
  rowid?(): SqlFragment;
}
