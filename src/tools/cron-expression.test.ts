import { test } from "node:test";
import assert from "node:assert/strict";
import { CRON_MACROS, CronExpressionError, isValidCron, parseCron } from "./cron-expression.ts";

const sorted = (set: ReadonlySet<number>) => [...set].sort((a, b) => a - b);
const range = (from: number, to: number, step = 1) => {
  const out: number[] = [];
  for (let v = from; v <= to; v += step) out.push(v);
  return out;
};

test("fields accept wildcards, values, ranges, steps and lists", () => {
  type Field = "minutes" | "hours" | "days" | "months" | "daysOfWeek";
  const rows: [string, Field, number[]][] = [
    ["* * * * *", "minutes", range(0, 59)],
    ["5 * * * *", "minutes", [5]],
    ["1-5 * * * *", "minutes", [1, 2, 3, 4, 5]],
    ["*/15 * * * *", "minutes", [0, 15, 30, 45]],
    ["10-30/10 * * * *", "minutes", [10, 20, 30]],
    ["1,2,10-20/5 * * * *", "minutes", [1, 2, 10, 15, 20]],
    ["5/1 * * * *", "minutes", [5]],
    ["0 */6 * * *", "hours", [0, 6, 12, 18]],
    ["0 0 */10 * *", "days", [1, 11, 21, 31]],
    ["0 0 * 2-12/2 *", "months", [2, 4, 6, 8, 10, 12]],
    ["0 0 * * 1-5", "daysOfWeek", [1, 2, 3, 4, 5]],
    ["0 0 * * *", "daysOfWeek", range(0, 6)],
    ["05 * * * *", "minutes", [5]],
    ["+5 * * * *", "minutes", [5]],
  ];
  for (const [expr, field, expected] of rows) {
    assert.deepEqual(sorted(parseCron(expr)[field]), expected, expr);
  }
});

test("macros expand to their five-field form", () => {
  assert.deepEqual(Object.keys(CRON_MACROS), [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
  ]);
  assert.equal(parseCron("@yearly").expression, "0 0 1 1 *");
  assert.equal(parseCron("@annually").expression, "0 0 1 1 *");
  assert.equal(parseCron("@monthly").expression, "0 0 1 * *");
  assert.equal(parseCron("@weekly").expression, "0 0 * * 0");
  assert.equal(parseCron("@daily").expression, "0 0 * * *");
  assert.equal(parseCron("@midnight").expression, "0 0 * * *");
  assert.equal(parseCron("@hourly").expression, "0 * * * *");
});

test("invalid expressions are rejected with a message naming the problem", () => {
  const rows: [string, RegExp][] = [
    ["", /exactly 5 fields/],
    ["* * * *", /separated by single spaces, got 4/],
    ["* * * * * *", /separated by single spaces, got 6/],
    ["0  0 * * *", /exactly 5 fields/],
    [" 0 0 * * *", /exactly 5 fields/],
    ["@every 5m", /expected a macro/],
    ["@HOURLY", /exactly 5 fields/],
    ["60 * * * *", /minute "60": the value must be between 0 and 59/],
    ["* 24 * * *", /hour "24": the value must be between 0 and 23/],
    ["* * 0 * *", /day of month "0": the value must be between 1 and 31/],
    ["* * 32 * *", /day of month "32"/],
    ["* * * 13 *", /month "13"/],
    ["* * * 0 *", /month "0"/],
    ["* * * * 7", /day of week "7": the value must be between 0 and 6/],
    ["*/0 * * * *", /the step must be between 1 and 59/],
    ["*/60 * * * *", /the step must be between 1 and 59/],
    ["5/2 * * * *", /a step needs \* or a range/],
    ["1/2/3 * * * *", /a step is written once/],
    ["5-1 * * * *", /the range end must be between 5 and 59/],
    ["1-60 * * * *", /the range end must be between 1 and 59/],
    ["1-2-3 * * * *", /exactly two ends/],
    ["a * * * *", /"a" is not a number/],
    ["1,,2 * * * *", /"" is not a number/],
    ["*/x * * * *", /"x" is not a number/],
    ["MON * * * *", /is not a number/],
    ["* * * * MON", /is not a number/],
  ];
  for (const [expr, message] of rows) {
    assert.throws(
      () => parseCron(expr),
      (err: unknown) => {
        assert.ok(err instanceof CronExpressionError, expr);
        assert.match(err.message, message, expr);
        return true;
      },
    );
    assert.equal(isValidCron(expr), false, expr);
  }
  assert.equal(isValidCron("*/5 * * * *"), true);
});

test("isDue matches every field in UTC", () => {
  const schedule = parseCron("*/15 9-17 * * 1-5");
  assert.equal(schedule.isDue(new Date("2024-01-02T09:30:00Z")), true); // Tuesday
  assert.equal(schedule.isDue(new Date("2024-01-02T09:31:00Z")), false);
  assert.equal(schedule.isDue(new Date("2024-01-02T18:00:00Z")), false);
  assert.equal(schedule.isDue(new Date("2024-01-06T10:00:00Z")), false); // Saturday
  assert.equal(schedule.isDue(new Date("2024-01-02T09:30:00+02:00")), false); // 07:30 UTC
  assert.equal(schedule.isDue(new Date("2024-01-02T09:45:59.999Z")), true);
});

test("day of month and day of week must both match", () => {
  const schedule = parseCron("0 0 1 * 1");
  assert.equal(schedule.isDue(new Date("2024-01-01T00:00:00Z")), true); // Monday the 1st
  assert.equal(schedule.isDue(new Date("2024-02-01T00:00:00Z")), false); // Thursday the 1st
  assert.equal(schedule.isDue(new Date("2024-01-08T00:00:00Z")), false); // Monday the 8th
});

test("macros are due at their moments", () => {
  assert.equal(parseCron("@yearly").isDue(new Date("2025-01-01T00:00:00Z")), true);
  assert.equal(parseCron("@yearly").isDue(new Date("2025-02-01T00:00:00Z")), false);
  assert.equal(parseCron("@weekly").isDue(new Date("2025-01-05T00:00:00Z")), true); // Sunday
  assert.equal(parseCron("@hourly").isDue(new Date("2025-01-05T13:00:00Z")), true);
  assert.equal(parseCron("@hourly").isDue(new Date("2025-01-05T13:01:00Z")), false);
});
