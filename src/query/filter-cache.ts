/**
 * A small LRU of parsed filters. API rules are the same few strings on every request, so
 * PocketBase caches parse results; we do the same. Only ASTs are cached (they are frozen and
 * independent of the resolver, dialect and clock): compiled SQL depends on all three.
 */
import type { ExpressionNode } from "./ast.ts";
import { DEFAULT_FILTER_LIMITS } from "./limits.ts";
import type { FilterLimits } from "./limits.ts";
import { parseFilter } from "./parser.ts";

/** Bounded cache of `parseFilter` results keyed by filter text and limits. */
export class FilterCache {
  private readonly entries = new Map<string, ExpressionNode>();
  private readonly maxEntries: number;

  constructor(maxEntries = 500) {
    this.maxEntries = maxEntries;
  }

  /** The AST of `filter`, parsed once per distinct text and limits; errors are not cached. */
  parse(filter: string, limits: FilterLimits = DEFAULT_FILTER_LIMITS): ExpressionNode {
    // The limits are part of the key: a rule parsed with roomy limits must not let the same text
    // through as a client filter with PocketBase's stricter ones.
    const key = `${limits.maxLength}:${limits.maxExpressions}:${limits.maxDepth}:${limits.maxFunctionDepth}\u0000${filter}`;
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const node = parseFilter(filter, limits);
    if (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(key, node);
    return node;
  }

  /** Number of cached entries. */
  get size(): number {
    return this.entries.size;
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear();
  }
}

/**
 * The process-wide parse cache: rules and client filters compiled without a cache of their own
 * (the records API, expand, logs) parse each distinct text once instead of on every request.
 */
export const sharedFilterCache = new FilterCache(500);
