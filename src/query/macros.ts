/**
 * Date/time identifier macros (`@now`, `@todayStart`, `@year`, …), all in UTC. The compiler takes
 * `now` once per compile, so every macro of one filter sees the same instant; tests inject it.
 */
import type { SqlDialect } from "./dialect.ts";

/** The names of all macros, exactly as written in filters (case-sensitive). */
export const MACRO_NAMES = [
  "@now",
  "@yesterday",
  "@tomorrow",
  "@todayStart",
  "@todayEnd",
  "@monthStart",
  "@monthEnd",
  "@yearStart",
  "@yearEnd",
  "@second",
  "@minute",
  "@hour",
  "@day",
  "@month",
  "@weekday",
  "@year",
] as const;

/** One macro name. */
export type MacroName = (typeof MACRO_NAMES)[number];

const MACRO_SET: ReadonlySet<string> = new Set(MACRO_NAMES);

/** True when `name` is a macro. */
export function isMacroName(name: string): name is MacroName {
  return MACRO_SET.has(name);
}

const DAY_MS = 86_400_000;

/**
 * The value of macro `name` at instant `now`: a date string in the dialect's stored format for
 * the date macros, an integer for the component macros (`@weekday`: 0 = Sunday).
 */
export function macroValue(name: MacroName, now: Date, dialect: SqlDialect): string | number {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  const day = now.getUTCDate();
  const date = (ms: number): string => dialect.formatDateTime(new Date(ms));
  switch (name) {
    case "@now":
      return date(now.getTime());
    case "@yesterday":
      return date(now.getTime() - DAY_MS);
    case "@tomorrow":
      return date(now.getTime() + DAY_MS);
    case "@todayStart":
      return date(Date.UTC(year, month, day));
    case "@todayEnd":
      return date(Date.UTC(year, month, day, 23, 59, 59, 999));
    case "@monthStart":
      return date(Date.UTC(year, month, 1));
    case "@monthEnd":
      // day 0 of the next month is the last day of this one
      return date(Date.UTC(year, month + 1, 0, 23, 59, 59, 999));
    case "@yearStart":
      return date(Date.UTC(year, 0, 1));
    case "@yearEnd":
      return date(Date.UTC(year, 11, 31, 23, 59, 59, 999));
    case "@second":
      return now.getUTCSeconds();
    case "@minute":
      return now.getUTCMinutes();
    case "@hour":
      return now.getUTCHours();
    case "@day":
      return day;
    case "@month":
      return month + 1;
    case "@weekday":
      return now.getUTCDay();
    case "@year":
      return year;
  }
}
