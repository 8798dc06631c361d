/**
 * The records list query (§5, §6.1): paging, skipTotal, sorting, and the filter language over
 * records — every operator on plain fields, JSON paths, single and multiple relations (all vs
 * any), back-relations, modifiers, macros, functions and NULL/'' equality — on a fixture of our
 * own (test/helpers/records-fixture.ts) whose expected results are spelled out row by row.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { request } from "./helpers/http.ts";
import { POSTS, seedFixture, type Fixture } from "./helpers/records-fixture.ts";
import { TOKENS, startOnTestdata } from "./helpers/records-testdata.ts";
import { suiteCleanup, type TestServer } from "./helpers/server.ts";

const ALL = POSTS.map((p) => p.title);

describe("records list query", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  let fx: Fixture;

  before(async () => {
    const started = await startOnTestdata(cleanup as never);
    if (!started) throw new Error("PocketBase test data folder missing");
    s = started;
    fx = await seedFixture(s.pb);
  });

  /** Titles a list request answers (as superuser unless told), in answer order. */
  async function titles(params: string, token: string = TOKENS.superuser): Promise<string[]> {
    const res = await request(s.url, "GET", `/api/collections/posts/records?perPage=100&${params}`, {
      token,
    });
    assert.equal(res.status, 200, `${params}: ${res.text}`);
    return (res.json.items as { id: string }[]).map((r) => fx.titleOf[r.id] ?? r.id);
  }
  const sorted = (list: string[]) => [...list].sort();
  const f = (filter: string) => "filter=" + encodeURIComponent(filter);

  describe("paging", () => {
    test("defaults to page 1 of 30 and counts", async () => {
      const res = await request(s.url, "GET", "/api/collections/posts/records", { token: s.token });
      assert.equal(res.status, 200);
      assert.match(res.text, /^\{"items":\[.*\],"page":1,"perPage":30,"totalItems":5,"totalPages":1\}\n$/s);
    });

    test("pages through with perPage, each record once", async () => {
      const seen: string[] = [];
      for (let page = 1; page <= 3; page++) {
        const res = await request(
          s.url,
          "GET",
          `/api/collections/posts/records?perPage=2&page=${page}&sort=@rowid`,
          {
            token: s.token,
          },
        );
        assert.equal(res.json.totalItems, 5);
        assert.equal(res.json.totalPages, 3);
        assert.equal(res.json.page, page);
        seen.push(...(res.json.items as { id: string }[]).map((r) => fx.titleOf[r.id]!));
      }
      assert.deepEqual(seen, ALL);
    });

    test("a page past the end is empty", async () => {
      const res = await request(s.url, "GET", "/api/collections/posts/records?page=9", { token: s.token });
      assert.equal(res.status, 200);
      assert.deepEqual(res.json.items, []);
      assert.equal(res.json.page, 9);
    });

    test("perPage above 1000 is capped, zero or negative means 30, page below 1 means 1", async () => {
      const big = await request(s.url, "GET", "/api/collections/posts/records?perPage=5000", {
        token: s.token,
      });
      assert.equal(big.json.perPage, 1000);
      const zero = await request(s.url, "GET", "/api/collections/posts/records?perPage=0&page=-4", {
        token: s.token,
      });
      assert.equal(zero.json.perPage, 30);
      assert.equal(zero.json.page, 1);
    });

    test("non-numeric page or perPage is a 400", async () => {
      for (const q of ["page=abc", "perPage=1.5", "perPage=x"]) {
        const res = await request(s.url, "GET", `/api/collections/posts/records?${q}`, { token: s.token });
        assert.equal(res.status, 400, q);
        assert.match(res.text, /"data":\{\}/);
      }
    });

    test("skipTotal answers -1 totals", async () => {
      for (const v of ["1", "true", "t", "TRUE"]) {
        const res = await request(s.url, "GET", `/api/collections/posts/records?skipTotal=${v}&perPage=2`, {
          token: s.token,
        });
        assert.equal(res.json.totalItems, -1, v);
        assert.equal(res.json.totalPages, -1, v);
        assert.equal(res.json.items.length, 2);
      }
      const off = await request(s.url, "GET", "/api/collections/posts/records?skipTotal=0", {
        token: s.token,
      });
      assert.equal(off.json.totalItems, 5);
    });
  });

  describe("sort", () => {
    const rows: [string, string[]][] = [
      ["-views", ["delta 100%", "Alpha", "beta", "Gamma", "epsilon_x"]],
      ["views", ["epsilon_x", "Gamma", "beta", "Alpha", "delta 100%"]],
      ["+views", ["epsilon_x", "Gamma", "beta", "Alpha", "delta 100%"]],
      ["published,-views", ["delta 100%", "beta", "Alpha", "Gamma", "epsilon_x"]],
      ["-published, views", ["epsilon_x", "Gamma", "Alpha", "beta", "delta 100%"]],
      ["@rowid", ALL],
      ["-@rowid", [...ALL].reverse()],
      ["owner.name,title", ["Gamma", "beta", "Alpha", "delta 100%", "epsilon_x"]],
      ["meta.a,title", ["Gamma", "epsilon_x", "Alpha", "beta", "delta 100%"]],
    ];
    for (const [sort, expected] of rows) {
      test(`sort=${sort}`, async () => {
        assert.deepEqual(await titles(`sort=${encodeURIComponent(sort)}`), expected);
      });
    }

    test("@random returns every record", async () => {
      assert.deepEqual(sorted(await titles("sort=@random")), sorted(ALL));
    });

    test("an unknown sort field is a 400", async () => {
      const res = await request(s.url, "GET", "/api/collections/posts/records?sort=nope", { token: s.token });
      assert.equal(res.status, 400);
      assert.match(res.text, /"data":\{\}/);
    });

    test("superusers sort by a relation path descending", async () => {
      assert.deepEqual(await titles("sort=-owner.name,title"), [
        "epsilon_x",
        "Alpha",
        "delta 100%",
        "beta",
        "Gamma",
      ]);
    });

    test("guests may sort by a relation path but not by a hidden field", async () => {
      const res = await request(s.url, "GET", "/api/collections/comments/records?sort=-post.title,text");
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(
        (res.json.items as { text: string }[]).map((r) => r.text),
        ["x", "nice too", "meh", "nice"],
      );
      const hidden = await request(s.url, "GET", "/api/collections/posts/records?sort=secret");
      assert.equal(hidden.status, 400);
    });
  });

  describe("filter operators", () => {
    const rows: [string, string[]][] = [
      ["views = 10", ["Alpha"]],
      ["views != 10", ["beta", "Gamma", "delta 100%", "epsilon_x"]],
      ["views > 5", ["Alpha", "delta 100%"]],
      ["views >= 5", ["Alpha", "beta", "delta 100%"]],
      ["views < 0", ["epsilon_x"]],
      ["views <= 0", ["Gamma", "epsilon_x"]],
      ["views = -3.5", ["epsilon_x"]],
      ["title ~ 'a'", ["Alpha", "beta", "Gamma", "delta 100%"]],
      ["title !~ 'a'", ["epsilon_x"]],
      ["title ~ 'ALP'", ["Alpha"]],
      ["title ~ 'd%'", ["delta 100%"]],
      ["title ~ 'l_h'", []],
      ["title ~ '0%'", []],
      ['title ~ "100%"', []],
      ["title = 'Alpha' || title = \"beta\"", ["Alpha", "beta"]],
      ["(views > 0 && published = true) || kind = 'blog'", ["Alpha", "beta", "epsilon_x"]],
      ["published = true", ["Alpha", "Gamma", "epsilon_x"]],
      ["published = false", ["beta", "delta 100%"]],
      ["published != true", ["beta", "delta 100%"]],
      ["kind = ''", ["Gamma"]],
      ["kind = null", ["Gamma"]],
      ["kind != ''", ["Alpha", "beta", "delta 100%", "epsilon_x"]],
      ["kind != null", ["Alpha", "beta", "delta 100%", "epsilon_x"]],
      ["owner = ''", ["Gamma"]],
      ["owner = null", ["Gamma"]],
      ["pubdate = ''", ["Gamma"]],
      ["pubdate > '2024-01-01'", ["Alpha", "delta 100%", "epsilon_x"]],
      ["pubdate <= '2024-01-15 10:00:00.000Z' && pubdate != ''", ["Alpha", "beta"]],
      ["title != null", ALL],
      ["null = null", ALL],
      ["1 = 1", ALL],
      ["1 = 2", []],
      ["'a' = 'a' && views = 20", ["delta 100%"]],
      ["views > views", []],
      ["views = views", ALL],
      // JSON paths
      ["meta.a = 2", ["beta"]],
      ["meta.a > 1", ["beta", "delta 100%"]],
      ["meta.b = 'x'", ["delta 100%"]],
      ["meta.tags.0 = 'x'", ["Alpha"]],
      ["meta.1 = 2", ["epsilon_x"]],
      ["meta.missing = null", ALL],
      // geo points
      ["loc.lat > 45", ["delta 100%", "epsilon_x"]],
      ["geoDistance(loc.lon, loc.lat, 23.32, 42.69) < 25", ["Alpha"]],
      ["geoDistance(loc.lon, loc.lat, 2.35, 48.85) < 1", ["delta 100%"]],
      // strftime
      ["strftime('%Y', pubdate) = '2024'", ["Alpha", "epsilon_x"]],
      ["strftime('%m', pubdate, 'start of month') = '12'", ["delta 100%"]],
      // multi select
      ["labels ~ 'b'", ["Alpha", "epsilon_x"]],
      ["labels:each = 'a'", ["beta"]],
      ["labels:each ?= 'c'", ["delta 100%", "epsilon_x"]],
      // an empty list never satisfies an "every value" condition other than `=` (PocketBase's
      // multi-match subquery counts the NULL row of an empty list as a non-match)
      ["labels:each != 'a'", ["delta 100%"]],
      ["labels:length = 2", ["Alpha"]],
      ["labels:length = 0", ["Gamma"]],
      ["labels:length >= 1", ["Alpha", "beta", "delta 100%", "epsilon_x"]],
      // :lower
      ["title:lower = 'gamma'", ["Gamma"]],
      ["kind:lower ~ 'NEWS'", ["Alpha", "delta 100%"]],
      ["kind:lower = 'NEWS'", []],
      // single relation
      ["owner.name = 'test1'", ["Alpha", "delta 100%"]],
      ["owner.username = 'users69238'", ["epsilon_x"]],
      ["owner.verified = true", ["beta", "epsilon_x"]],
      ["owner.id = '" + "bgs820n361vj1qd" + "'", ["epsilon_x"]],
      // multiple relation: plain operators = every value, ? operators = at least one
      ["tags.name = 'red'", ["beta"]],
      ["tags.name ?= 'red'", ["Alpha", "beta"]],
      ["tags.name != 'red'", ["delta 100%", "epsilon_x"]],
      // any-of has plain LEFT JOIN semantics: the NULL row of an empty list IS NOT 'red'
      ["tags.name ?!= 'red'", ["Alpha", "Gamma", "delta 100%", "epsilon_x"]],
      ["tags.name ?= 'green'", ["Alpha", "delta 100%", "epsilon_x"]],
      ["tags.name ~ 'e'", ["Alpha", "beta", "delta 100%", "epsilon_x"]],
      ["tags.name ?~ 'llo'", ["delta 100%"]],
      ["tags.name:lower ?= 'yellow'", ["delta 100%"]],
      ["tags:length = 3", ["delta 100%"]],
      ["tags:length > 1", ["Alpha", "delta 100%"]],
      ["tags:length = 0", ["Gamma"]],
      // back-relations
      ["comments_via_post.text ?~ 'nice'", ["Alpha", "beta"]],
      ["comments_via_post.text ~ 'nice'", ["beta"]],
      ["comments_via_post.text ?= 'x'", ["delta 100%"]],
      ["comments_via_post.post.title ?= 'Alpha'", ["Alpha"]],
      // macros
      ["@now > '2000-01-01 00:00:00.000Z' && @yesterday < @now && @tomorrow > @now", ALL],
      [
        "@todayStart <= @now && @todayEnd >= @now && @monthStart <= @todayStart && @monthEnd >= @todayEnd",
        ALL,
      ],
      ["@yearStart <= @monthStart && @yearEnd >= @monthEnd", ALL],
      [
        "@second >= 0 && @minute < 60 && @hour < 24 && @day >= 1 && @month <= 12 && @weekday < 7 && @year > 2000",
        ALL,
      ],
      ["pubdate < @now && pubdate != ''", ["Alpha", "beta", "delta 100%", "epsilon_x"]],
      // @collection (superusers only)
      ["@collection.tags.name ?= 'blue'", ALL],
      ["@collection.comments.post ?= id", ["Alpha", "beta", "delta 100%"]],
      ["@collection.comments:c.post ?= id && @collection.comments:c.text ?= 'x'", ["delta 100%"]],
      // hidden fields are filterable by superusers
      ["secret = 's1'", ["Alpha"]],
      // comments
      ["// leading\nviews = 5 // trailing", ["beta"]],
    ];
    for (const [filter, expected] of rows) {
      test(filter, async () => {
        assert.deepEqual(sorted(await titles(f(filter))), sorted(expected));
      });
    }

    test("relations compare by id with bound values (pb.filter)", async () => {
      const red = fx.tagIds.red!;
      const filter = s.pb.filter("tags ~ {:id} && owner = {:owner}", { id: red, owner: "4q1xlclmfloku33" });
      assert.deepEqual(await titles(f(filter)), ["Alpha"]);
      assert.deepEqual(sorted(await titles(f(`tags:each ?= '${red}'`))), ["Alpha", "beta"]);
      assert.deepEqual(sorted(await titles(f(`tags.id ?= '${fx.tagIds.blue}'`))), ["delta 100%"]);
    });
  });

  describe("client filter restrictions", () => {
    test("guests may filter by plain fields and relation paths", async () => {
      assert.deepEqual(sorted(await titles(f("tags.name ?= 'red' && views > 0"), "")), ["Alpha", "beta"]);
    });

    const superuserOnly: [string, string][] = [
      ["@request.auth.id = ''", "@request."],
      ["@collection.tags.name ?= 'red'", "@collection."],
      ["title = @request.query.x", "@request."],
      // a loose check of the raw text, as PocketBase's: even inside a string literal
      ["title = '@collection.x'", "@collection."],
    ];
    for (const [filter, field] of superuserOnly) {
      test(`non-superusers may not filter with ${JSON.stringify(filter)}`, async () => {
        for (const token of ["", TOKENS.user]) {
          const res = await request(s.url, "GET", `/api/collections/posts/records?${f(filter)}`, { token });
          assert.equal(res.status, 403, res.text);
          assert.equal(
            res.text,
            `{"data":{},"message":"Only superusers can filter by ${field}","status":403}\n`,
          );
        }
      });
    }

    test("nor sort with @request", async () => {
      const res = await request(s.url, "GET", "/api/collections/posts/records?sort=-@request.auth.id");
      assert.equal(res.status, 403);
    });

    test("hidden fields are not filterable by non-superusers", async () => {
      for (const token of ["", TOKENS.user]) {
        const res = await request(s.url, "GET", `/api/collections/posts/records?${f("secret = 's1'")}`, {
          token,
        });
        assert.equal(res.status, 400, res.text);
        assert.match(res.text, /"data":\{\}/);
      }
    });

    test("hidden fields are never in non-superuser responses", async () => {
      const guest = await request(s.url, "GET", "/api/collections/posts/records");
      assert.doesNotMatch(guest.text, /"secret"/);
      const su = await request(s.url, "GET", "/api/collections/posts/records", { token: s.token });
      assert.match(su.text, /"secret":"s1"/);
    });

    test("a join into a collection with a null listRule is refused for non-superusers", async () => {
      // §5.4: a joined collection's listRule must be non-null for client filters
      for (const filter of [f("private_via_post.note ?= 'hidden'"), f("owner.name ?= 'test1'")]) {
        const guest = await request(s.url, "GET", `/api/collections/posts/records?${filter}`);
        assert.equal(guest.status, 400, guest.text);
        assert.match(guest.text, /"data":\{\}/);
      }
      assert.deepEqual(await titles(f("private_via_post.note ?= 'hidden'")), ["Alpha"]);
    });

    test("a join applies the joined collection's listRule", async () => {
      // demo3's listRule needs an auth record outside `users`: guests see no demo3 rows
      const filter = f("rel_one_no_cascade_required.title ?= 'test2'");
      const guest = await request(s.url, "GET", `/api/collections/demo4/records?${filter}`);
      assert.equal(guest.status, 200, guest.text);
      assert.equal(guest.json.totalItems, 0);
      const client = await request(s.url, "GET", `/api/collections/demo4/records?${filter}`, {
        token: TOKENS.client,
      });
      assert.equal(client.json.totalItems, 2);
    });

    test("client comparisons on email need emailVisibility", async () => {
      // nologin test@example.com hides its email, test2@example.com shows it
      const hidden = f("email = 'test@example.com'");
      const shown = f("email = 'test2@example.com'");
      const count = async (filter: string, token: string) => {
        const res = await request(s.url, "GET", `/api/collections/nologin/records?${filter}`, { token });
        assert.equal(res.status, 200, res.text);
        return res.json.totalItems as number;
      };
      assert.equal(await count(hidden, TOKENS.client), 0);
      assert.equal(await count(hidden, ""), 0);
      assert.equal(await count(shown, TOKENS.client), 1);
      assert.equal(await count(hidden, s.token), 1);
    });
  });

  describe("invalid filters", () => {
    for (const filter of [
      "nope = 1",
      "title =",
      "title = 'x",
      "(title = 'x'",
      "title === 1",
      "tags.nope = 1",
      "title:each = 'x'",
      "views:length = 1",
    ]) {
      test(JSON.stringify(filter), async () => {
        const res = await request(s.url, "GET", `/api/collections/posts/records?${f(filter)}`, {
          token: s.token,
        });
        assert.equal(res.status, 400, res.text);
        assert.match(res.text, /"data":\{\}/);
        assert.doesNotMatch(res.text, /SQL|sqlite|syntax/i);
      });
    }
  });
});
