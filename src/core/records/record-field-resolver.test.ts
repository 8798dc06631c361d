import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FilterError } from "../../query/errors.ts";
import { buildFilter } from "../../query/filter-compiler.ts";
import { buildSort } from "../../query/sort.ts";
import { joinSql, raw, sql } from "../../query/sql.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { RequestInfo } from "../hook-events.ts";
import { createFixture } from "./record-field-resolver-fixtures.ts";
import { hasSingleColumnUniqueIndex } from "./record-field-resolver-path.ts";
import { RecordFieldResolver, isSuperuserOnlyFilterError } from "./record-field-resolver.ts";

const fx = createFixture();
const ALL = ["p1", "p2", "p3", "p4"];

interface Options {
  readonly collection?: Collection;
  readonly info?: RequestInfo | null;
  readonly client?: boolean;
  readonly hidden?: boolean;
  readonly sort?: string;
}

function resolverFor(o: Options = {}): RecordFieldResolver {
  const client = o.client ?? false;
  return new RecordFieldResolver({
    findCollection: fx.findCollection,
    collection: o.collection ?? fx.posts,
    requestInfo: o.info ?? null,
    allowHiddenFields: o.hidden ?? !client,
    isClientFilter: client,
  });
}

function run(filter: string, o: Options = {}): string[] {
  const collection = o.collection ?? fx.posts;
  const resolver = resolverFor(o);
  const where = buildFilter(filter, { resolver });
  const orderBy = o.sort !== undefined ? buildSort(o.sort, { resolver }) : undefined;
  const joins = resolver.joins();
  const table = raw(`\`${collection.name}\``);
  let statement = sql`SELECT ${raw(joins.length > 0 ? "DISTINCT " : "")}${table}.\`id\` AS id FROM ${table} ${joinSql(joins, " ")} WHERE ${where}`;
  if (orderBy !== undefined) statement = sql`${statement} ORDER BY ${orderBy}`;
  const ids = fx.ids(statement.sql, statement.params);
  return o.sort !== undefined ? ids : ids.sort();
}

interface Case extends Options {
  readonly filter: string;
  readonly ids: readonly string[];
}

function check(cases: readonly Case[], defaults: Options = {}): void {
  for (const c of cases) {
    test(`${c.filter} → ${c.ids.join(",") || "(none)"}`, () => {
      assert.deepEqual(run(c.filter, { ...defaults, ...c }), [...c.ids].sort());
    });
  }
}

interface ErrorCase extends Options {
  readonly filter: string;
  readonly code: FilterError["code"];
  readonly message?: RegExp;
}

function checkErrors(cases: readonly ErrorCase[], defaults: Options = {}): void {
  for (const c of cases) {
    test(`${c.filter} is rejected (${c.code})`, () => {
      assert.throws(
        () => run(c.filter, { ...defaults, ...c }),
        (error: unknown) =>
          error instanceof FilterError && error.code === c.code && (c.message?.test(error.message) ?? true),
      );
    });
  }
}

const ann = fx.user("u1");
const cid = fx.user("u3");
const asAnn = fx.request({
  method: "POST",
  query: { page: "2" },
  headers: { x_token: "abc" },
  auth: ann,
  body: {
    title: "Hello",
    views: "42",
    published: "true",
    tags: ["a", "c"],
    editors: ["u1", "u2"],
    author: "u2",
    meta: { x: 1, list: [1, "two"] },
  },
});
const guest = fx.request();

describe("plain fields", () => {
  check([
    { filter: "title = 'Hello'", ids: ["p1"] },
    { filter: "title = ''", ids: ["p2"] },
    { filter: "title != ''", ids: ["p1", "p3", "p4"] },
    { filter: "title ~ 'hello'", ids: ["p1", "p4"] },
    { filter: "title:lower = 'hello'", ids: ["p1"] },
    { filter: "views > 2", ids: ["p1", "p3", "p4"] },
    { filter: "published = true", ids: ["p1", "p3", "p4"] },
    { filter: "id = 'p2'", ids: ["p2"] },
    { filter: "status = 'draft'", ids: ["p1"] },
    { filter: "status = ''", ids: ["p2"] },
    { filter: "reviewer = 'u2'", ids: ["p1"] },
    { filter: "author = 'u2'", ids: ["p3"] },
    { filter: "tags ~ 'a'", ids: ["p1", "p4"] },
  ]);

  test("a column of the main table needs no join", () => {
    const resolver = resolverFor();
    assert.deepEqual(resolver.resolve("title"), { sql: "`posts`.`title`", params: [] });
    assert.equal(resolver.joins().length, 0);
    assert.equal(resolver.rowid().sql, "`posts`.`_rowid_`");
  });

  test("unknown plain names are left to the compiler (literals and errors)", () => {
    const resolver = resolverFor();
    assert.equal(resolver.resolve("true"), undefined);
    assert.equal(resolver.resolve("nope"), undefined);
    assert.deepEqual(run("true = true"), ALL);
    assert.throws(() => run("nope = 1"), /Unknown or unsupported field "nope"/);
  });
});

describe("JSON paths", () => {
  check([
    { filter: "meta.n = 5", ids: ["p1"] },
    { filter: "meta.n = '5'", ids: ["p3"] },
    { filter: "meta.a.b.1.c = 'deep'", ids: ["p1"] },
    { filter: "meta.a.b.0 = 1", ids: ["p1"] },
    { filter: "meta.a = null", ids: ["p2", "p3", "p4"] },
    { filter: "meta = 'str'", ids: ["p4"] },
    { filter: "geo.lon = 10", ids: ["p1"] },
    { filter: "geo.lat = 0", ids: ["p2", "p3", "p4"] },
    { filter: "author.prefs.theme = 'dark'", ids: ["p1"] },
    { filter: "editors.prefs.theme ?= 'dark'", ids: ["p1", "p4"] },
    { filter: "editors.prefs.theme = 'dark'", ids: [] },
  ]);

  test("JSON extracts disable the NULL/'' fallback", () => {
    const resolution = resolverFor().resolve("meta.a.b");
    assert.ok(resolution !== undefined && "sql" in resolution);
    assert.equal(resolution.noCoalesce, true);
    assert.deepEqual(resolution.params, ["$.a.b", "$.pb.a.b"]);
  });
});

describe("relations", () => {
  check([
    { filter: "author.name = 'Ann'", ids: ["p1"] },
    { filter: "author.name = ''", ids: ["p2"] },
    { filter: "author.id = 'u2'", ids: ["p3"] },
    { filter: "author.favorite.title = 'World'", ids: ["p1"] },
    { filter: "parent.title = 'Hello'", ids: ["p2", "p3"] },
    { filter: "parent.parent.title = 'Hello'", ids: ["p4"] },
    { filter: "editors.name = 'Bob'", ids: ["p3"] },
    { filter: "editors.name ?= 'Bob'", ids: ["p1", "p3"] },
    { filter: "editors.id ?= 'u3'", ids: ["p4"] },
    { filter: "editors.name != 'Ann'", ids: ["p3"] },
    { filter: "editors.name ?!= 'Ann'", ids: ALL },
    { filter: "editors.name ~ 'o'", ids: ["p3"] },
    { filter: "editors.name ?~ 'o'", ids: ["p1", "p3"] },
    { filter: "editors:length = 2", ids: ["p1", "p4"] },
    { filter: "editors:length = 0", ids: ["p2"] },
    { filter: "author:length = 0", ids: ["p2"] },
    { filter: "editors.roles:each ?= 'admin'", ids: ["p1", "p4"] },
    { filter: "editors.roles:length > 0", ids: ["p1", "p3"] },
    { filter: "author.name = 'Ann' || editors.name ?= 'Cid'", ids: ["p1", "p4"] },
  ]);

  test("`rel.id` of a single relation is the column itself", () => {
    const resolver = resolverFor();
    assert.deepEqual(resolver.resolve("author.id"), { sql: "`posts`.`author`", params: [] });
    assert.equal(resolver.joins().length, 0);
  });

  test("a single relation joins on the column; a path is joined once", () => {
    const resolver = resolverFor();
    resolver.resolve("author.name");
    resolver.resolve("author.email");
    assert.deepEqual(
      resolver.joins().map((j) => j.sql),
      ["LEFT JOIN `users` `posts_author` ON `posts_author`.`id` = `posts`.`author`"],
    );
  });

  test("a multiple relation joins through json_each and reports a multi-match subquery", () => {
    const resolver = resolverFor();
    const resolution = resolver.resolve("editors.name");
    assert.ok(resolution !== undefined && "sql" in resolution);
    assert.equal(resolution.sql, "`posts_editors`.`name`");
    assert.ok(resolution.multiMatch !== undefined);
    assert.equal(resolution.multiMatch.value.sql, "`__mm_posts_editors`.`name`");
    assert.equal(resolution.multiMatch.where?.sql, "`__mm_posts`.`id` = `posts`.`id`");
    const joins = resolver.joins().map((j) => j.sql);
    assert.equal(joins.length, 2);
    assert.match(joins[0]!, /^LEFT JOIN json_each\(.*\) `posts_editors_je`$/);
    assert.equal(
      joins[1],
      "LEFT JOIN `users` `posts_editors` ON `posts_editors`.`id` = `posts_editors_je`.`value`",
    );
    // `editors:each` walks the same json_each
    resolver.resolve("editors:each");
    assert.equal(resolver.joins().length, 2);
  });

  test("aliases are deterministic across resolvers", () => {
    const sqlOf = (r: RecordFieldResolver) => r.joins().map((j) => j.sql);
    const a = resolverFor();
    const b = resolverFor();
    for (const r of [a, b]) {
      r.resolve("comments_via_post.user.name");
      r.resolve("parent.parent.author.name");
    }
    assert.deepEqual(sqlOf(a), sqlOf(b));
  });

  test("a rejected identifier leaves no join behind", () => {
    const resolver = resolverFor();
    assert.throws(() => resolver.resolve("author.nope"), FilterError);
    assert.throws(() => resolver.resolve("editors.title:each"), FilterError);
    assert.equal(resolver.joins().length, 0);
  });
});

describe(":each and :length on the main collection", () => {
  check([
    { filter: "tags:each = 'a'", ids: ["p4"] },
    { filter: "tags:each ?= 'b'", ids: ["p1", "p3"] },
    { filter: "tags:each != 'c'", ids: ["p1", "p3", "p4"] },
    { filter: "tags:length > 1", ids: ["p1"] },
    { filter: "tags:length = 0", ids: ["p2"] },
    { filter: "status:each = 'draft'", ids: ["p1"] },
  ]);
  checkErrors([
    { filter: "title:each = 'x'", code: "unknown_field", message: /multi-value/ },
    { filter: "views:length = 1", code: "unknown_field", message: /multi-value/ },
    { filter: "title:isset = true", code: "unknown_field", message: /:isset/ },
    { filter: "title:changed = true", code: "unknown_field", message: /:changed/ },
    { filter: "title:bogus = 1", code: "unknown_field", message: /unknown modifier/ },
  ]);
});

describe("back-relations", () => {
  check([
    { filter: "comments_via_post.text ?= 'meh'", ids: ["p1"] },
    { filter: "comments_via_post.text = 'ok'", ids: ["p3"] },
    { filter: "comments_via_post.user.name ?= 'Bob'", ids: ["p1", "p3"] },
    { filter: "comments_via_post.user.name = 'Bob'", ids: ["p3"] },
    { filter: "stats_via_post.likes = 5", ids: ["p1"] },
    { filter: "stats_via_post.likes = 0", ids: ["p3"] },
    { filter: "users_via_favorite.name ?= 'Ann'", ids: ["p3"] },
    { filter: "parent.comments_via_post.text ?= 'nice'", ids: ["p2", "p3"] },
  ]);

  test("a single back-relation with a unique index is single-valued", () => {
    const resolution = resolverFor().resolve("stats_via_post.likes");
    assert.ok(resolution !== undefined && "sql" in resolution);
    assert.equal(resolution.multiMatch, undefined);
    const multi = resolverFor().resolve("comments_via_post.text");
    assert.ok(multi !== undefined && "sql" in multi && multi.multiMatch !== undefined);
  });

  checkErrors([
    { filter: "comments_via_user.text ?= 'x'", code: "unknown_field", message: /does not point/ },
    { filter: "nope_via_post.x = 1", code: "unknown_field" },
    { filter: "comments_via_nope.x = 1", code: "unknown_field" },
    { filter: "comments_via_text.x = 1", code: "unknown_field" },
  ]);
});

describe("@collection", () => {
  check([
    { filter: "@collection.comments.post ?= id && @collection.comments.text ?= 'ok'", ids: ["p3"] },
    {
      filter: "@collection.comments:c1.post ?= id && @collection.comments:c2.text ?= 'nice'",
      ids: ["p1", "p3"],
    },
    { filter: "@collection.users.name ?= 'Ann'", ids: ALL },
    { filter: "@collection.users.verified = true", ids: [] },
    { filter: "@collection.users.email ?= 'b@x.com'", ids: ALL },
    { filter: "@collection.users.secret ?= 's2'", ids: ALL, client: false, hidden: false },
    { filter: "@collection.posts.views ?> views", ids: ["p2", "p3", "p4"] },
    // Without `?`, every row of the other collection must match, compared with the row checked
    // (views: p1 10, p2 0, p3 3, p4 7; comment c4 has no post).
    { filter: "@collection.posts.views <= views", ids: ["p1"] },
    { filter: "@collection.posts.views >= views", ids: ["p2"] },
    { filter: "@collection.posts.views > views", ids: [] },
    { filter: "@collection.posts.id = id", ids: [] },
    { filter: "@collection.comments.text != ''", ids: ALL },
    { filter: "@collection.comments.post != ''", ids: [] },
    { filter: "@collection.comments.text != '' && @collection.posts.views <= views", ids: ["p1"] },
  ]);

  test("joins are cross joins aliased by collection or alias", () => {
    const resolver = resolverFor();
    resolver.resolve("@collection.users.name");
    resolver.resolve("@collection.users:u.name");
    resolver.resolve("@collection.comments:u.text");
    assert.deepEqual(
      resolver.joins().map((j) => j.sql),
      [
        "LEFT JOIN `users` `__collection_users` ON 1=1",
        "LEFT JOIN `users` `__collection_alias_u` ON 1=1",
        "LEFT JOIN `comments` `__collection_alias_u_2` ON 1=1",
      ],
    );
  });

  checkErrors([
    { filter: "@collection.nope.x = 1", code: "unknown_field" },
    { filter: "@collection.users = 1", code: "unknown_field" },
    { filter: "@collection.users.nope = 1", code: "unknown_field" },
  ]);
});

describe("@request", () => {
  check(
    [
      { filter: "@request.method = 'POST'", ids: ALL },
      { filter: "@request.method:lower = 'post'", ids: ALL },
      { filter: "@request.context = 'default'", ids: ALL },
      { filter: "@request.headers.x_token = 'abc'", ids: ALL },
      { filter: "@request.headers.x_token:isset = true", ids: ALL },
      { filter: "@request.headers.missing = null && @request.headers.missing:isset = false", ids: ALL },
      { filter: "@request.query.page = '2'", ids: ALL },
      { filter: "@request.auth.id = author", ids: ["p1"] },
      { filter: "@request.auth.id != ''", ids: ALL },
      { filter: "@request.auth.name = 'Ann' && @request.auth.collectionName = 'users'", ids: ALL },
      { filter: "@request.auth.email = 'a@x.com' && @request.auth.verified = true", ids: ALL },
      { filter: "@request.auth.secret = 's1'", ids: ALL },
      { filter: "@request.auth.prefs = null", ids: [] },
      { filter: "@request.auth.nope = null && @request.auth.nope:isset = false", ids: ALL },
      { filter: "@request.auth.roles:each ?= 'admin'", ids: ALL },
      { filter: '@request.auth.roles = \'["admin","staff"]\'', ids: ALL },
      { filter: "@request.auth.prefs.theme = 'dark'", ids: ALL },
      {
        filter: "@request.auth.verified = verified && @request.auth.emailVisibility = true",
        ids: ["u1", "u2"],
        collection: fx.users,
      },
      { filter: "@request.auth.prefs.theme = prefs.theme", ids: ["u1"], collection: fx.users },
      { filter: "@request.auth.favorite = favorite", ids: ["u1"], collection: fx.users },
      {
        filter: "@request.auth.roles = roles && @request.auth.email = email",
        ids: ["u1"],
        collection: fx.users,
      },
      { filter: `@request.auth.collectionId = '${fx.users.id}'`, ids: ALL },
      { filter: "@request.auth.id:isset = true && @request.auth.name:lower = 'ann'", ids: ALL },
      { filter: "@request.auth.roles:length = 2", ids: ALL },
      { filter: "@request.auth.favorite.title = 'World'", ids: ALL },
      { filter: "@request.auth.favorite.title = title", ids: ["p3"] },
      { filter: "@request.auth.favorite.nope = null", ids: ALL },
      { filter: "@request.auth.id ?= editors.id", ids: ["p1", "p4"] },
      { filter: "@request.body.title = 'Hello'", ids: ALL },
      { filter: "@request.body.views = 42 && @request.body.views > views", ids: ALL },
      { filter: "@request.body.published = true", ids: ALL },
      { filter: "@request.body.tags:length = 2", ids: ALL },
      { filter: "@request.body.tags:each ?= 'c'", ids: ALL },
      { filter: "@request.body.tags:each = 'a'", ids: [] },
      { filter: "@request.body.tags:each != 'z'", ids: ALL },
      { filter: "@request.body.tags:each ?= tags:each", ids: ["p1", "p4"] },
      { filter: '@request.body.tags = \'["a","c"]\'', ids: ALL },
      { filter: "@request.body.title:isset = true && @request.body.nope:isset = false", ids: ALL },
      { filter: "@request.body.nope = null", ids: ALL },
      { filter: "@request.body.title:changed = true", ids: ["p2", "p3", "p4"] },
      { filter: "@request.body.title:changed = false", ids: ["p1"] },
      { filter: "@request.body.status:changed = false", ids: ALL },
      { filter: "@request.body.editors:changed = false", ids: ["p1"] },
      { filter: "@request.body.author:changed = false", ids: ["p3"] },
      { filter: "@request.body.editors.name ?= 'Bob'", ids: ALL },
      { filter: "@request.body.editors.name = 'Ann'", ids: [] },
      { filter: "@request.body.editors.verified = true", ids: ALL },
      { filter: "@request.body.author.name = author.name", ids: ["p3"] },
      { filter: "@request.body.parent.title = null", ids: ALL },
      { filter: "@request.body.title:lower = 'hello'", ids: ALL },
      { filter: "@request.body.meta.x = 1 && @request.body.meta.list.1 = 'two'", ids: ALL },
      { filter: "@request.body.meta.list.5:isset = false", ids: ALL },
      { filter: "@request.body.__proto__ = null && @request.body.constructor:isset = false", ids: ALL },
    ],
    { info: asAnn },
  );

  describe("as a guest", () => {
    check(
      [
        { filter: "@request.auth.id = ''", ids: ALL },
        { filter: "@request.auth.id != ''", ids: [] },
        { filter: "@request.auth.name = null && @request.auth.name:isset = false", ids: ALL },
        { filter: "@request.auth.favorite.title = null", ids: ALL },
        { filter: "@request.method = 'GET' && @request.body.title = null", ids: ALL },
      ],
      { info: guest },
    );
  });

  describe("outside a request", () => {
    check([
      { filter: "@request.method = null && @request.auth.id = ''", ids: ALL },
      { filter: "@request.body.title:isset = false", ids: ALL },
    ]);
  });

  checkErrors(
    [
      { filter: "@request.nope = 1", code: "unknown_field" },
      { filter: "@request.method.x = 1", code: "unknown_field" },
      { filter: "@request.body = 1", code: "unknown_field" },
      { filter: "@request.auth = 1", code: "unknown_field" },
      { filter: "@request.body.title:each = 1", code: "unknown_field" },
      { filter: "@request.body.nope:length = 1", code: "unknown_field" },
      { filter: "@request.body.nope:changed = true", code: "unknown_field" },
      { filter: "@request.query.page:each = 1", code: "unknown_field" },
      { filter: "@request.auth.name:changed = true", code: "unknown_field" },
    ],
    { info: asAnn },
  );
});

describe("client filters (non-superusers)", () => {
  for (const [filter, root] of [
    ["@request.method = 'GET'", "@request."],
    ["@request.auth.id != ''", "@request."],
    ["@collection.users.name ?= 'x'", "@collection."],
  ] as const) {
    test(`${filter} is for superusers only`, () => {
      assert.throws(
        () => run(filter, { client: true, info: guest }),
        (error: unknown) =>
          isSuperuserOnlyFilterError(error) && error.message === `Only superusers can filter by ${root}`,
      );
    });
  }

  checkErrors(
    [
      { filter: "reviewer = 'u2'", code: "unknown_field", message: /Non-filterable field "reviewer"/ },
      { filter: "reviewer.name = 'Bob'", code: "unknown_field", message: /Non-filterable/ },
      { filter: "author.secret = 's1'", code: "unknown_field", message: /Non-filterable/ },
      { filter: "author.password != ''", code: "unknown_field", message: /Non-filterable/ },
      { filter: "comments_via_post.text ?= 'nice'", code: "unknown_field", message: /superusers/ },
    ],
    { client: true, info: guest },
  );

  test("the other rejections are not 403s", () => {
    assert.throws(
      () => run("author.secret = 's1'", { client: true, info: guest }),
      (error: unknown) => error instanceof FilterError && !isSuperuserOnlyFilterError(error),
    );
  });

  describe("joins only see records the target's listRule lists", () => {
    check(
      [
        { filter: "author.name = 'Cid'", ids: [] },
        { filter: "editors.name ?= 'Cid'", ids: [] },
        { filter: "editors.name ?= 'Ann'", ids: ["p1", "p4"] },
        { filter: "editors.name = 'Ann'", ids: ["p4"] },
        { filter: "parent.views = 0", ids: [] },
        { filter: "parent.title = 'Hello'", ids: ["p2", "p3"] },
        { filter: "stats_via_post.likes = 5", ids: ["p1"] },
        { filter: "author.name = 'Cid'", ids: ["p4"], info: fx.request({ auth: cid }) },
      ],
      { client: true, info: guest },
    );
    check([
      { filter: "author.name = 'Cid'", ids: ["p4"] },
      { filter: "editors.name = 'Ann'", ids: [] },
      { filter: "parent.views = 0", ids: ["p4"] },
    ]);
  });

  describe("email only matches where it is visible", () => {
    check(
      [
        { filter: "email = 'b@x.com'", ids: [], collection: fx.users },
        { filter: "email = 'a@x.com'", ids: ["u1"], collection: fx.users },
        { filter: "email ~ 'x.com'", ids: ["u1", "u3"], collection: fx.users },
        { filter: "author.email = 'b@x.com'", ids: [] },
        { filter: "author.email = 'a@x.com'", ids: ["p1"] },
      ],
      { client: true, info: guest },
    );
    check([
      { filter: "email = 'b@x.com'", ids: ["u2"], collection: fx.users },
      { filter: "author.email = 'b@x.com'", ids: ["p3"] },
    ]);
  });
});

describe("sort", () => {
  test("through a relation, both directions", () => {
    assert.deepEqual(run("id != ''", { sort: "author.name,id" }), ["p2", "p1", "p3", "p4"]);
    assert.deepEqual(run("id != ''", { sort: "-author.name" }), ["p4", "p3", "p1", "p2"]);
    assert.deepEqual(run("id != ''", { sort: "-views,title" }), ["p1", "p4", "p3", "p2"]);
    assert.deepEqual(run("id != ''", { sort: "@rowid" }), ["p1", "p2", "p3", "p4"]);
    assert.deepEqual(run("id != ''", { sort: "-comments_via_post.text,id" }), ["p3", "p1", "p2", "p4"]);
  });

  test("client sorts see joins through listRules and may not use @request", () => {
    const sorted = run("id != ''", { client: true, info: guest, sort: "-author.name,id" });
    assert.deepEqual(sorted, ["p3", "p1", "p2", "p4"]);
    assert.throws(
      () => run("id != ''", { client: true, info: guest, sort: "@request.method" }),
      isSuperuserOnlyFilterError,
    );
  });
});

describe("hostile identifiers", () => {
  const identifiers = [
    "",
    ".",
    ":",
    "author..name",
    "author.",
    ".author",
    "title:",
    "title:lower:lower",
    "title:lower.x",
    "author:each.name",
    "a.b.c.d.e.f.g.h",
    "parent.parent.parent.parent.parent.parent.parent.title",
    "__proto__",
    "__proto__.x",
    "constructor",
    "toString.x",
    "hasOwnProperty",
    "title`",
    'ti"tle',
    "title'--",
    "author.name; DROP TABLE posts",
    "meta.a-b",
    "meta.a:lower",
    "meta.a.b:each",
    "@collection",
    "@collection.",
    "@collection.posts",
    "@collection.posts:",
    "@collection.posts:.title",
    "@collection.posts:a:b.title",
    "@collection.__proto__.x",
    "@request",
    "@request.",
    "@request.auth.",
    "@request.body..x",
    "@request.body.__proto__.polluted",
    "@request.headers.constructor",
    "@request.auth.favorite.__proto__",
    "@request.auth.favorite.parent.parent.parent.parent.parent.parent.title",
    "#x",
    "@x.y",
    "comments_via_post._via_",
    "posts_via_parent.posts_via_parent.posts_via_parent.posts_via_parent.posts_via_parent.posts_via_parent.title",
    "posts_via_parent.posts_via_parent.posts_via_parent.posts_via_parent.posts_via_parent.posts_via_parent.posts_via_parent.title",
  ];
  for (const client of [false, true]) {
    test(`resolve() throws only FilterErrors and its SQL runs (${client ? "client" : "rule"})`, () => {
      for (const identifier of identifiers) {
        const resolver = resolverFor({ client, info: asAnn });
        let resolution;
        try {
          resolution = resolver.resolve(identifier);
        } catch (error) {
          assert.ok(error instanceof FilterError, `${identifier}: ${String(error)}`);
          continue;
        }
        if (resolution === undefined || !("sql" in resolution)) continue;
        const joins = joinSql(resolver.joins(), " ");
        const value = { sql: resolution.sql, params: resolution.params ?? [] };
        const statement = sql`SELECT ${value} AS v FROM \`posts\` ${joins}`;
        assert.doesNotThrow(() => fx.db.prepare(statement.sql).all(...statement.params), identifier);
      }
    });
  }

  test("depth: six relations resolve, seven do not", () => {
    const six = "parent.parent.parent.parent.parent.parent.title";
    assert.deepEqual(run(`${six} = 'x'`), []);
    assert.throws(() => run(`parent.${six} = 'x'`), /more than 6 nested relations/);
  });

  test("filters with odd identifiers are FilterErrors, never SQL errors", () => {
    for (const filter of [
      "author..name = 1",
      "a.b.c.d.e.f.g.h = 1",
      "__proto__ = 1",
      "title' = 1",
      "title = 'x'' OR 1=1 --'",
      "@collection.posts:x:y.title = 1",
    ]) {
      assert.throws(() => run(filter), FilterError, filter);
    }
    assert.deepEqual(run('title = "x\' OR 1=1 --"'), []);
  });
});

describe("hasSingleColumnUniqueIndex", () => {
  test("recognises single-column unique indexes only", () => {
    assert.equal(hasSingleColumnUniqueIndex(["CREATE UNIQUE INDEX `i` ON `t` (`post`)"], "post"), true);
    assert.equal(
      hasSingleColumnUniqueIndex(["create unique index i on t (post COLLATE NOCASE DESC)"], "POST"),
      true,
    );
    assert.equal(
      hasSingleColumnUniqueIndex(['CREATE UNIQUE INDEX "i" ON "t" ("post") WHERE post != \'\''], "post"),
      true,
    );
    assert.equal(hasSingleColumnUniqueIndex(["CREATE INDEX `i` ON `t` (`post`)"], "post"), false);
    assert.equal(
      hasSingleColumnUniqueIndex(["CREATE UNIQUE INDEX `i` ON `t` (`post`, `user`)"], "post"),
      false,
    );
    assert.equal(hasSingleColumnUniqueIndex(["CREATE UNIQUE INDEX `i` ON `t` (`other`)"], "post"), false);
  });
});
