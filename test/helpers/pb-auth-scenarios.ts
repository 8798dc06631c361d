/**
 * Shared pieces of the PocketBase auth-route scenario tables (test/pb-scenarios-auth-*.test.ts):
 * a server on a fresh copy of PocketBase's test data, the hook groups a record save fires, and
 * the usual `before` setups (rate limit rules, a failing request hook, collection edits).
 */
import type { TestContext } from "node:test";
import type { App } from "../../src/core/app.ts";
import type { HookName } from "../../src/core/hooks.ts";
import { Record } from "../../src/core/records/record.ts";
import { saveRecord } from "../../src/core/records/record-save.ts";
import { OTPS, newSystemRecord } from "../../src/core/records/record-auth-system.ts";
import { startTestServer, type TestServer } from "./server.ts";
import { PB_TOKENS, copyTestdata } from "./testdata.ts";
import { badRequest } from "../../src/api/errors.ts";

/** A server on a fresh copy of the test data folder (null when the folder is missing). */
export async function testdataServer(t: TestContext): Promise<TestServer | null> {
  const dir = copyTestdata(t);
  if (!dir) return null;
  return startTestServer(t, { dataDir: dir, superuser: false });
}

/** Hooks one successful record create fires (model + record layers). */
export const CREATE_EVENTS = {
  onModelCreate: 1,
  onModelCreateExecute: 1,
  onModelAfterCreateSuccess: 1,
  onModelValidate: 1,
  onRecordCreate: 1,
  onRecordCreateExecute: 1,
  onRecordAfterCreateSuccess: 1,
  onRecordValidate: 1,
} as const;

/** Hooks one successful record update fires. */
export const UPDATE_EVENTS = {
  onModelUpdate: 1,
  onModelUpdateExecute: 1,
  onModelAfterUpdateSuccess: 1,
  onModelValidate: 1,
  onRecordUpdate: 1,
  onRecordUpdateExecute: 1,
  onRecordAfterUpdateSuccess: 1,
  onRecordValidate: 1,
} as const;

/** Hooks one successful record delete fires. */
export const DELETE_EVENTS = {
  onModelDelete: 1,
  onModelDeleteExecute: 1,
  onModelAfterDeleteSuccess: 1,
  onRecordDelete: 1,
  onRecordDeleteExecute: 1,
  onRecordAfterDeleteSuccess: 1,
} as const;

/** Sums hook-count groups (a hook in several groups adds up). */
export function events(...groups: { [hook: string]: number }[]): { [hook: string]: number } {
  const out: { [hook: string]: number } = {};
  for (const g of groups) for (const [k, v] of Object.entries(g)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Turns rate limiting on with these rules (label + maxRequests; audience any, 1 s windows). */
export function rateLimitRules(...rules: [label: string, maxRequests: number][]) {
  return (s: TestServer): void => {
    const config = s.app.settings().rateLimits;
    config.enabled = true;
    config.rules = rules.map(([label, maxRequests]) => ({ label, maxRequests, duration: 1, audience: "" }));
  };
}

/** Binds a handler to a hook that fails with a plain error (PocketBase answers it as a 400). */
export function failingHook(name: HookName) {
  return (s: TestServer): void => {
    const hook = s.app.hooks[name] as unknown as { bindFunc(fn: () => Promise<void>): string };
    hook.bindFunc(() => Promise.reject(new Error("error")));
  };
}

/** Edits a collection and saves it (through the app, like a Go test's `app.Save(collection)`). */
export function editCollection(
  name: string,
  edit: (c: ReturnType<App["findCollectionByNameOrId"]> & {}) => void,
) {
  return async (s: TestServer): Promise<void> => {
    const collection = s.app.findCollectionByNameOrId(name);
    if (!collection) throw new Error(`no collection ${name}`);
    edit(collection);
    await s.app.save(collection);
  };
}

/** Saves a new row of a system collection (`_mfas`, `_otps`…) with the given fields. */
export async function insertSystemRow(
  app: App,
  collection: string,
  fields: { [k: string]: unknown },
): Promise<Record> {
  const c = app.findCollectionByNameOrId(collection);
  if (!c) throw new Error(`no collection ${collection}`);
  const r = new Record(c);
  for (const [k, v] of Object.entries(fields)) r.set(k, v);
  await saveRecord(app, r);
  return r;
}

/**
 * Binds a handler to a request hook that runs the default action inside a transaction and then
 * fails with 400 `TX_ERROR`: nothing the action wrote may reach the client or the database.
 */
export function failAfterTransaction(name: HookName) {
  return (s: TestServer): void => {
    const hook = s.app.hooks[name] as unknown as {
      bindFunc(fn: (e: { app: App; next(): Promise<void> }) => Promise<void>): string;
    };
    hook.bindFunc(async (e) => {
      const original = e.app;
      await e.app.runInTransaction(async (tx) => {
        e.app = tx;
        try {
          await e.next();
        } finally {
          e.app = original;
        }
        throw badRequest("TX_ERROR");
      });
    });
  };
}

/**
 * Fixed tokens PocketBase's API tests send for its test data (HS256, `exp` in 2050, signed
 * with the data's keys): they must be accepted as they are.
 */
export const FIXED_TOKENS = {
  /** users/4q1xlclmfloku33, refreshable. */
  user: PB_TOKENS.user,
  /** _superusers/sywbhecnh46rhm0, refreshable. */
  superuser: PB_TOKENS.superuser,
  /** users/4q1xlclmfloku33, not refreshable (a static token). */
  userStatic:
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6IjRxMXhsY2xtZmxva3UzMyIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoiX3BiX3VzZXJzX2F1dGhfIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6ZmFsc2V9.4IsO6YMsR19crhwl_YWzvRH8pfq2Ri4Gv2dzGyneLak",
  /** clients/o1y0dd0spd786md (unverified). */
  clientUnverified:
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6Im8xeTBkZDBzcGQ3ODZtZCIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoidjg1MXE0cjc5MHJoa25sIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0.Zi0yXE-CNmnbTdVaQEzYZVuECqRdn3LgEM6pmB3XWBE",
  /** clients/gk390qegs4y47wn (verified). */
  clientVerified:
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6ImdrMzkwcWVnczR5NDd3biIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoidjg1MXE0cjc5MHJoa25sIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0.0ONnm_BsvPRZyDNT31GN1CKUB6uQRxvVvQ-Wc9AZfG0",
} as const;

/**
 * Watches a hook for background work: `before` binds a handler that marks the hook done once
 * its chain (and default action) has finished; `settled` tells whether that happened.
 */
export function whenDone(name: HookName): { before: (s: TestServer) => void; settled: () => boolean } {
  let done = false;
  return {
    before: (s) => {
      done = false;
      const hook = s.app.hooks[name] as unknown as {
        bindFunc(fn: (e: { next(): Promise<void> }) => Promise<void>): string;
      };
      hook.bindFunc(async (e) => {
        try {
          await e.next();
        } finally {
          done = true;
        }
      });
    },
    settled: () => done,
  };
}

/** How many `_otps` rows were mailed to `email`. */
export async function otpsSentTo(app: App, email: string): Promise<number> {
  const row = await app.db.get("SELECT COUNT(*) AS n FROM `_otps` WHERE `sentTo` = ?", [email]);
  return Number(row?.n ?? 0);
}

/**
 * Stores an OTP for a record (code `123456` unless told; `sentTo` empty unless told);
 * `expired` backdates it three years.
 */
export async function insertOTP(
  app: App,
  owner: Record,
  id: string,
  opts: { expired?: boolean; code?: string; sentTo?: string } = {},
): Promise<void> {
  const otp = newSystemRecord(app, OTPS, owner);
  otp.id = id;
  await otp.setPassword(opts.code ?? "123456");
  if (opts.sentTo !== undefined) otp.set("sentTo", opts.sentTo);
  await app.saveNoValidate(otp);
  if (opts.expired) {
    const past = new Date(Date.now() - 3 * 365 * 86400_000).toISOString().replace("T", " ");
    await app.db.run("UPDATE `_otps` SET `created` = ?, `updated` = ? WHERE `id` = ?", [past, past, id]);
  }
}
