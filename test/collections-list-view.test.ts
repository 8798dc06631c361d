import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { saveCollection } from "../src/core/collections/collection-save.ts";
import { newCollection } from "../src/core/collections/collection-defaults.ts";
import { normalizeField } from "../src/core/fields/registry.ts";
import type { App } from "../src/core/app.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { request } from "./helpers/http.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";

/** The fresh folder's six collections plus three of ours. */
const FRESH = ["_superusers", "_externalAuths", "_mfas", "_otps", "_authOrigins", "users"];

async function seed(app: App): Promise<void> {
  for (const name of ["demo_posts", "demo_tags", "other"]) {
    const c = newCollection("base", name);
    c.fields.push(normalizeField({ name: "title", type: "text" }));
    await saveCollection(app, c);
  }
}

describe("listing and viewing collections", () => {
  const cleanup = suiteCleanup();
  let template = "";
  let s: TestServer;
  before(async () => {
    template = await buildTemplate(cleanup, seed);
    s = await startTestServer(cleanup, { template });
  });

  test("a superuser lists every collection with PocketBase's list envelope", async () => {
    const res = await request(s.url, "GET", "/api/collections", { token: s.token });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json), ["items", "page", "perPage", "totalItems", "totalPages"]);
    assert.equal(res.json.page, 1);
    assert.equal(res.json.perPage, 30);
    assert.equal(res.json.totalItems, 9);
    assert.equal(res.json.totalPages, 1);
    assert.deepEqual(
      res.json.items.map((c: { name: string }) => c.name),
      [...FRESH, "demo_posts", "demo_tags", "other"],
    );
  });

  test("the SDK's getFullList and getList see the same collections", async () => {
    const all = await s.pb.collections.getFullList();
    assert.equal(all.length, 9);
    const page = await s.pb.collections.getList(2, 4, { sort: "name" });
    assert.equal(page.page, 2);
    assert.equal(page.perPage, 4);
    assert.equal(page.totalItems, 9);
    assert.equal(page.totalPages, 3);
    const names = all.map((c) => c.name).sort();
    assert.deepEqual(
      page.items.map((c) => c.name),
      names.slice(4, 8),
    );
  });

  const listRows: [string, string, string[] | number][] = [
    ["filters by name with ~", "filter=name~'demo'", ["demo_posts", "demo_tags"]],
    [
      "filters with && and ||",
      "filter=(name='other' || name='users') %26%26 system=false&sort=-name",
      ["users", "other"],
    ],
    ["filters by type", "filter=type='auth'", ["_superusers", "users"]],
    [
      "filters by system flag",
      "filter=system=true&sort=name",
      ["_authOrigins", "_externalAuths", "_mfas", "_otps", "_superusers"],
    ],
    ["filters by id", "filter=id='_pb_users_auth_'", ["users"]],
    ["sorts descending by name", "sort=-name&filter=name~'demo'", ["demo_tags", "demo_posts"]],
    [
      "sorts by several fields",
      "sort=type,-name&filter=system=false",
      ["users", "other", "demo_tags", "demo_posts"],
    ],
    ["sorts by created and id", "sort=-created,id&perPage=2", 2],
    ["pages with perPage", "perPage=2&page=5", ["other"]],
    ["a page past the end is empty", "page=99", []],
    ["perPage 0 falls back to the default", "perPage=0", 9],
    ["a filter matching nothing is empty", "filter=name='nope'", []],
    [
      "a filter with a random function is accepted",
      "filter=created>'2000-01-01' %26%26 name!=''&sort=@random",
      9,
    ],
  ];
  for (const [name, query, expected] of listRows) {
    test(`the list ${name}`, async () => {
      const res = await request(s.url, "GET", `/api/collections?${query}`, { token: s.token });
      assert.equal(res.status, 200, res.text);
      const names = res.json.items.map((c: { name: string }) => c.name);
      if (typeof expected === "number") assert.equal(names.length, expected);
      else assert.deepEqual(names, expected);
    });
  }

  test("skipTotal answers -1 totals", async () => {
    const res = await request(s.url, "GET", "/api/collections?skipTotal=1&perPage=2", { token: s.token });
    assert.equal(res.status, 200);
    assert.equal(res.json.totalItems, -1);
    assert.equal(res.json.totalPages, -1);
    assert.equal(res.json.items.length, 2);
  });

  test("the fields picker keeps only the asked keys, in the item's order", async () => {
    const res = await request(s.url, "GET", "/api/collections?fields=name,id&perPage=1", { token: s.token });
    assert.equal(res.status, 200);
    assert.equal(
      res.text,
      '{"items":[{"id":"pbc_3142635823","name":"_superusers"}],"page":1,"perPage":1,"totalItems":9,"totalPages":9}\n',
    );
  });

  test("the fields picker applies to a single collection too", async () => {
    const res = await request(s.url, "GET", "/api/collections/users?fields=name,type", { token: s.token });
    assert.equal(res.text, '{"name":"users","type":"auth"}\n');
  });

  test("a collection is found by id, by name and by name in any case", async () => {
    const byId = await s.pb.collections.getOne("_pb_users_auth_");
    const byName = await s.pb.collections.getOne("users");
    const byUpper = await s.pb.collections.getOne("USERS");
    assert.equal(byId.name, "users");
    assert.deepEqual(byName, byId);
    assert.deepEqual(byUpper, byId);
  });

  test("the users collection has PocketBase's default shape", async () => {
    const users = await s.pb.collections.getOne("users");
    assert.equal(users.id, "_pb_users_auth_");
    assert.equal(users.type, "auth");
    assert.equal(users.system, false);
    assert.equal(users.listRule, "id = @request.auth.id");
    assert.equal(users.createRule, "");
    assert.deepEqual(
      users.fields.map((f: { name: string }) => f.name),
      [
        "id",
        "password",
        "tokenKey",
        "email",
        "emailVisibility",
        "verified",
        "name",
        "avatar",
        "created",
        "updated",
      ],
    );
    assert.deepEqual(users.oauth2.mappedFields, { id: "", name: "name", username: "", avatarURL: "avatar" });
    assert.equal(JSON.stringify(users).includes('"secret"'), false);
  });

  test("the SDK's getFirstListItem finds a collection by filter", async () => {
    const found = await s.pb.collections.getFirstListItem("name='demo_tags'");
    assert.equal(found.name, "demo_tags");
  });

  test("HEAD on the list answers the GET status with no body", async () => {
    const res = await fetch(`${s.url}/api/collections`, {
      method: "HEAD",
      headers: { authorization: s.token },
    });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "");
  });
});

describe("invalid list and view requests", () => {
  const cleanup = suiteCleanup();
  let template = "";
  let s: TestServer;
  before(async () => {
    template = await buildTemplate(cleanup, seed);
    s = await startTestServer(cleanup, { template });
  });

  const rows: Scenario[] = [
    {
      name: "guests get 401 on the list",
      method: "GET",
      url: "/api/collections",
      expectedStatus: 401,
      expectedContent: ['"data":{}'],
    },
    {
      name: "regular users get 403 on the list",
      method: "GET",
      url: "/api/collections",
      auth: "user",
      expectedStatus: 403,
      expectedContent: [
        '{"data":{},"message":"The authorized record is not allowed to perform this action.","status":403}',
      ],
    },
    {
      name: "guests get 401 on a collection",
      method: "GET",
      url: "/api/collections/users",
      expectedStatus: 401,
    },
    {
      name: "regular users get 403 on a collection",
      method: "GET",
      url: "/api/collections/users",
      auth: "user",
      expectedStatus: 403,
    },
    {
      name: "guests get 401 on the scaffolds",
      method: "GET",
      url: "/api/collections/meta/scaffolds",
      expectedStatus: 401,
    },
    {
      name: "an unknown field in the filter is a 400 with no details",
      method: "GET",
      url: "/api/collections?filter=invalidfield~'demo2'",
      auth: "superuser",
      expectedStatus: 400,
      expectedContent: [
        '{"data":{},"message":"Something went wrong while processing your request.","status":400}\n',
      ],
      expectedEvents: { "*": 0 },
    },
    {
      name: "a filter that does not parse is a 400",
      method: "GET",
      url: "/api/collections?filter=" + encodeURIComponent("name ~"),
      auth: "superuser",
      expectedStatus: 400,
      expectedContent: ['"data":{}'],
    },
    {
      name: "a filter on a field outside the allow-list (fields) is a 400",
      method: "GET",
      url: "/api/collections?filter=" + encodeURIComponent("fields ~ 'x'"),
      auth: "superuser",
      expectedStatus: 400,
    },
    {
      name: "an unknown sort field is a 400",
      method: "GET",
      url: "/api/collections?sort=unknown",
      auth: "superuser",
      expectedStatus: 400,
      expectedContent: ['"data":{}'],
    },
    {
      name: "a non-numeric page is a 400",
      method: "GET",
      url: "/api/collections?page=abc",
      auth: "superuser",
      expectedStatus: 400,
    },
    {
      name: "a missing collection is a 404",
      method: "GET",
      url: "/api/collections/missing",
      auth: "superuser",
      expectedStatus: 404,
      expectedContent: ['{"data":{},"message":"The requested resource wasn\'t found.","status":404}\n'],
      expectedEvents: { "*": 0 },
    },
    {
      name: "a trailing slash is not the same route",
      method: "GET",
      url: "/api/collections/users/",
      auth: "superuser",
      expectedStatus: 404,
    },
    {
      name: "a successful view fires onCollectionViewRequest only",
      method: "GET",
      url: "/api/collections/demo_posts",
      auth: "superuser",
      expectedStatus: 200,
      expectedContent: ['"name":"demo_posts"'],
      expectedEvents: { "*": 0, onCollectionViewRequest: 1 },
    },
    {
      name: "a successful list fires onCollectionsListRequest only",
      method: "GET",
      url: "/api/collections?filter=name~'demo'",
      auth: "superuser",
      expectedStatus: 200,
      expectedContent: ['"totalItems":2', '"name":"demo_posts"', '"name":"demo_tags"'],
      expectedEvents: { "*": 0, onCollectionsListRequest: 1 },
    },
  ];

  test("answer PocketBase's errors", async (t) => {
    await runScenarios(t, rows, async () => s);
  });
});

test("guests on superuser routes get PocketBase's 401 message", async (t) => {
  const s = await startTestServer(t, { superuser: false });
  const res = await request(s.url, "GET", "/api/collections");
  assert.equal(
    res.text,
    '{"data":{},"message":"The request requires valid record authorization token.","status":401}\n',
  );
});

test("the README's example works as written", async (t) => {
  const s = await startTestServer(t);
  await s.pb.collections.create({ name: "posts", type: "base", fields: [{ name: "title", type: "text" }] });
  const list = await s.pb.collections.getList(1, 20, { filter: "name ~ 'po'", sort: "-created" });
  assert.deepEqual(
    list.items.map((c) => c.name),
    ["posts"],
  );
  assert.deepEqual(
    list.items[0]!.fields.map((f) => f.name),
    ["id", "title"],
  );
});
