/**
 * Compatibility with a real PocketBase v0.39 data folder (PocketBase's own tests/data): it opens
 * unchanged, its accounts and tokens work, and a replay of PocketBase's collection API
 * scenarios (apis/collection_test.go, collection_import_test.go) gives the same answers.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { App } from "../src/core/app.ts";
import { request } from "./helpers/http.ts";
import { authToken } from "./helpers/jwt.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { hasTable, query, tableColumns, withDb } from "./helpers/sqlite.ts";
import { startOnTestdata } from "./helpers/records-testdata.ts";
import { PB_TOKENS, TESTDATA, copyTestdata } from "./helpers/testdata.ts";
import type { CollectionModel } from "pocketbase";

const schema = (dir: string) =>
  withDb(dir, (db) =>
    db
      .prepare("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name")
      .all()
      .map((r) => ({ ...r })),
  );

describe("a copy of PocketBase's test data folder", () => {
  test("opens with no schema change and no re-run migration", async (t) => {
    const dir = copyTestdata(t);
    if (!dir) return;
    const schemaBefore = schema(dir);
    const migrationsBefore = query(dir, "SELECT file, applied FROM _migrations ORDER BY file").map((r) => ({
      ...r,
    }));
    const auxBefore = withDb(
      dir,
      (db) => db.prepare("SELECT name, sql FROM sqlite_master ORDER BY name").all(),
      "auxiliary.db",
    );
    const app = new App({ dataDir: dir });
    await app.bootstrap();
    await app.terminate();
    assert.deepEqual(schema(dir), schemaBefore);
    assert.deepEqual(
      query(dir, "SELECT file, applied FROM _migrations ORDER BY file").map((r) => ({ ...r })),
      migrationsBefore,
    );
    assert.deepEqual(
      withDb(
        dir,
        (db) => db.prepare("SELECT name, sql FROM sqlite_master ORDER BY name").all(),
        "auxiliary.db",
      ),
      auxBefore,
    );
  });

  test("lists its collections as PocketBase does", async (t) => {
    const s = await startOnTestdata(t);
    if (!s) return;
    const res = await request(s.url, "GET", "/api/collections", { token: s.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.totalItems, TESTDATA.collections);
    const names = res.json.items.map((c: { name: string }) => c.name).sort();
    assert.deepEqual(names, [
      "_authOrigins",
      "_externalAuths",
      "_mfas",
      "_otps",
      "_superusers",
      "clients",
      "demo1",
      "demo2",
      "demo3",
      "demo4",
      "demo5",
      "nologin",
      "numeric_id_view",
      "users",
      "view1",
      "view2",
    ]);
    assert.ok(!res.text.includes('"secret"') && !res.text.includes('"clientSecret"'));
    const users = res.json.items.find((c: { name: string }) => c.name === "users");
    assert.ok(Array.isArray(users.oauth2.providers));
  });

  test("every collection reads back and re-serialises to its stored fields", async (t) => {
    const s = await startOnTestdata(t);
    if (!s) return;
    const rows = query(s.dir, "SELECT name, fields, indexes FROM _collections");
    for (const row of rows) {
      const c: CollectionModel = await s.pb.collections.getOne(String(row.name));
      const stored = JSON.parse(String(row.fields)) as { name: string }[];
      assert.deepEqual(
        c.fields.map((f) => f.name),
        stored.map((f) => f.name),
        String(row.name),
      );
      assert.deepEqual(c.indexes, JSON.parse(String(row.indexes)), String(row.name));
    }
  });

  test("its superuser logs in with the password PocketBase hashed", async (t) => {
    const s = await startOnTestdata(t);
    if (!s) return;
    const pb = s.client();
    const auth = await pb
      .collection("_superusers")
      .authWithPassword(TESTDATA.superuser.email, TESTDATA.superuser.password);
    assert.equal(auth.record.id, TESTDATA.superuser.id);
    // Its users collection has MFA on: the right password answers 401 with an mfaId.
    const user = await request(s.url, "POST", "/api/collections/users/auth-with-password", {
      body: { identity: TESTDATA.user.email, password: TESTDATA.user.password },
    });
    assert.equal(user.status, 401, user.text);
    assert.match(String(user.json.mfaId), /^\w{15}$/);
    const clients = await s.client().collection("clients").authWithPassword("test@example.com", "1234567890");
    assert.equal(clients.record.collectionName, "clients");
  });

  test("the tokens PocketBase minted for it are accepted", async (t) => {
    const s = await startOnTestdata(t);
    if (!s) return;
    assert.equal((await request(s.url, "GET", "/api/settings", { token: PB_TOKENS.superuser })).status, 200);
    assert.equal((await request(s.url, "GET", "/api/collections", { token: PB_TOKENS.user })).status, 403);
    const refresh = await request(s.url, "POST", "/api/collections/users/auth-refresh", {
      token: PB_TOKENS.user,
    });
    assert.equal(refresh.status, 200, refresh.text);
    assert.equal(refresh.json.record.id, TESTDATA.user.id);
  });

  test("tokens built from its keys with node:crypto are accepted", async (t) => {
    const s = await startOnTestdata(t);
    if (!s) return;
    const su = authToken(s.dir, "_superusers", TESTDATA.superuser.id);
    assert.equal((await request(s.url, "GET", "/api/settings", { token: su })).status, 200);
    const health = await request(s.url, "GET", "/api/health", { token: su });
    assert.deepEqual(Object.keys(health.json.data), ["canBackup", "possibleProxyHeader", "realIP"]);
    const user = authToken(s.dir, "users", TESTDATA.user.id);
    const refresh = await request(s.url, "POST", "/api/collections/users/auth-refresh", { token: user });
    assert.equal(refresh.status, 200, refresh.text);
    const expired = authToken(s.dir, "users", TESTDATA.user.id, { seconds: -1 });
    assert.equal(
      (await request(s.url, "POST", "/api/collections/users/auth-refresh", { token: expired })).status,
      401,
    );
  });

  test("its settings are served without secrets", async (t) => {
    const s = await startOnTestdata(t);
    if (!s) return;
    const settings = await s.pb.settings.getAll();
    assert.equal(settings.meta.appName, "acme_test");
    assert.equal("password" in settings.smtp, false);
  });
});

describe("PocketBase's collection API scenarios on its test data", () => {
  const superuser = "superuser" as const;
  const user = "user" as const;
  const rows: Scenario[] = [
    {
      name: "list + paging and sorting",
      method: "GET",
      url: "/api/collections?page=2&perPage=2&sort=-created",
      auth: superuser,
      expectedStatus: 200,
      expectedContent: [
        '"page":2',
        '"perPage":2',
        `"totalItems":${TESTDATA.collections}`,
        '"items":[{',
        '"name":"_mfas"',
      ],
      expectedEvents: { "*": 0, onCollectionsListRequest: 1 },
    },
    {
      name: "list + invalid filter",
      method: "GET",
      url: "/api/collections?filter=invalidfield~'demo2'",
      auth: superuser,
      expectedStatus: 400,
      expectedContent: ['"data":{}'],
      expectedEvents: { "*": 0 },
    },
    {
      name: "list + valid filter",
      method: "GET",
      url: "/api/collections?filter=name~'demo'",
      auth: superuser,
      expectedStatus: 200,
      expectedContent: ['"totalItems":5', '"name":"demo1"', '"name":"demo5"'],
    },
    {
      name: "list as a regular user",
      method: "GET",
      url: "/api/collections",
      auth: user,
      expectedStatus: 403,
    },
    {
      name: "view by name",
      method: "GET",
      url: "/api/collections/demo1",
      auth: superuser,
      expectedStatus: 200,
      expectedContent: ['"id":"wsmn24bux7wo113"', '"name":"demo1"'],
    },
    {
      name: "view by id",
      method: "GET",
      url: "/api/collections/wsmn24bux7wo113",
      auth: superuser,
      expectedStatus: 200,
      expectedContent: ['"name":"demo1"'],
    },
    {
      name: "delete by name",
      method: "DELETE",
      url: "/api/collections/demo5",
      auth: superuser,
      expectedStatus: 204,
      expectedEvents: {
        "*": 0,
        onCollectionDeleteRequest: 1,
        onCollectionDelete: 1,
        onCollectionDeleteExecute: 1,
        onCollectionAfterDeleteSuccess: 1,
        onModelDelete: 1,
        onModelDeleteExecute: 1,
        onModelAfterDeleteSuccess: 1,
      },
      after(s) {
        assert.equal(hasTable(s.dir, "demo5"), false);
      },
    },
    {
      name: "delete a system collection",
      method: "DELETE",
      url: "/api/collections/_mfas",
      auth: superuser,
      expectedStatus: 400,
      expectedContent: ['"data":{}'],
    },
    {
      name: "delete a referenced collection",
      method: "DELETE",
      url: "/api/collections/demo2",
      auth: superuser,
      expectedStatus: 400,
      expectedContent: ['"data":{}'],
      after(s) {
        assert.equal(hasTable(s.dir, "demo2"), true);
      },
    },
    {
      name: "delete a view",
      method: "DELETE",
      url: "/api/collections/view2",
      auth: superuser,
      expectedStatus: 204,
    },
    {
      name: "create with an existing name and an empty field name",
      method: "POST",
      url: "/api/collections",
      auth: superuser,
      body: { name: "demo1", type: "base", fields: [{ type: "text", name: "" }] },
      expectedStatus: 400,
      expectedContent: [
        '"fields":{',
        '"name":{"code":"validation_collection_name_exists"',
        '"name":{"code":"validation_required"',
      ],
    },
    {
      name: "create with valid data prepends the id field",
      method: "POST",
      url: "/api/collections",
      auth: superuser,
      body: { name: "new", type: "base", fields: [{ type: "text", id: "12345789", name: "test" }] },
      expectedStatus: 200,
      expectedContent: [
        '"fields":[{"autogeneratePattern":"[a-z0-9]{15}","help":"","hidden":false,"id":"text3208210256","max":15,"min":15,"name":"id","pattern":"^[a-z0-9]+$","presentable":false,"primaryKey":true,"required":true,"system":true,"type":"text"},{"autogeneratePattern":"","help":"","hidden":false,"id":"12345789","max":0,"min":0,"name":"test","pattern":"","presentable":false,"primaryKey":false,"required":false,"system":false,"type":"text"}]',
      ],
    },
    {
      name: "create a view from _superusers",
      method: "POST",
      url: "/api/collections",
      auth: superuser,
      body: {
        name: "new",
        type: "view",
        fields: [{ type: "text", id: "12345789", name: "ignored!@#$" }],
        viewQuery: "select 1 as id from _superusers",
      },
      expectedStatus: 200,
      expectedContent: ['"name":"new"', '"type":"view"'],
    },
    {
      name: "create with an index name of another collection",
      method: "POST",
      url: "/api/collections",
      auth: superuser,
      body: {
        name: "new",
        fields: [{ type: "text", name: "test" }],
        indexes: ["create index _wsmn24bux7wo113_created_idx on new (test)"],
      },
      expectedStatus: 400,
      expectedContent: ['"indexes":{"0":{"code":"validation_existing_index_name"'],
    },
    {
      name: "update with an empty body",
      method: "PATCH",
      url: "/api/collections/demo1",
      auth: superuser,
      body: {},
      expectedStatus: 200,
      expectedContent: ['"id":"wsmn24bux7wo113"', '"name":"demo1"'],
      after(s) {
        assert.deepEqual(tableColumns(s.dir, "demo1").sort(), [
          "bool",
          "created",
          "datetime",
          "email",
          "file_many",
          "file_one",
          "id",
          "json",
          "number",
          "point",
          "rel_many",
          "rel_one",
          "select_many",
          "select_one",
          "text",
          "updated",
          "url",
        ]);
      },
    },
    {
      name: "update to an existing name and another type",
      method: "PATCH",
      url: "/api/collections/demo1",
      auth: superuser,
      body: { name: "demo2", type: "auth" },
      expectedStatus: 400,
      expectedContent: [
        '"name":{"code":"validation_collection_name_exists"',
        '"type":{"code":"validation_collection_type_change"',
      ],
    },
    {
      name: "rename a legacy collection",
      method: "PATCH",
      url: "/api/collections/demo1",
      auth: superuser,
      body: { name: "new" },
      expectedStatus: 200,
      expectedContent: ['"name":"new"'],
      after(s) {
        assert.equal(hasTable(s.dir, "new"), true);
        assert.equal(hasTable(s.dir, "demo1"), false);
        assert.ok(Number(query(s.dir, "SELECT count(*) AS n FROM new")[0]!.n) > 0, "rows kept");
      },
    },
    {
      name: "update with a removed legacy system field",
      method: "PATCH",
      url: "/api/collections/demo1",
      auth: superuser,
      body: { name: "new", fields: [{ type: "text", name: "created" }] },
      expectedStatus: 400,
      expectedContent: ['"data":{"fields":{', '"code":"validation_system_field_change"'],
    },
    {
      name: "update a view with a new query",
      method: "PATCH",
      url: "/api/collections/view2",
      auth: superuser,
      body: {
        name: "view2_update",
        fields: [{ type: "text", id: "12345789", name: "ignored!@#$" }],
        viewQuery: "select 2 as id, created, updated, email from _superusers",
      },
      expectedStatus: 200,
      expectedContent: ['"name":"view2_update"', '"name":"email"', '"name":"created"'],
    },
    {
      name: "update indexes with a valid unique index",
      method: "PATCH",
      url: "/api/collections/demo2",
      auth: superuser,
      body: {
        indexes: [
          "create unique index idx_test1 on demo2 (title)",
          "create index idx_test2 on anything (active)",
        ],
      },
      expectedStatus: 200,
      expectedContent: ["idx_test1", "idx_test2"],
    },
    {
      name: "truncate demo5 deletes each record through the record pipeline",
      method: "DELETE",
      url: "/api/collections/demo5/truncate",
      auth: superuser,
      expectedStatus: 204,
      expectedEvents: {
        onModelDelete: 2,
        onModelDeleteExecute: 2,
        onModelAfterDeleteSuccess: 2,
        onRecordDelete: 2,
        onRecordDeleteExecute: 2,
        onRecordAfterDeleteSuccess: 2,
      },
      after(s) {
        assert.equal(query(s.dir, "SELECT count(*) AS n FROM demo5")[0]!.n, 0);
      },
    },
    {
      name: "truncate a collection with required cascade references",
      method: "DELETE",
      url: "/api/collections/demo3/truncate",
      auth: superuser,
      expectedStatus: 400,
      expectedContent: ['"data":{}'],
      after(s) {
        assert.ok(Number(query(s.dir, "SELECT count(*) AS n FROM demo3")[0]!.n) > 0, "rolled back");
      },
    },
    {
      name: "truncate a view",
      method: "DELETE",
      url: "/api/collections/view2/truncate",
      auth: superuser,
      expectedStatus: 400,
    },
    {
      name: "import create + update + deleteMissing",
      method: "PUT",
      url: "/api/collections/import",
      auth: superuser,
      body: {
        deleteMissing: true,
        collections: [
          { name: "test123" },
          {
            id: "wsmn24bux7wo113",
            name: "demo1",
            fields: [{ id: "_2hlxbmp", name: "title", type: "text", required: true }],
            indexes: [],
          },
        ],
      },
      expectedStatus: 204,
      after(s) {
        const total = Number(query(s.dir, "SELECT count(*) AS n FROM _collections")[0]!.n);
        const system = Number(query(s.dir, "SELECT count(*) AS n FROM _collections WHERE system = 1")[0]!.n);
        assert.equal(total, system + 2);
      },
    },
  ];
  test("give PocketBase's answers", async (t) => {
    await runScenarios(t, rows, startOnTestdata);
  });
});
