/**
 * Which `settings.rateLimits` rule applies to a request (PocketBase's `FindRateLimitRule`):
 * the search labels are tried in order; for each, a rule with exactly that label wins, then
 * the longest rule ending in `/` that prefixes `label + "/"`. Only rules for the requester's
 * audience take part (`""` for everyone, `@guest`, `@auth`).
 */
import type { RateLimitRule, RateLimitsConfig } from "./settings-model.ts";

/** The audience of a request: authenticated or not. */
export type RateLimitAudience = "@guest" | "@auth";

/** The first rule matching `labels` for `audience`, or undefined. */
export function findRateLimitRule(
  config: RateLimitsConfig,
  labels: readonly string[],
  audience: RateLimitAudience,
): RateLimitRule | undefined {
  const rules = config.rules.filter((r) => r.audience === "" || r.audience === audience);
  if (rules.length === 0) return undefined;
  // Longest labels first, so the most specific prefix rule wins (stable for equal lengths).
  const byLength = rules
    .map((rule, i) => ({ rule, i }))
    .sort((a, b) => b.rule.label.length - a.rule.label.length || a.i - b.i);
  for (const label of labels) {
    const exact = byLength.find(({ rule }) => rule.label === label);
    if (exact) return exact.rule;
    const prefix = byLength.find(
      ({ rule }) => rule.label.endsWith("/") && `${label}/`.startsWith(rule.label),
    );
    if (prefix) return prefix.rule;
  }
  return undefined;
}
