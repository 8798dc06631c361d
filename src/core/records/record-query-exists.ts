/**
 * A records query's joins under an EXISTS instead of in its FROM clause.
 *
 * PocketBase compiles a condition on a relation path (`author.permissions.active = true`) by
 * LEFT JOINing the related tables to the main one and selecting `DISTINCT` main rows. The same
 * rows come from
 *
 *   SELECT t.* FROM t WHERE <plain terms> AND EXISTS (
 *     SELECT 1 FROM (SELECT 1) <the same LEFT JOINs> WHERE <terms that read joined rows>)
 *
 * where the joins' ON clauses still read the main row `t`: `SELECT DISTINCT t.*` keeps a row
 * when some combination of its joined rows satisfies the whole condition, which is what the
 * EXISTS asks, one row at a time, stopping at the first combination found. The top-level `&&`
 * terms that read no joined row stay outside, so an index on them still picks the main rows.
 * `DISTINCT` only merged rows that were the same row, since `id` is a non-null primary key:
 * views (whose `id` may repeat) have no EXISTS form, nor has a query sorted by a joined field.
 *
 * Which form runs is SQLite's plan's call (`existsFormPays`, record-query-cost.ts): the EXISTS
 * form when the joined form's outer loop reads the main table anyway (the bench's perms rule:
 * a page 553 → 281 µs, its total 19.5 → 12 ms), PocketBase's when it starts from a related
 * table an index narrows down (a page 78 µs joined against 4 ms as an EXISTS on every row).
 */
import type { ExpressionNode } from "../../query/ast.ts";
import type { SqlDialect } from "../../query/dialect.ts";
import type { FieldResolver } from "../../query/field-resolver.ts";
import { compileFilter } from "../../query/filter-compiler.ts";
import type { SqlFragment } from "../../query/sql.ts";
import { joinSql, raw, sql } from "../../query/sql.ts";

/** One top-level `&&` term of a compiled condition, parenthesised. */
export interface ConditionTerm {
  readonly sql: SqlFragment;
  /** Whether it reads a joined row (it then goes inside the EXISTS). */
  readonly joined: boolean;
}

/** What `compileTerms` compiles through. */
export interface TermCompile {
  /** The resolver (or a wrapper of it) identifiers go through. */
  readonly resolver: FieldResolver;
  /** The join registry's use count (`RecordFieldResolver.joinUses`): tells which terms joined. */
  readonly joinUses: () => number;
  readonly dialect?: SqlDialect;
  readonly now?: Date;
}

/** Compiles a condition as its top-level `&&` terms, each marked with whether it joined. */
export function compileTerms(node: ExpressionNode, options: TermCompile): ConditionTerm[] {
  const items = node.kind === "logical" && node.operator === "&&" ? node.items : [node];
  const compile = { resolver: options.resolver, dialect: options.dialect, now: options.now };
  return items.map((item) => {
    const before = options.joinUses();
    const where = compileFilter(item, compile);
    return { sql: sql`(${where})`, joined: options.joinUses() !== before };
  });
}

/** The terms ANDed, with the joined ones under `EXISTS (… <joins> …)` (see the header). */
export function joinsUnderExists(
  terms: readonly ConditionTerm[],
  joins: readonly SqlFragment[],
): SqlFragment {
  const plain = terms.filter((term) => !term.joined).map((term) => term.sql);
  const joined = terms.filter((term) => term.joined).map((term) => term.sql);
  const from = joinSql([raw("SELECT 1 FROM (SELECT 1)"), ...joins], " ");
  const where = joined.length > 0 ? sql` WHERE ${joinSql(joined, " AND ")}` : raw("");
  return joinSql([...plain, sql`EXISTS (${from}${where})`], " AND ");
}

/** The terms ANDed as they are (the joins stay in the FROM clause). */
export function andTerms(terms: readonly ConditionTerm[]): SqlFragment {
  return joinSql(
    terms.map((term) => term.sql),
    " AND ",
  );
}
