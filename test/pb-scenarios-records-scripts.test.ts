/**
 * Records CRUD scenarios whose setup is a pb_hooks script, with the hooks counted by a script
 * too (test/helpers/script-counts.ts), as a harness outside the process replays PocketBase's
 * scenario tables: a request hook that runs the rest of the chain inside
 * `e.app.runInTransaction` and then fails must answer its 400 and leave nothing written, and
 * deletes that cascade through several records must fire the same hooks as in-process handlers.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { TestContext } from "node:test";
import { runScenario, type Scenario } from "./helpers/scenario.ts";
import { as } from "./helpers/records-testdata.ts";
import { deleted } from "./helpers/records-events.ts";
import { countByScript, countingScript, startOnTestdataWithScripts } from "./helpers/script-counts.ts";
import { query } from "./helpers/sqlite.ts";
import type { TestServer } from "./helpers/server.ts";

/** A script binding `hook`: the chain runs on the transaction's app, then the handler fails. */
const failAfterNextInTransaction = (hook: string) => `
${hook}((e) => {
  const original = e.app;
  e.app.runInTransaction((txApp) => {
    e.app = txApp;
    try {
      e.next();
    } finally {
      e.app = original;
    }
    throw new BadRequestError("TX_ERROR");
  });
});
`;

/**
 * A script turning rate limits on with `rules` by assigning into `$app.settings()` (PocketBase's
 * live settings object: no save, no validation, fields left out take their zero value).
 */
const liveRateLimits = (rules: string) => `
onBootstrap((e) => {
  e.next();
  e.app.settings().rateLimits.enabled = true;
  e.app.settings().rateLimits.rules = ${rules};
});
`;

interface ScriptScenario extends Scenario {
  /** pb_hooks files besides the counting script. */
  scripts?: { [file: string]: string };
}

async function runWithScripts(t: TestContext, rows: ScriptScenario[]): Promise<void> {
  for (const row of rows) {
    await t.test(row.name, { timeout: 60_000 }, async (t) => {
      const s = await startOnTestdataWithScripts(t, { "counts.pb.js": countingScript(), ...row.scripts });
      if (!s) return;
      await runScenario(s, row, countByScript);
    });
  }
}

const count = (s: TestServer, sql: string, ...args: string[]) =>
  Number((query(s.dir, sql, ...args)[0] as { n: number }).n);

const rolledBack: ScriptScenario[] = [
  {
    name: "list: a script's transaction failing after next()",
    method: "GET",
    url: "/api/collections/demo4/records",
    auth: as("superuser"),
    scripts: { "tx.pb.js": failAfterNextInTransaction("onRecordsListRequest") },
    expectedStatus: 400,
    expectedContent: ["TX_ERROR"],
    expectedEvents: { onRecordsListRequest: 1 },
  },
  {
    name: "view: a script's transaction failing after next()",
    method: "GET",
    url: "/api/collections/demo1/records/al1h9ijdeojtsjy",
    auth: as("superuser"),
    scripts: { "tx.pb.js": failAfterNextInTransaction("onRecordViewRequest") },
    expectedStatus: 400,
    expectedContent: ["TX_ERROR"],
    expectedEvents: { onRecordViewRequest: 1 },
  },
  {
    name: "delete: a script's transaction failing after next() keeps the record",
    method: "DELETE",
    url: "/api/collections/clients/records/o1y0dd0spd786md",
    auth: as("superuser"),
    scripts: { "tx.pb.js": failAfterNextInTransaction("onRecordDeleteRequest") },
    expectedStatus: 400,
    expectedContent: ["TX_ERROR"],
    expectedEvents: { onRecordDeleteRequest: 1 },
    after: (s) => {
      assert.equal(count(s, "SELECT count(*) AS n FROM clients WHERE id = ?", "o1y0dd0spd786md"), 1);
    },
  },
  {
    name: "create: a script's transaction failing after next() creates nothing",
    method: "POST",
    url: "/api/collections/demo2/records",
    auth: as("superuser"),
    body: { title: "new" },
    scripts: { "tx.pb.js": failAfterNextInTransaction("onRecordCreateRequest") },
    expectedStatus: 400,
    expectedContent: ["TX_ERROR"],
    expectedEvents: { onRecordCreateRequest: 1 },
    after: (s) => {
      assert.equal(count(s, "SELECT count(*) AS n FROM demo2 WHERE title = 'new'"), 0);
    },
  },
  {
    name: "update: a script's transaction failing after next() changes nothing",
    method: "PATCH",
    url: "/api/collections/demo2/records/0yxhwia2amd8gec",
    auth: as("superuser"),
    body: { title: "new" },
    scripts: { "tx.pb.js": failAfterNextInTransaction("onRecordUpdateRequest") },
    expectedStatus: 400,
    expectedContent: ["TX_ERROR"],
    expectedEvents: { onRecordUpdateRequest: 1 },
    after: (s) => {
      assert.equal(count(s, "SELECT count(*) AS n FROM demo2 WHERE title = 'new'"), 0);
    },
  },
];

const rateLimited: ScriptScenario[] = [
  {
    name: "list: a 0-request view2:list rule assigned by a script",
    method: "GET",
    url: "/api/collections/view2/records",
    scripts: {
      "limits.pb.js": liveRateLimits(
        `[{ maxRequests: 100, label: "abc" }, { maxRequests: 100, label: "*:list" }, { maxRequests: 0, label: "view2:list" }]`,
      ),
    },
    expectedStatus: 429,
    expectedContent: [`"data":{}`],
    expectedEvents: { "*": 0 },
  },
  {
    name: "update: a 0-request *:update rule assigned by a script",
    method: "PATCH",
    url: "/api/collections/demo2/records/0yxhwia2amd8gec",
    body: { title: "new" },
    scripts: {
      "limits.pb.js": liveRateLimits(
        `[{ maxRequests: 100, label: "abc" }, { maxRequests: 0, label: "*:update" }]`,
      ),
    },
    expectedStatus: 429,
    expectedContent: [`"data":{}`],
    expectedEvents: { "*": 0 },
  },
  {
    name: "list: the live settings keep other rules' requests going",
    method: "GET",
    url: "/api/collections/demo2/records",
    scripts: {
      "limits.pb.js": liveRateLimits(`[{ maxRequests: 0, label: "view2:list" }]`),
    },
    expectedStatus: 200,
    expectedContent: [`"totalItems":3`],
  },
];

const cascades: ScriptScenario[] = [
  {
    name: "delete: the owner, counted by a script (external auths go, a reference is detached)",
    method: "DELETE",
    url: "/api/collections/users/records/4q1xlclmfloku33",
    auth: as("user"),
    expectedStatus: 204,
    expectedEvents: deleted(3, 1),
  },
  {
    name: "delete: cascade references, counted by a script",
    method: "DELETE",
    url: "/api/collections/users/records/oap640cot4yru2s",
    auth: as("superuser"),
    expectedStatus: 204,
    expectedEvents: deleted(2, 2),
  },
];

describe("records scenarios set up and counted by pb_hooks scripts", () => {
  test("a request hook's transaction wraps the rest of the chain", (t) => runWithScripts(t, rolledBack));
  test("rate limits assigned to the live settings", (t) => runWithScripts(t, rateLimited));
  test("cascading deletes", (t) => runWithScripts(t, cascades));
});
