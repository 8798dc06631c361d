/**
 * Cron expressions as PocketBase's scheduler reads them: five fields separated by single
 * spaces (`minute hour day-of-month month day-of-week`) or one of the `@` macros. Times are
 * matched in UTC, and a moment is due only when all five fields match (there is no special
 * "day-of-month OR day-of-week" rule as in Vixie cron).
 *
 * @example
 * parseCron("*\/15 9-17 * * 1-5").isDue(new Date("2024-01-02T09:30:00Z")); // true
 */

/** A parsed cron expression: the allowed values of each field and a due check. */
export interface CronSchedule {
  /** The five-field form of the expression (macros are expanded). */
  readonly expression: string;
  readonly minutes: ReadonlySet<number>;
  readonly hours: ReadonlySet<number>;
  readonly days: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  /** 0 = Sunday … 6 = Saturday. */
  readonly daysOfWeek: ReadonlySet<number>;
  /** True when the UTC minute of `date` matches every field. */
  isDue(date: Date): boolean;
}

/** Thrown by `parseCron` for an expression it cannot read; the message says why. */
export class CronExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CronExpressionError";
  }
}

/** The supported macros and the five-field expressions they stand for. */
export const CRON_MACROS: Readonly<Record<string, string>> = Object.freeze({
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
});

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 6 },
];

/**
 * Parses a cron expression or macro. Throws `CronExpressionError` when it is invalid.
 * Fields are split on single spaces, exactly as PocketBase does, so doubled or surrounding
 * spaces are rejected rather than silently accepted by one server and not the other.
 */
export function parseCron(expr: string): CronSchedule {
  const expression = Object.hasOwn(CRON_MACROS, expr) ? CRON_MACROS[expr]! : expr;
  const parts = expression.split(" ");
  if (parts.length !== FIELDS.length) {
    throw new CronExpressionError(
      `Invalid cron expression "${expr}": expected a macro (${Object.keys(CRON_MACROS).join(", ")}) ` +
        `or exactly 5 fields separated by single spaces, got ${parts.length}.`,
    );
  }
  const [minutes, hours, days, months, daysOfWeek] = FIELDS.map((spec, i) => parseField(parts[i]!, spec)) as [
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
    Set<number>,
  ];
  return {
    expression,
    minutes,
    hours,
    days,
    months,
    daysOfWeek,
    isDue(date: Date): boolean {
      return (
        minutes.has(date.getUTCMinutes()) &&
        hours.has(date.getUTCHours()) &&
        days.has(date.getUTCDate()) &&
        months.has(date.getUTCMonth() + 1) &&
        daysOfWeek.has(date.getUTCDay())
      );
    },
  };
}

/** True when `expr` is a valid cron expression or macro. */
export function isValidCron(expr: string): boolean {
  try {
    parseCron(expr);
    return true;
  } catch {
    return false;
  }
}

// One field is a comma-separated list of items; an item is `*`, `n`, or `a-b`, optionally
// followed by `/step` (a step needs `*` or a range, as in PocketBase).
function parseField(field: string, spec: FieldSpec): Set<number> {
  const values = new Set<number>();
  for (const item of field.split(",")) {
    const slash = item.split("/");
    if (slash.length > 2) {
      throw fieldError(spec, item, "a step is written once, as */n or a-b/n");
    }
    const [base, stepText] = slash as [string, string | undefined];
    let step = 1;
    if (stepText !== undefined) {
      step = parseNumber(stepText, spec, item);
      if (step < 1 || step > spec.max) {
        throw fieldError(spec, item, `the step must be between 1 and ${spec.max}`);
      }
    }

    let from: number;
    let to: number;
    if (base === "*") {
      from = spec.min;
      to = spec.max;
    } else {
      const dash = base.split("-");
      if (dash.length === 1) {
        if (step !== 1) throw fieldError(spec, item, "a step needs * or a range before it");
        from = to = parseNumber(base, spec, item);
        if (from < spec.min || from > spec.max) {
          throw fieldError(spec, item, `the value must be between ${spec.min} and ${spec.max}`);
        }
      } else if (dash.length === 2) {
        from = parseNumber(dash[0]!, spec, item);
        to = parseNumber(dash[1]!, spec, item);
        if (from < spec.min || from > spec.max) {
          throw fieldError(spec, item, `the range start must be between ${spec.min} and ${spec.max}`);
        }
        if (to < from || to > spec.max) {
          throw fieldError(spec, item, `the range end must be between ${from} and ${spec.max}`);
        }
      } else {
        throw fieldError(spec, item, "a range has exactly two ends, as a-b");
      }
    }
    for (let v = from; v <= to; v += step) values.add(v);
  }
  return values;
}

// Plain decimal integers (an optional sign and leading zeros are tolerated, as by Go's Atoi).
function parseNumber(text: string, spec: FieldSpec, item: string): number {
  if (!/^[+-]?\d{1,9}$/.test(text)) throw fieldError(spec, item, `"${text}" is not a number`);
  return Number(text);
}

function fieldError(spec: FieldSpec, item: string, reason: string): CronExpressionError {
  return new CronExpressionError(`Invalid cron ${spec.name} "${item}": ${reason}.`);
}
