/** PocketBase's SQL console and crons API scenarios, replayed on its test data folder. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { startTestdataServer } from "./helpers/pb-testdata-server.ts";
import { TOKENS } from "./helpers/pb-tokens.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { waitFor } from "./helpers/wait.ts";
import type { TestServer } from "./helpers/server.ts";

const su = { token: TOKENS.superuser };
const none = { "*": 0 };

async function hasTable(s: TestServer, name: string): Promise<boolean> {
  const row = await s.app.db.get(
    "SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?",
    [name],
  );
  return Number(row?.n) > 0;
}

const sqlRows: Scenario[] = [
  {
    name: "sql: guest",
    method: "POST",
    url: "/api/sql",
    body: { query: "select 1" },
    expectedStatus: 401,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "sql: regular user",
    method: "POST",
    url: "/api/sql",
    body: { query: "select 1" },
    auth: { token: TOKENS.user2 },
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "sql: superuser reads a value",
    method: "POST",
    url: "/api/sql",
    body: { query: "select 1" },
    auth: su,
    expectedStatus: 200,
    expectedContent: [
      '"execTime":',
      '"affectedRows":0',
      '"columns":[{"name":"1","type":"","nullable":true}]',
      '"rows":[["1"]]',
    ],
    expectedEvents: none,
  },
  {
    name: "sql: empty query",
    method: "POST",
    url: "/api/sql",
    body: { query: "" },
    auth: su,
    expectedStatus: 400,
    expectedContent: ['"data":{', '"query":{'],
    expectedEvents: none,
  },
  {
    name: "sql: invalid query reports the raw error",
    method: "POST",
    url: "/api/sql",
    body: { query: "invalid" },
    auth: su,
    expectedStatus: 400,
    expectedContent: ['"data":{}', "Raw error:", "SQL logic error"],
    expectedEvents: none,
  },
  {
    name: "sql: a query over the length limit",
    method: "POST",
    url: "/api/sql",
    body: { query: "a".repeat(5001) },
    auth: su,
    expectedStatus: 400,
    expectedContent: ['"data":{', '"query":{'],
    expectedEvents: none,
  },
  {
    name: "sql: a query exactly at the length limit",
    method: "POST",
    url: "/api/sql",
    body: { query: `select '${"a".repeat(4985)}' as id` },
    auth: su,
    expectedStatus: 200,
    expectedContent: [
      '"execTime":',
      '"affectedRows":0',
      '"columns":[{"name":"id","type":"","nullable":true}]',
      '"rows":[["aaa',
    ],
    expectedEvents: none,
  },
  {
    name: "sql: one write statement",
    method: "POST",
    url: "/api/sql",
    body: { query: "create table test_sql_table(id int primary key)" },
    auth: su,
    expectedStatus: 200,
    expectedContent: ['"execTime":', '"affectedRows":0', '"columns":[]', '"rows":[]'],
    expectedEvents: none,
    after: async (s) => assert.ok(await hasTable(s, "test_sql_table")),
  },
  {
    name: "sql: several write statements",
    method: "POST",
    url: "/api/sql",
    body: {
      query: "create table test_sql_table(id int primary key);insert into test_sql_table(id)VALUES(1)",
    },
    auth: su,
    expectedStatus: 200,
    expectedContent: ['"execTime":', '"affectedRows":1', '"columns":[]', '"rows":[]'],
    expectedEvents: none,
    after: async (s) => {
      const row = await s.app.db.get("SELECT count(*) AS n FROM test_sql_table");
      assert.equal(Number(row?.n), 1);
    },
  },
  {
    name: "sql: several write statements roll back together",
    method: "POST",
    url: "/api/sql",
    body: {
      query:
        "create table test_sql_table(id int primary key);insert into test_sql_table(id)VALUES(1);invalid",
    },
    auth: su,
    expectedStatus: 400,
    expectedContent: ['"data":{}', "Raw error:", "SQL logic error"],
    expectedEvents: none,
    after: async (s) => assert.equal(await hasTable(s, "test_sql_table"), false),
  },
  {
    name: "sql: several reads answer the last one",
    method: "POST",
    url: "/api/sql",
    body: { query: "select 1;select 2" },
    auth: su,
    expectedStatus: 200,
    expectedContent: [
      '"execTime":',
      '"affectedRows":0',
      '"columns":[{"name":"2","type":"","nullable":true}]',
      '"rows":[["2"]]',
    ],
    expectedEvents: none,
  },
];

const JOB_CALLS = "testJobCalls";

/** A `test` job (every minute) counting its runs in the app store. */
function addTestJob(s: TestServer): void {
  s.app.store().set(JOB_CALLS, 0);
  s.app.cron().add("test", "* * * * *", () => {
    s.app.store().set(JOB_CALLS, Number(s.app.store().get(JOB_CALLS) ?? 0) + 1);
  });
}

function callsAfter(expected: number) {
  return async (s: TestServer) => {
    if (expected > 0)
      await waitFor(() => s.app.store().get(JOB_CALLS) === expected, "the test job run", 2000);
    else await new Promise((r) => setTimeout(r, 50)); // PocketBase's own 50 ms grace for a wrongly started job
    assert.equal(s.app.store().get(JOB_CALLS), expected);
  };
}

const cronRows: Scenario[] = [
  {
    name: "crons list: guest",
    method: "GET",
    url: "/api/crons",
    expectedStatus: 401,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "crons list: regular user",
    method: "GET",
    url: "/api/crons",
    auth: { token: TOKENS.user },
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "crons list: superuser, no jobs",
    method: "GET",
    url: "/api/crons",
    auth: su,
    before: (s) => s.app.cron().removeAll(),
    expectedStatus: 200,
    expectedContent: ["[]"],
    expectedEvents: none,
  },
  {
    name: "crons list: superuser, the system jobs",
    method: "GET",
    url: "/api/crons",
    auth: su,
    expectedStatus: 200,
    expectedContent: [
      '{"id":"__pbLogsCleanup__","expression":"0 */6 * * *"}',
      '{"id":"__pbDBOptimize__","expression":"0 0 * * *"}',
      '{"id":"__pbMFACleanup__","expression":"0 * * * *"}',
      '{"id":"__pbOTPCleanup__","expression":"0 * * * *"}',
    ],
    expectedEvents: none,
  },
  {
    name: "crons run: guest",
    method: "POST",
    url: "/api/crons/test",
    before: addTestJob,
    after: callsAfter(0),
    expectedStatus: 401,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "crons run: regular user",
    method: "POST",
    url: "/api/crons/test",
    auth: { token: TOKENS.user },
    before: addTestJob,
    after: callsAfter(0),
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "crons run: superuser, missing job",
    method: "POST",
    url: "/api/crons/missing",
    auth: su,
    before: addTestJob,
    after: callsAfter(0),
    expectedStatus: 404,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "crons run: superuser, existing job",
    method: "POST",
    url: "/api/crons/test",
    auth: su,
    before: addTestJob,
    after: callsAfter(1),
    expectedStatus: 204,
    expectedEvents: none,
  },
];

test("PocketBase SQL console scenarios", async (t) => {
  await runScenarios(t, sqlRows, (t) => startTestdataServer(t));
});

test("PocketBase crons scenarios", async (t) => {
  await runScenarios(t, cronRows, (t) => startTestdataServer(t));
});
