/**
 * The collections API on a copy of PocketBase's own test data folder, scenario by scenario:
 * list, view, create, update, delete, truncate and scaffolds, with the status, body fragments
 * and hooks PocketBase's apis/collection_test.go expects for the same requests.
 */
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { query } from "./helpers/sqlite.ts";
import { as, editCollection, runTestdataScenarios, type RecordScenario } from "./helpers/records-testdata.ts";
import type { Events } from "./helpers/records-events.ts";
import type { TestServer } from "./helpers/server.ts";

const NONE: Events = { "*": 0 };
const DATA_EMPTY = [`"data":{}`];
const JSON_BODY = { "content-type": "application/json" };

type Op = "Create" | "Update" | "Delete";

/** A collection save/delete that went through: request, collection and model hooks. */
const collectionDone = (op: Op): Events => ({
  "*": 0,
  [`onCollection${op}Request`]: 1,
  [`onCollection${op}`]: 1,
  [`onCollection${op}Execute`]: 1,
  [`onCollectionAfter${op}Success`]: 1,
  [`onModel${op}`]: 1,
  [`onModel${op}Execute`]: 1,
  [`onModelAfter${op}Success`]: 1,
  ...(op === "Delete" ? {} : { onCollectionValidate: 1, onModelValidate: 1 }),
});

/** A collection save refused by validation (no execute hooks). */
const collectionInvalid = (op: "Create" | "Update"): Events => ({
  "*": 0,
  [`onCollection${op}Request`]: 1,
  [`onCollection${op}`]: 1,
  [`onCollectionAfter${op}Error`]: 1,
  onCollectionValidate: 1,
  [`onModel${op}`]: 1,
  [`onModelAfter${op}Error`]: 1,
  onModelValidate: 1,
});

/** A collection delete that failed inside the delete itself. */
const deleteFailed: Events = {
  "*": 0,
  onCollectionDeleteRequest: 1,
  onCollectionDelete: 1,
  onCollectionDeleteExecute: 1,
  onCollectionAfterDeleteError: 1,
  onModelDelete: 1,
  onModelDeleteExecute: 1,
  onModelAfterDeleteError: 1,
};

/** Binds a request hook that fails with a plain error. */
const failingRequestHook =
  (name: "onCollectionCreateRequest" | "onCollectionUpdateRequest" | "onCollectionDeleteRequest") =>
  (s: TestServer) => {
    s.app.hooks[name].bindFunc(() => Promise.reject(new Error("error")));
  };

/** Adds an index named `exist_test` to demo1 (so other collections can't reuse the name). */
const addDemo1Index = (s: TestServer) =>
  editCollection(s.app, "demo1", (c) => {
    c.indexes.push("CREATE INDEX `exist_test` ON `demo1` (`updated`)");
  });

const indexNames = (dir: string, table: string) =>
  query(
    dir,
    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL",
    table,
  )
    .map((r) => String(r.name))
    .sort();

const storageEmpty = (collectionId: string) => (s: TestServer) => {
  let entries: string[] = [];
  try {
    entries = readdirSync(join(s.dir, "storage", collectionId));
  } catch {
    entries = [];
  }
  assert.deepEqual(entries, [], "the collection's files are gone");
};

const SYSTEM_NAMES = ["_superusers", "_authOrigins", "_externalAuths", "_mfas", "_otps"];

const list: RecordScenario[] = [
  {
    name: "list: guest",
    method: "GET",
    url: "/api/collections",
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "list: regular user",
    method: "GET",
    url: "/api/collections",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "list: superuser sees all 16",
    method: "GET",
    url: "/api/collections",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [
      `"page":1`,
      `"perPage":30`,
      `"totalItems":16`,
      `"items":[{`,
      ...[...SYSTEM_NAMES, "users", "nologin", "clients", "demo1", "demo2", "demo3", "demo4", "demo5"].map(
        (n) => `"name":"${n}"`,
      ),
      `"name":"numeric_id_view"`,
      `"name":"view1"`,
      `"name":"view2"`,
      `"type":"auth"`,
      `"type":"base"`,
      `"type":"view"`,
    ],
    expectedEvents: { "*": 0, onCollectionsListRequest: 1 },
  },
  {
    name: "list: paging and sorting",
    method: "GET",
    url: "/api/collections?page=2&perPage=2&sort=-created",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [`"page":2`, `"perPage":2`, `"totalItems":16`, `"items":[{`, `"name":"_mfas"`],
    expectedEvents: { "*": 0, onCollectionsListRequest: 1 },
  },
  {
    name: "list: unknown filter field",
    method: "GET",
    url: "/api/collections?filter=invalidfield~'demo2'",
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "list: name filter",
    method: "GET",
    url: "/api/collections?filter=name~'demo'",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [
      `"page":1`,
      `"perPage":30`,
      `"totalItems":5`,
      `"items":[{`,
      ...["demo1", "demo2", "demo3", "demo4", "demo5"].map((n) => `"name":"${n}"`),
    ],
    expectedEvents: { "*": 0, onCollectionsListRequest: 1 },
  },
];

const view: RecordScenario[] = [
  {
    name: "view: guest",
    method: "GET",
    url: "/api/collections/demo1",
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "view: regular user",
    method: "GET",
    url: "/api/collections/demo1",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "view: missing collection",
    method: "GET",
    url: "/api/collections/missing",
    auth: as("superuser"),
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  ...["demo1", "wsmn24bux7wo113"].map((key): RecordScenario => ({
    name: `view: by ${key}`,
    method: "GET",
    url: `/api/collections/${key}`,
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [`"id":"wsmn24bux7wo113"`, `"name":"demo1"`],
    expectedEvents: { "*": 0, onCollectionViewRequest: 1 },
  })),
];

const remove: RecordScenario[] = [
  {
    name: "delete: guest",
    method: "DELETE",
    url: "/api/collections/demo1",
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "delete: regular user",
    method: "DELETE",
    url: "/api/collections/demo1",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "delete: missing collection",
    method: "DELETE",
    url: "/api/collections/missing",
    auth: as("superuser"),
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  ...["demo5", "9n89pl5vkct6330"].map((key): RecordScenario => ({
    name: `delete: by ${key}, files removed`,
    method: "DELETE",
    url: `/api/collections/${key}`,
    auth: as("superuser"),
    expectedStatus: 204,
    expectedEvents: collectionDone("Delete"),
    after: storageEmpty("9n89pl5vkct6330"),
  })),
  {
    name: "delete: a system collection is refused",
    method: "DELETE",
    url: "/api/collections/_mfas",
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: deleteFailed,
  },
  {
    name: "delete: a collection other collections reference is refused",
    method: "DELETE",
    url: "/api/collections/demo2",
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: deleteFailed,
  },
  {
    name: "delete: a view",
    method: "DELETE",
    url: "/api/collections/view2",
    auth: as("superuser"),
    expectedStatus: 204,
    expectedEvents: collectionDone("Delete"),
  },
  {
    name: "delete: a failing request hook answers 400",
    method: "DELETE",
    url: "/api/collections/view2",
    auth: as("superuser"),
    before: failingRequestHook("onCollectionDeleteRequest"),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: { "*": 0, onCollectionDeleteRequest: 1 },
  },
];

const ID_FIELD_15 = `{"autogeneratePattern":"[a-z0-9]{15}","help":"","hidden":false,"id":"text3208210256","max":15,"min":15,"name":"id","pattern":"^[a-z0-9]+$","presentable":false,"primaryKey":true,"required":true,"system":true,"type":"text"}`;

const create: RecordScenario[] = [
  {
    name: "create: guest",
    method: "POST",
    url: "/api/collections",
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "create: regular user",
    method: "POST",
    url: "/api/collections",
    auth: as("user"),
    body: { name: "new", type: "base", fields: [{ type: "text", name: "test" }] },
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "create: empty body",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: "",
    headers: JSON_BODY,
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"name":{"code":"validation_required"`],
    notExpectedContent: [`"fields":{`],
    expectedEvents: collectionInvalid("Create"),
  },
  {
    name: "create: taken name and a field without name",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: { name: "demo1", type: "base", fields: [{ type: "text", name: "" }] },
    expectedStatus: 400,
    expectedContent: [
      `"data":{`,
      `"fields":{`,
      `"name":{"code":"validation_collection_name_exists"`,
      `"name":{"code":"validation_required"`,
    ],
    expectedEvents: collectionInvalid("Create"),
  },
  {
    name: "create: base collection gets the id field first",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: { name: "new", type: "base", fields: [{ type: "text", id: "12345789", name: "test" }] },
    expectedStatus: 200,
    expectedContent: [
      `"id":`,
      `"name":"new"`,
      `"type":"base"`,
      `"system":false`,
      `"fields":[${ID_FIELD_15},{"autogeneratePattern":"","help":"","hidden":false,"id":"12345789","max":0,"min":0,"name":"test","pattern":"","presentable":false,"primaryKey":false,"required":false,"system":false,"type":"text"}]`,
    ],
    expectedEvents: collectionDone("Create"),
  },
  {
    name: "create: auth collection merges the defaults",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: {
      name: "new",
      type: "auth",
      emailChangeToken: { duration: 123 },
      fields: [
        { type: "text", id: "12345789", name: "test" },
        { type: "text", name: "tokenKey", system: true, required: false, min: 10 },
      ],
    },
    expectedStatus: 200,
    expectedContent: [
      `"id":`,
      `"name":"new"`,
      `"type":"auth"`,
      `"system":false`,
      `"passwordAuth":{"enabled":true,"identityFields":["email"]}`,
      `"authRule":""`,
      `"manageRule":null`,
      ...["test", "id", "tokenKey", "password", "email", "emailVisibility", "verified"].map(
        (n) => `"name":"${n}"`,
      ),
      `"duration":123`,
      `{"autogeneratePattern":"","help":"","hidden":true,"id":"text2504183744","max":0,"min":10,"name":"tokenKey","pattern":"","presentable":false,"primaryKey":false,"required":true,"system":true,"type":"text"}`,
    ],
    notExpectedContent: [`"secret":"`],
    expectedEvents: collectionDone("Create"),
  },
  {
    name: "create: base collection may use auth field names",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: {
      name: "new",
      type: "base",
      fields: [
        "email",
        "username",
        "verified",
        "emailVisibility",
        "lastResetSentAt",
        "lastVerificationSentAt",
        "tokenKey",
        "passwordHash",
        "password",
        "passwordConfirm",
        "oldPassword",
      ].map((name) => ({ type: "text", name })),
    },
    expectedStatus: 200,
    expectedContent: [`"name":"new"`, `"type":"base"`, `"fields":[{`],
    expectedEvents: collectionDone("Create"),
  },
  {
    name: "create: reserved record keys as field names",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: {
      name: "new",
      type: "base",
      fields: ["id", "expand", "collectionId", "collectionName"].map((name) => ({ type: "text", name })),
    },
    expectedStatus: 400,
    expectedContent: [
      `"data":{"fields":{`,
      `"1":{"name":{"code":"validation_not_in_invalid`,
      `"2":{"name":{"code":"validation_not_in_invalid`,
      `"3":{"name":{"code":"validation_not_in_invalid`,
    ],
    expectedEvents: collectionInvalid("Create"),
  },
  {
    name: "create: auth collection with password form keys as field names",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: {
      name: "new",
      type: "auth",
      fields: ["oldPassword", "passwordConfirm"].map((name) => ({ type: "text", name })),
    },
    expectedStatus: 400,
    expectedContent: [
      `"data":{"fields":{`,
      `"1":{"name":{"code":"validation_reserved_field_name`,
      `"2":{"name":{"code":"validation_reserved_field_name`,
    ],
    expectedEvents: collectionInvalid("Create"),
  },
  {
    name: "create: a failing request hook answers 400",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: { name: "new", type: "base" },
    before: failingRequestHook("onCollectionCreateRequest"),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: { "*": 0, onCollectionCreateRequest: 1 },
  },
  {
    name: "create: view with a broken query",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: {
      name: "new",
      type: "view",
      fields: [{ type: "text", id: "12345789", name: "ignored!@#$" }],
      viewQuery: "invalid",
    },
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"viewQuery":{"code":"validation_invalid_view_query`],
    expectedEvents: collectionInvalid("Create"),
  },
  {
    name: "create: view fields come from its query",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: {
      name: "new",
      type: "view",
      fields: [{ type: "text", id: "12345789", name: "ignored!@#$" }],
      viewQuery: "select 1 as id from _superusers",
    },
    expectedStatus: 200,
    expectedContent: [
      `"name":"new"`,
      `"type":"view"`,
      `"fields":[{"autogeneratePattern":"","help":"","hidden":false,"id":"text3208210256","max":0,"min":0,"name":"id","pattern":"^[a-z0-9]+$","presentable":false,"primaryKey":true,"required":true,"system":true,"type":"text"}]`,
    ],
    expectedEvents: collectionDone("Create"),
  },
  {
    name: "create: an index on a missing column fails in the write",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: {
      name: "new",
      type: "base",
      fields: [{ type: "text", name: "test" }],
      indexes: ["create index idx_test1 on new (test)", "create index idx_test2 on new (missing)"],
    },
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"indexes":{"1":{"code":"`],
    expectedEvents: {
      ...collectionInvalid("Create"),
      onCollectionCreateExecute: 1,
      onModelCreateExecute: 1,
    },
  },
  {
    name: "create: an index name another collection uses",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: {
      name: "new",
      type: "base",
      fields: [{ type: "text", name: "test" }],
      indexes: ["create index exist_test on new (test)"],
    },
    before: addDemo1Index,
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"indexes":{`, `"0":{"code":"validation_existing_index_name"`],
    expectedEvents: collectionInvalid("Create"),
  },
  {
    name: "create: two indexes with one name",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: {
      name: "new",
      type: "base",
      indexes: ["create index duplicate_idx on new (created)", "create index duplicate_idx on new (updated)"],
    },
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"indexes":{`, `"1":{"code":"validation_duplicated_index_name"`],
    expectedEvents: collectionInvalid("Create"),
  },
  {
    name: "create: valid indexes (the table name in them is replaced)",
    method: "POST",
    url: "/api/collections",
    auth: as("superuser"),
    body: {
      name: "new",
      type: "base",
      fields: [{ type: "text", name: "test" }],
      indexes: ["create index idx_test1 on new (test)", "create index idx_test2 on anything (id, test)"],
    },
    expectedStatus: 200,
    expectedContent: [`"name":"new"`, `"type":"base"`, `"indexes":[`, `idx_test1`, `idx_test2`],
    expectedEvents: collectionDone("Create"),
    after: (s) => assert.deepEqual(indexNames(s.dir, "new"), ["idx_test1", "idx_test2"]),
  },
];

const update: RecordScenario[] = [
  {
    name: "update: guest",
    method: "PATCH",
    url: "/api/collections/demo1",
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: regular user",
    method: "PATCH",
    url: "/api/collections/demo1",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: missing collection",
    method: "PATCH",
    url: "/api/collections/missing",
    auth: as("superuser"),
    body: {},
    expectedStatus: 404,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "update: empty body saves as is",
    method: "PATCH",
    url: "/api/collections/demo1",
    auth: as("superuser"),
    body: {},
    expectedStatus: 200,
    expectedContent: [`"id":"wsmn24bux7wo113"`, `"name":"demo1"`],
    expectedEvents: collectionDone("Update"),
  },
  {
    name: "update: a failing request hook answers 400",
    method: "PATCH",
    url: "/api/collections/demo1",
    auth: as("superuser"),
    body: {},
    before: failingRequestHook("onCollectionUpdateRequest"),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: { "*": 0, onCollectionUpdateRequest: 1 },
  },
  {
    name: "update: taken name and a type change",
    method: "PATCH",
    url: "/api/collections/demo1",
    auth: as("superuser"),
    body: { name: "demo2", type: "auth" },
    expectedStatus: 400,
    expectedContent: [
      `"data":{`,
      `"name":{"code":"validation_collection_name_exists"`,
      `"type":{"code":"validation_collection_type_change"`,
    ],
    expectedEvents: collectionInvalid("Update"),
  },
  {
    name: "update: rename renames the table",
    method: "PATCH",
    url: "/api/collections/demo1",
    auth: as("superuser"),
    body: { name: "new" },
    expectedStatus: 200,
    expectedContent: [`"id":`, `"name":"new"`],
    expectedEvents: collectionDone("Update"),
    after: (s) => {
      const tables = query(
        s.dir,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('new', 'demo1')",
      );
      assert.deepEqual(
        tables.map((r) => r.name),
        ["new"],
      );
    },
  },
  {
    name: "update: reserved record keys as field names",
    method: "PATCH",
    url: "/api/collections/demo1",
    auth: as("superuser"),
    body: {
      name: "new",
      fields: [
        { type: "text", name: "id", id: "_pbf_text_id_" },
        ...["created", "updated", "expand", "collectionId", "collectionName"].map((name) => ({
          type: "text",
          name,
        })),
      ],
    },
    expectedStatus: 400,
    expectedContent: [
      `"data":{"fields":{`,
      `"3":{"name":{"code":"validation_not_in_invalid`,
      `"4":{"name":{"code":"validation_not_in_invalid`,
      `"5":{"name":{"code":"validation_not_in_invalid`,
    ],
    notExpectedContent: [`"0":`, `"1":`, `"2":`],
    expectedEvents: collectionInvalid("Update"),
  },
  {
    name: "update: system fields removed or changed",
    method: "PATCH",
    url: "/api/collections/demo1",
    auth: as("superuser"),
    body: { name: "new", fields: [{ type: "text", name: "created" }] },
    expectedStatus: 400,
    expectedContent: [`"data":{"fields":{`, `"code":"validation_system_field_change"`],
    expectedEvents: collectionInvalid("Update"),
  },
  {
    name: "update: identity field that does not exist",
    method: "PATCH",
    url: "/api/collections/users",
    auth: as("superuser"),
    body: { passwordAuth: { identityFields: ["missing"] } },
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"passwordAuth":{"identityFields":{"code":"validation_missing_field"`],
    expectedEvents: collectionInvalid("Update"),
  },
  {
    name: "update: view with a broken query",
    method: "PATCH",
    url: "/api/collections/view1",
    auth: as("superuser"),
    body: { fields: [{ type: "text", id: "12345789", name: "ignored!@#$" }], viewQuery: "invalid" },
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"viewQuery":{"code":"validation_invalid_view_query"`],
    expectedEvents: collectionInvalid("Update"),
  },
  {
    name: "update: view renamed with a new query",
    method: "PATCH",
    url: "/api/collections/view2",
    auth: as("superuser"),
    body: {
      name: "view2_update",
      fields: [{ type: "text", id: "12345789", name: "ignored!@#$" }],
      viewQuery: "select 2 as id, created, updated, email from _superusers",
    },
    expectedStatus: 200,
    expectedContent: [
      `"name":"view2_update"`,
      `"type":"view"`,
      `"fields":[{`,
      ...["email", "id", "created", "updated"].map((n) => `"name":"${n}"`),
    ],
    expectedEvents: collectionDone("Update"),
  },
  {
    name: "update: an index with a bad statement",
    method: "PATCH",
    url: "/api/collections/demo2",
    auth: as("superuser"),
    body: {
      indexes: ["create unique idx_test1 on demo1 (text)", "create index idx_test2 on demo2 (id, title)"],
    },
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"indexes":{"0":{"code":"`],
    expectedEvents: collectionInvalid("Update"),
  },
  {
    name: "update: an index name another collection uses",
    method: "PATCH",
    url: "/api/collections/demo2",
    auth: as("superuser"),
    body: { indexes: ["create index exist_test on new (test)"] },
    before: addDemo1Index,
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"indexes":{`, `"0":{"code":"validation_existing_index_name"`],
    expectedEvents: collectionInvalid("Update"),
  },
  {
    name: "update: two indexes with one name",
    method: "PATCH",
    url: "/api/collections/demo2",
    auth: as("superuser"),
    body: {
      indexes: ["create index duplicate_idx on new (created)", "create index duplicate_idx on new (updated)"],
    },
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"indexes":{`, `"1":{"code":"validation_duplicated_index_name"`],
    expectedEvents: collectionInvalid("Update"),
  },
  {
    name: "update: valid indexes replace the old ones",
    method: "PATCH",
    url: "/api/collections/demo2",
    auth: as("superuser"),
    body: {
      indexes: [
        "create unique index idx_test1 on demo2 (title)",
        "create index idx_test2 on anything (active)",
      ],
    },
    expectedStatus: 200,
    expectedContent: [`"name":"demo2"`, `"indexes":[`, `idx_test1`, `idx_test2`],
    expectedEvents: collectionDone("Update"),
    after: (s) => assert.deepEqual(indexNames(s.dir, "demo2"), ["idx_test1", "idx_test2"]),
  },
];

const scaffolds: RecordScenario[] = [
  {
    name: "scaffolds: guest",
    method: "GET",
    url: "/api/collections/meta/scaffolds",
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "scaffolds: regular user",
    method: "GET",
    url: "/api/collections/meta/scaffolds",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "scaffolds: superuser",
    method: "GET",
    url: "/api/collections/meta/scaffolds",
    auth: as("superuser"),
    expectedStatus: 200,
    expectedContent: [
      `"id":""`,
      `"name":""`,
      `"auth":{`,
      `"base":{`,
      `"view":{`,
      `"type":"auth"`,
      `"type":"base"`,
      `"type":"view"`,
      `"fields":[{`,
      `"id":"text3208210256"`,
    ],
  },
];

const truncate: RecordScenario[] = [
  {
    name: "truncate: guest",
    method: "DELETE",
    url: "/api/collections/demo5/truncate",
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "truncate: regular user",
    method: "DELETE",
    url: "/api/collections/demo5/truncate",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
  {
    name: "truncate: superuser deletes each record",
    method: "DELETE",
    url: "/api/collections/demo5/truncate",
    auth: as("superuser"),
    expectedStatus: 204,
    expectedEvents: {
      "*": 0,
      onModelDelete: 2,
      onModelDeleteExecute: 2,
      onModelAfterDeleteSuccess: 2,
      onRecordDelete: 2,
      onRecordDeleteExecute: 2,
      onRecordAfterDeleteSuccess: 2,
    },
  },
  {
    name: "truncate: required references block it (and roll back)",
    method: "DELETE",
    url: "/api/collections/demo3/truncate",
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: {
      "*": 0,
      onModelDelete: 2,
      onModelDeleteExecute: 2,
      onModelAfterDeleteError: 2,
      onModelUpdate: 2,
      onModelUpdateExecute: 2,
      onModelAfterUpdateError: 2,
      onRecordDelete: 2,
      onRecordDeleteExecute: 2,
      onRecordAfterDeleteError: 2,
      onRecordUpdate: 2,
      onRecordUpdateExecute: 2,
      onRecordAfterUpdateError: 2,
    },
  },
  {
    name: "truncate: a view is refused",
    method: "DELETE",
    url: "/api/collections/view2/truncate",
    auth: as("superuser"),
    expectedStatus: 400,
    expectedContent: DATA_EMPTY,
    expectedEvents: NONE,
  },
];

test("collections list (PocketBase scenarios)", (t) => runTestdataScenarios(t, list));
test("collection view (PocketBase scenarios)", (t) => runTestdataScenarios(t, view));
test("collection delete (PocketBase scenarios)", (t) => runTestdataScenarios(t, remove));
test("collection create (PocketBase scenarios)", (t) => runTestdataScenarios(t, create));
test("collection update (PocketBase scenarios)", (t) => runTestdataScenarios(t, update));
test("collection scaffolds (PocketBase scenarios)", (t) => runTestdataScenarios(t, scaffolds));
test("collection truncate (PocketBase scenarios)", (t) => runTestdataScenarios(t, truncate));
