/**
 * Rule checks against single records. The full rule engine (relations, `@request.*`,
 * `@collection.*`) arrives with the records API; until then a `null` rule denies, an empty
 * rule allows, and any other rule is evaluated by `evaluateRecordRule` when one is installed.
 */
import type { App } from "../app.ts";
import type { Record } from "./record.ts";

/** Evaluates a non-empty rule against one record; installed by the records layer. */
export type RecordRuleEvaluator = (app: App, record: Record, rule: string) => Promise<boolean>;

let evaluator: RecordRuleEvaluator | null = null;

/** Installs the rule evaluator (called once by the records layer). */
export function setRecordRuleEvaluator(fn: RecordRuleEvaluator): void {
  evaluator = fn;
}

/** Whether `record` satisfies `rule` (null = superusers only → false here; "" = everyone). */
export async function checkRecordRule(app: App, record: Record, rule: string | null): Promise<boolean> {
  if (rule === null) return false;
  if (rule.trim() === "") return true;
  // Without an evaluator a rule cannot be proven true: deny rather than guess.
  return evaluator ? evaluator(app, record, rule) : false;
}

/** Whether the record may authenticate under its collection's authRule. */
export async function canAuthenticate(app: App, record: Record): Promise<boolean> {
  const rule = record.collection.auth?.authRule ?? null;
  return checkRecordRule(app, record, rule);
}
