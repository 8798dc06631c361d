/**
 * Compiled filters reused across requests: the SQL of a rule such as `author = @request.auth.id`
 * depends on the request only through a few constants, so it can be compiled once and each
 * request only binds its own values into the same statement.
 *
 * How a template is made: the filter is compiled through a `SlotResolver`, which hands the
 * compiler a unique marker text instead of every non-empty text constant a "slot" identifier
 * (e.g. `@request.*`) resolves to. The compiler only looks at whether a constant is empty, so
 * the SQL it writes for the marker is the SQL it writes for any non-empty text; the params that
 * are exactly a marker become slots, filled from each request's values. Anything else that could
 * make the SQL depend on a value keeps the compile per request: a slot identifier resolving to
 * SQL rather than a constant (joins, `:lower`, `:changed`), or a param that contains a marker
 * without being one (a `~` pattern built from it). Empty texts, NULL, booleans and numbers are
 * not replaced: the caller puts them in the template's key (its "shape").
 *
 * @example
 *   const slots = new SlotResolver(resolver, (name) => name.startsWith("@request."));
 *   const where = compileFilter(node, { resolver: slots });
 *   const template = slots.template(where, resolver.joins()); // null: compile per request
 *   const { where: w, joins } = fillTemplate(template!, ["user id of this request"]);
 */
import type { FieldResolution, FieldResolver } from "./field-resolver.ts";
import { isResolvedConstant } from "./field-resolver.ts";
import type { SqlFragment, SqlValue } from "./sql.ts";

/** Drawn once per process, so no filter text can spell a marker. */
const MARKER = `\u0000slot${Math.random().toString(36).slice(2)}:`;

/** A compiled fragment whose params at `slots[i].at` come from the request's slot values. */
export interface FragmentTemplate {
  readonly sql: string;
  /** The params, with `null` where a slot goes. */
  readonly params: readonly SqlValue[];
  /** Where each slot value goes: param position → slot index. */
  readonly slots: readonly (readonly [at: number, slot: number])[];
}

/** A compiled condition and its joins, with the request's values still to be bound. */
export interface FilterTemplate {
  readonly where: FragmentTemplate;
  readonly joins: readonly FragmentTemplate[];
}

/** Wraps a resolver so that slot identifiers' text constants become markers (see the header). */
export class SlotResolver implements FieldResolver {
  readonly #inner: FieldResolver;
  readonly #isSlot: (identifier: string) => boolean;
  readonly #state: SlotState;

  /**
   * `shareSlotsWith` numbers this resolver's slots together with another's, for one statement
   * compiled through several resolvers (a rule, a filter and a sort).
   */
  constructor(inner: FieldResolver, isSlot: (identifier: string) => boolean, shareSlotsWith?: SlotResolver) {
    this.#inner = inner;
    this.#isSlot = isSlot;
    this.#state =
      shareSlotsWith !== undefined
        ? shareSlotsWith.#state
        : { values: [], slotOf: new Map(), cacheable: true };
  }

  resolve(identifier: string): FieldResolution | undefined {
    return this.#wrap(identifier, this.#inner.resolve(identifier));
  }

  resolveAnyOf(identifier: string): FieldResolution | undefined {
    const inner = this.#inner;
    const resolution =
      inner.resolveAnyOf !== undefined ? inner.resolveAnyOf(identifier) : inner.resolve(identifier);
    return this.#wrap(identifier, resolution);
  }

  joins(): readonly SqlFragment[] {
    return this.#inner.joins();
  }

  rowid(): SqlFragment {
    if (this.#inner.rowid === undefined) throw new Error("SlotResolver: the resolver has no rowid.");
    return this.#inner.rowid();
  }

  /** The identifiers that became slots, by slot index. */
  get slotIdentifiers(): readonly string[] {
    return [...this.#state.slotOf.keys()];
  }

  #wrap(identifier: string, resolution: FieldResolution | undefined): FieldResolution | undefined {
    if (resolution === undefined || !this.#isSlot(identifier)) return resolution;
    const state = this.#state;
    if (!isResolvedConstant(resolution)) {
      state.cacheable = false;
      return resolution;
    }
    const value = resolution.value;
    if (typeof value !== "string" || value === "") return resolution;
    let slot = state.slotOf.get(identifier);
    if (slot === undefined) {
      slot = state.values.length;
      state.slotOf.set(identifier, slot);
      state.values.push(value);
    }
    return { ...resolution, value: `${MARKER}${slot}` };
  }

  /**
   * The template of a compile made through this resolver, or null when it cannot be reused
   * (see the header).
   */
  template(where: SqlFragment, joins: readonly SqlFragment[]): FilterTemplate | null {
    if (!this.#state.cacheable) return null;
    const w = fragmentTemplate(where);
    const j = joins.map(fragmentTemplate);
    if (w === null || j.some((t) => t === null)) return null;
    return { where: w, joins: j as FragmentTemplate[] };
  }

  /** The compile with the real values bound (what compiling without markers gives). */
  filled(template: FilterTemplate): { where: SqlFragment; joins: readonly SqlFragment[] } {
    return fillTemplate(template, this.#state.values);
  }

  /** A fragment template of this compile with the real values bound. */
  filledFragment(template: FragmentTemplate): SqlFragment {
    return fillFragmentTemplate(template, this.#state.values);
  }

  /**
   * The template of a whole statement built from this resolver's compiles, or null when it
   * cannot be reused (see the header).
   */
  statementTemplate(statement: SqlFragment): FragmentTemplate | null {
    return this.#state.cacheable ? fragmentTemplate(statement) : null;
  }
}

/** Slot numbering shared by the resolvers of one statement. */
interface SlotState {
  /** The real text of each slot, by slot index (the order identifiers were first resolved). */
  readonly values: string[];
  readonly slotOf: Map<string, number>;
  cacheable: boolean;
}

function fragmentTemplate(fragment: SqlFragment): FragmentTemplate | null {
  const params: SqlValue[] = [];
  const slots: [number, number][] = [];
  for (const value of fragment.params) {
    if (typeof value === "string" && value.includes(MARKER)) {
      if (!value.startsWith(MARKER)) return null;
      const slot = Number(value.slice(MARKER.length));
      if (!Number.isInteger(slot)) return null;
      slots.push([params.length, slot]);
      params.push(null);
    } else {
      params.push(value);
    }
  }
  return { sql: fragment.sql, params, slots };
}

/** A fragment template with the slot values of one request bound (`values[i]` for slot i). */
export function fillFragmentTemplate(template: FragmentTemplate, values: readonly SqlValue[]): SqlFragment {
  if (template.slots.length === 0) return template;
  const params = template.params.slice();
  for (const [at, slot] of template.slots) params[at] = values[slot] ?? null;
  return { sql: template.sql, params };
}

/** A template with the slot values of one request bound (`values[i]` for slot i). */
export function fillTemplate(
  template: FilterTemplate,
  values: readonly SqlValue[],
): { where: SqlFragment; joins: readonly SqlFragment[] } {
  return {
    where: fillFragmentTemplate(template.where, values),
    joins: template.joins.map((join) => fillFragmentTemplate(join, values)),
  };
}
