import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { request } from "./helpers/http.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { hasTable, query } from "./helpers/sqlite.ts";

const SYSTEM_TABLES = ["_collections", "_params", "_migrations", "_superusers", "users"];

/** The data folder still has its system tables and its six collections. */
function assertIntact(s: TestServer): void {
  for (const table of SYSTEM_TABLES) assert.ok(hasTable(s.dir, table), `${table} still exists`);
  assert.equal(query(s.dir, "SELECT count(*) AS n FROM _collections")[0]!.n, 6);
}

const deepArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const deepObject = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);

describe("hostile input", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  before(async () => {
    s = await startTestServer(cleanup, { template: await buildTemplate(cleanup) });
  });

  const sqlNames = [
    "x; DROP TABLE _collections",
    "x`; DROP TABLE users; --",
    "users'--",
    'x" OR 1=1',
    "_collections) --",
    "x\u0000y",
    "über",
    "",
    " ",
  ];
  for (const name of sqlNames) {
    test(`a collection named ${JSON.stringify(name)} is a 400 on name and changes nothing`, async () => {
      const res = await request(s.url, "POST", "/api/collections", { token: s.token, body: { name } });
      assert.equal(res.status, 400, res.text);
      assert.ok(res.json.data.name, res.text);
      assertIntact(s);
    });
  }

  test("SQL in field names is a 400 on the field", async () => {
    const res = await request(s.url, "POST", "/api/collections", {
      token: s.token,
      body: { name: "sqlfield", fields: [{ name: "a`, b TEXT); DROP TABLE users; --", type: "text" }] },
    });
    assert.equal(res.status, 400);
    assert.equal(res.json.data.fields["1"].name.code, "validation_match_invalid");
    assert.equal(hasTable(s.dir, "sqlfield"), false);
    assertIntact(s);
  });

  test("SQL stacked after an index is a 400 on the index", async () => {
    const res = await request(s.url, "POST", "/api/collections", {
      token: s.token,
      body: {
        name: "sqlindex",
        fields: [{ name: "a", type: "text" }],
        indexes: ["CREATE INDEX idx_a ON sqlindex (a); DROP TABLE users"],
      },
    });
    assert.equal(res.status, 400);
    assert.ok(res.json.data.indexes, res.text);
    assertIntact(s);
  });

  test("SQL in the collection path is a 404", async () => {
    for (const path of ["x';DROP TABLE users;--", "users%27%20OR%20%271%27=%271", "%00", "..%2F..%2Fetc"]) {
      const res = await request(s.url, "GET", `/api/collections/${path}`, { token: s.token });
      assert.equal(res.status, 404, path);
    }
    assertIntact(s);
  });

  const filters = [
    "name='x'); DROP TABLE users; --",
    "name = '' OR 1=1 --",
    "name ~ 'x' UNION SELECT * FROM _params",
    "1; DELETE FROM _collections",
    "(((((((((( name = 'x'",
    "name = 'x",
    "@request.auth.id = ''",
    "fields ~ 'password'",
    "name ~ {:x}",
    "name ?= 'x' && type ?!= 'y' ||",
    "a".repeat(10000),
    "(".repeat(5000) + "name='x'" + ")".repeat(5000),
  ];
  for (const filter of filters) {
    test(`the filter ${JSON.stringify(filter.slice(0, 40))} is answered without a 5xx or a change`, async () => {
      const res = await request(s.url, "GET", `/api/collections?filter=${encodeURIComponent(filter)}`, {
        token: s.token,
      });
      assert.ok(res.status === 200 || res.status === 400, `${res.status} ${res.text.slice(0, 200)}`);
      if (res.status === 400) assert.deepEqual(res.json.data, {});
      assertIntact(s);
    });
  }

  test("SQL in the sort is a 400", async () => {
    for (const sort of ["name;DROP TABLE users", "name desc", "(select 1)", "-", "+name,,", "name`"]) {
      const res = await request(s.url, "GET", `/api/collections?sort=${encodeURIComponent(sort)}`, {
        token: s.token,
      });
      assert.equal(res.status, 400, sort);
    }
    assertIntact(s);
  });

  test("a filter that looks like SQL only filters", async () => {
    const res = await request(
      s.url,
      "GET",
      `/api/collections?filter=${encodeURIComponent("name = 'x'' OR ''1''=''1'")}`,
      {
        token: s.token,
      },
    );
    assert.ok(res.status === 200 || res.status === 400);
    if (res.status === 200) assert.equal(res.json.totalItems, 0);
  });

  const hostileBodies: [string, string, string, string][] = [
    ["a deeply nested array", "POST", "/api/collections", deepArray(100000)],
    ["a deeply nested object", "POST", "/api/collections", deepObject(100000)],
    ["a deeply nested rule", "POST", "/api/collections", `{"name":"deep","listRule":${deepObject(50000)}}`],
    ["deeply nested fields", "POST", "/api/collections", `{"name":"deep","fields":${deepArray(50000)}}`],
    [
      "a deeply nested field option",
      "POST",
      "/api/collections",
      `{"name":"deep","fields":[{"name":"a","type":"select","values":${deepArray(50000)}}]}`,
    ],
    ["deeply nested settings", "PATCH", "/api/settings", `{"meta":${deepObject(50000)}}`],
    ["a deeply nested import", "PUT", "/api/collections/import", `{"collections":${deepArray(50000)}}`],
    [
      "a huge number",
      "POST",
      "/api/collections",
      '{"name":"n","fields":[{"name":"a","type":"number","max":1e400}]}',
    ],
    ["a wrong type for fields", "POST", "/api/collections", '{"name":"n","fields":{"0":{"name":"a"}}}'],
    [
      "a wrong type for indexes",
      "POST",
      "/api/collections",
      '{"name":"n","indexes":"create index x on n (id)"}',
    ],
    ["a number for the name", "POST", "/api/collections", '{"name":123}'],
    [
      "null everywhere",
      "POST",
      "/api/collections",
      '{"name":null,"type":null,"fields":null,"indexes":null,"listRule":null}',
    ],
    ["a null field", "POST", "/api/collections", '{"name":"n","fields":[null, 1, "x"]}'],
    [
      "a proto key",
      "POST",
      "/api/collections",
      '{"__proto__":{"system":true},"name":"proto","constructor":{"x":1}}',
    ],
    ["lone surrogates", "POST", "/api/collections", '{"name":"\\ud800"}'],
    ["invalid UTF-8", "POST", "/api/collections", '{"name":"\xff\xfe"}'],
    ["a wrong type in the import", "PUT", "/api/collections/import", '{"collections":"all"}'],
    ["non-objects in the import", "PUT", "/api/collections/import", '{"collections":[1,"x",null,[]]}'],
    [
      "a wrong type for deleteMissing",
      "PUT",
      "/api/collections/import",
      '{"collections":[{"name":"i"}],"deleteMissing":"yes"}',
    ],
    ["an array for settings", "PATCH", "/api/settings", '{"meta":[1,2]}'],
    ["a string for a settings list", "PATCH", "/api/settings", '{"superuserIPs":"127.0.0.1"}'],
    [
      "a view query of 100 kB",
      "POST",
      "/api/collections",
      JSON.stringify({ name: "bigview", type: "view", viewQuery: `select ${"1+".repeat(50000)}1 as id` }),
    ],
  ];
  for (const [name, method, path, body] of hostileBodies) {
    test(`${name} is never a 5xx`, async () => {
      const res = await request(s.url, method, path, {
        token: s.token,
        body,
        headers: { "content-type": "application/json" },
      });
      assert.ok(res.status < 500, `${res.status} ${res.text.slice(0, 300)}`);
      assert.ok(
        res.status === 400 || res.status === 200 || res.status === 204,
        `${res.status} ${res.text.slice(0, 300)}`,
      );
      assert.ok(res.text === "" || res.text.endsWith("\n"));
      assert.ok(hasTable(s.dir, "_collections"));
    });
  }

  test("the proto key does not turn a collection into a system one", async () => {
    const res = await request(s.url, "GET", "/api/collections/proto", { token: s.token });
    if (res.status === 200) assert.equal(res.json.system, false);
  });

  test("a deeply nested fields picker is never a 5xx", async () => {
    const fields =
      Array.from({ length: 2000 }, (_, i) => `a${i}`).join(".") + "," + "x:excerpt(99999999999,true)";
    const res = await request(s.url, "GET", `/api/collections?fields=${encodeURIComponent(fields)}`, {
      token: s.token,
    });
    assert.ok(res.status < 500, res.text.slice(0, 200));
  });

  test("query parameters of the wrong type are 400s, not 500s", async () => {
    for (const q of [
      "page=-1",
      "perPage=99999",
      "page=1e3",
      "perPage=abc",
      "skipTotal=maybe",
      "page=",
      "page=9999999999999999999999",
    ]) {
      const res = await request(s.url, "GET", `/api/collections?${q}`, { token: s.token });
      assert.ok(res.status === 200 || res.status === 400, `${q}: ${res.status}`);
    }
  });
});

describe("unknown fields in bodies", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup);
  });
  const rows: Scenario[] = [
    {
      name: "are ignored on create",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: {
        name: "ignoring",
        created: "2000-01-01",
        updated: "x",
        unknown: [1],
        fields: [{ name: "t", type: "text", extra: 1 }],
      },
      expectedStatus: 200,
      notExpectedContent: ["unknown", "extra", "2000-01-01"],
    },
    {
      name: "are ignored on update",
      method: "PATCH",
      url: "/api/collections/users",
      auth: "superuser",
      body: { whatever: true, options: { x: 1 } },
      expectedStatus: 200,
      notExpectedContent: ["whatever"],
    },
    {
      name: "cannot change the id on update",
      method: "PATCH",
      url: "/api/collections/users",
      auth: "superuser",
      body: { id: "new_id" },
      expectedStatus: 200,
      expectedContent: ['"id":"_pb_users_auth_"'],
    },
    {
      name: "cannot set the timestamps on create",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "stamped", created: "2001-01-01 00:00:00.000Z" },
      expectedStatus: 200,
      notExpectedContent: ["2001-01-01"],
    },
  ];
  test("never leak into the stored collection", async (t) => {
    await runScenarios(t, rows, (t) => startTestServer(t, { template }));
  });
});
