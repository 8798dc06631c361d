import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sharedFilterCache } from "../../query/filter-cache.ts";
import { compileFilter } from "../../query/filter-compiler.ts";
import type { Collection } from "../collections/collection-model.ts";
import type { RequestInfo } from "../hook-events.ts";
import { createFixture } from "./record-field-resolver-fixtures.ts";
import { RULE_FILTER_LIMITS, RecordFieldResolver } from "./record-field-resolver.ts";
import { type CompiledRule, compileRecordRule, ruleCacheStats } from "./record-rule-cache.ts";

const fx = createFixture();

function resolverFor(collection: Collection, requestInfo: RequestInfo | null): RecordFieldResolver {
  return new RecordFieldResolver({
    findCollection: fx.findCollection,
    collection,
    requestInfo,
    allowHiddenFields: true,
    isClientFilter: false,
  });
}

function cached(rule: string, requestInfo: RequestInfo | null, collection = fx.posts): CompiledRule {
  return compileRecordRule({
    rule,
    owner: collection,
    variant: "test",
    collection,
    requestInfo,
    limits: RULE_FILTER_LIMITS,
    newResolver: () => resolverFor(collection, requestInfo),
  });
}

function direct(rule: string, requestInfo: RequestInfo | null, collection = fx.posts): CompiledRule {
  const resolver = resolverFor(collection, requestInfo);
  const where = compileFilter(sharedFilterCache.parse(rule, RULE_FILTER_LIMITS), { resolver });
  return { where, joins: resolver.joins() };
}

function plain(compiled: CompiledRule): unknown {
  const copy = (f: { sql: string; params: readonly unknown[] }) => ({ sql: f.sql, params: [...f.params] });
  return { where: copy(compiled.where), joins: compiled.joins.map(copy) };
}

/** Requests of every shape the rules below can see. */
const REQUESTS: RequestInfo[] = [
  fx.request(),
  fx.request({ auth: fx.user("u1") }),
  fx.request({ auth: fx.user("u3") }),
  fx.request({ auth: fx.user("u1"), body: { title: "hello", views: 3, published: true, tags: ["a", "b"] } }),
  fx.request({ auth: fx.user("u3"), body: { title: "", views: "12", published: "false", tags: [] } }),
  fx.request({ body: { title: null, author: "u1", editors: ["u1", "u2"] }, method: "POST" }),
  fx.request({ query: { q: "x" }, headers: { "x-token": "abc" }, context: "realtime" }),
  fx.request({ query: { q: "" }, headers: { "x-token": "" } }),
];

const RULES = [
  "author = @request.auth.id",
  "@request.auth.id != '' && @request.body.published:isset = true",
  "@request.auth.id = '' || author = @request.auth.id",
  "author = @request.auth.id && title = @request.body.title",
  "title ~ @request.body.title",
  "views > @request.body.views",
  "published = @request.body.published",
  "tags ?= @request.body.tags",
  "tags = @request.body.tags && @request.body.tags:length > 1",
  "@request.body.editors:each ?= author",
  "@request.body.author.name != ''",
  "@request.auth.favorite.title != ''",
  "@request.auth.name:lower = 'ann'",
  "@request.body.title:changed = false",
  "@request.query.q = title || @request.headers.x_token != ''",
  "@request.context = 'realtime' && @request.method = 'GET'",
  "author.name = @request.auth.name && @collection.comments.user ?= @request.auth.id",
  "views < @yearStart && author = @request.auth.id",
  "author.roles ?= 'admin' && editors.name ?~ @request.auth.name",
  "strftime('%Y', title) = @request.query.q",
];

describe("compiled rules reused across requests", () => {
  test("every rule × request compiles to exactly what a direct compile gives", () => {
    for (let round = 0; round < 2; round++) {
      for (const rule of RULES) {
        for (const info of REQUESTS) {
          assert.deepEqual(
            plain(cached(rule, info)),
            plain(direct(rule, info)),
            `${rule} for ${JSON.stringify(info.body)}`,
          );
        }
      }
    }
  });

  test("a second request of the same shape binds its values into the same SQL", () => {
    const rule = "author = @request.auth.id && title != @request.body.title";
    const ann = fx.request({ auth: fx.user("u1"), body: { title: "a" } });
    const cid = fx.request({ auth: fx.user("u3"), body: { title: "b" } });
    const first = cached(rule, ann);
    const hits = ruleCacheStats.hits;
    const compiles = ruleCacheStats.compiles;
    const second = cached(rule, cid);
    assert.equal(ruleCacheStats.hits, hits + 1);
    assert.equal(ruleCacheStats.compiles, compiles);
    assert.equal(second.where.sql, first.where.sql);
    assert.deepEqual([...second.where.params], ["u3", "b"]);
    assert.deepEqual([...first.where.params], ["u1", "a"]);
  });

  test("a guest (another shape) gets its own SQL, not the authenticated template", () => {
    const rule = "author = @request.auth.id";
    const user = cached(rule, fx.request({ auth: fx.user("u1") }));
    const guest = cached(rule, fx.request());
    assert.notEqual(guest.where.sql, user.where.sql);
    assert.deepEqual(plain(guest), plain(direct(rule, fx.request())));
  });

  test("a changed rule or a new collection object (schema change) compiles again", () => {
    const info = fx.request({ auth: fx.user("u1") });
    cached("author = @request.auth.id", info);
    let compiles = ruleCacheStats.compiles;
    cached("author = @request.auth.id", info);
    assert.equal(ruleCacheStats.compiles, compiles, "same rule, same collection: reused");
    cached("author = @request.auth.id || published = true", info);
    assert.equal(ruleCacheStats.compiles, compiles + 1, "another rule text");
    compiles = ruleCacheStats.compiles;
    // A collection change reloads every collection: new objects, so nothing compiled for the
    // old one is reused, and the new schema is what the rule compiles against.
    const reloaded: Collection = structuredClone(fx.posts);
    reloaded.fields = reloaded.fields.filter((f) => f.name !== "title");
    cached("author = @request.auth.id", info, reloaded);
    assert.equal(ruleCacheStats.compiles, compiles + 1);
    assert.throws(() => cached("title = @request.auth.id", info, reloaded), /title/);
  });

  test("rules whose SQL needs the values (macros, joins on @request) compile per request", () => {
    for (const rule of [
      "views < @yearStart",
      "@request.auth.favorite.title != ''",
      "title ~ @request.body.title",
    ]) {
      const info = fx.request({ auth: fx.user("u1"), body: { title: "x" } });
      cached(rule, info);
      const compiles = ruleCacheStats.compiles;
      cached(rule, info);
      assert.equal(ruleCacheStats.compiles, compiles + 1, rule);
    }
  });
});
