import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { App } from "../src/core/app.ts";
import { request } from "./helpers/http.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";

/** Fixture entries in the spirit of PocketBase's test logs (two hours, three levels). */
const FIXTURE = [
  {
    id: "873f2133-9f38-44fb-bf82-c8f53b310d91",
    level: 0,
    message: "test_message1",
    data: { status: 200, type: "test" },
    created: "2022-05-01 10:00:00.123Z",
  },
  {
    id: "f2133873-44fb-9f38-bf82-c918f53b310d",
    level: 8,
    message: "test_message2",
    data: { status: 400, type: "test" },
    created: "2022-05-02 10:00:00.123Z",
  },
  {
    id: "a1b2c3d4-0000-0000-0000-000000000003",
    level: 4,
    message: "test_message3",
    data: { status: 500, nested: { a: 1 } },
    created: "2022-05-02 10:30:00.000Z",
  },
];

async function seedLogs(app: App): Promise<void> {
  for (const e of FIXTURE) {
    await app.auxDb.run("INSERT INTO _logs (id, level, message, data, created) VALUES (?, ?, ?, ?, ?)", [
      e.id,
      e.level,
      e.message,
      JSON.stringify(e.data),
      e.created,
    ]);
  }
}

/** Everything the request logger queued so far is stored; returns the request entries. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON, asserted field by field
async function requestLogs(s: TestServer): Promise<{ message: string; level: number; data: any }[]> {
  await s.app.logger().writer.flush();
  const rows = await s.app.auxDb.all("SELECT message, level, data FROM _logs ORDER BY rowid");
  return rows
    .map((r) => ({ message: String(r.message), level: Number(r.level), data: JSON.parse(String(r.data)) }))
    .filter((r) => r.data.type === "request");
}

describe("logs API", () => {
  const cleanup = suiteCleanup();
  let template: Promise<string> | undefined;
  const setup = async (t: Parameters<typeof startTestServer>[0]) => {
    const s = await startTestServer(t, { template: await (template ??= buildTemplate(cleanup)) });
    await seedLogs(s.app);
    return s;
  };

  it("answers PocketBase's scenarios", async (t) => {
    const rows: Scenario[] = [
      {
        name: "list as guest",
        method: "GET",
        url: "/api/logs",
        expectedStatus: 401,
        expectedContent: ['"data":{}'],
      },
      { name: "list as a user", method: "GET", url: "/api/logs", auth: "user", expectedStatus: 403 },
      {
        name: "list as superuser",
        method: "GET",
        url: "/api/logs?sort=created",
        auth: "superuser",
        expectedStatus: 200,
        expectedContent: [
          '"page":1',
          '"perPage":30',
          '"totalItems":3',
          '"totalPages":1',
          '{"id":"873f2133-9f38-44fb-bf82-c8f53b310d91","created":"2022-05-01 10:00:00.123Z","data":{"status":200,"type":"test"},"message":"test_message1","level":0}',
        ],
      },
      {
        name: "list filtered by a data path and sorted",
        method: "GET",
        url: `/api/logs?filter=${encodeURIComponent("data.status >= 400 && level > 0")}&sort=-created`,
        auth: "superuser",
        expectedStatus: 200,
        after: (_s, res) => {
          assert.deepEqual(
            res.json.items.map((i: { message: string }) => i.message),
            ["test_message3", "test_message2"],
          );
        },
      },
      {
        name: "list filtered by a nested data path",
        method: "GET",
        url: `/api/logs?filter=${encodeURIComponent("data.nested.a = 1")}&skipTotal=1`,
        auth: "superuser",
        expectedStatus: 200,
        expectedContent: ['"totalItems":-1', "test_message3"],
        notExpectedContent: ["test_message1"],
      },
      {
        name: "list with an invalid filter",
        method: "GET",
        url: `/api/logs?filter=${encodeURIComponent("missing = 1")}`,
        auth: "superuser",
        expectedStatus: 400,
        expectedContent: ['"message":"Something went wrong while processing your request."'],
      },
      { name: "view as guest", method: "GET", url: `/api/logs/${FIXTURE[0]!.id}`, expectedStatus: 401 },
      {
        name: "view as a user",
        method: "GET",
        url: `/api/logs/${FIXTURE[0]!.id}`,
        auth: "user",
        expectedStatus: 403,
      },
      {
        name: "view of a missing entry",
        method: "GET",
        url: "/api/logs/missing",
        auth: "superuser",
        expectedStatus: 404,
      },
      {
        name: "view as superuser",
        method: "GET",
        url: `/api/logs/${FIXTURE[1]!.id}`,
        auth: "superuser",
        expectedStatus: 200,
        expectedContent: [`"id":"${FIXTURE[1]!.id}"`, '"level":8'],
      },
      { name: "stats as guest", method: "GET", url: "/api/logs/stats", expectedStatus: 401 },
      { name: "stats as a user", method: "GET", url: "/api/logs/stats", auth: "user", expectedStatus: 403 },
      {
        name: "stats as superuser",
        method: "GET",
        url: "/api/logs/stats",
        auth: "superuser",
        expectedStatus: 200,
        after: (_s, res) => {
          assert.deepEqual(res.json, [
            { date: "2022-05-01 10:00:00.000Z", total: 1 },
            { date: "2022-05-02 10:00:00.000Z", total: 2 },
          ]);
        },
      },
      {
        name: "stats filtered",
        method: "GET",
        url: `/api/logs/stats?filter=${encodeURIComponent("data.status >= 400")}`,
        auth: "superuser",
        expectedStatus: 200,
        after: (_s, res) => assert.deepEqual(res.json, [{ date: "2022-05-02 10:00:00.000Z", total: 2 }]),
      },
      {
        name: "stats with an invalid filter",
        method: "GET",
        url: `/api/logs/stats?filter=${encodeURIComponent("(((")}`,
        auth: "superuser",
        expectedStatus: 400,
      },
    ];
    await runScenarios(t, rows, setup);
  });

  it("works through the official SDK's logs service", async (t) => {
    const s = await setup(t);
    const page = await s.pb.logs.getList(1, 2, { sort: "-created", filter: 'message ~ "test_message"' });
    assert.equal(page.totalItems, 3);
    assert.deepEqual(
      page.items.map((i) => i.message),
      ["test_message3", "test_message2"],
    );
    const one = await s.pb.logs.getOne(FIXTURE[0]!.id);
    assert.deepEqual(one, { ...FIXTURE[0], data: { status: 200, type: "test" } });
    const stats = await s.pb.logs.getStats({ filter: "level >= 4" });
    assert.deepEqual(stats, [{ date: "2022-05-02 10:00:00.000Z", total: 2 }]);
    await assert.rejects(s.pb.logs.getOne("nope"), { status: 404 });
  });
});

describe("request logs", () => {
  const cleanup = suiteCleanup();
  let template: Promise<string> | undefined;
  const setup = async (t: Parameters<typeof startTestServer>[0]) =>
    startTestServer(t, { template: await (template ??= buildTemplate(cleanup)) });

  it("logs every request with PocketBase's data fields", async (t) => {
    const s = await setup(t);
    await request(s.url, "GET", "/api/health?x=a%20b", {
      token: s.userToken,
      headers: { referer: "http://example.com/r", "user-agent": "a".repeat(2500) },
    });
    await request(s.url, "GET", "/api/collections/missing/records");
    const logs = await requestLogs(s);
    assert.equal(logs.length, 2);
    const [ok, failed] = logs;
    assert.equal(ok!.message, "GET /api/health?x=a b");
    assert.equal(ok!.level, 0);
    assert.deepEqual(Object.keys(ok!.data), [
      "auth",
      "execTime",
      "method",
      "referer",
      "remoteIP",
      "status",
      "type",
      "url",
      "userAgent",
      "userIP",
    ]);
    assert.equal(ok!.data.auth, "users");
    assert.equal(ok!.data.url, "/api/health?x=a%20b");
    assert.equal(ok!.data.status, 200);
    assert.equal(ok!.data.referer, "http://example.com/r");
    assert.equal(ok!.data.userAgent, `${"a".repeat(2000)}...`);
    assert.equal(ok!.data.userIP, "127.0.0.1");
    assert.equal(ok!.data.remoteIP, "127.0.0.1");
    assert.equal(typeof ok!.data.execTime, "number");
    assert.equal(failed!.level, 8);
    assert.equal(failed!.data.status, 404);
    assert.equal(failed!.data.auth, "");
    assert.equal(failed!.data.error, "Missing collection context.");
  });

  it("does not log successful calls of the logs API, but logs its failures", async (t) => {
    const s = await setup(t);
    await request(s.url, "GET", "/api/logs", { token: s.token });
    await request(s.url, "GET", "/api/logs/stats", { token: s.token });
    await request(s.url, "GET", "/api/logs");
    const logs = await requestLogs(s);
    assert.deepEqual(
      logs.map((l) => [l.message, l.data.status]),
      [["GET /api/logs", 401]],
    );
  });

  it("honours logIP, logAuthId, minLevel and maxDays", async (t) => {
    const s = await setup(t);
    const settings = structuredClone(s.app.settings());
    settings.logs = { maxDays: 5, minLevel: 0, logIP: false, logAuthId: true };
    await s.app.saveSettings(settings);
    await request(s.url, "GET", "/api/health", { token: s.userToken });
    const [entry] = await requestLogs(s);
    assert.equal(entry!.data.userIP, undefined);
    assert.equal(entry!.data.remoteIP, undefined);
    assert.equal(typeof entry!.data.authId, "string");

    // minLevel 8: successes are no longer stored, and stored entries below it are deleted.
    settings.logs = { ...settings.logs, minLevel: 8 };
    await s.app.saveSettings(settings);
    await request(s.url, "GET", "/api/health");
    await request(s.url, "GET", "/api/missing");
    const logs = await requestLogs(s);
    assert.deepEqual(
      logs.map((l) => l.message),
      ["GET /api/missing"],
    );

    // maxDays 0: nothing is stored and the table is emptied.
    settings.logs = { ...settings.logs, maxDays: 0 };
    await s.app.saveSettings(settings);
    await request(s.url, "GET", "/api/missing");
    await s.app.logger().writer.flush();
    assert.equal((await s.app.auxDb.get("SELECT COUNT(*) AS n FROM _logs"))!.n, 0);
  });

  it("app.logger() writes levelled entries with attributes", async (t) => {
    const s = await setup(t);
    s.app.logger().info("hello", "a", 1, "b", "two");
    s.app.logger().with("scope", "x").warn("careful", { n: 2 });
    s.app.logger().debug("not stored at minLevel 0");
    await s.app.logger().writer.flush();
    const rows = await s.app.auxDb.all("SELECT message, level, data FROM _logs ORDER BY rowid");
    assert.deepEqual(
      rows.map((r) => [r.message, r.level, JSON.parse(String(r.data))]),
      [
        ["hello", 0, { a: 1, b: "two" }],
        ["careful", 4, { n: 2, scope: "x" }],
      ],
    );
  });

  it("the cleanup job deletes entries older than maxDays", async (t) => {
    const s = await setup(t);
    await s.app.auxDb.run(
      "INSERT INTO _logs (id, level, message, data, created) VALUES ('old', 0, 'old', '{}', '2000-01-01 00:00:00.000Z'), ('new', 0, 'new', '{}', ?)",
      [new Date().toISOString().replace("T", " ")],
    );
    assert.equal(await s.app.cron().run("__pbLogsCleanup__"), true);
    const ids = (await s.app.auxDb.all("SELECT id FROM _logs WHERE id IN ('old', 'new')")).map((r) => r.id);
    assert.deepEqual(ids, ["new"]);
  });

  it("keeps every entry of a burst of concurrent requests", async (t) => {
    const s = await setup(t);
    await Promise.all(Array.from({ length: 50 }, () => request(s.url, "GET", "/api/health")));
    const logs = await requestLogs(s);
    assert.equal(logs.length, 50);
  });
});

describe("dev mode", () => {
  it("prints each SQL statement with its duration to stderr", async (t) => {
    const { App } = await import("../src/core/app.ts");
    const { tempDir } = await import("./helpers/server.ts");
    const app = new App({ dataDir: tempDir(t), isDev: true });
    const printed: string[] = [];
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    };
    try {
      await app.bootstrap();
      await app.db.get("SELECT 1 + ? AS two", [1]);
    } finally {
      process.stderr.write = write;
      await app.terminate();
    }
    assert.ok(
      printed.some((line) => /^\[\d+\.\d\dms\] SELECT 1 \+ \? AS two \[1\]\n$/.test(line)),
      printed.slice(-3).join(""),
    );
  });
});
