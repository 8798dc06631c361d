import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { crc32 } from "node:zlib";
import { DatabaseSync } from "node:sqlite";
import type { ClientResponseError } from "pocketbase";
import { buildTemplate, startTestServer, suiteCleanup } from "./helpers/server.ts";
import { request } from "./helpers/http.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { hasTable, masterRow, tableColumns, tableIndexes, tableInfo } from "./helpers/sqlite.ts";

const fieldId = (type: string, name: string) => `${type}${crc32(name)}`;

const common = { help: "", hidden: false, presentable: false, required: false, system: false };

/** One field of every type with non-default options, and the JSON PocketBase answers with. */
const EVERY_TYPE: { input: Record<string, unknown>; output: Record<string, unknown>; ddl: string }[] = [
  {
    input: {
      name: "title",
      type: "text",
      min: 1,
      max: 100,
      pattern: "^[a-z ]+$",
      required: true,
      presentable: true,
    },
    output: {
      autogeneratePattern: "",
      help: "",
      hidden: false,
      max: 100,
      min: 1,
      pattern: "^[a-z ]+$",
      presentable: true,
      primaryKey: false,
      required: true,
      system: false,
    },
    ddl: "TEXT DEFAULT '' NOT NULL",
  },
  {
    input: { name: "body", type: "editor", maxSize: 1000, convertURLs: true },
    output: { ...common, convertURLs: true, maxSize: 1000 },
    ddl: "TEXT DEFAULT '' NOT NULL",
  },
  {
    input: { name: "count", type: "number", min: 0, max: 10, onlyInt: true },
    output: { ...common, max: 10, min: 0, onlyInt: true },
    ddl: "NUMERIC DEFAULT 0 NOT NULL",
  },
  { input: { name: "active", type: "bool" }, output: { ...common }, ddl: "BOOLEAN DEFAULT FALSE NOT NULL" },
  {
    input: { name: "contact", type: "email", onlyDomains: ["example.com"] },
    output: { ...common, exceptDomains: null, onlyDomains: ["example.com"] },
    ddl: "TEXT DEFAULT '' NOT NULL",
  },
  {
    input: { name: "site", type: "url", exceptDomains: ["bad.example"] },
    output: { ...common, exceptDomains: ["bad.example"], onlyDomains: null },
    ddl: "TEXT DEFAULT '' NOT NULL",
  },
  {
    input: { name: "due", type: "date", min: "2020-01-01 00:00:00.000Z" },
    output: { ...common, max: "", min: "2020-01-01 00:00:00.000Z" },
    ddl: "TEXT DEFAULT '' NOT NULL",
  },
  {
    input: { name: "stamp", type: "autodate", onCreate: true, onUpdate: true },
    output: { hidden: false, onCreate: true, onUpdate: true, presentable: false, system: false },
    ddl: "TEXT DEFAULT '' NOT NULL",
  },
  {
    input: { name: "status", type: "select", values: ["a", "b", "c"], maxSelect: 1 },
    output: { ...common, maxSelect: 1, values: ["a", "b", "c"] },
    ddl: "TEXT DEFAULT '' NOT NULL",
  },
  {
    input: { name: "tags", type: "select", values: ["x", "y", "z"], maxSelect: 3 },
    output: { ...common, maxSelect: 3, values: ["x", "y", "z"] },
    ddl: "JSON DEFAULT '[]' NOT NULL",
  },
  {
    input: {
      name: "doc",
      type: "file",
      maxSelect: 1,
      maxSize: 1024,
      mimeTypes: ["image/png"],
      thumbs: ["100x100"],
      protected: true,
    },
    output: {
      ...common,
      maxSelect: 1,
      maxSize: 1024,
      mimeTypes: ["image/png"],
      protected: true,
      thumbs: ["100x100"],
    },
    ddl: "TEXT DEFAULT '' NOT NULL",
  },
  {
    input: { name: "docs", type: "file", maxSelect: 5 },
    output: { ...common, maxSelect: 5, maxSize: 0, mimeTypes: null, protected: false, thumbs: null },
    ddl: "JSON DEFAULT '[]' NOT NULL",
  },
  {
    input: {
      name: "owner",
      type: "relation",
      collectionId: "_pb_users_auth_",
      maxSelect: 1,
      cascadeDelete: true,
    },
    output: { ...common, cascadeDelete: true, collectionId: "_pb_users_auth_", maxSelect: 1, minSelect: 0 },
    ddl: "TEXT DEFAULT '' NOT NULL",
  },
  {
    input: {
      name: "readers",
      type: "relation",
      collectionId: "_pb_users_auth_",
      maxSelect: 10,
      minSelect: 1,
    },
    output: { ...common, cascadeDelete: false, collectionId: "_pb_users_auth_", maxSelect: 10, minSelect: 1 },
    ddl: "JSON DEFAULT '[]' NOT NULL",
  },
  {
    input: { name: "meta", type: "json", maxSize: 2000 },
    output: { ...common, maxSize: 2000 },
    ddl: "JSON DEFAULT NULL",
  },
  {
    input: { name: "secret", type: "password", min: 8, max: 50, cost: 4 },
    output: { ...common, cost: 4, max: 50, min: 8, pattern: "" },
    ddl: "TEXT DEFAULT '' NOT NULL",
  },
  {
    input: { name: "where", type: "geoPoint" },
    output: { ...common },
    ddl: `JSON DEFAULT '{"lon":0,"lat":0}' NOT NULL`,
  },
];

const ID_FIELD = {
  autogeneratePattern: "[a-z0-9]{15}",
  help: "",
  hidden: false,
  id: "text3208210256",
  max: 15,
  min: 15,
  name: "id",
  pattern: "^[a-z0-9]+$",
  presentable: false,
  primaryKey: true,
  required: true,
  system: true,
  type: "text",
};

const ID_DDL = "TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL";

/** PRAGMA table_info of a table built from the spec's DDL, to compare column by column. */
function expectedTableInfo(columns: [string, string][]) {
  const db = new DatabaseSync(":memory:");
  const sorted = [...columns].sort(([a], [b]) => (a < b ? -1 : 1));
  db.exec(`CREATE TABLE t (${sorted.map(([n, ddl]) => `\`${n}\` ${ddl}`).join(", ")})`);
  const info = db.prepare("SELECT name, type, `notnull`, dflt_value, pk FROM pragma_table_info('t')").all();
  db.close();
  return info.map((r) => ({ ...r }));
}

describe("creating collections", () => {
  let template = "";
  const cleanup = suiteCleanup();
  before(async () => {
    template = await buildTemplate(cleanup);
  });

  test("a base collection with every field type answers PocketBase's JSON, in key order", async (t) => {
    const s = await startTestServer(t, { template });
    const res = await request(s.url, "POST", "/api/collections", {
      token: s.token,
      body: { name: "everything", type: "base", fields: EVERY_TYPE.map((f) => f.input) },
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(res.text.endsWith("}\n"), "Go's encoder ends the body with one newline");
    assert.equal(res.headers.get("content-type"), "application/json");
    const body = res.json;
    assert.deepEqual(Object.keys(body), [
      "id",
      "listRule",
      "viewRule",
      "createRule",
      "updateRule",
      "deleteRule",
      "name",
      "type",
      "fields",
      "indexes",
      "created",
      "updated",
      "system",
    ]);
    assert.equal(body.id, `pbc_${crc32("baseeverything")}`);
    assert.equal(body.type, "base");
    assert.equal(body.system, false);
    assert.deepEqual(body.indexes, []);
    assert.match(body.created, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.equal(body.created, body.updated);
    assert.deepEqual(body.fields[0], ID_FIELD, "the id field is prepended");
    assert.equal(body.fields.length, EVERY_TYPE.length + 1);
    EVERY_TYPE.forEach(({ input, output }, i) => {
      const type = String(input.type);
      const name = String(input.name);
      const expected = { ...output, id: fieldId(type, name), name, type };
      const got = body.fields[i + 1];
      assert.deepEqual(got, expected, `field ${name}`);
      const keys = Object.keys(got);
      assert.deepEqual(keys, [...keys].sort(), `field ${name} keys are sorted`);
    });
  });

  test("a base collection's table has one column per field with PocketBase's column types", async (t) => {
    const s = await startTestServer(t, { template });
    await s.pb.collections.create({ name: "everything", fields: EVERY_TYPE.map((f) => f.input) });
    const expected = expectedTableInfo([
      ["id", ID_DDL],
      ...EVERY_TYPE.map((f): [string, string] => [String(f.input.name), f.ddl]),
    ]);
    assert.deepEqual(
      tableInfo(s.dir, "everything").map((r) => ({ ...r })),
      expected,
    );
    assert.equal(masterRow(s.dir, "everything")?.type, "table");
  });

  test("the created collection is listed and stored exactly as returned", async (t) => {
    const s = await startTestServer(t, { template });
    const created = await s.pb.collections.create({
      name: "everything",
      fields: EVERY_TYPE.map((f) => f.input),
    });
    const viewed = await s.pb.collections.getOne("EVERYTHING");
    assert.deepEqual(viewed, created);
    await s.close();
    const reopened = await startTestServer(t, { dataDir: s.dir, superuser: false });
    const again = await request(reopened.url, "GET", "/api/collections/everything", { token: s.token });
    assert.deepEqual(again.json, created, "a restarted server reads back the same collection");
  });

  test("an auth collection gets its system fields, unique indexes and options without secrets", async (t) => {
    const s = await startTestServer(t, { template });
    const res = await request(s.url, "POST", "/api/collections", {
      token: s.token,
      body: {
        name: "members",
        type: "auth",
        emailChangeToken: { duration: 123 },
        fields: [
          { type: "text", id: "12345789", name: "nick" },
          { type: "text", name: "tokenKey", system: true, required: false, min: 10 },
        ],
      },
    });
    assert.equal(res.status, 200, res.text);
    const body = res.json;
    const id = `pbc_${crc32("authmembers")}`;
    assert.equal(body.id, id);
    assert.deepEqual(
      body.fields.map((f: { name: string }) => f.name),
      ["id", "nick", "tokenKey", "password", "email", "emailVisibility", "verified"],
    );
    assert.deepEqual(
      body.fields.find((f: { name: string }) => f.name === "tokenKey"),
      {
        autogeneratePattern: "",
        help: "",
        hidden: true,
        id: "text2504183744",
        max: 0,
        min: 10,
        name: "tokenKey",
        pattern: "",
        presentable: false,
        primaryKey: false,
        required: true,
        system: true,
        type: "text",
      },
      "system defaults are enforced on a submitted tokenKey field, its other options kept",
    );
    assert.deepEqual(body.indexes, [
      `CREATE UNIQUE INDEX \`idx_tokenKey_${id}\` ON \`members\` (\`tokenKey\`)`,
      `CREATE UNIQUE INDEX \`idx_email_${id}\` ON \`members\` (\`email\`) WHERE \`email\` != ''`,
    ]);
    assert.equal(body.authRule, "");
    assert.equal(body.manageRule, null);
    assert.deepEqual(body.passwordAuth, { enabled: true, identityFields: ["email"] });
    assert.deepEqual(body.emailChangeToken, { duration: 123 });
    assert.deepEqual(body.oauth2.providers, []);
    assert.ok(!res.text.includes('"secret"'), "token secrets are never returned");
    assert.deepEqual(Object.keys(body).slice(13), [
      "authRule",
      "manageRule",
      "authAlert",
      "oauth2",
      "passwordAuth",
      "mfa",
      "otp",
      "authToken",
      "passwordResetToken",
      "emailChangeToken",
      "verificationToken",
      "fileToken",
      "verificationTemplate",
      "resetPasswordTemplate",
      "confirmEmailChangeTemplate",
    ]);
    assert.deepEqual(tableColumns(s.dir, "members").sort(), [
      "email",
      "emailVisibility",
      "id",
      "nick",
      "password",
      "tokenKey",
      "verified",
    ]);
    assert.deepEqual(tableIndexes(s.dir, "members"), [`idx_email_${id}`, `idx_tokenKey_${id}`]);
  });

  test("a view collection infers its fields from the query and is stored as a SQL view", async (t) => {
    const s = await startTestServer(t, { template });
    await s.pb.collections.create({
      name: "posts",
      fields: [
        { name: "title", type: "text" },
        { name: "views", type: "number" },
      ],
    });
    const res = await request(s.url, "POST", "/api/collections", {
      token: s.token,
      body: {
        name: "post_stats",
        type: "view",
        listRule: "",
        fields: [{ type: "text", id: "12345789", name: "ignored!@#$" }],
        viewQuery: "SELECT id, title, count(*) AS total FROM posts GROUP BY id",
      },
    });
    assert.equal(res.status, 200, res.text);
    const body = res.json;
    assert.equal(body.type, "view");
    assert.equal(body.listRule, "");
    assert.equal(body.viewQuery, "SELECT id, title, count(*) AS total FROM posts GROUP BY id");
    assert.equal(Object.keys(body).at(-1), "viewQuery");
    assert.deepEqual(
      body.fields.map((f: { name: string; type: string }) => [f.name, f.type]),
      [
        ["id", "text"],
        ["title", "text"],
        ["total", "number"],
      ],
    );
    assert.equal(masterRow(s.dir, "post_stats")?.type, "view");
    assert.deepEqual(tableColumns(s.dir, "post_stats"), ["id", "title", "total"]);
  });

  test("a view selecting a constant id gets PocketBase's view id field", async (t) => {
    const s = await startTestServer(t, { template });
    const created = await s.pb.collections.create({
      name: "constant",
      type: "view",
      viewQuery: "select 1 as id from _superusers",
    });
    assert.deepEqual(created.fields, [
      {
        autogeneratePattern: "",
        help: "",
        hidden: false,
        id: "text3208210256",
        max: 0,
        min: 0,
        name: "id",
        pattern: "^[a-z0-9]+$",
        presentable: false,
        primaryKey: true,
        required: true,
        system: true,
        type: "text",
      },
    ]);
  });

  test("indexes are created with the table (the table name is rewritten to the collection's)", async (t) => {
    const s = await startTestServer(t, { template });
    const created = await s.pb.collections.create({
      name: "indexed",
      fields: [{ type: "text", name: "code" }],
      indexes: [
        "create unique index idx_code on indexed (code)",
        "create index idx_pair on anything (id, code)",
      ],
    });
    assert.equal(created.indexes.length, 2);
    assert.deepEqual(tableIndexes(s.dir, "indexed"), ["idx_code", "idx_pair"]);
    assert.match(masterRow(s.dir, "idx_pair")?.sql ?? "", /ON `indexed`/i);
  });

  test("rules that resolve are accepted: relations, back-relations, @collection (itself too), @request", async (t) => {
    const s = await startTestServer(t, { template });
    const users = await s.pb.collections.getOne("users");
    const created = await s.pb.collections.create({
      name: "posts_r",
      fields: [
        { type: "text", name: "title", hidden: true },
        { type: "relation", name: "author", collectionId: users.id, maxSelect: 1 },
        { type: "json", name: "meta" },
      ],
      listRule: "author.email != '' && author.verified = true || @request.auth.id = author",
      viewRule: "@collection.posts_r.title ?= title && meta.a.b != 1 && @request.query.x = ''",
      createRule: "@request.body.title:isset = true && @request.body.author = @request.auth.id",
      updateRule: "@request.body.title:changed = false && title:lower ~ 'x' && @request.headers.x_y = ''",
      deleteRule: "@request.auth.collectionName = 'users' && author.posts_r_via_author.id ?!= ''",
    });
    assert.equal(created.name, "posts_r");
    // A rule may also name what the same save adds.
    const updated = await s.pb.collections.update("posts_r", {
      fields: [...created.fields, { type: "number", name: "score" }],
      listRule: "score > 1",
    });
    assert.equal(updated.listRule, "score > 1");
  });

  test("a custom collection id is kept", async (t) => {
    const s = await startTestServer(t, { template });
    const created = await s.pb.collections.create({ id: "my_custom_id", name: "custom" });
    assert.equal(created.id, "my_custom_id");
    assert.equal((await s.pb.collections.getOne("my_custom_id")).name, "custom");
  });

  test("unknown properties in the body are ignored", async (t) => {
    const s = await startTestServer(t, { template });
    const res = await request(s.url, "POST", "/api/collections", {
      token: s.token,
      body: {
        name: "extra",
        whatever: 1,
        options: { x: 1 },
        fields: [{ name: "a", type: "text", bogus: true }],
      },
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(!res.text.includes("whatever") && !res.text.includes("bogus"));
  });

  test("the SDK's collections.create works with a guest client only after auth", async (t) => {
    const s = await startTestServer(t, { template });
    await assert.rejects(
      () => s.client().collections.create({ name: "nope" }),
      (err: ClientResponseError) => err.status === 401,
    );
    assert.equal(hasTable(s.dir, "nope"), false);
  });
});

describe("invalid collection create requests", () => {
  let template = "";
  const cleanup = suiteCleanup();
  before(async () => {
    template = await buildTemplate(cleanup);
  });

  const created = (name: string): NonNullable<Scenario["after"]> =>
    function assertNotCreated(s) {
      assert.equal(hasTable(s.dir, name), false, `no table ${name}`);
    };
  const failedCreate = {
    "*": 0,
    onCollectionCreateRequest: 1,
    onCollectionCreate: 1,
    onCollectionAfterCreateError: 1,
    onCollectionValidate: 1,
    onModelCreate: 1,
    onModelAfterCreateError: 1,
    onModelValidate: 1,
  };

  const rows: Scenario[] = [
    {
      name: "guests get 401",
      method: "POST",
      url: "/api/collections",
      body: { name: "x" },
      expectedStatus: 401,
      expectedContent: [
        '{"data":{},"message":"The request requires valid record authorization token.","status":401}',
      ],
      expectedEvents: { "*": 0 },
    },
    {
      name: "regular users get 403",
      method: "POST",
      url: "/api/collections",
      auth: "user",
      body: { name: "x" },
      expectedStatus: 403,
      expectedContent: ['"data":{}'],
      expectedEvents: { "*": 0 },
    },
    {
      name: "an empty body is a missing name, not a fields error",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      expectedStatus: 400,
      expectedContent: [
        '"message":"Failed to create collection."',
        '"name":{"code":"validation_required","message":"Cannot be blank."}',
      ],
      notExpectedContent: ['"fields":{'],
      expectedEvents: failedCreate,
    },
    {
      name: "a name with a dash does not match the name pattern",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "a-b" },
      expectedStatus: 400,
      expectedContent: ['"name":{"code":"validation_match_invalid"'],
      after: created("a-b"),
    },
    {
      name: "a name containing _via_ is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "posts_via_users" },
      expectedStatus: 400,
      expectedContent: ['"name":{"code":"validation_found_via"'],
      after: created("posts_via_users"),
    },
    {
      name: "a name longer than 255 characters is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "a".repeat(256) },
      expectedStatus: 400,
      expectedContent: ['"name":{"code":"validation_length_out_of_range"'],
    },
    {
      name: "names are unique case-insensitively",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "USERS" },
      expectedStatus: 400,
      expectedContent: ['"name":{"code":"validation_collection_name_exists"'],
    },
    {
      name: "a name equal to another collection's id is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "_pb_users_auth_" },
      expectedStatus: 400,
      expectedContent: ['"name":{"code":"validation_collection_name_id_duplicate"'],
    },
    {
      name: "a name of an internal table is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "_params" },
      expectedStatus: 400,
      expectedContent: ['"name":{"code":"validation_collection_name_invalid"'],
    },
    {
      name: "an unknown collection type is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "typed", type: "table" },
      expectedStatus: 400,
      expectedContent: ['"type":{"code":"validation_in_invalid"'],
      after: created("typed"),
    },
    {
      name: "a custom id must match the id pattern",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { id: "bad id!", name: "badid" },
      expectedStatus: 400,
      expectedContent: ['"id":{"code":"validation_match_invalid"'],
    },
    {
      name: "a custom id must not exist already",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { id: "_pb_users_auth_", name: "dupid" },
      expectedStatus: 400,
      expectedContent: ['"id":{"code":"validation_invalid_or_existing_id"'],
    },
    {
      name: "reserved field names are rejected in base collections",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: {
        name: "reserved",
        fields: [
          { type: "text", name: "id" },
          { type: "text", name: "expand" },
          { type: "text", name: "collectionId" },
          { type: "text", name: "collectionName" },
        ],
      },
      expectedStatus: 400,
      expectedContent: [
        '"data":{"fields":{',
        '"1":{"name":{"code":"validation_not_in_invalid"',
        '"2":{"name":{"code":"validation_not_in_invalid"',
        '"3":{"name":{"code":"validation_not_in_invalid"',
      ],
      notExpectedContent: ['"0":{'],
    },
    {
      name: "auth-only reserved field names are rejected in auth collections",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: {
        name: "reserved",
        type: "auth",
        fields: [
          { type: "text", name: "oldPassword" },
          { type: "text", name: "passwordConfirm" },
        ],
      },
      expectedStatus: 400,
      expectedContent: [
        '"1":{"name":{"code":"validation_reserved_field_name"',
        '"2":{"name":{"code":"validation_reserved_field_name"',
      ],
    },
    {
      name: "auth field names are allowed in base collections",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: {
        name: "lookalike",
        fields: [
          "email",
          "username",
          "verified",
          "tokenKey",
          "password",
          "passwordConfirm",
          "oldPassword",
        ].map((name) => ({ type: "text", name })),
      },
      expectedStatus: 200,
      expectedContent: ['"name":"lookalike"'],
    },
    {
      name: "a field name containing _via_ is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "via", fields: [{ type: "text", name: "a_via_b" }] },
      expectedStatus: 400,
      expectedContent: ['"1":{"name":{"code":"validation_found_via"'],
    },
    {
      name: "a field name with a space does not match the name pattern",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "spaced", fields: [{ type: "text", name: "a b" }] },
      expectedStatus: 400,
      expectedContent: ['"1":{"name":{"code":"validation_match_invalid"'],
    },
    {
      name: "duplicate field names are rejected case-insensitively",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: {
        name: "dups",
        fields: [
          { type: "text", name: "title" },
          { type: "number", name: "Title" },
        ],
      },
      expectedStatus: 400,
      expectedContent: ['"2":{"name":{"code":"validation_duplicated_field_name"'],
    },
    {
      name: "a select field needs values",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "sel", fields: [{ type: "select", name: "status" }] },
      expectedStatus: 400,
      expectedContent: ['"1":{"values":{"code":"validation_required"'],
      after: created("sel"),
    },
    {
      name: "a relation to a missing collection is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "rel", fields: [{ type: "relation", name: "owner", collectionId: "missing" }] },
      expectedStatus: 400,
      expectedContent: ['"1":{"collectionId":{"code":'],
    },
    {
      name: "a relation without a collection is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "rel", fields: [{ type: "relation", name: "owner" }] },
      expectedStatus: 400,
      expectedContent: ['"1":{"collectionId":{"code":"validation_required"'],
    },
    {
      name: "a text field with an invalid pattern is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "pat", fields: [{ type: "text", name: "code", pattern: "(" }] },
      expectedStatus: 400,
      expectedContent: ['"1":{"pattern":{"code":'],
    },
    {
      name: "an unknown field type is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "unknown", fields: [{ type: "money", name: "price" }] },
      expectedStatus: 400,
      after: created("unknown"),
    },
    {
      name: "a rule that does not parse is rejected per rule",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: {
        name: "ruled",
        fields: [{ type: "text", name: "title" }],
        listRule: "title ~",
        viewRule: "title = 'x'",
      },
      expectedStatus: 400,
      expectedContent: ['"listRule":{"code":"validation_invalid_rule"'],
      notExpectedContent: ['"viewRule"'],
      after: created("ruled"),
    },
    {
      name: "a rule naming what doesn't exist is rejected, like PocketBase's resolver does",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: {
        name: "ruled2",
        fields: [{ type: "text", name: "title" }],
        listRule: "unknownfield = 1",
        viewRule: "@collection.nonexistent.id = id",
        createRule: "title_via_nothing.id != ''",
        updateRule: "title = 'x' && @request.auth.id != ''",
      },
      expectedStatus: 400,
      expectedContent: [
        '"listRule":{"code":"validation_invalid_rule"',
        '"viewRule":{"code":"validation_invalid_rule"',
        '"createRule":{"code":"validation_invalid_rule"',
      ],
      notExpectedContent: ['"updateRule"'],
      after: created("ruled2"),
    },
    {
      name: "a view that SQLite creates but can't read is rejected (and nothing is left behind)",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "v_unsafe", type: "view", viewQuery: "SELECT id, load_extension('x') AS z FROM users" },
      expectedStatus: 400,
      expectedContent: ['"viewQuery":{"code":"validation_invalid_view_query"'],
      after: created("v_unsafe"),
    },
    {
      name: "a view without a query is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "v", type: "view" },
      expectedStatus: 400,
      expectedContent: ['"viewQuery":{"code":'],
      after: created("v"),
    },
    {
      name: "a view query that is not SQL is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "v", type: "view", viewQuery: "invalid" },
      expectedStatus: 400,
      expectedContent: ['"viewQuery":{"code":"validation_invalid_view_query"'],
      after: created("v"),
    },
    {
      name: "a view query selecting * is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "v", type: "view", viewQuery: "select * from users" },
      expectedStatus: 400,
      expectedContent: ['"viewQuery":{"code":"validation_invalid_view_query"'],
      after: created("v"),
    },
    {
      name: "a view query without an id column is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "v", type: "view", viewQuery: "select email from users" },
      expectedStatus: 400,
      expectedContent: ['"viewQuery":{"code":"validation_invalid_view_query"'],
      after: created("v"),
    },
    {
      name: "a view query with two statements is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "v", type: "view", viewQuery: "select id from users; drop table users" },
      expectedStatus: 400,
      expectedContent: ['"viewQuery":{"code":"validation_invalid_view_query"'],
      after(s) {
        assert.equal(hasTable(s.dir, "users"), true);
      },
    },
    {
      name: "a view cannot have create/update/delete rules",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "v", type: "view", viewQuery: "select id from users", createRule: "" },
      expectedStatus: 400,
      expectedContent: ['"createRule":{"code":"validation_nil_invalid"'],
    },
    {
      name: "a view cannot have indexes",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: {
        name: "v",
        type: "view",
        viewQuery: "select id from users",
        indexes: ["create index x on v (id)"],
      },
      expectedStatus: 400,
      expectedContent: ['"indexes":{"code":"validation_indexes_not_supported"'],
    },
    {
      name: "an index that is not a CREATE INDEX statement is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "idx", fields: [{ type: "text", name: "a" }], indexes: ["drop table users"] },
      expectedStatus: 400,
      expectedContent: ['"indexes":{"0":{"code":"validation_invalid_index_expression"'],
      after(s) {
        assert.equal(hasTable(s.dir, "users"), true);
      },
    },
    {
      name: "an index on a missing column is rejected and nothing is created",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: {
        name: "idx",
        fields: [{ type: "text", name: "a" }],
        indexes: ["create index idx_ok on idx (a)", "create index idx_bad on idx (missing)"],
      },
      expectedStatus: 400,
      expectedContent: ['"indexes":{"1":{"code":'],
      after: created("idx"),
    },
    {
      name: "two indexes with the same name are rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: {
        name: "idx",
        fields: [{ type: "text", name: "a" }],
        indexes: ["create index dup on idx (a)", "create index dup on idx (id)"],
      },
      expectedStatus: 400,
      expectedContent: ['"indexes":{"1":{"code":"validation_duplicated_index_name"'],
    },
    {
      name: "an index name used by another collection is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: {
        name: "idx",
        fields: [{ type: "text", name: "a" }],
        indexes: ["create index idx_email__pb_users_auth_ on idx (a)"],
      },
      expectedStatus: 400,
      expectedContent: ['"indexes":{"0":{"code":"validation_existing_index_name"'],
    },
    ...(
      [
        ["a number max below its min", { type: "number", min: 10, max: 5 }, "max"],
        ["an integer-only number with a fractional min", { type: "number", onlyInt: true, min: 1.5 }, "min"],
        ["a text max below its min", { type: "text", min: 10, max: 5 }, "max"],
        [
          "a select maxSelect above its values",
          { type: "select", values: ["a", "b"], maxSelect: 3 },
          "maxSelect",
        ],
        ["a file with a 0x0 thumb", { type: "file", thumbs: ["0x0"] }, 'thumbs":{"0'],
        ["a file with a negative maxSize", { type: "file", maxSize: -1 }, "maxSize"],
        ["a password with a cost above 31", { type: "password", cost: 50 }, "cost"],
        ["a password max above 71", { type: "password", max: 72 }, "max"],
        [
          "an email with both domain lists",
          { type: "email", onlyDomains: ["a.com"], exceptDomains: ["b.com"] },
          "Domains",
        ],
        ["an url with an invalid domain", { type: "url", onlyDomains: ["not a domain"] }, 'onlyDomains":{"0'],
        [
          "a date whose max is before its min",
          { type: "date", min: "2020-01-02 00:00:00.000Z", max: "2020-01-01 00:00:00.000Z" },
          "max",
        ],
        [
          "a relation minSelect above maxSelect",
          { type: "relation", collectionId: "_pb_users_auth_", minSelect: 5, maxSelect: 2 },
          "Select",
        ],
        ["a json field with a negative maxSize", { type: "json", maxSize: -5 }, "maxSize"],
        ["an editor with a negative maxSize", { type: "editor", maxSize: -5 }, "maxSize"],
      ] as [string, Record<string, unknown>, string][]
    ).map(([name, options, key]): Scenario => ({
      name: `${name} is rejected on that option`,
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "opts", fields: [{ name: "f", ...options }] },
      expectedStatus: 400,
      expectedContent: ['"data":{"fields":{"1":{', `${key}":{"code":"validation_`],
      after: created("opts"),
    })),
    {
      name: "a relation from a base collection to a view is rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      async before(s) {
        await s.pb.collections.create({ name: "a_view", type: "view", viewQuery: "select id from users" });
      },
      body: {
        name: "torel",
        fields: [{ type: "relation", name: "v", collectionId: `pbc_${crc32("viewa_view")}` }],
      },
      expectedStatus: 400,
      expectedContent: ['"1":{"collectionId":{"code":'],
    },
    {
      name: "fields that are not a list are rejected",
      method: "POST",
      url: "/api/collections",
      auth: "superuser",
      body: { name: "shape", fields: "title" },
      expectedStatus: 400,
      after: created("shape"),
    },
  ];

  test("answers 4xx with per-field errors", async (t) => {
    await runScenarios(t, rows, (t) => startTestServer(t, { template }));
  });
});
