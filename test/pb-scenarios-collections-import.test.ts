/**
 * PUT /api/collections/import on a copy of PocketBase's test data folder, scenario by scenario
 * (the requests of PocketBase's apis/collection_import_test.go): refusals, validation and write
 * failures rolled back whole, creates, and a create/update/delete-missing import.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { query } from "./helpers/sqlite.ts";
import { as, runTestdataScenarios, type RecordScenario } from "./helpers/records-testdata.ts";
import type { TestServer } from "./helpers/server.ts";

const STORED = 16;
const DATA_EMPTY = [`"data":{}`];

const collectionCount = (dir: string) => Number(query(dir, "SELECT count(*) AS n FROM _collections")[0]!.n);
const expectCount = (n: number) => (s: TestServer) => assert.equal(collectionCount(s.dir), n);

const textField = { id: "koih1lqx", name: "test", type: "text" };

const rows: RecordScenario[] = [
  {
    name: "guest",
    method: "PUT",
    url: "/api/collections/import",
    expectedStatus: 401,
    expectedContent: DATA_EMPTY,
    expectedEvents: { "*": 0 },
  },
  {
    name: "regular user",
    method: "PUT",
    url: "/api/collections/import",
    auth: as("user"),
    expectedStatus: 403,
    expectedContent: DATA_EMPTY,
    expectedEvents: { "*": 0 },
  },
  {
    name: "an empty list is required to be non-empty",
    method: "PUT",
    url: "/api/collections/import",
    auth: as("superuser"),
    body: { collections: [] },
    expectedStatus: 400,
    expectedContent: [`"data":{`, `"collections":{"code":"validation_required"`],
    expectedEvents: { "*": 0 },
    after: expectCount(STORED),
  },
  {
    name: "a collection failing validation rolls the whole import back",
    method: "PUT",
    url: "/api/collections/import",
    auth: as("superuser"),
    body: {
      collections: [
        { name: "import1" },
        { name: "import2", fields: [{ id: "koih1lqx", name: "expand", type: "text" }] },
      ],
    },
    expectedStatus: 400,
    expectedContent: [
      `"data":{`,
      `"collections":{"code":"validation_collections_import_failure"`,
      `import2`,
      `fields`,
    ],
    notExpectedContent: ["Raw error:"],
    expectedEvents: {
      "*": 0,
      onCollectionsImportRequest: 1,
      onCollectionCreate: 2,
      onCollectionCreateExecute: 2,
      onCollectionAfterCreateError: 2,
      onModelCreate: 2,
      onModelCreateExecute: 2,
      onModelAfterCreateError: 2,
    },
    after: expectCount(STORED),
  },
  {
    name: "a hook error is reported raw",
    method: "PUT",
    url: "/api/collections/import",
    auth: as("superuser"),
    body: {
      collections: [
        { name: "import1", fields: [textField] },
        { name: "import2", fields: [textField], indexes: ["create index idx_test on import2 (test)"] },
      ],
    },
    before: (s) => {
      s.app.hooks.onCollectionCreate.bindFunc(() => Promise.reject(new Error("custom_error")));
    },
    expectedStatus: 400,
    expectedContent: [
      `"data":{`,
      `"collections":{"code":"validation_collections_import_failure"`,
      `Raw error:`,
      `custom_error`,
    ],
    expectedEvents: {
      "*": 0,
      onCollectionsImportRequest: 1,
      onCollectionCreate: 1,
      onCollectionAfterCreateError: 1,
      onModelCreate: 1,
      onModelAfterCreateError: 1,
    },
    after: expectCount(STORED),
  },
  {
    name: "three new collections (one auth without fields)",
    method: "PUT",
    url: "/api/collections/import",
    auth: as("superuser"),
    body: {
      collections: [
        { name: "import1", fields: [textField] },
        { name: "import2", fields: [textField], indexes: ["create index idx_test on import2 (test)"] },
        { name: "auth_without_fields", type: "auth" },
      ],
    },
    expectedStatus: 204,
    expectedEvents: {
      "*": 0,
      onCollectionsImportRequest: 1,
      onCollectionCreate: 3,
      onCollectionCreateExecute: 3,
      onCollectionAfterCreateSuccess: 3,
      onModelCreate: 3,
      onModelCreateExecute: 3,
      onModelAfterCreateSuccess: 3,
    },
    after: (s) => {
      assert.equal(collectionCount(s.dir), STORED + 3);
      const idx = query(
        s.dir,
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'import2'",
      );
      assert.ok(
        idx.some((r) => r.name === "idx_test"),
        "idx_test exists",
      );
    },
  },
  {
    name: "create, update and delete the missing ones",
    method: "PUT",
    url: "/api/collections/import",
    auth: as("superuser"),
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
    expectedEvents: {
      "*": 0,
      onCollectionsImportRequest: 1,
      onModelCreate: 1,
      onModelCreateExecute: 1,
      onModelAfterCreateSuccess: 1,
      onCollectionCreate: 1,
      onCollectionCreateExecute: 1,
      onCollectionAfterCreateSuccess: 1,
      onModelUpdate: 1,
      onModelUpdateExecute: 1,
      onModelAfterUpdateSuccess: 1,
      onCollectionUpdate: 1,
      onCollectionUpdateExecute: 1,
      onCollectionAfterUpdateSuccess: 1,
      onModelDelete: 14,
      onModelAfterDeleteSuccess: 14,
      onModelDeleteExecute: 14,
      onCollectionDelete: 9,
      onCollectionDeleteExecute: 9,
      onCollectionAfterDeleteSuccess: 9,
      onRecordAfterDeleteSuccess: 5,
      onRecordDelete: 5,
      onRecordDeleteExecute: 5,
    },
    after: (s) => {
      const system = Number(query(s.dir, "SELECT count(*) AS n FROM _collections WHERE system = 1")[0]!.n);
      assert.equal(collectionCount(s.dir), system + 2);
    },
  },
];

/** Definitions that cannot be written are refused whole, with a 400 (never a 500 or a partial import). */
const malformed: [string, unknown][] = [
  ["an unknown collection type", { collections: [{ name: "x1", type: "weird" }] }],
  ["fields that are not a list", { collections: [{ name: "x2", fields: "nope" }] }],
  ["an entry that is not an object", { collections: [{ name: "x3" }, "nope"] }],
  [
    "an unknown field type",
    { collections: [{ name: "x4" }, { name: "x5", fields: [{ name: "a", type: "nope" }] }] },
  ],
  [
    "two fields with one name",
    {
      collections: [
        {
          name: "x6",
          fields: [
            { name: "a", type: "text" },
            { name: "a", type: "text" },
          ],
        },
      ],
    },
  ],
  [
    "an id field that is not text",
    { collections: [{ name: "x7", fields: [{ name: "id", type: "number" }] }] },
  ],
];

const malformedRows = malformed.map(([what, body]): RecordScenario => ({
  name: `refused: ${what}`,
  method: "PUT",
  url: "/api/collections/import",
  auth: as("superuser"),
  body,
  expectedStatus: 400,
  expectedContent: [`"data":{`],
  after: expectCount(STORED),
}));

test("collections import: malformed definitions", (t) => runTestdataScenarios(t, malformedRows));

test("collections import (PocketBase scenarios)", (t) => runTestdataScenarios(t, rows));
