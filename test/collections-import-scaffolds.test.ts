import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { CollectionModel } from "pocketbase";
import { buildTemplate, startTestServer, suiteCleanup } from "./helpers/server.ts";
import { request } from "./helpers/http.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { hasTable, query, tableColumns, tableIndexes } from "./helpers/sqlite.ts";
import { saveCollection } from "../src/core/collections/collection-save.ts";
import { newCollection } from "../src/core/collections/collection-defaults.ts";
import { normalizeField } from "../src/core/fields/registry.ts";
import type { App } from "../src/core/app.ts";

async function seed(app: App): Promise<void> {
  const notes = newCollection("base", "notes");
  notes.id = "notes_id";
  notes.fields.push(
    normalizeField({ id: "f_title", name: "title", type: "text" }),
    normalizeField({ id: "f_extra", name: "extra", type: "text" }),
  );
  await saveCollection(app, notes);
  const view = newCollection("view", "note_titles");
  view.viewQuery = "SELECT id, title FROM notes";
  await saveCollection(app, view);
}

/** Partial collection JSON, as the SDK's import sends it (the server fills the rest). */
const asModels = (list: Record<string, unknown>[]) => list as unknown as CollectionModel[];

const collectionNames = (dir: string) =>
  query(dir, "SELECT name FROM _collections ORDER BY name").map((r) => String(r.name));

describe("importing collections", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup, seed);
  });

  test("new collections are created, views after the tables they read", async (t) => {
    const s = await startTestServer(t, { template });
    const ok = await s.pb.collections.import(
      asModels([
        { name: "import_view", type: "view", viewQuery: "select id, test from import2" },
        { name: "import1", fields: [{ id: "koih1lqx", name: "test", type: "text" }] },
        {
          name: "import2",
          fields: [{ id: "koih1lqx", name: "test", type: "text" }],
          indexes: ["create index idx_test on import2 (test)"],
        },
        { name: "auth_without_fields", type: "auth" },
      ]),
    );
    assert.equal(ok, true);
    for (const name of ["import1", "import2", "auth_without_fields", "import_view"])
      assert.ok(hasTable(s.dir, name), name);
    assert.deepEqual(tableIndexes(s.dir, "import2"), ["idx_test"]);
    assert.deepEqual(tableColumns(s.dir, "auth_without_fields").sort(), [
      "email",
      "emailVisibility",
      "id",
      "password",
      "tokenKey",
      "verified",
    ]);
  });

  test("an existing collection is updated, matched by id or by name", async (t) => {
    const s = await startTestServer(t, { template });
    await s.pb.collections.import(
      asModels([
        { id: "notes_id", name: "notes", listRule: "" },
        { name: "users", viewRule: "" },
      ]),
    );
    assert.equal((await s.pb.collections.getOne("notes")).listRule, "");
    assert.equal((await s.pb.collections.getOne("users")).viewRule, "");
  });

  test("without deleteMissing, fields and collections left out are kept", async (t) => {
    const s = await startTestServer(t, { template });
    await s.pb.collections.import(
      asModels([
        {
          id: "notes_id",
          name: "notes",
          fields: [{ id: "f_title", name: "title", type: "text", required: true }],
        },
      ]),
    );
    const notes = await s.pb.collections.getOne("notes");
    assert.deepEqual(notes.fields.map((f) => f.name).sort(), ["extra", "id", "title"]);
    assert.equal(notes.fields.find((f) => f.name === "title")!.required, true);
    assert.deepEqual(tableColumns(s.dir, "notes").sort(), ["extra", "id", "title"]);
    assert.ok(hasTable(s.dir, "note_titles"));
  });

  test("with deleteMissing, collections and fields left out are deleted, system ones kept", async (t) => {
    const s = await startTestServer(t, { template });
    const res = await request(s.url, "PUT", "/api/collections/import", {
      token: s.token,
      body: {
        deleteMissing: true,
        collections: [
          { name: "test123" },
          {
            id: "notes_id",
            name: "notes",
            fields: [{ id: "f_title", name: "title", type: "text", required: true }],
          },
        ],
      },
    });
    assert.equal(res.status, 204, res.text);
    assert.equal(res.text, "");
    assert.deepEqual(collectionNames(s.dir), [
      "_authOrigins",
      "_externalAuths",
      "_mfas",
      "_otps",
      "_superusers",
      "notes",
      "test123",
    ]);
    assert.equal(hasTable(s.dir, "users"), false);
    assert.equal(hasTable(s.dir, "note_titles"), false);
    assert.deepEqual(tableColumns(s.dir, "notes").sort(), ["id", "title"]);
  });

  const rows: Scenario[] = [
    {
      name: "guests get 401",
      method: "PUT",
      url: "/api/collections/import",
      body: { collections: [] },
      expectedStatus: 401,
    },
    {
      name: "regular users get 403",
      method: "PUT",
      url: "/api/collections/import",
      auth: "user",
      body: { collections: [{ name: "x" }] },
      expectedStatus: 403,
    },
    {
      name: "an empty list is a validation_required error",
      method: "PUT",
      url: "/api/collections/import",
      auth: "superuser",
      body: { collections: [] },
      expectedStatus: 400,
      expectedContent: ['"data":{"collections":{"code":"validation_required"'],
      expectedEvents: { "*": 0 },
    },
    {
      name: "a validation failure names the collection and imports nothing",
      method: "PUT",
      url: "/api/collections/import",
      auth: "superuser",
      body: {
        collections: [
          { name: "import1" },
          { name: "import2", fields: [{ id: "koih1lqx", name: "expand", type: "text" }] },
        ],
      },
      expectedStatus: 400,
      expectedContent: [
        '"message":"Failed to import collections."',
        '"collections":{"code":"validation_collections_import_failure"',
        "import2",
        "fields",
      ],
      notExpectedContent: ["Raw error:"],
      after(s) {
        assert.equal(hasTable(s.dir, "import1"), false, "all or nothing");
        assert.equal(collectionNames(s.dir).length, 8);
      },
    },
    {
      name: "changing an existing collection's type is refused, as on PATCH",
      method: "PUT",
      url: "/api/collections/import",
      auth: "superuser",
      body: { collections: [{ name: "users", type: "base" }] },
      expectedStatus: 400,
      expectedContent: [
        '"collections":{"code":"validation_collections_import_failure"',
        "Collection type cannot be changed.",
      ],
      after(s) {
        assert.equal(collectionNames(s.dir).length, 8);
      },
    },
    {
      name: "a failure of a hook is reported with its raw error",
      method: "PUT",
      url: "/api/collections/import",
      auth: "superuser",
      body: { collections: [{ name: "import1", fields: [{ id: "koih1lqx", name: "test", type: "text" }] }] },
      before(s) {
        s.app.hooks.onCollectionCreate.bindFunc(() => {
          throw new Error("custom_error");
        });
      },
      expectedStatus: 400,
      expectedContent: [
        '"collections":{"code":"validation_collections_import_failure"',
        "Raw error:",
        "custom_error",
      ],
      after(s) {
        assert.equal(hasTable(s.dir, "import1"), false);
      },
    },
    {
      name: "a body without collections is a validation_required error",
      method: "PUT",
      url: "/api/collections/import",
      auth: "superuser",
      body: { deleteMissing: true },
      expectedStatus: 400,
      expectedContent: ['"collections":{"code":"validation_required"'],
      after(s) {
        assert.equal(
          collectionNames(s.dir).length,
          8,
          "deleteMissing with nothing to import deletes nothing",
        );
      },
    },
  ];
  test("invalid imports answer 4xx", async (t) => {
    await runScenarios(t, rows, (t) => startTestServer(t, { template }));
  });
});

describe("collection scaffolds", () => {
  test("the three scaffolds are default collections with empty ids and names", async (t) => {
    const s = await startTestServer(t);
    const res = await request(s.url, "GET", "/api/collections/meta/scaffolds", { token: s.token });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json), ["auth", "base", "view"]);
    for (const type of ["auth", "base", "view"]) {
      assert.equal(res.json[type].id, "");
      assert.equal(res.json[type].name, "");
      assert.equal(res.json[type].type, type);
    }
    assert.deepEqual(
      res.json.base.fields.map((f: { id: string }) => f.id),
      ["text3208210256"],
    );
    assert.deepEqual(
      res.json.auth.fields.map((f: { name: string }) => f.name),
      ["id", "password", "tokenKey", "email", "emailVisibility", "verified"],
    );
    assert.deepEqual(res.json.view.fields, []);
    assert.equal(res.json.view.viewQuery, "");
    assert.ok(!res.text.includes('"secret"'));
    const sdk = await s.pb.collections.getScaffolds();
    assert.deepEqual(Object.keys(sdk).sort(), ["auth", "base", "view"]);
  });

  test("guests and regular users cannot read the scaffolds", async (t) => {
    const s = await startTestServer(t, { user: true });
    assert.equal((await request(s.url, "GET", "/api/collections/meta/scaffolds")).status, 401);
    assert.equal(
      (await request(s.url, "GET", "/api/collections/meta/scaffolds", { token: s.userToken })).status,
      403,
    );
  });
});
