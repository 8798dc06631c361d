/** PocketBase's batch API scenarios, replayed on its test data folder. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Settings } from "../src/core/settings/settings-model.ts";
import { startTestdataServer } from "./helpers/pb-testdata-server.ts";
import { TOKENS } from "./helpers/pb-tokens.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import type { TestServer } from "./helpers/server.ts";

const su = { token: TOKENS.superuser };
const client = { token: TOKENS.client };

function batchSettings(change: Partial<Settings["batch"]>) {
  return async (s: TestServer) => {
    const settings = s.app.settings();
    await s.app.saveSettings({ ...settings, batch: { ...settings.batch, ...change } });
  };
}

async function find(s: TestServer, collection: string, filter: string, params: Record<string, string> = {}) {
  const res = await s.pb.collection(collection).getList(1, 50, { filter: s.pb.filter(filter, params) });
  return res.items;
}

/** The superuser SDK client of the test data (the server has no superuser of ours). */
function asSuperuser(s: TestServer): void {
  s.pb.authStore.save(TOKENS.superuser);
}

const ONE_CREATE = {
  onModelCreate: 1,
  onModelCreateExecute: 1,
  onModelAfterCreateSuccess: 1,
  onRecordCreateRequest: 1,
  onRecordCreate: 1,
  onRecordCreateExecute: 1,
  onRecordAfterCreateSuccess: 1,
};

const MIXED_SUCCESS = {
  "*": 0,
  onBatchRequest: 1,
  ...ONE_CREATE,
  onModelDelete: 1,
  onModelDeleteExecute: 1,
  onModelAfterDeleteSuccess: 1,
  onModelUpdate: 1,
  onModelUpdateExecute: 1,
  onModelAfterUpdateSuccess: 1,
  onModelValidate: 2,
  onRecordDeleteRequest: 1,
  onRecordDelete: 1,
  onRecordDeleteExecute: 1,
  onRecordAfterDeleteSuccess: 1,
  onRecordUpdateRequest: 1,
  onRecordUpdate: 1,
  onRecordUpdateExecute: 1,
  onRecordAfterUpdateSuccess: 1,
  onRecordValidate: 2,
  onRecordEnrich: 2,
};

const mixedRequests = (headers?: Record<string, string>) => ({
  requests: [
    { method: "POST", url: "/api/collections/demo2/records", body: { title: "batch_create" }, headers },
    { method: "DELETE", url: "/api/collections/demo2/records/achvryl401bhse3", headers },
    {
      method: "PATCH",
      url: "/api/collections/demo3/records/1tmknxy2868d869",
      body: { title: "batch_update" },
      headers,
    },
  ],
});

async function mixedApplied(s: TestServer): Promise<void> {
  asSuperuser(s);
  assert.equal((await find(s, "demo2", 'title="batch_create"')).length, 1);
  assert.equal((await find(s, "demo3", 'title="batch_update"')).length, 1);
  await assert.rejects(s.pb.collection("demo2").getOne("achvryl401bhse3"));
}

/** The multipart body: the JSON payload plus files for requests 0 (three) and 2 (one). */
function multipartBody(): FormData {
  const form = new FormData();
  form.set(
    "@jsonPayload",
    JSON.stringify({
      requests: [
        { method: "POST", url: "/api/collections/demo3/records", body: { title: "batch1" } },
        { method: "POST", url: "/api/collections/demo3/records", body: { title: "batch2" } },
        { method: "POST", url: "/api/collections/demo3/records", body: { title: "batch3" } },
        {
          method: "PATCH",
          url: "/api/collections/demo3/records/lcl9d87w22ml6jy",
          body: { "files-": "test_FLurQTgrY8.txt" },
        },
      ],
    }),
  );
  for (const [i, field] of [
    "requests.0.files",
    "requests.0.files",
    "requests.0.files",
    "requests[2].files",
  ].entries()) {
    form.append(field, new Blob([`test${i}`], { type: "text/plain" }), `tmpfile_${i}.txt`);
  }
  return form;
}

const rows: Scenario[] = [
  {
    name: "batch disabled",
    method: "POST",
    url: "/api/batch",
    before: batchSettings({ enabled: false }),
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "more requests than allowed",
    method: "POST",
    url: "/api/batch",
    body: {
      requests: [
        { method: "GET", url: "/test1" },
        { method: "GET", url: "/test2" },
        { method: "GET", url: "/test3" },
      ],
    },
    before: batchSettings({ enabled: true, maxRequests: 2 }),
    expectedStatus: 400,
    expectedContent: ['"data":{', '"requests":{"code":"validation_length_too_long"'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "each request is validated",
    method: "POST",
    url: "/api/batch",
    body: {
      requests: [
        {},
        { method: "GET", url: "/valid" },
        { method: "invalid", url: "/valid" },
        { method: "POST", url: "a".repeat(2001) },
      ],
    },
    before: batchSettings({ enabled: true, maxRequests: 100 }),
    expectedStatus: 400,
    expectedContent: [
      '"data":{',
      '"requests":{',
      '"0":{"method":{"code":"validation_required"',
      '"2":{"method":{"code":"validation_in_invalid"',
      '"3":{"url":{"code":"validation_length_too_long"',
    ],
    notExpectedContent: ['"1":'],
    expectedEvents: { "*": 0 },
  },
  {
    name: "an action batch can't run",
    method: "POST",
    url: "/api/batch",
    body: { requests: [{ method: "GET", url: "/api/health" }] },
    expectedStatus: 400,
    expectedContent: ['"data":{', '"requests":{', '0":{"code":"batch_request_failed"', '"response":{'],
    expectedEvents: { "*": 0, onBatchRequest: 1 },
  },
  {
    name: "two creates pass and one fails: nothing is kept",
    method: "POST",
    url: "/api/batch",
    body: {
      requests: [
        { method: "POST", url: "/api/collections/demo2/records", body: { title: "batch1" } },
        { method: "POST", url: "/api/collections/demo2/records", body: { title: "batch2" } },
        { method: "POST", url: "/api/collections/demo2/records", body: { title: "" } },
      ],
    },
    expectedStatus: 400,
    expectedContent: [
      '"data":{',
      '"response":{',
      '"2":{"code":"batch_request_failed"',
      '"response":{"data":{"title":{"code":"validation_required"',
    ],
    notExpectedContent: ['"0":', '"1":'],
    expectedEvents: {
      "*": 0,
      onBatchRequest: 1,
      onRecordCreateRequest: 3,
      onModelCreate: 3,
      onModelCreateExecute: 2,
      onModelAfterCreateError: 3,
      onModelValidate: 3,
      onRecordCreate: 3,
      onRecordCreateExecute: 2,
      onRecordAfterCreateError: 3,
      onRecordValidate: 3,
      onRecordEnrich: 2,
    },
    after: async (s) => {
      asSuperuser(s);
      assert.equal((await find(s, "demo2", 'title~"batch"')).length, 0);
    },
  },
  {
    name: "four writes pass (creates and upserts)",
    method: "POST",
    url: "/api/batch",
    body: {
      requests: [
        { method: "POST", url: "/api/collections/demo2/records", body: { title: "batch1" } },
        { method: "POST", url: "/api/collections/demo2/records", body: { title: "batch2" } },
        { method: "PUT", url: "/api/collections/demo2/records", body: { title: "batch3" } },
        {
          method: "PUT",
          url: "/api/collections/demo2/records?fields=*,id:excerpt(4,true)",
          body: { id: "achvryl401bhse3", title: "batch4" },
        },
      ],
    },
    expectedStatus: 200,
    expectedContent: [
      '"title":"batch1"',
      '"title":"batch2"',
      '"title":"batch3"',
      '"title":"batch4"',
      '"id":"achv..."',
      '"active":false',
      '"active":true',
      '"status":200',
      '"body":{',
    ],
    expectedEvents: {
      "*": 0,
      onBatchRequest: 1,
      onModelValidate: 4,
      onRecordValidate: 4,
      onRecordEnrich: 4,
      onRecordCreateRequest: 3,
      onModelCreate: 3,
      onModelCreateExecute: 3,
      onModelAfterCreateSuccess: 3,
      onRecordCreate: 3,
      onRecordCreateExecute: 3,
      onRecordAfterCreateSuccess: 3,
      onRecordUpdateRequest: 1,
      onModelUpdate: 1,
      onModelUpdateExecute: 1,
      onModelAfterUpdateSuccess: 1,
      onRecordUpdate: 1,
      onRecordUpdateExecute: 1,
      onRecordAfterUpdateSuccess: 1,
    },
    after: async (s) => {
      asSuperuser(s);
      assert.equal((await find(s, "demo2", 'title~"batch"')).length, 4);
    },
  },
  {
    name: "create, delete and update: a rule fails as a guest",
    method: "POST",
    url: "/api/batch",
    body: mixedRequests(),
    expectedStatus: 400,
    expectedContent: ['"data":{', '"requests":{', '"2":{"code":"batch_request_failed"', '"response":{'],
    notExpectedContent: ['"0":', '"1":'],
    expectedEvents: {
      "*": 0,
      onBatchRequest: 1,
      onModelCreate: 1,
      onModelCreateExecute: 1,
      onModelAfterCreateError: 1,
      onModelDelete: 1,
      onModelDeleteExecute: 1,
      onModelAfterDeleteError: 1,
      onModelValidate: 1,
      onRecordCreateRequest: 1,
      onRecordCreate: 1,
      onRecordCreateExecute: 1,
      onRecordAfterCreateError: 1,
      onRecordDeleteRequest: 1,
      onRecordDelete: 1,
      onRecordDeleteExecute: 1,
      onRecordAfterDeleteError: 1,
      onRecordEnrich: 1,
      onRecordValidate: 1,
    },
    after: async (s) => {
      asSuperuser(s);
      assert.equal((await find(s, "demo2", 'title="batch_create"')).length, 0);
      assert.equal((await find(s, "demo3", 'title="batch_update"')).length, 0);
      await s.pb.collection("demo2").getOne("achvryl401bhse3");
    },
  },
  {
    name: "create, delete and update as a client (sub-request auth headers ignored)",
    method: "POST",
    url: "/api/batch",
    auth: client,
    body: mixedRequests({ Authorization: "ignored" }),
    expectedStatus: 200,
    expectedContent: [
      '"title":"batch_create"',
      '"title":"batch_update"',
      '"status":200',
      '"status":204',
      '"body":{',
      '"body":null',
    ],
    expectedEvents: MIXED_SUCCESS,
    after: mixedApplied,
  },
  {
    name: "create, delete and update as a superuser",
    method: "POST",
    url: "/api/batch",
    auth: su,
    body: mixedRequests(),
    expectedStatus: 200,
    expectedContent: [
      '"title":"batch_create"',
      '"title":"batch_update"',
      '"status":200',
      '"status":204',
      '"body":{',
      '"body":null',
    ],
    expectedEvents: MIXED_SUCCESS,
    after: mixedApplied,
  },
  {
    name: "deletes cascade",
    method: "POST",
    url: "/api/batch",
    auth: su,
    body: {
      requests: [
        { method: "DELETE", url: "/api/collections/demo3/records/1tmknxy2868d869" },
        { method: "DELETE", url: "/api/collections/demo3/records/mk5fmymtx4wsprk" },
      ],
    },
    expectedStatus: 200,
    expectedContent: ['"status":204', '"body":null'],
    notExpectedContent: ['"status":200', '"body":{'],
    expectedEvents: {
      "*": 0,
      onBatchRequest: 1,
      onModelDelete: 3,
      onModelDeleteExecute: 3,
      onModelAfterDeleteSuccess: 3,
      onModelUpdate: 5,
      onModelUpdateExecute: 5,
      onModelAfterUpdateSuccess: 5,
      onRecordDeleteRequest: 2,
      onRecordDelete: 3,
      onRecordDeleteExecute: 3,
      onRecordAfterDeleteSuccess: 3,
      onRecordUpdate: 5,
      onRecordUpdateExecute: 5,
      onRecordAfterUpdateSuccess: 5,
    },
  },
  {
    name: "the transaction times out",
    method: "POST",
    url: "/api/batch",
    auth: su,
    body: {
      requests: [
        { method: "POST", url: "/api/collections/demo2/records", body: { title: "batch1" } },
        { method: "POST", url: "/api/collections/demo2/records", body: { title: "batch2" } },
      ],
    },
    before: async (s) => {
      await batchSettings({ timeout: 1 })(s);
      s.app.hooks.onRecordCreateRequest.bindFunc(async (e) => {
        if (e.collection.name === "demo2") await new Promise((r) => setTimeout(r, 600));
        await e.next();
      });
    },
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: {
      "*": 0,
      onBatchRequest: 1,
      onRecordCreateRequest: 2,
      onModelCreate: 1,
      onModelCreateExecute: 1,
      onModelAfterCreateError: 1,
      onModelValidate: 1,
      onRecordCreate: 1,
      onRecordCreateExecute: 1,
      onRecordAfterCreateError: 1,
      onRecordEnrich: 1,
      onRecordValidate: 1,
    },
    after: async (s) => {
      asSuperuser(s);
      assert.equal((await find(s, "demo2", 'title~"batch"')).length, 0);
    },
  },
  {
    name: "multipart body with files per sub-request",
    method: "POST",
    url: "/api/batch",
    auth: client,
    body: multipartBody(),
    expectedStatus: 200,
    expectedContent: [
      '"title":"batch1"',
      '"title":"batch2"',
      '"title":"batch3"',
      '"id":"lcl9d87w22ml6jy"',
      '"files":["300_UhLKX91HVb.png"]',
      '"tmpfile_',
      '"status":200',
      '"body":{',
    ],
    expectedEvents: {
      "*": 0,
      onBatchRequest: 1,
      onModelCreate: 3,
      onModelCreateExecute: 3,
      onModelAfterCreateSuccess: 3,
      onModelUpdate: 1,
      onModelUpdateExecute: 1,
      onModelAfterUpdateSuccess: 1,
      onModelValidate: 4,
      onRecordCreateRequest: 3,
      onRecordUpdateRequest: 1,
      onRecordCreate: 3,
      onRecordCreateExecute: 3,
      onRecordAfterCreateSuccess: 3,
      onRecordUpdate: 1,
      onRecordUpdateExecute: 1,
      onRecordAfterUpdateSuccess: 1,
      onRecordValidate: 4,
      onRecordEnrich: 4,
    },
    after: async (s) => {
      asSuperuser(s);
      const files = async (title: string) =>
        ((await find(s, "demo3", "title={:t}", { t: title }))[0]?.files as string[]).length;
      assert.equal(await files("batch1"), 3);
      assert.equal(await files("batch2"), 0);
      assert.equal(await files("batch3"), 1);
      assert.equal(((await s.pb.collection("demo3").getOne("lcl9d87w22ml6jy")).files as string[]).length, 1);
    },
  },
  {
    name: "expand on created and updated records",
    method: "POST",
    url: "/api/batch",
    auth: su,
    body: {
      requests: [
        {
          method: "POST",
          url: "/api/collections/demo5/records?expand=rel_one",
          body: { total: 9, rel_one: "qzaqccwrmva4o1n" },
        },
        {
          method: "PATCH",
          url: "/api/collections/demo5/records/qjeql998mtp1azp?expand=rel_many",
          body: { total: 10 },
        },
      ],
    },
    expectedStatus: 200,
    expectedContent: [
      '"body":{',
      '"id":"qjeql998mtp1azp"',
      '"id":"qzaqccwrmva4o1n"',
      '"id":"i9naidtvr6qsgb4"',
      '"expand":{"rel_one"',
      '"expand":{"rel_many"',
    ],
    expectedEvents: {
      "*": 0,
      onBatchRequest: 1,
      ...ONE_CREATE,
      onModelUpdate: 1,
      onModelUpdateExecute: 1,
      onModelAfterUpdateSuccess: 1,
      onModelValidate: 2,
      onRecordUpdateRequest: 1,
      onRecordUpdate: 1,
      onRecordUpdateExecute: 1,
      onRecordAfterUpdateSuccess: 1,
      onRecordValidate: 2,
      onRecordEnrich: 5,
    },
  },
  {
    name: "the batch body limit",
    method: "POST",
    url: "/api/batch",
    auth: su,
    body: {
      requests: [
        {
          method: "POST",
          url: "/api/collections/demo5/records?expand=rel_one",
          body: { total: 9, rel_one: "qzaqccwrmva4o1n" },
        },
        {
          method: "PATCH",
          url: "/api/collections/demo5/records/qjeql998mtp1azp?expand=rel_many",
          body: { total: 10 },
        },
      ],
    },
    before: batchSettings({ maxBodySize: 10 }),
    expectedStatus: 413,
    expectedContent: ['"data":{}'],
    expectedEvents: { "*": 0 },
  },
];

test("PocketBase batch scenarios", async (t) => {
  await runScenarios(t, rows, (t) => startTestdataServer(t));
});
