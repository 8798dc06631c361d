/**
 * PocketBase's own test data folder (../shared/pocketbase-testdata), copied to a temp folder
 * before use: it is read-only and SQLite writes next to its files.
 */
import { cpSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TestContext } from "node:test";
import { tempDir } from "./server.ts";

/** Where the shared test data folder lives (override with SATCHEL_PB_TESTDATA). */
export const TESTDATA_DIR = resolve(
  process.env.SATCHEL_PB_TESTDATA ?? new URL("../../../shared/pocketbase-testdata", import.meta.url).pathname,
);

/** Its accounts (see its README). */
export const TESTDATA = {
  superuser: { email: "test@example.com", password: "1234567890", id: "sywbhecnh46rhm0" },
  user: { email: "test@example.com", password: "1234567890", id: "4q1xlclmfloku33" },
  collections: 16,
} as const;

/**
 * Tokens PocketBase's own API tests send for this folder (apis/collection_test.go): HS256,
 * `exp` in 2050, signed with the folder's keys. They must be accepted as they are.
 */
export const PB_TOKENS = {
  superuser:
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6InN5d2JoZWNuaDQ2cmhtMCIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoicGJjXzMxNDI2MzU4MjMiLCJleHAiOjI1MjQ2MDQ0NjEsInJlZnJlc2hhYmxlIjp0cnVlfQ.UXgO3j-0BumcugrFjbd7j0M4MQvbrLggLlcu_YNGjoY",
  user: "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoiX3BiX3VzZXJzX2F1dGhfIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0.ZT3F0Z3iM-xbGgSG3LEKiEzHrPHr8t8IuHLZGGNuxLo",
} as const;

/**
 * A fresh copy of the test data folder, or null after `t.skip` when the folder is absent
 * (callers return early on null).
 */
export function copyTestdata(t: TestContext): string | null {
  if (!existsSync(join(TESTDATA_DIR, "data.db"))) {
    t.skip(`PocketBase test data folder missing at ${TESTDATA_DIR} (set SATCHEL_PB_TESTDATA to its path)`);
    return null;
  }
  const dir = tempDir(t, "satchel-pbdata-");
  for (const name of ["data.db", "auxiliary.db", "storage"]) {
    const from = join(TESTDATA_DIR, name);
    if (existsSync(from)) cpSync(from, join(dir, name), { recursive: true });
  }
  return dir;
}
