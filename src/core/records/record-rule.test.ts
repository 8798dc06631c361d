import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SQLInputValue } from "node:sqlite";
import { FilterError } from "../../query/errors.ts";
import type { SqlValue } from "../../query/sql.ts";
import type { RequestInfo } from "../hook-events.ts";
import { createFixture } from "./record-field-resolver-fixtures.ts";
import { isSuperuserOnlyFilterError } from "./record-field-resolver.ts";
import {
  RecordQueryBuilder,
  buildRecordFilter,
  buildRecordSort,
  canAccessNewRecord,
  canAccessRecord,
  recordCountSql,
  recordSelectSql,
} from "./record-rule.ts";
import type { NewRecordValue, RecordRuleContext } from "./record-rule.ts";

const fx = createFixture();
const db = {
  get: async (sql: string, params: readonly SqlValue[] = []) => fx.db.prepare(sql).get(...params),
};
const ann = fx.user("u1");
const cid = fx.user("u3");

function ctx(requestInfo: RequestInfo | null = fx.request(), collection = fx.posts): RecordRuleContext {
  return { findCollection: fx.findCollection, collection, requestInfo };
}

function list(
  options: { rule?: string; filter?: string; sort?: string; isSuperuser?: boolean; info?: RequestInfo },
  collection = fx.posts,
): string[] {
  const query = new RecordQueryBuilder({
    ...ctx(options.info, collection),
    isSuperuser: options.isSuperuser ?? false,
  })
    .rule(options.rule ?? "")
    .filter(options.filter ?? "")
    .sort(options.sort ?? "id")
    .build();
  const select = recordSelectSql(collection, query);
  return fx.ids(select.sql, select.params);
}

describe("RecordQueryBuilder", () => {
  test("ANDs the rule with the client filter", () => {
    assert.deepEqual(list({ rule: "published = true" }), ["p1", "p3", "p4"]);
    assert.deepEqual(list({ rule: "published = true", filter: "views < 5" }), ["p3"]);
    assert.deepEqual(list({ filter: "views < 5" }), ["p2", "p3"]);
    assert.deepEqual(list({}), ["p1", "p2", "p3", "p4"]);
  });

  test("rules see everything, client filters only what listRules allow", () => {
    // the rule may look at u3 (unverified); the guest's filter may not
    assert.deepEqual(list({ rule: "author.verified = false" }), ["p4"]);
    assert.deepEqual(list({ filter: "author.verified = false" }), []);
    assert.deepEqual(list({ filter: "author.verified = false", info: fx.request({ auth: cid }) }), ["p4"]);
    assert.deepEqual(list({ filter: "author.verified = false", isSuperuser: true }), ["p4"]);
    assert.deepEqual(list({ rule: "reviewer.name = 'Bob'" }), ["p1"]);
    assert.throws(() => list({ filter: "reviewer.name = 'Bob'" }), FilterError);
  });

  test("one join list: shared paths are joined once", () => {
    const build = (isSuperuser: boolean) =>
      new RecordQueryBuilder({ ...ctx(), isSuperuser })
        .rule("author.verified = true")
        .filter("author.name != ''")
        .sort("-author.name")
        .build();
    const superuser = build(true);
    assert.equal(superuser.joins.length, 1);
    assert.equal(superuser.needsDistinct, true);
    // a guest's filter joins the author a second time, through the users listRule
    const guest = build(false);
    assert.equal(guest.joins.length, 2);
    assert.match(guest.joins[1]!.sql, /`posts_author_2` ON .* AND EXISTS/);
    const select = recordSelectSql(fx.posts, guest);
    assert.deepEqual(fx.ids(select.sql, select.params), ["p3", "p1"]);
  });

  test("@request/@collection in client filters and sorts are 403s for non-superusers", () => {
    assert.throws(() => list({ filter: "@request.auth.id != ''" }), isSuperuserOnlyFilterError);
    assert.throws(() => list({ sort: "@collection.users.name" }), isSuperuserOnlyFilterError);
    assert.deepEqual(
      list({ filter: "@request.auth.id != ''", isSuperuser: true, info: fx.request({ auth: ann }) }),
      ["p1", "p2", "p3", "p4"],
    );
    // rules may use them
    assert.deepEqual(list({ rule: "@request.auth.id = author", info: fx.request({ auth: ann }) }), ["p1"]);
  });

  test("client filters keep PocketBase's length limit, rules do not", () => {
    const long = `title != '${"x".repeat(4000)}'`;
    assert.throws(
      () => list({ filter: long }),
      (e: unknown) => e instanceof FilterError && e.code === "limit",
    );
    assert.deepEqual(list({ rule: long }), ["p1", "p2", "p3", "p4"]);
  });

  test("paging and counting", () => {
    const query = new RecordQueryBuilder({ ...ctx(), isSuperuser: false })
      .filter("editors.name ?= 'Ann'")
      .sort("-views")
      .build();
    const page = recordSelectSql(fx.posts, query, { limit: 1, offset: 1 });
    assert.deepEqual(fx.ids(page.sql, page.params), ["p4"]);
    const count = recordCountSql(fx.posts, query);
    assert.equal(fx.db.prepare(count.sql).get(...count.params)?.total, 2);
  });
});

describe("buildRecordFilter / buildRecordSort", () => {
  test("share joins through the resolver they return", () => {
    const filter = buildRecordFilter({
      ...ctx(),
      filter: "comments_via_post.text ?= 'ok' || author.name = 'Ann'",
      isClientFilter: false,
      allowHiddenFields: true,
    });
    assert.equal(filter.needsDistinct, true);
    const sort = buildRecordSort({
      ...ctx(),
      sort: "-author.name",
      isClientFilter: false,
      allowHiddenFields: true,
      resolver: filter.resolver,
    });
    assert.equal(sort.joins.length, filter.joins.length);
    const statement = `SELECT DISTINCT posts.id AS id FROM posts ${sort.joins.map((j) => j.sql).join(" ")} WHERE ${filter.where.sql} ORDER BY ${sort.orderBy.sql}`;
    const params = [...sort.joins.flatMap((j) => j.params), ...filter.where.params, ...sort.orderBy.params];
    assert.deepEqual(fx.ids(statement, params), ["p3", "p1"]);
  });
});

describe("canAccessRecord", () => {
  const asAnn = fx.request({ auth: ann, body: { title: "Hello" } });
  const cases: readonly [rule: string | null, id: string, info: RequestInfo, expected: boolean][] = [
    [null, "p1", asAnn, false],
    ["", "p1", asAnn, true],
    ["", "nope", asAnn, true],
    ["author = @request.auth.id", "p1", asAnn, true],
    ["author = @request.auth.id", "p3", asAnn, false],
    ["author = @request.auth.id", "p1", fx.request(), false],
    ["editors.name ?= 'Bob'", "p1", asAnn, true],
    ["editors.name ?= 'Bob'", "p2", asAnn, false],
    ["editors.name = 'Bob'", "p3", asAnn, true],
    ["comments_via_post.user.name ?= 'Bob' && @request.body.title = title", "p1", asAnn, true],
    ["@request.body.title:changed = false", "p1", asAnn, true],
    ["@request.body.title:changed = false", "p3", asAnn, false],
    ["@collection.stats.post ?= id && @collection.stats.likes ?> 1", "p1", asAnn, true],
    ["@collection.stats.post ?= id && @collection.stats.likes ?> 1", "p3", asAnn, false],
    ["id != ''", "nope", asAnn, false],
  ];
  for (const [rule, id, info, expected] of cases) {
    test(`${JSON.stringify(rule)} on ${id} (${info.auth ? "auth" : "guest"}) → ${expected}`, async () => {
      assert.equal(await canAccessRecord(db, ctx(info), id, rule), expected);
    });
  }

  test("a bad rule is a FilterError", async () => {
    await assert.rejects(canAccessRecord(db, ctx(), "p1", "nope = 1"), FilterError);
  });
});

describe("canAccessNewRecord", () => {
  const values = (overrides: { [name: string]: SQLInputValue }): NewRecordValue[] =>
    Object.entries({
      id: "new1",
      title: "Draft",
      author: "u1",
      editors: "[]",
      published: 0,
      ...overrides,
    }).map(([name, value]) => ({ name, value }));
  const asAnn = fx.request({ auth: ann, body: { title: "Draft", author: "u1" } });
  const cases: readonly [
    rule: string | null,
    overrides: { [name: string]: SQLInputValue },
    expected: boolean,
  ][] = [
    [null, {}, false],
    ["", {}, true],
    ["@request.auth.id != '' && author = @request.auth.id", {}, true],
    ["@request.auth.id != '' && author = @request.auth.id", { author: "u2" }, false],
    ["title != '' && @request.body.title = title", {}, true],
    ["title != '' && @request.body.title = title", { title: "Other" }, false],
    ["author.verified = true", {}, true],
    ["author.verified = true", { author: "u3" }, false],
    ["editors.name ?= 'Bob'", { editors: '["u1","u2"]' }, true],
    ["editors.name = 'Bob'", { editors: '["u2"]' }, true],
    ["editors.name = 'Bob'", { editors: '["u1","u2"]' }, false],
    ["views = 0 && published = false && tags:length = 0", {}, true],
    ["parent.title = 'Hello'", { parent: "p1" }, true],
    ["@collection.posts.title ?= title", { title: "World" }, true],
    ["@collection.posts.title ?= title", {}, false],
    ["comments_via_post.id = ''", {}, true],
  ];
  for (const [rule, overrides, expected] of cases) {
    test(`${JSON.stringify(rule)} with ${JSON.stringify(overrides)} → ${expected}`, async () => {
      assert.equal(await canAccessNewRecord(db, ctx(asAnn), values(overrides), rule), expected);
    });
  }

  test("record values from Record.dbValues() are accepted", async () => {
    const record = fx.user("u1");
    const ok = await canAccessNewRecord(
      db,
      ctx(fx.request({ auth: ann }), fx.users),
      record.dbValues(),
      "email = @request.auth.email && roles:each ?= 'admin' && favorite.title = 'World'",
    );
    assert.equal(ok, true);
  });
});
