/**
 * Record output (§6.2–§6.4): `?expand=` (relations, back-relations, 6 levels, each expanded
 * record checked against its viewRule, bad paths ignored, where the `expand` key appears),
 * the `?fields=` picker (`*`, nested `expand.x.y`, `:excerpt`), and the exact JSON bytes
 * (sorted keys, dates, numbers, empty values, JSON verbatim, HTML escaping, trailing newline).
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { excerpt } from "../src/tools/picker.ts";
import { request } from "./helpers/http.ts";
import { seedFixture, USER1, type Fixture } from "./helpers/records-fixture.ts";
import { TOKENS, startOnTestdata } from "./helpers/records-testdata.ts";
import { suiteCleanup, type TestServer } from "./helpers/server.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
type Json = { [key: string]: any };

describe("record output", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  let fx: Fixture;

  before(async () => {
    const started = await startOnTestdata(cleanup as never);
    if (!started) throw new Error("PocketBase test data folder missing");
    s = started;
    fx = await seedFixture(s.pb);
  });

  const get = (path: string, token = "") => request(s.url, "GET", path, { token });
  const viewPost = (title: string, query: string, token = "") =>
    get(`/api/collections/posts/records/${fx.postIds[title]}?${query}`, token);

  describe("expand", () => {
    test("single, multiple and back-relations, keys sorted, related order kept", async () => {
      const res = await viewPost("Alpha", "expand=tags,owner,comments_via_post", s.token);
      assert.equal(res.status, 200, res.text);
      const expand = res.json.expand as Json;
      assert.deepEqual(Object.keys(expand), ["comments_via_post", "owner", "tags"]);
      assert.deepEqual(
        expand.tags.map((t: Json) => t.name),
        ["red", "green"],
      );
      assert.equal(expand.owner.id, USER1);
      assert.equal(expand.owner.email, "test@example.com", "superusers see every email");
      assert.deepEqual(
        expand.comments_via_post.map((c: Json) => c.text),
        ["nice", "meh"],
      );
      // `expand` sits in the record's sorted keys
      const keys = Object.keys(res.json);
      assert.deepEqual(keys, [...keys].sort());
    });

    test("each expanded record is checked against its viewRule", async () => {
      // users' viewRule is `id = @request.auth.id`
      const guest = await viewPost("Alpha", "expand=tags,owner");
      assert.deepEqual(Object.keys(guest.json.expand), ["tags"]);
      const owner = await viewPost("Alpha", "expand=tags,owner", TOKENS.user);
      assert.deepEqual(Object.keys(owner.json.expand), ["owner", "tags"]);
      assert.equal(owner.json.expand.owner.email, "test@example.com", "the owner sees its own email");
      const other = await viewPost("Alpha", "expand=owner", TOKENS.user2);
      assert.deepEqual(other.json.expand, {});
    });

    test("a viewRule filters expanded records one by one, with the expand context", async () => {
      await s.pb.collections.update("tags", { viewRule: "name != 'red' && @request.context = 'expand'" });
      try {
        const res = await viewPost("Alpha", "expand=tags");
        assert.deepEqual(
          res.json.expand.tags.map((t: Json) => t.name),
          ["green"],
        );
        const direct = await get(`/api/collections/tags/records/${fx.tagIds.green}`);
        assert.equal(direct.status, 404, "the same rule refuses a direct view (context default)");
      } finally {
        await s.pb.collections.update("tags", { viewRule: "" });
      }
    });

    test("a locked (null) viewRule: no expand for non-superusers, not even the key", async () => {
      const guest = await viewPost("Alpha", "expand=private_via_post");
      assert.equal(guest.status, 200);
      assert.equal(guest.json.expand, undefined);
      const su = await viewPost("Alpha", "expand=private_via_post", s.token);
      assert.equal(su.json.expand.private_via_post[0].note, "hidden");
    });

    test("resolved but empty relations give `expand: {}`", async () => {
      const res = await viewPost("Gamma", "expand=tags,owner,comments_via_post", s.token);
      assert.match(res.text, /"expand":\{\},/);
    });

    test("invalid paths are ignored, valid ones still expand", async () => {
      const bad = await viewPost("Alpha", "expand=nope,title,tags.nope,owner..x,posts_via_nope", s.token);
      assert.equal(bad.status, 200, bad.text);
      assert.equal(bad.json.expand, undefined);
      const mixed = await viewPost("Alpha", "expand=tags.nope, owner ,", s.token);
      assert.deepEqual(Object.keys(mixed.json.expand), ["owner"]);
    });

    test("legacy collection(field) back-relation syntax", async () => {
      const res = await viewPost("Alpha", "expand=comments(post)", s.token);
      assert.equal(res.json.expand.comments_via_post.length, 2);
    });

    test("six levels deep through back-relations; a seventh is ignored", async () => {
      const six = "post.comments_via_post.post.comments_via_post.post.tags";
      const res = await get(`/api/collections/comments/records/${fx.commentIds[0]}?expand=${six}`, s.token);
      assert.equal(res.status, 200, res.text);
      const level5 =
        res.json.expand.post.expand.comments_via_post[0].expand.post.expand.comments_via_post[0].expand.post;
      assert.deepEqual(
        level5.expand.tags.map((t: Json) => t.name),
        ["red", "green"],
      );
      const seven = await get(
        `/api/collections/comments/records/${fx.commentIds[0]}?expand=${six}.nope`,
        s.token,
      );
      assert.equal(seven.text, res.text);
    });

    test("a back-relation through a unique index expands to one record", async () => {
      const patched = await request(s.url, "PATCH", "/api/collections/demo4/records/qzaqccwrmva4o1n", {
        body: { rel_one_unique: "1tmknxy2868d869" },
        token: s.token,
      });
      assert.equal(patched.status, 200, patched.text);
      const res = await get(
        "/api/collections/demo3/records/1tmknxy2868d869?expand=demo4_via_rel_one_unique,demo4_via_rel_many_no_cascade",
        s.token,
      );
      assert.equal(res.json.expand.demo4_via_rel_one_unique.id, "qzaqccwrmva4o1n");
      assert.ok(Array.isArray(res.json.expand.demo4_via_rel_many_no_cascade));
    });

    test("list expands every item, one record shared by several parents", async () => {
      const res = await get("/api/collections/posts/records?expand=tags&sort=@rowid", s.token);
      const green = res.json.items.filter((p: Json) =>
        (p.expand?.tags ?? []).some((t: Json) => t.name === "green"),
      );
      assert.equal(green.length, 3);
    });
  });

  describe("fields", () => {
    test("picks listed keys of every list item, envelope kept", async () => {
      const res = await get("/api/collections/posts/records?fields=id,title&sort=@rowid&perPage=2", s.token);
      assert.equal(res.status, 200);
      assert.match(
        res.text,
        /^\{"items":\[\{"id":"\w+","title":"Alpha"\},\{"id":"\w+","title":"beta"\}\],"page":1,"perPage":2,"totalItems":5,"totalPages":3\}\n$/,
      );
    });

    test("* with nested expand paths", async () => {
      const res = await viewPost(
        "Alpha",
        "expand=owner,tags&fields=*,expand.owner.name,expand.tags.name",
        s.token,
      );
      assert.equal(res.json.title, "Alpha");
      assert.deepEqual(res.json.expand.owner, { name: "test1" });
      assert.deepEqual(res.json.expand.tags, [{ name: "red" }, { name: "green" }]);
    });

    test(":excerpt strips HTML and cuts with or without an ellipsis", async () => {
      const cut = await viewPost("Alpha", "fields=body:excerpt(12,true)");
      assert.deepEqual(cut.json, { body: "Hello world,..." });
      const whole = await viewPost("Alpha", "fields=body:excerpt(100)");
      assert.deepEqual(whole.json, { body: "Hello world, one two three" });
      const noDots = await viewPost("Alpha", "fields=body:excerpt(5,false),id");
      assert.equal(noDots.json.body, "Hello");
    });

    test("excerpt text extraction", () => {
      const cases: [string, number, boolean, string][] = [
        ["a<br>b <span>c</span><em>d</em>", 20, false, "ab cd"],
        ["<h1>Title</h1><section>x</section><li>y</li>", 20, false, "Title x y"],
        ["&lt;tag&gt; &amp; &#39;q&#39; &#x263A; &eacute;", 50, false, "<tag> & 'q' ☺ &eacute;"],
        ["<!-- hidden -->shown<style>p{}</style><img src=x>", 20, false, "shown"],
        ["  many   \n spaces  ", 20, false, "many spaces"],
        ["ünïcödé text", 5, true, "ünïcö..."],
        ["exact", 5, true, "exact"],
        ["two words", 4, true, "two..."],
      ];
      for (const [html, max, ellipsis, expected] of cases)
        assert.equal(excerpt(html, max, ellipsis), expected, html);
    });

    test("an invalid modifier is a 400", async () => {
      for (const fields of [
        "title:nope",
        "body:excerpt(x)",
        "body:excerpt()",
        "body:excerpt(1,2,3)",
        "body:excerpt(0)",
      ]) {
        const res = await viewPost("Alpha", `fields=${encodeURIComponent(fields)}`);
        assert.equal(res.status, 400, fields);
        assert.match(res.text, /"data":\{\}/);
      }
    });

    test("a star's modifier applies to every key it brings in", async () => {
      const res = await viewPost("Alpha", "fields=" + encodeURIComponent("*:excerpt(4),id"));
      assert.equal(res.json.title, "Alph");
      assert.equal(res.json.body, "Hell");
      assert.equal(res.json.id, fx.postIds.Alpha, "listed keys keep their own (no) modifier");
      assert.equal(res.json.views, 10, "non-strings are untouched");
    });

    test("unknown fields are simply absent; errors are never picked", async () => {
      const res = await viewPost("Alpha", "fields=nope");
      assert.equal(res.text, "{}\n");
      const err = await get("/api/collections/posts/records/missing?fields=id");
      assert.equal(err.status, 404);
      assert.match(err.text, /"message"/);
    });
  });

  describe("JSON bytes", () => {
    test("sorted keys, collectionId/collectionName, Go encoding and a trailing newline", async () => {
      const res = await get("/api/collections/demo1/records/imy661ixudk5izi", s.token);
      assert.equal(res.headers.get("content-type"), "application/json");
      assert.equal(
        res.text,
        '{"bool":false,"collectionId":"wsmn24bux7wo113","collectionName":"demo1","created":"2022-10-14 10:36:21.012Z",' +
          '"datetime":"","email":"","file_many":[],"file_one":"","id":"imy661ixudk5izi","json":null,"number":0,' +
          '"point":{"lon":-74.006015,"lat":40.712728},"rel_many":[],"rel_one":"","select_many":[],"select_one":"",' +
          '"text":"lorem ipsum","updated":"2025-04-02 11:05:03.433Z","url":""}\n',
      );
    });

    test("numbers, dates, JSON values and HTML escaping", async () => {
      const res = await get("/api/collections/demo1/records/84nmscqy84lsi1t", s.token);
      assert.match(res.text, /"number":123456,/);
      assert.match(res.text, /"datetime":"2022-10-01 12:00:00.000Z"/);
      assert.match(res.text, /"json":\[1,2,3\]/);
      const post = await viewPost("Alpha", "");
      assert.match(post.text, /"body":"\\u003cp\\u003eHello \\u003cb\\u003eworld\\u003c\/b\\u003e,/);
      assert.match(post.text, /"views":10\}\n$/);
      assert.match(post.text, /"loc":\{"lon":23.33,"lat":42.65\}/);
      assert.match(post.text, /"created":"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z"/);
    });

    test("auth records never show password or tokenKey, and email only when visible", async () => {
      const guest = await get("/api/collections/nologin/records?sort=@rowid");
      assert.doesNotMatch(guest.text, /"password"|"tokenKey"/);
      assert.doesNotMatch(guest.text, /test@example\.com|test3@example\.com/);
      assert.match(guest.text, /"email":"test2@example.com"/);
      const su = await get("/api/collections/nologin/records?sort=@rowid", s.token);
      assert.doesNotMatch(su.text, /"password"|"tokenKey"/);
      assert.match(su.text, /test@example\.com/);
    });
  });
});
