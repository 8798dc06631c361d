/**
 * The join list of one records query. Joins are keyed by the path that needs them (e.g.
 * `rule:.author`, `client:.editors#each`, `@auth`), so resolving the same path twice reuses the
 * same join, and each key gets a stable alias (PocketBase-style `posts_author`, with a numeric
 * suffix when two paths would otherwise share a name). Several resolvers may share one list
 * (rule + client filter + sort of one query).
 */
import type { SqlFragment } from "../../query/sql.ts";

/** A join recorded while walking an identifier, added to the query once the walk succeeds. */
export interface PendingJoin {
  readonly key: string;
  readonly fragment: SqlFragment;
}

/** A listRule compiled for `EXISTS (SELECT 1 FROM <source> WHERE <alias>.id = x.id AND <where>)`. */
export interface ListRuleCheck {
  /** The listRule's text (what a cache of the query checks for request values). */
  readonly rule: string;
  readonly alias: string;
  readonly source: SqlFragment;
  readonly where: SqlFragment;
}

/** The joins of one query (shared by resolvers compiling rule, filter and sort together). */
export class JoinRegistry {
  readonly #aliasByKey = new Map<string, string>();
  // SQLite identifiers are case-insensitive, so aliases are compared lower-cased.
  readonly #usedAliases = new Set<string>();
  readonly #joins = new Map<string, SqlFragment>();
  /** Compiled listRules by collection id (client filters). */
  readonly listRules = new Map<string, ListRuleCheck>();

  constructor(reserved: readonly string[]) {
    for (const alias of reserved) this.#usedAliases.add(alias.toLowerCase());
  }

  /** The alias of the join `key`: the same on every call, `preferred` (or `preferred_N`) first. */
  alias(key: string, preferred: string): string {
    const known = this.#aliasByKey.get(key);
    if (known !== undefined) return known;
    let alias = preferred;
    for (let n = 2; this.#usedAliases.has(alias.toLowerCase()); n++) alias = `${preferred}_${n}`;
    this.#usedAliases.add(alias.toLowerCase());
    this.#aliasByKey.set(key, alias);
    return alias;
  }

  /** How many joins were added or reused so far: tells whether a compile step needed any. */
  uses = 0;

  /** Adds a join unless its key is already there (first one wins, keeping dependency order). */
  add(join: PendingJoin): void {
    this.uses++;
    if (!this.#joins.has(join.key)) this.#joins.set(join.key, join.fragment);
  }

  /** The joins in the order they were first added. */
  list(): SqlFragment[] {
    return [...this.#joins.values()];
  }
}
