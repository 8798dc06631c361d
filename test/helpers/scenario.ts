/**
 * Scenario tables for API tests (PocketBase tests/api.go): each row is one request against a
 * fresh server, with the expected status, body fragments and fired hooks.
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import type { App } from "../../src/core/app.ts";
import { hookCatalogue, type HookName } from "../../src/core/hooks.ts";
import { request, type RawResponse } from "./http.ts";
import type { TestServer } from "./server.ts";

/** One API scenario. */
export interface Scenario {
  name: string;
  method: string;
  url: string;
  /** Who sends it: a role of the server or a raw token (guest by default). */
  auth?: "superuser" | "user" | "guest" | { token: string };
  body?: unknown;
  headers?: Record<string, string>;
  expectedStatus: number;
  /** Substrings the raw body must contain. */
  expectedContent?: string[];
  /** Substrings the raw body must not contain. */
  notExpectedContent?: string[];
  /**
   * Hook name → times fired. `"*": 0` means no hook outside the list may fire (PocketBase's
   * convention); without it only the listed hooks are checked.
   */
  expectedEvents?: { [hook: string]: number };
  /** Runs before the request (e.g. to bind hooks or seed data). */
  before?: (s: TestServer) => Promise<void> | void;
  /**
   * Background work the request starts (mails, OTP rows) is done: polled (with a deadline)
   * before hooks are counted.
   */
  settled?: (s: TestServer) => Promise<boolean> | boolean;
  /** Extra checks after the request. */
  after?: (s: TestServer, res: RawResponse) => Promise<void> | void;
}

const COUNTER_ID = "__scenarioEventCounter";

/** Counts every hook the app fires from now on (binds a pass-through handler to each). */
export function countEvents(app: App): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of Object.keys(hookCatalogue) as HookName[]) {
    const hook = app.hooks[name] as unknown as {
      bind(h: {
        id: string;
        priority: number;
        func: (e: { next(): Promise<void> }) => Promise<void>;
      }): string;
    };
    hook.bind({
      id: COUNTER_ID,
      priority: -1e9,
      func: (e) => {
        counts.set(name, (counts.get(name) ?? 0) + 1);
        return e.next();
      },
    });
  }
  return counts;
}

function tokenFor(s: TestServer, auth: Scenario["auth"]): string {
  if (!auth || auth === "guest") return "";
  if (auth === "superuser") return s.token;
  if (auth === "user") return s.userToken;
  return auth.token;
}

/**
 * Starts counting hook firings on a server; the returned function reads the counts once the
 * request is done. The default binds TypeScript handlers (`countEvents`).
 */
export type EventCounter = (s: TestServer) => Promise<() => Promise<Map<string, number>>>;

const countInProcess: EventCounter = async (s) => {
  const counts = countEvents(s.app);
  return async () => {
    // After-commit hooks run right after the response is written; let them settle.
    await new Promise((r) => setTimeout(r, 20));
    return counts;
  };
};

/** Runs a scenario against a server. */
export async function runScenario(
  s: TestServer,
  row: Scenario,
  counter: EventCounter = countInProcess,
): Promise<RawResponse> {
  await row.before?.(s);
  const readCounts = await counter(s);
  const res = await request(s.url, row.method, row.url, {
    token: tokenFor(s, row.auth),
    body: row.body,
    headers: row.headers,
    // Like PocketBase's recorder, a redirect is the answer (status + Location), not followed.
    redirect: "manual",
  });
  if (row.settled) {
    const deadline = Date.now() + 5000;
    while (!(await row.settled(s))) {
      assert.ok(Date.now() < deadline, `background work of ${row.method} ${row.url} did not settle`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const counts = await readCounts();
  assert.equal(res.status, row.expectedStatus, `status of ${row.method} ${row.url}: ${res.text}`);
  for (const fragment of row.expectedContent ?? []) {
    assert.ok(res.text.includes(fragment), `expected ${JSON.stringify(fragment)} in ${res.text}`);
  }
  for (const fragment of row.notExpectedContent ?? []) {
    assert.ok(!res.text.includes(fragment), `did not expect ${JSON.stringify(fragment)} in ${res.text}`);
  }
  if (row.expectedEvents) {
    const { "*": others, ...listed } = row.expectedEvents;
    for (const [name, times] of Object.entries(listed)) {
      assert.equal(counts.get(name) ?? 0, times, `times ${name} fired (all: ${JSON.stringify([...counts])})`);
    }
    if (others === 0) {
      const extra = [...counts].filter(([name, n]) => n > 0 && !(name in listed));
      assert.deepEqual(extra, [], "hooks fired that the scenario does not list");
    }
  }
  await row.after?.(s, res);
  return res;
}

/** Runs each row as a subtest on its own fresh server from `setup`. */
export async function runScenarios(
  t: TestContext,
  rows: Scenario[],
  setup: (t: TestContext) => Promise<TestServer | null>,
): Promise<void> {
  for (const row of rows) {
    await t.test(row.name, async (t) => {
      const s = await setup(t);
      if (!s) return;
      await runScenario(s, row);
    });
  }
}
