/** PocketBase's logs and health API scenarios, replayed on its test data folder. */
import { test } from "node:test";
import type { App } from "../src/core/app.ts";
import { startTestdataServer } from "./helpers/pb-testdata-server.ts";
import { TOKENS } from "./helpers/pb-tokens.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";

const FIRST = "873f2133-9f38-44fb-bf82-c8f53b310d91";
const SECOND = "f2133873-44fb-9f38-bf82-c918f53b310d";

/** Only two log entries, a day apart, the second one with a 400 status. */
async function stubLogs(app: App): Promise<void> {
  await app.auxDb.run("DELETE FROM _logs");
  const rows = [
    [FIRST, 0, "test_message1", { status: 200 }, "2022-05-01 10:00:00.123Z"],
    [SECOND, 8, "test_message2", { status: 400 }, "2022-05-02 10:00:00.123Z"],
  ] as const;
  for (const [id, level, message, data, created] of rows) {
    await app.auxDb.run("INSERT INTO _logs (id, level, message, data, created) VALUES (?, ?, ?, ?, ?)", [
      id,
      level,
      message,
      JSON.stringify(data),
      created,
    ]);
  }
}

const seed = { before: (s: { app: App }) => stubLogs(s.app) };
const su = { token: TOKENS.superuser };
const user = { token: TOKENS.user };
const none = { "*": 0 };

/** guest → 401, regular user → 403, both with an empty data object and no hook. */
function guarded(name: string, url: string): Scenario[] {
  return [
    {
      name: `${name}: guest`,
      method: "GET",
      url,
      expectedStatus: 401,
      expectedContent: ['"data":{}'],
      expectedEvents: none,
    },
    {
      name: `${name}: regular user`,
      method: "GET",
      url,
      auth: user,
      expectedStatus: 403,
      expectedContent: ['"data":{}'],
      expectedEvents: none,
    },
  ];
}

const rows: Scenario[] = [
  ...guarded("list", "/api/logs"),
  {
    name: "list: superuser",
    method: "GET",
    url: "/api/logs",
    auth: su,
    ...seed,
    expectedStatus: 200,
    expectedContent: [
      '"page":1',
      '"perPage":30',
      '"totalItems":2',
      '"items":[{',
      `"id":"${FIRST}"`,
      `"id":"${SECOND}"`,
    ],
    expectedEvents: none,
  },
  {
    name: "list: superuser, filtered on a data field",
    method: "GET",
    url: "/api/logs?filter=data.status>200",
    auth: su,
    ...seed,
    expectedStatus: 200,
    expectedContent: ['"page":1', '"perPage":30', '"totalItems":1', '"items":[{', `"id":"${SECOND}"`],
    expectedEvents: none,
  },
  ...guarded("view", `/api/logs/${FIRST}`),
  {
    name: "view: superuser, missing entry",
    method: "GET",
    url: "/api/logs/missing1-9f38-44fb-bf82-c8f53b310d91",
    auth: su,
    ...seed,
    expectedStatus: 404,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "view: superuser, existing entry",
    method: "GET",
    url: `/api/logs/${FIRST}`,
    auth: su,
    ...seed,
    expectedStatus: 200,
    expectedContent: [`"id":"${FIRST}"`],
    expectedEvents: none,
  },
  ...guarded("stats", "/api/logs/stats"),
  {
    name: "stats: superuser",
    method: "GET",
    url: "/api/logs/stats",
    auth: su,
    ...seed,
    expectedStatus: 200,
    expectedContent: [
      '[{"date":"2022-05-01 10:00:00.000Z","total":1},{"date":"2022-05-02 10:00:00.000Z","total":1}]',
    ],
  },
  {
    name: "stats: superuser, filtered",
    method: "GET",
    url: "/api/logs/stats?filter=data.status>200",
    auth: su,
    ...seed,
    expectedStatus: 200,
    expectedContent: ['[{"date":"2022-05-02 10:00:00.000Z","total":1}]'],
  },
  // health
  {
    name: "health: guest sees no details",
    method: "GET",
    url: "/api/health",
    expectedStatus: 200,
    expectedContent: ['"code":200', '"data":{}'],
    notExpectedContent: ["canBackup", "realIP", "possibleProxyHeader"],
    expectedEvents: none,
  },
  {
    name: "health: HEAD answers too",
    method: "HEAD",
    url: "/api/health",
    expectedStatus: 200,
    expectedEvents: none,
  },
  {
    name: "health: regular user sees no details",
    method: "GET",
    url: "/api/health",
    auth: user,
    expectedStatus: 200,
    expectedContent: ['"code":200', '"data":{}'],
    notExpectedContent: ["canBackup", "realIP", "possibleProxyHeader"],
    expectedEvents: none,
  },
  {
    name: "health: superuser sees the details",
    method: "GET",
    url: "/api/health",
    auth: su,
    expectedStatus: 200,
    expectedContent: ['"code":200', '"data":{', '"canBackup":true', '"realIP"', '"possibleProxyHeader"'],
    expectedEvents: none,
  },
];

test("PocketBase logs and health scenarios", async (t) => {
  await runScenarios(t, rows, (t) => startTestdataServer(t));
});
