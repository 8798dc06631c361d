/**
 * Checking API rules when a collection is saved. Until the record field resolver lands, a rule
 * is checked for syntax with the filter parser; identifiers are resolved when rules run.
 */
import { ValidationError } from "../../tools/validation.ts";
import { parseFilter } from "../../query/parser.ts";

/** A `validation_invalid_rule` error for a rule that does not parse, or null. */
export function validateRuleSyntax(rule: string): ValidationError | null {
  try {
    parseFilter(rule);
    return null;
  } catch (e) {
    const raw = e instanceof Error ? e.message : String(e);
    return new ValidationError("validation_invalid_rule", `Invalid rule. Raw error: ${raw}`, { err: raw });
  }
}
