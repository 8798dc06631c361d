import assert from "node:assert/strict";
import { test } from "node:test";
import { sqliteDialect } from "./dialect.ts";
import { MACRO_NAMES, isMacroName, macroValue } from "./macros.ts";

test("macros are computed in UTC from one instant", () => {
  const now = new Date("2024-12-31T23:59:58.123Z"); // a Tuesday, last day of a leap year
  const values = Object.fromEntries(MACRO_NAMES.map((name) => [name, macroValue(name, now, sqliteDialect)]));
  assert.deepEqual(values, {
    "@now": "2024-12-31 23:59:58.123Z",
    "@yesterday": "2024-12-30 23:59:58.123Z",
    "@tomorrow": "2025-01-01 23:59:58.123Z",
    "@todayStart": "2024-12-31 00:00:00.000Z",
    "@todayEnd": "2024-12-31 23:59:59.999Z",
    "@monthStart": "2024-12-01 00:00:00.000Z",
    "@monthEnd": "2024-12-31 23:59:59.999Z",
    "@yearStart": "2024-01-01 00:00:00.000Z",
    "@yearEnd": "2024-12-31 23:59:59.999Z",
    "@second": 58,
    "@minute": 59,
    "@hour": 23,
    "@day": 31,
    "@month": 12,
    "@weekday": 2,
    "@year": 2024,
  });
});

test("@monthEnd knows February", () => {
  assert.equal(
    macroValue("@monthEnd", new Date("2023-02-10T00:00:00Z"), sqliteDialect),
    "2023-02-28 23:59:59.999Z",
  );
  assert.equal(
    macroValue("@monthEnd", new Date("2024-02-10T00:00:00Z"), sqliteDialect),
    "2024-02-29 23:59:59.999Z",
  );
});

test("macro names are case-sensitive", () => {
  assert.deepEqual(["@now", "@NOW", "@today", "now"].map(isMacroName), [true, false, false, false]);
});
