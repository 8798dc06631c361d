/**
 * API rules compiled once and reused by every request (issue 17): a rule's SQL depends on the
 * request only through its `@request.*` constants, so each (rule, collection, variant, request
 * shape) is compiled once into a template (src/query/filter-template.ts) and a request only
 * binds its values into the same SQL, which also keeps one prepared statement per rule.
 *
 * The shape of a request is what the compiler's output depends on besides the values
 * (record-request-shape.ts); a rule without one is compiled per request as before.
 *
 * Templates live as long as their collection object: any collection change reloads every
 * collection (`App.reloadCollections`), so a changed rule, field or related collection gets new
 * objects and new templates; the rule text is part of the key as well.
 */
import type { ExpressionNode } from "../../query/ast.ts";
import { sharedFilterCache } from "../../query/filter-cache.ts";
import type { FieldResolver } from "../../query/field-resolver.ts";
import { compileFilter } from "../../query/filter-compiler.ts";
import {
  type FilterTemplate,
  type FragmentTemplate,
  SlotResolver,
  fillFragmentTemplate,
  fillTemplate,
} from "../../query/filter-template.ts";
import type { FilterLimits } from "../../query/limits.ts";
import type { SqlFragment, SqlValue } from "../../query/sql.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { RequestInfo } from "../hook-events.ts";
import type { RecordFieldResolver } from "./record-field-resolver.ts";
import { andTerms, compileTerms, joinsUnderExists } from "./record-query-exists.ts";
import { isRequestIdentifier, requestIdentifiers, requestValues, shapeKey } from "./record-request-shape.ts";

/** A compiled rule: its condition and the joins it needs. */
export interface CompiledRule {
  readonly where: SqlFragment;
  readonly joins: readonly SqlFragment[];
  /** With `withExists` and joins: the same condition with the joins under an EXISTS. */
  readonly existsWhere?: SqlFragment;
}

/** One rule to compile. */
export interface RuleCompile {
  readonly rule: string;
  /** The collection the rule belongs to; its templates live as long as this object. */
  readonly owner: Collection;
  /** Everything else that shapes the SQL of the same rule (alias, table, caller). */
  readonly variant: string;
  /** The collection `@request.body.*` is typed by (the owner or a renamed copy of it). */
  readonly collection: Collection;
  readonly requestInfo: RequestInfo | null;
  readonly limits: FilterLimits;
  /** A fresh resolver for a compile (a miss, or a rule that cannot be reused). */
  readonly newResolver: () => RecordFieldResolver;
  /**
   * Also give the rule's condition with its joins under an EXISTS (record-query-exists.ts): for
   * a query on the main table's rows that nothing else joins into or sorts by.
   */
  readonly withExists?: boolean;
}

interface Template {
  readonly filter: FilterTemplate;
  /** The EXISTS form's condition (`withExists` and joins), else null. */
  readonly exists: FragmentTemplate | null;
  /** The `@request.*` identifier of each slot, by slot index. */
  readonly slots: readonly string[];
}

interface RuleEntry {
  readonly node: ExpressionNode;
  /** The distinct `@request.*` identifiers; null when the rule is never reused. */
  readonly requestIdentifiers: readonly string[] | null;
  /** By request shape; null when that shape compiles per request. */
  readonly templates: Map<string, Template | null>;
}

/** Bounds: distinct (rule, variant) per collection, shapes per rule. */
const MAX_RULES = 200;
const MAX_SHAPES = 64;

const entriesByOwner = new WeakMap<Collection, Map<string, RuleEntry>>();

/** Counters for tests: how many compiles ran and how many were answered from a template. */
export const ruleCacheStats = { compiles: 0, hits: 0 };

/** Compiles `rule` for one request, from a template when one fits (see the header). */
export function compileRecordRule(options: RuleCompile): CompiledRule {
  const entry = ruleEntry(options);
  if (entry.requestIdentifiers === null) return compileDirect(entry.node, options);
  const values = requestValues(entry.requestIdentifiers, options.collection, options.requestInfo);
  if (values === null) return compileDirect(entry.node, options);
  const shape = shapeKey(values);
  const template = entry.templates.get(shape);
  if (template === undefined) return compileTemplate(entry, shape, options);
  if (template === null) return compileDirect(entry.node, options);
  ruleCacheStats.hits++;
  const slotValues: SqlValue[] = [];
  for (const identifier of template.slots) slotValues.push(values.get(identifier) as SqlValue);
  const filled = fillTemplate(template.filter, slotValues);
  if (template.exists === null) return filled;
  return { ...filled, existsWhere: fillFragmentTemplate(template.exists, slotValues) };
}

function ruleEntry(options: RuleCompile): RuleEntry {
  let entries = entriesByOwner.get(options.owner);
  if (entries === undefined) {
    entries = new Map();
    entriesByOwner.set(options.owner, entries);
  }
  const key = `${options.variant}\u0000${options.limits.maxLength}\u0000${options.rule}`;
  let entry = entries.get(key);
  if (entry === undefined) {
    // Parse errors are thrown here, as a direct compile would.
    const node = sharedFilterCache.parse(options.rule, options.limits);
    if (entries.size >= MAX_RULES) entries.clear();
    entry = { node, requestIdentifiers: requestIdentifiers(node), templates: new Map() };
    entries.set(key, entry);
  }
  return entry;
}

/** Compiles through `through` (the resolver or a wrapper of it). */
function compileWith(
  node: ExpressionNode,
  resolver: RecordFieldResolver,
  through: FieldResolver,
  options: RuleCompile,
): CompiledRule {
  if (options.withExists !== true)
    return { where: compileFilter(node, { resolver: through }), joins: resolver.joins() };
  const terms = compileTerms(node, { resolver: through, joinUses: () => resolver.joinUses() });
  const joins = resolver.joins();
  const where = andTerms(terms);
  return joins.length === 0
    ? { where, joins }
    : { where, joins, existsWhere: joinsUnderExists(terms, joins) };
}

function compileDirect(node: ExpressionNode, options: RuleCompile): CompiledRule {
  ruleCacheStats.compiles++;
  const resolver = options.newResolver();
  return compileWith(node, resolver, resolver, options);
}

function compileTemplate(entry: RuleEntry, shape: string, options: RuleCompile): CompiledRule {
  ruleCacheStats.compiles++;
  const resolver = options.newResolver();
  const slots = new SlotResolver(resolver, isRequestIdentifier);
  const compiled = compileWith(entry.node, resolver, slots, options);
  const filter = slots.template(compiled.where, compiled.joins);
  const exists = compiled.existsWhere === undefined ? null : slots.statementTemplate(compiled.existsWhere);
  if (entry.templates.size >= MAX_SHAPES) entry.templates.clear();
  if (filter === null || (compiled.existsWhere !== undefined && exists === null)) {
    entry.templates.set(shape, null);
    return compileDirect(entry.node, options);
  }
  entry.templates.set(shape, { filter, exists, slots: slots.slotIdentifiers });
  const filled = slots.filled(filter);
  if (exists === null) return filled;
  return { ...filled, existsWhere: slots.filledFragment(exists) };
}
