/**
 * API rules over records (§1.1, §5.2, §5.4): each outcome (list filters, view/update/delete
 * 404, create 400, null 403, superusers bypass) and every `@request.*` source a rule can use,
 * with the modifiers that only make sense in rules (`:isset`, `:changed`, `:length`/`:each` on
 * the body), checked through the API on our fixture with rules set through the collections API.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { request } from "./helpers/http.ts";
import { POSTS, seedFixture, USER1, USER2, type Fixture } from "./helpers/records-fixture.ts";
import { TOKENS, startOnTestdata } from "./helpers/records-testdata.ts";
import { countEvents } from "./helpers/scenario.ts";
import { suiteCleanup, type TestServer } from "./helpers/server.ts";

type Rules = {
  listRule?: string | null;
  viewRule?: string | null;
  createRule?: string | null;
  updateRule?: string | null;
  deleteRule?: string | null;
};

describe("API rules", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  let fx: Fixture;

  before(async () => {
    const started = await startOnTestdata(cleanup as never);
    if (!started) throw new Error("PocketBase test data folder missing");
    s = started;
    fx = await seedFixture(s.pb);
  });

  /** Sets posts rules for the duration of `fn` (then back to public). */
  async function withRules(rules: Rules, fn: () => Promise<void>): Promise<void> {
    await s.pb.collections.update("posts", rules);
    try {
      await fn();
    } finally {
      await s.pb.collections.update("posts", {
        listRule: "",
        viewRule: "",
        createRule: "",
        updateRule: "",
        deleteRule: "",
      });
    }
  }

  const list = async (token = "", query = "") => {
    const res = await request(
      s.url,
      "GET",
      `/api/collections/posts/records?perPage=100&sort=@rowid${query}`,
      { token },
    );
    assert.equal(res.status, 200, res.text);
    return (res.json.items as { id: string }[]).map((r) => fx.titleOf[r.id]);
  };
  const send = (
    method: string,
    path: string,
    body?: unknown,
    token = "",
    headers?: { [k: string]: string },
  ) => request(s.url, method, `/api/collections/posts/records${path}`, { body, token, headers });

  test("a null rule is superusers only: 403 for everyone else on every action", async () => {
    await withRules(
      { listRule: null, viewRule: null, createRule: null, updateRule: null, deleteRule: null },
      async () => {
        const id = fx.postIds.beta!;
        for (const token of ["", TOKENS.user]) {
          for (const [method, path, body] of [
            ["GET", "", undefined],
            ["GET", `/${id}`, undefined],
            ["POST", "", { title: "x" }],
            ["PATCH", `/${id}`, { title: "x" }],
            ["DELETE", `/${id}`, undefined],
          ] as const) {
            const counts = countEvents(s.app);
            const res = await send(method, path, body, token);
            assert.equal(res.status, 403, `${method} ${path}`);
            assert.equal(
              res.text,
              '{"data":{},"message":"Only superusers can perform this action.","status":403}\n',
            );
            assert.equal(
              [...counts.values()].reduce((a, b) => a + b, 0),
              0,
              "no hook fires",
            );
          }
        }
        assert.equal((await list(s.token)).length, POSTS.length, "superusers bypass");
      },
    );
  });

  test("a failing rule: list filters, view/update/delete 404, create 400", async () => {
    await withRules(
      {
        listRule: "owner = @request.auth.id",
        viewRule: "owner = @request.auth.id",
        createRule: "owner = @request.auth.id",
        updateRule: "owner = @request.auth.id",
        deleteRule: "owner = @request.auth.id",
      },
      async () => {
        assert.deepEqual(await list(TOKENS.user), ["Alpha", "delta 100%"]);
        // a guest's @request.auth.id is '', which equals an empty relation
        assert.deepEqual(await list(""), ["Gamma"]);
        assert.equal((await list(s.token)).length, POSTS.length);
        const beta = fx.postIds.beta!;
        assert.equal((await send("GET", `/${beta}`, undefined, TOKENS.user)).status, 404);
        assert.equal((await send("GET", `/${fx.postIds.Alpha}`, undefined, TOKENS.user)).status, 200);
        assert.equal((await send("PATCH", `/${beta}`, { title: "x" }, TOKENS.user)).status, 404);
        assert.equal((await send("DELETE", `/${beta}`, undefined, TOKENS.user)).status, 404);
        const refused = await send("POST", "", { title: "mine?", owner: USER2 }, TOKENS.user);
        assert.equal(refused.status, 400);
        assert.equal(refused.text, '{"data":{},"message":"Failed to create record.","status":400}\n');
        const ok = await send("POST", "", { title: "mine", owner: USER1 }, TOKENS.user);
        assert.equal(ok.status, 200, ok.text);
        assert.equal(
          (await send("PATCH", `/${beta}`, { title: "beta" }, s.token)).status,
          200,
          "superusers bypass",
        );
      },
    );
  });

  test("the create rule sees the would-be record, its relations and the auth record's fields", async () => {
    await withRules(
      { createRule: "title ~ 'ok' && tags.name ?= 'red' && @request.auth.verified = false" },
      async () => {
        const body = (title: string, tags: string[]) => ({ title, tags: tags.map((t) => fx.tagIds[t]) });
        assert.equal((await send("POST", "", body("ok 1", ["red"]), TOKENS.user)).status, 200);
        assert.equal((await send("POST", "", body("nope", ["red"]), TOKENS.user)).status, 400);
        assert.equal((await send("POST", "", body("ok 2", ["blue"]), TOKENS.user)).status, 400);
        // users test2 is verified
        assert.equal((await send("POST", "", body("ok 3", ["red"]), TOKENS.user2)).status, 400);
      },
    );
  });

  test("a create rule can't be satisfied by self-verifying a new auth record", async () => {
    await s.pb.collections.update("users", { createRule: "verified = false" });
    try {
      const ok = await request(s.url, "POST", "/api/collections/users/records", {
        body: { password: "12345678", passwordConfirm: "12345678" },
      });
      assert.equal(ok.status, 200, ok.text);
      const selfVerified = await request(s.url, "POST", "/api/collections/users/records", {
        body: { password: "12345678", passwordConfirm: "12345678", verified: true },
      });
      assert.equal(selfVerified.status, 400);
      assert.equal(selfVerified.json.data.verified.code, "validation_values_mismatch");
    } finally {
      await s.pb.collections.update("users", { createRule: "" });
    }
  });

  test("@request.body: :isset, :changed, :length and :each", async () => {
    await withRules(
      {
        createRule:
          "@request.body.views:isset = false && @request.body.tags:length <= 2 && @request.body.labels:each ?= 'a'",
        updateRule: "@request.body.title:changed = false",
      },
      async () => {
        assert.equal((await send("POST", "", { title: "n", labels: ["a", "b"] })).status, 200);
        assert.equal((await send("POST", "", { title: "n", labels: ["a"], views: 1 })).status, 400);
        assert.equal((await send("POST", "", { title: "n", labels: ["b"] })).status, 400);
        const three = Object.values(fx.tagIds).slice(0, 3);
        assert.equal((await send("POST", "", { title: "n", labels: ["a"], tags: three })).status, 400);
        const id = `/${fx.postIds.beta}`;
        assert.equal((await send("PATCH", id, { views: 6 })).status, 200, "title not sent");
        assert.equal((await send("PATCH", id, { title: "beta" })).status, 200, "title unchanged");
        assert.equal((await send("PATCH", id, { title: "BETA" })).status, 404, "title changed");
      },
    );
  });

  test("@request.headers, @request.query, @request.method", async () => {
    await withRules(
      {
        viewRule: "@request.query.key = 'k1' && @request.method = 'GET'",
        deleteRule: "@request.headers.x_token = 'abc'",
        listRule: "@request.headers.x_token:isset = true",
      },
      async () => {
        const id = fx.postIds.Gamma!;
        assert.equal((await send("GET", `/${id}`)).status, 404);
        assert.equal((await send("GET", `/${id}?key=k1`)).status, 200);
        assert.deepEqual(await list(""), []);
        const listed = await request(s.url, "GET", "/api/collections/posts/records", {
          headers: { "X-Token": "x" },
        });
        assert.equal(listed.json.totalItems, (await list(s.token)).length);
        assert.equal((await send("DELETE", `/${id}`, undefined, "", { "X-Token": "nope" })).status, 404);
        assert.equal((await send("DELETE", `/${id}`, undefined, "", { "X-Token": "abc" })).status, 204);
      },
    );
  });

  test("@collection in a rule joins another collection", async () => {
    await withRules({ listRule: "@collection.comments.post ?= id" }, async () => {
      assert.deepEqual(await list(""), ["Alpha", "beta", "delta 100%"]);
    });
  });

  test("@collection in a create rule: without `?` every row must match, with `?` one", async () => {
    // comments' texts: "nice", "meh", "nice too", "x"
    const created: string[] = [];
    const create = async (title: string) => {
      const res = await send("POST", "", { title }, TOKENS.user);
      if (res.status === 200) created.push((res.json as { id: string }).id);
      return res.status;
    };
    try {
      await withRules({ createRule: "title != @collection.comments.text" }, async () => {
        assert.equal(await create("fresh"), 200);
        assert.equal(await create("meh"), 400);
      });
      await withRules({ createRule: "title = @collection.comments.text" }, async () => {
        assert.equal(await create("meh"), 400);
      });
      await withRules({ createRule: "title ?= @collection.comments.text" }, async () => {
        assert.equal(await create("meh"), 200);
        assert.equal(await create("fresh"), 400);
      });
    } finally {
      for (const id of created) await s.pb.collection("posts").delete(id);
    }
  });

  test("@request.auth fields, relations and collection", async () => {
    await withRules(
      { listRule: "@request.auth.collectionName = 'users' && @request.auth.rel.title = 'test1'" },
      async () => {
        // users test@example.com has rel → demo2 llvuca81nly1qls (title test1); test2 has none
        assert.equal((await list(TOKENS.user)).length, (await list(s.token)).length);
        assert.deepEqual(await list(TOKENS.user2), []);
        assert.deepEqual(await list(TOKENS.client), []);
        assert.deepEqual(await list(""), []);
      },
    );
  });

  test("a rule and a client filter combine; a client can't use @request in its filter", async () => {
    await withRules({ listRule: "published = true" }, async () => {
      assert.deepEqual(await list("", "&filter=" + encodeURIComponent("views > 0")), ["Alpha"]);
      const res = await request(
        s.url,
        "GET",
        "/api/collections/posts/records?filter=" + encodeURIComponent("@request.auth.id = ''"),
      );
      assert.equal(res.status, 403);
    });
  });

  test("an invalid rule answers like a refusal, never a 500", async () => {
    // stored directly: the collections API would refuse to save it
    const c = s.app.findCollectionByNameOrId("posts")!;
    const original = { ...c };
    Object.assign(c, {
      listRule: "nope = 1",
      viewRule: "nope = 1",
      updateRule: "nope = 1",
      createRule: "nope = 1",
    });
    try {
      const listed = await request(s.url, "GET", "/api/collections/posts/records");
      assert.equal(listed.status, 400);
      assert.equal((await send("GET", `/${fx.postIds.Alpha}`)).status, 404);
      assert.equal((await send("POST", "", { title: "x" })).status, 400);
    } finally {
      Object.assign(c, {
        listRule: original.listRule,
        viewRule: original.viewRule,
        updateRule: original.updateRule,
        createRule: original.createRule,
      });
    }
  });
});
