/**
 * `POST /api/batch` (§12.2): PocketBase's scenario table rewritten as ours (limits, validation,
 * unknown actions, rules, the failure body naming the sub-request, all-or-nothing writes,
 * hooks on the transaction app, `@request.context = "batch"`, timeout, body limit), and the
 * official SDK's `createBatch()` with files.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { App } from "../src/core/app.ts";
import { request } from "./helpers/http.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { file } from "./helpers/files.ts";

async function seed(app: App): Promise<void> {
  const settings = app.settings();
  await app.saveSettings({ ...settings, batch: { ...settings.batch, enabled: true, maxRequests: 3 } });
}

/** `demo` (public create/update/delete, title unique-ish by a min length) and `locked` (no rules). */
async function collections(s: TestServer): Promise<void> {
  await s.pb.collections.create({
    name: "demo",
    type: "base",
    fields: [
      { name: "title", type: "text", min: 2 },
      { name: "files", type: "file", maxSelect: 5, maxSize: 1 << 20 },
    ],
    listRule: "",
    viewRule: "",
    createRule: "",
    updateRule: "",
    deleteRule: "",
  });
  await s.pb.collections.create({ name: "locked", type: "base", fields: [{ name: "title", type: "text" }] });
  await s.pb.collection("demo").create({ id: "existing0000001", title: "existing" });
}

const count = async (s: TestServer, collection = "demo") =>
  (await s.pb.collection(collection).getList(1, 1)).totalItems;

describe("the batch API", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup, seed);
  });
  const setup = async (t: Parameters<typeof startTestServer>[0]) => {
    const s = await startTestServer(t, { template });
    await collections(s);
    return s;
  };

  const rows: Scenario[] = [
    {
      name: "disabled batch",
      method: "POST",
      url: "/api/batch",
      body: { requests: [{ method: "POST", url: "/api/collections/demo/records", body: { title: "a1" } }] },
      before: async (s) => {
        const settings = s.app.settings();
        await s.app.saveSettings({ ...settings, batch: { ...settings.batch, enabled: false } });
      },
      expectedStatus: 403,
      expectedContent: ['"message":"Batch requests are not allowed."'],
    },
    {
      name: "no requests",
      method: "POST",
      url: "/api/batch",
      body: { requests: [] },
      expectedStatus: 400,
      expectedContent: ['"requests":{"code":"validation_required"'],
    },
    {
      name: "more requests than maxRequests",
      method: "POST",
      url: "/api/batch",
      body: {
        requests: [1, 2, 3, 4].map((i) => ({
          method: "POST",
          url: "/api/collections/demo/records",
          body: { title: `t${i}` },
        })),
      },
      expectedStatus: 400,
      expectedContent: ['"requests":{"code":"validation_length_too_long"'],
      after: async (s) => assert.equal(await count(s), 1),
    },
    {
      name: "invalid method and missing url",
      method: "POST",
      url: "/api/batch",
      body: { requests: [{ method: "OPTIONS", url: "" }] },
      expectedStatus: 400,
      expectedContent: [
        '"0":{"method":{"code":"validation_in_invalid"',
        '"url":{"code":"validation_required"',
      ],
    },
    {
      name: "an action outside the records API",
      method: "POST",
      url: "/api/batch",
      body: { requests: [{ method: "GET", url: "/api/collections/demo/records" }] },
      expectedStatus: 400,
      expectedContent: [
        '"message":"Batch transaction failed."',
        '"requests":{"0":{"code":"batch_request_failed","message":"Batch request failed.","response":{',
      ],
    },
    {
      name: "create, update, upsert (both ways) and delete",
      method: "POST",
      url: "/api/batch",
      body: {
        requests: [
          {
            method: "POST",
            url: "/api/collections/demo/records?fields=id,title",
            body: { id: "new000000000001", title: "new" },
          },
          {
            method: "PATCH",
            url: "/api/collections/demo/records/existing0000001",
            body: { title: "changed" },
          },
          {
            method: "PUT",
            url: "/api/collections/demo/records",
            body: { id: "existing0000001", title: "upserted" },
          },
        ],
      },
      expectedStatus: 200,
      expectedContent: [
        '[{"body":{"id":"new000000000001","title":"new"},"status":200},{"body":{',
        '"title":"upserted"',
      ],
      expectedEvents: { onBatchRequest: 1, onRecordCreateRequest: 1, onRecordUpdateRequest: 2 },
      after: async (s) => {
        assert.equal(await count(s), 2);
        assert.equal((await s.pb.collection("demo").getOne("existing0000001")).title, "upserted");
      },
    },
    {
      name: "upsert creates and delete answers a null body",
      method: "POST",
      url: "/api/batch",
      body: {
        requests: [
          {
            method: "PUT",
            url: "/api/collections/demo/records",
            body: { id: "upsert000000001", title: "created" },
          },
          { method: "DELETE", url: "/api/collections/demo/records/existing0000001" },
        ],
      },
      expectedStatus: 200,
      expectedContent: ['"id":"upsert000000001"', '{"body":null,"status":204}'],
      after: async (s) => {
        const all = await s.pb.collection("demo").getFullList();
        assert.deepEqual(
          all.map((r) => r.id),
          ["upsert000000001"],
        );
      },
    },
    {
      name: "a failing sub-request rolls back the ones before it and is named",
      method: "POST",
      url: "/api/batch",
      body: {
        requests: [
          { method: "POST", url: "/api/collections/demo/records", body: { title: "fine" } },
          { method: "POST", url: "/api/collections/demo/records", body: { title: "x" } },
        ],
      },
      expectedStatus: 400,
      expectedContent: [
        '"requests":{"1":{"code":"batch_request_failed","message":"Batch request failed.","response":{"data":{"title":{"code":"validation_min_text_constraint"',
        '"message":"Batch transaction failed.","status":400}',
      ],
      after: async (s) => assert.equal(await count(s), 1),
    },
    {
      name: "each sub-request checks its own collection's rules (guest on a superusers-only one)",
      method: "POST",
      url: "/api/batch",
      body: {
        requests: [
          { method: "POST", url: "/api/collections/demo/records", body: { title: "ok" } },
          { method: "POST", url: "/api/collections/locked/records", body: { title: "no" } },
        ],
      },
      expectedStatus: 400,
      expectedContent: ['"1":{"code":"batch_request_failed"', '"status":403'],
      after: async (s) => {
        assert.equal(await count(s), 1);
        assert.equal(await count(s, "locked"), 0);
      },
    },
    {
      name: "the caller's auth is used, a sub-request's own Authorization ignored",
      method: "POST",
      url: "/api/batch",
      auth: "superuser",
      body: {
        requests: [
          {
            method: "POST",
            url: "/api/collections/locked/records",
            headers: { Authorization: "bogus" },
            body: { title: "su" },
          },
        ],
      },
      expectedStatus: 200,
      after: async (s) => assert.equal(await count(s, "locked"), 1),
    },
    {
      name: "a sub-request that doesn't find its record",
      method: "POST",
      url: "/api/batch",
      body: { requests: [{ method: "DELETE", url: "/api/collections/demo/records/missing00000000" }] },
      expectedStatus: 400,
      expectedContent: ['"0":{"code":"batch_request_failed"', '"status":404'],
    },
  ];

  test("scenarios", async (t) => {
    await runScenarios(t, rows, setup);
  });

  test("hooks run on the transaction app and rules see @request.context = batch", async (t) => {
    const s = await setup(t);
    await s.pb.collections.update("locked", { createRule: '@request.context = "batch"' });
    const seen: boolean[] = [];
    s.app.onRecordCreateRequest().bindFunc(async (e) => {
      seen.push(e.app.isTransactional);
      assert.equal(e.requestInfo().context, "batch");
      await e.next();
    });
    const direct = await request(s.url, "POST", "/api/collections/locked/records", { body: { title: "a" } });
    assert.equal(direct.status, 400);
    seen.length = 0;
    const res = await request(s.url, "POST", "/api/batch", {
      body: { requests: [{ method: "POST", url: "/api/collections/locked/records", body: { title: "b" } }] },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(seen, [true]);
  });

  test("a batch past settings.batch.timeout fails whole", async (t) => {
    const s = await setup(t);
    const settings = s.app.settings();
    await s.app.saveSettings({ ...settings, batch: { ...settings.batch, timeout: 1 } });
    s.app.onRecordCreateRequest().bindFunc(async (e) => {
      await e.next();
      if (e.record.get("title") === "slow") await new Promise((r) => setTimeout(r, 1500));
    });
    const res = await request(s.url, "POST", "/api/batch", {
      body: {
        requests: [
          { method: "POST", url: "/api/collections/demo/records", body: { title: "fast" } },
          { method: "POST", url: "/api/collections/demo/records", body: { title: "slow" } },
        ],
      },
    });
    assert.equal(res.status, 400, res.text);
    assert.ok(res.json.data.requests["1"], res.text);
    assert.equal(await count(s), 1);
    // the server goes on writing afterwards
    assert.equal(
      (await request(s.url, "POST", "/api/collections/demo/records", { body: { title: "after" } })).status,
      200,
    );
  });

  test("settings.batch.maxBodySize bounds the body (413)", async (t) => {
    const s = await setup(t);
    const settings = s.app.settings();
    await s.app.saveSettings({ ...settings, batch: { ...settings.batch, maxBodySize: 1000 } });
    const res = await request(s.url, "POST", "/api/batch", {
      body: {
        requests: [
          { method: "POST", url: "/api/collections/demo/records", body: { title: "x".repeat(2000) } },
        ],
      },
    });
    assert.equal(res.status, 413);
    assert.equal(await count(s), 1);
  });

  test("the SDK's createBatch() sends JSON and files (multipart) end to end", async (t) => {
    const s = await setup(t);
    const pb = s.client();
    const batch = pb.createBatch();
    batch
      .collection("demo")
      .create({ title: "with files", files: [file("hello", "a.txt"), file("world", "b.txt")] });
    batch.collection("demo").update("existing0000001", { title: "updated" });
    batch.collection("demo").upsert({ id: "upsert000000002", title: "upserted" });
    const results = await batch.send();
    assert.deepEqual(
      results.map((r) => r.status),
      [200, 200, 200],
    );
    const created = results[0]!.body as { id: string; files: string[] };
    assert.equal(created.files.length, 2);
    const url = pb.files.getURL(created, created.files[0]!);
    assert.equal(await (await fetch(url)).text(), "hello");

    // A failing SDK batch rejects with the named sub-request and writes nothing.
    const failing = pb.createBatch();
    failing.collection("demo").create({ title: "fine", files: [file("x", "c.txt")] });
    failing.collection("demo").delete("missing00000000");
    await assert.rejects(
      failing.send(),
      (err: { status: number; response: { data: { requests: object } } }) => {
        assert.equal(err.status, 400);
        assert.ok("1" in err.response.data.requests);
        return true;
      },
    );
    assert.equal(await count(s), 3);
  });
});
