import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { buildTemplate, startTestServer, suiteCleanup } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";

const SYSTEM_JOBS = [
  { id: "__pbDBOptimize__", expression: "0 0 * * *" },
  { id: "__pbLogsCleanup__", expression: "0 */6 * * *" },
  { id: "__pbMFACleanup__", expression: "0 * * * *" },
  { id: "__pbOTPCleanup__", expression: "0 * * * *" },
];

describe("crons API", () => {
  const cleanup = suiteCleanup();
  let template: Promise<string> | undefined;
  const setup = async (t: Parameters<typeof startTestServer>[0]) =>
    startTestServer(t, { template: await (template ??= buildTemplate(cleanup)) });

  it("answers PocketBase's scenarios", async (t) => {
    let ran = 0;
    const rows: Scenario[] = [
      {
        name: "list as guest",
        method: "GET",
        url: "/api/crons",
        expectedStatus: 401,
        expectedContent: ['"data":{}'],
      },
      { name: "list as a user", method: "GET", url: "/api/crons", auth: "user", expectedStatus: 403 },
      {
        name: "list as superuser: app jobs by id, then the system jobs",
        method: "GET",
        url: "/api/crons",
        auth: "superuser",
        before: (s) => {
          s.app.cron().add("test", "*/10 * * * *", () => {});
          s.app.cron().add("a_test", "@daily", () => {});
        },
        expectedStatus: 200,
        after: (_s, res) => {
          assert.deepEqual(JSON.parse(res.text), [
            { id: "a_test", expression: "@daily" },
            { id: "test", expression: "*/10 * * * *" },
            ...SYSTEM_JOBS,
          ]);
        },
      },
      { name: "run as guest", method: "POST", url: "/api/crons/__pbDBOptimize__", expectedStatus: 401 },
      {
        name: "run as a user",
        method: "POST",
        url: "/api/crons/__pbDBOptimize__",
        auth: "user",
        expectedStatus: 403,
      },
      {
        name: "run of an unknown job",
        method: "POST",
        url: "/api/crons/missing",
        auth: "superuser",
        expectedStatus: 404,
        expectedContent: ['"message":"Missing or invalid cron job."'],
      },
      {
        name: "run of a job: 204 at once, the job runs in the background",
        method: "POST",
        url: "/api/crons/test",
        auth: "superuser",
        before: (s) => s.app.cron().add("test", "0 0 1 1 *", () => void ran++),
        expectedStatus: 204,
        after: async () => waitFor(() => ran === 1, "the job to run"),
      },
    ];
    await runScenarios(t, rows, setup);
  });

  it("works through the official SDK's crons service", async (t) => {
    const s = await setup(t);
    let ran = 0;
    s.app.cron().add("sdk_job", "@hourly", () => void ran++);
    const jobs = await s.pb.crons.getFullList();
    assert.deepEqual(jobs, [{ id: "sdk_job", expression: "@hourly" }, ...SYSTEM_JOBS]);
    assert.equal(await s.pb.crons.run("sdk_job"), true);
    await waitFor(() => ran === 1, "the job to run");
    await assert.rejects(s.pb.crons.run("nope"), { status: 404 });
  });

  it("fires a due job on the scheduler's tick and runs the built-in cleanups", async (t) => {
    const s = await setup(t);
    const seen: string[] = [];
    s.app.cron().add("every_minute", "* * * * *", () => void seen.push("every_minute"));
    await s.app.cron().tick(new Date("2030-01-01T00:00:00Z"));
    assert.deepEqual(seen, ["every_minute"]);

    // An OTP older than its collection's duration is gone after the hourly job.
    const otps = s.app.findCollectionByNameOrId("_otps")!;
    const users = s.app.findCollectionByNameOrId("users")!;
    await s.app.db.run(
      `INSERT INTO \`${otps.name}\` (id, collectionRef, recordRef, password, sentTo, created, updated) VALUES ('otpold000000001', ?, 'x', '', '', '2020-01-01 00:00:00.000Z', '2020-01-01 00:00:00.000Z')`,
      [users.id],
    );
    assert.equal(await s.app.cron().run("__pbOTPCleanup__"), true);
    assert.equal(
      await s.app.db.get(`SELECT id FROM \`${otps.name}\` WHERE id = 'otpold000000001'`),
      undefined,
    );
    assert.equal(await s.app.cron().run("__pbDBOptimize__"), true);
  });
});
