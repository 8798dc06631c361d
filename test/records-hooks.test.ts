/**
 * Record hooks around the records API (§10.3): the order of the request, model and record
 * chains for create/update/delete, tags, handlers that change the record or answer themselves,
 * validation errors raised by hooks, and onRecordEnrich changing only the response.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { badRequest } from "../src/api/errors.ts";
import { hookCatalogue, type HookName } from "../src/core/hooks.ts";
import { ValidationErrors, errors as v } from "../src/tools/validation.ts";
import { request } from "./helpers/http.ts";
import { seedFixture, type Fixture } from "./helpers/records-fixture.ts";
import { startOnTestdata } from "./helpers/records-testdata.ts";
import { suiteCleanup, type TestServer } from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers of every hook kind
type AnyEvent = any;

type AnyHook = {
  bind(h: { id?: string; priority?: number; func: (e: AnyEvent) => Promise<void> }): string;
  bindFunc(fn: (e: AnyEvent) => Promise<void>): string;
  unbind(...ids: string[]): void;
};

describe("record hooks", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  let fx: Fixture;
  const hook = (name: HookName) => s.app.hooks[name] as unknown as AnyHook;

  before(async () => {
    const started = await startOnTestdata(cleanup as never);
    if (!started) throw new Error("PocketBase test data folder missing");
    s = started;
    fx = await seedFixture(s.pb);
  });

  /** Runs `fn` while recording the name of every hook entered, in order. */
  async function trace(fn: () => Promise<unknown>): Promise<string[]> {
    const seen: string[] = [];
    const bound: [HookName, string][] = [];
    for (const name of Object.keys(hookCatalogue) as HookName[]) {
      bound.push([
        name,
        hook(name).bind({
          priority: -1000,
          func: (e) => {
            seen.push(name);
            return e.next();
          },
        }),
      ]);
    }
    try {
      await fn();
    } finally {
      for (const [name, id] of bound) hook(name).unbind(id);
    }
    return seen;
  }

  test("create fires request → model/record create → validate → execute → after success → enrich", async () => {
    const seen = await trace(async () => {
      const res = await request(s.url, "POST", "/api/collections/posts/records", {
        body: { title: "hooked" },
      });
      assert.equal(res.status, 200, res.text);
    });
    assert.deepEqual(seen, [
      "onRecordCreateRequest",
      "onModelCreate",
      "onRecordCreate",
      "onModelValidate",
      "onRecordValidate",
      "onModelCreateExecute",
      "onRecordCreateExecute",
      "onModelAfterCreateSuccess",
      "onRecordAfterCreateSuccess",
      "onRecordEnrich",
    ]);
  });

  test("update fires the same chain with update hooks", async () => {
    const seen = await trace(async () => {
      const res = await request(s.url, "PATCH", `/api/collections/posts/records/${fx.postIds.beta}`, {
        body: { views: 6 },
      });
      assert.equal(res.status, 200, res.text);
    });
    assert.deepEqual(seen, [
      "onRecordUpdateRequest",
      "onModelUpdate",
      "onRecordUpdate",
      "onModelValidate",
      "onRecordValidate",
      "onModelUpdateExecute",
      "onRecordUpdateExecute",
      "onModelAfterUpdateSuccess",
      "onRecordAfterUpdateSuccess",
      "onRecordEnrich",
    ]);
  });

  test("delete fires request → delete → execute → cascades → after success, without validation", async () => {
    const created = await request(s.url, "POST", "/api/collections/posts/records", {
      body: { title: "gone" },
    });
    await request(s.url, "POST", "/api/collections/comments/records", {
      body: { post: created.json.id, text: "cascaded" },
      token: s.token,
    });
    const seen = await trace(async () => {
      const res = await request(s.url, "DELETE", `/api/collections/posts/records/${created.json.id}`);
      assert.equal(res.status, 204);
    });
    assert.deepEqual(seen, [
      "onRecordDeleteRequest",
      "onModelDelete",
      "onRecordDelete",
      "onModelDeleteExecute",
      "onRecordDeleteExecute",
      // the comment cascades inside the post's execute step
      "onModelDelete",
      "onRecordDelete",
      "onModelDeleteExecute",
      "onRecordDeleteExecute",
      // after-success hooks run once the whole delete committed
      "onModelAfterDeleteSuccess",
      "onRecordAfterDeleteSuccess",
      "onModelAfterDeleteSuccess",
      "onRecordAfterDeleteSuccess",
    ]);
  });

  test("list and view fire their request hooks and one enrich per record", async () => {
    const seen = await trace(async () => {
      await request(s.url, "GET", "/api/collections/tags/records");
      await request(s.url, "GET", `/api/collections/tags/records/${fx.tagIds.red}`);
    });
    assert.deepEqual(seen, [
      "onRecordsListRequest",
      ...Array<string>(4).fill("onRecordEnrich"),
      "onRecordViewRequest",
      "onRecordEnrich",
    ]);
  });

  test("tagged handlers run only for their collection (by name or id)", async () => {
    const hits: string[] = [];
    const tags = s.app.findCollectionByNameOrId("tags")!;
    const ids = [
      (s.app as AnyEvent).onRecordCreate("posts").bindFunc(async (e: AnyEvent) => {
        hits.push(`posts:${e.record.collection.name}`);
        await e.next();
      }),
      (s.app as AnyEvent).onRecordCreate(tags.id).bindFunc(async (e: AnyEvent) => {
        hits.push(`tags:${e.record.collection.name}`);
        await e.next();
      }),
    ];
    try {
      await request(s.url, "POST", "/api/collections/posts/records", { body: { title: "t" } });
      await request(s.url, "POST", "/api/collections/tags/records", { body: { name: "t" } });
    } finally {
      hook("onRecordCreate").unbind(...ids);
    }
    assert.deepEqual(hits, ["posts:posts", "tags:tags"]);
  });

  test("onRecordCreate may change the record before validation", async () => {
    const id = hook("onRecordCreate").bindFunc(async (e) => {
      if (e.record.collection.name === "posts") e.record.set("title", "set by hook");
      await e.next();
    });
    try {
      const res = await request(s.url, "POST", "/api/collections/posts/records", { body: { title: "x" } });
      assert.equal(res.json.title, "set by hook");
      assert.equal(
        query(s.dir, "SELECT title FROM posts WHERE id = ?", res.json.id)[0]!.title,
        "set by hook",
      );
    } finally {
      hook("onRecordCreate").unbind(id);
    }
  });

  test("onRecordValidate may add field errors", async () => {
    const id = hook("onRecordValidate").bindFunc(async (e) => {
      if (e.record.getString("title") === "forbidden")
        throw new ValidationErrors({ title: v.invalidValue() });
      await e.next();
    });
    try {
      const res = await request(s.url, "POST", "/api/collections/posts/records", {
        body: { title: "forbidden" },
      });
      assert.equal(res.status, 400);
      assert.equal(res.json.message, "Failed to create record.");
      assert.equal(res.json.data.title.code, "validation_invalid_value");
    } finally {
      hook("onRecordValidate").unbind(id);
    }
  });

  test("a request hook may answer itself without saving", async () => {
    const id = hook("onRecordCreateRequest").bindFunc(async (e) => {
      e.json(202, { custom: true });
    });
    try {
      const before = query(s.dir, "SELECT count(*) AS n FROM posts")[0]!.n;
      const res = await request(s.url, "POST", "/api/collections/posts/records", {
        body: { title: "never" },
      });
      assert.equal(res.status, 202);
      assert.deepEqual(res.json, { custom: true });
      assert.equal(query(s.dir, "SELECT count(*) AS n FROM posts")[0]!.n, before);
    } finally {
      hook("onRecordCreateRequest").unbind(id);
    }
  });

  test("an error thrown by a request hook is the answer", async () => {
    const id = hook("onRecordDeleteRequest").bindFunc(async () => {
      throw badRequest("Not today.");
    });
    try {
      const res = await request(s.url, "DELETE", `/api/collections/posts/records/${fx.postIds.Alpha}`);
      assert.equal(res.status, 400);
      assert.equal(res.text, '{"data":{},"message":"Not today.","status":400}\n');
    } finally {
      hook("onRecordDeleteRequest").unbind(id);
    }
  });

  test("onRecordEnrich changes the response only", async () => {
    const id = hook("onRecordEnrich").bindFunc(async (e) => {
      if (e.record.collection.name === "tags") e.record.set("name", `${e.record.getString("name")}!`);
      await e.next();
    });
    try {
      const res = await request(s.url, "GET", `/api/collections/tags/records/${fx.tagIds.red}`);
      assert.equal(res.json.name, "red!");
      assert.equal(query(s.dir, "SELECT name FROM tags WHERE id = ?", fx.tagIds.red!)[0]!.name, "red");
    } finally {
      hook("onRecordEnrich").unbind(id);
    }
  });

  test("after-error hooks fire when a save fails", async () => {
    const errors: string[] = [];
    const id = hook("onRecordAfterCreateError").bindFunc(async (e) => {
      errors.push(e.record.collection.name);
      await e.next();
    });
    try {
      const res = await request(s.url, "POST", "/api/collections/posts/records", { body: { labels: ["z"] } });
      assert.equal(res.status, 400);
    } finally {
      hook("onRecordAfterCreateError").unbind(id);
    }
    assert.deepEqual(errors, ["posts"]);
  });
});
