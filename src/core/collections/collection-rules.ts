/**
 * Checking API rules when a collection is saved, as PocketBase does: a rule must parse, and its
 * identifiers must resolve against the collection as it will be saved (fields, relations,
 * `@collection.*`, `@request.*`), the way the rule will be compiled when it runs.
 */
import { ValidationError } from "../../tools/validation.ts";
import { parseFilter } from "../../query/parser.ts";
import type { RequestInfo } from "../hook-events.ts";
import { buildRecordFilter } from "../records/record-rule.ts";
import type { Collection } from "./collection-model.ts";

function invalidRule(e: unknown): ValidationError {
  const raw = e instanceof Error ? e.message : String(e);
  return new ValidationError("validation_invalid_rule", `Invalid rule. Raw error: ${raw}`, { err: raw });
}

/** A `validation_invalid_rule` error for a rule that does not parse, or null. */
export function validateRuleSyntax(rule: string): ValidationError | null {
  try {
    parseFilter(rule);
    return null;
  } catch (e) {
    return invalidRule(e);
  }
}

/** The request a rule is resolved against when it is checked (nothing set, as PocketBase's). */
const CHECK_REQUEST: RequestInfo = {
  query: {},
  headers: {},
  body: {},
  auth: null,
  method: "",
  context: "default",
};

/**
 * A `validation_invalid_rule` error for a rule that does not parse or names something that
 * doesn't resolve for `collection` (e.g. an unknown field), or null. `findCollection` finds the
 * other collections; the one being saved is found as it will be.
 */
export function validateRule(
  rule: string,
  collection: Collection,
  findCollection: (nameOrId: string) => Collection | null,
): ValidationError | null {
  const syntax = validateRuleSyntax(rule);
  if (syntax) return syntax;
  const self = (nameOrId: string): Collection | null =>
    nameOrId === collection.id || nameOrId.toLowerCase() === collection.name.toLowerCase()
      ? collection
      : findCollection(nameOrId);
  try {
    buildRecordFilter({
      filter: rule,
      collection,
      findCollection: self,
      requestInfo: CHECK_REQUEST,
      isClientFilter: false,
      allowHiddenFields: true,
    });
    return null;
  } catch (e) {
    return invalidRule(e);
  }
}
