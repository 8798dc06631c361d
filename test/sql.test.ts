/**
 * `POST /api/sql` (§1.10): superusers only, reads on a read-only connection (row limit, string
 * values, declared column types and nullability), writes in a transaction reporting
 * `affectedRows`, bad input and SQL errors as 400s; the official SDK's `pb.sql.run`.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { buildTemplate, startTestServer, suiteCleanup } from "./helpers/server.ts";

describe("the SQL console", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup, async (app) => {
      await app.db.exec("CREATE TABLE notes (id TEXT PRIMARY KEY NOT NULL, body TEXT, n INTEGER)");
      for (let i = 0; i < 1005; i++) {
        await app.db.run("INSERT INTO notes (id, body, n) VALUES (?, ?, ?)", [
          `n${i}`,
          i % 2 ? null : `b${i}`,
          i,
        ]);
      }
    });
  });

  const rows: Scenario[] = [
    { name: "guest", method: "POST", url: "/api/sql", body: { query: "SELECT 1" }, expectedStatus: 401 },
    {
      name: "regular user",
      method: "POST",
      url: "/api/sql",
      auth: "user",
      body: { query: "SELECT 1" },
      expectedStatus: 403,
    },
    {
      name: "empty query",
      method: "POST",
      url: "/api/sql",
      auth: "superuser",
      body: { query: " " },
      expectedStatus: 400,
      expectedContent: ['"query":{"code":"validation_required"'],
    },
    {
      name: "query too long",
      method: "POST",
      url: "/api/sql",
      auth: "superuser",
      body: { query: "SELECT 1" + " ".repeat(4995) + "+1" },
      expectedStatus: 400,
      expectedContent: ['"code":"validation_length_too_long"'],
    },
    {
      name: "an SQL error",
      method: "POST",
      url: "/api/sql",
      auth: "superuser",
      body: { query: "SELECT * FROM missing_table" },
      expectedStatus: 400,
      expectedContent: ['"data":{}', "Raw error:", "no such table: missing_table"],
    },
    {
      name: "a write disguised as a read cannot write",
      method: "POST",
      url: "/api/sql",
      auth: "superuser",
      body: { query: "WITH x AS (SELECT 1) INSERT INTO notes (id) SELECT 'sneaky' FROM x" },
      expectedStatus: 400,
    },
    {
      name: "read: columns and rows as strings or null",
      method: "POST",
      url: "/api/sql",
      auth: "superuser",
      body: { query: "SELECT id, body, n, n * 2 AS twice FROM notes ORDER BY n LIMIT 2" },
      expectedStatus: 200,
      expectedContent: [
        '"affectedRows":0,"columns":[{"name":"id","type":"TEXT","nullable":false},{"name":"body","type":"TEXT","nullable":true},{"name":"n","type":"INTEGER","nullable":true},{"name":"twice","type":"","nullable":true}],"rows":[["n0","b0","0","0"],["n1",null,"1","2"]]',
      ],
    },
  ];

  test("scenarios", async (t) => {
    await runScenarios(t, rows, (t) => startTestServer(t, { template }));
  });

  test("reads stop at 1000 rows; writes report affectedRows (SDK)", async (t) => {
    const s = await startTestServer(t, { template });
    const read = await s.pb.sql.run("SELECT id FROM notes");
    assert.equal(read.rows.length, 1000);
    assert.equal(typeof read.execTime, "number");
    const write = await s.pb.sql.run("UPDATE notes SET body = 'x' WHERE n < 10");
    assert.equal(write.affectedRows, 10);
    assert.deepEqual(write.rows, []);
    const check = await s.pb.sql.run("SELECT count(*) AS c FROM notes WHERE body = 'x'");
    assert.deepEqual(check.rows, [["10"]]);
    const ddl = await s.pb.sql.run("CREATE TABLE extra (a TEXT)");
    assert.equal(ddl.affectedRows, 0);
    assert.deepEqual((await s.pb.sql.run("SELECT count(*) FROM extra")).rows, [["0"]]);
  });
});
