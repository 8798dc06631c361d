/**
 * Fuzzing the records list/view query (§5, §6): thousands of random and hostile `filter`,
 * `sort`, `expand`, `fields` and paging values from a seeded PRNG, as a guest, a user and a
 * superuser. Every answer must be 200, 400 or 403 — never a 500, never a leaked SQL error —
 * and the tables must be intact afterwards (no injected SQL ran).
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { request } from "./helpers/http.ts";
import { POSTS, seedFixture } from "./helpers/records-fixture.ts";
import { TOKENS, startOnTestdata } from "./helpers/records-testdata.ts";
import { suiteCleanup, type TestServer } from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";

/** mulberry32: a small seeded PRNG, so a failure can be replayed with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = Number(process.env.SATCHEL_FUZZ_SEED ?? 20240611);
const ROUNDS = Number(process.env.SATCHEL_FUZZ_ROUNDS ?? 2400);

const IDENTS = [
  "id",
  "title",
  "body",
  "views",
  "published",
  "labels",
  "kind",
  "tags",
  "owner",
  "meta",
  "pubdate",
  "loc",
  "secret",
  "slug",
  "created",
  "updated",
  "tags.name",
  "tags.id",
  "owner.name",
  "owner.email",
  "owner.rel.title",
  "owner.tokenKey",
  "owner.password",
  "meta.a",
  "meta.tags.0",
  "meta.a.b.c.d",
  "loc.lon",
  "loc.lat",
  "comments_via_post.text",
  "comments_via_post.post.tags.name",
  "private_via_post.note",
  "posts_via_tags.title",
  "@request.auth.id",
  "@request.auth.email",
  "@request.body.title",
  "@request.query.x",
  "@request.headers.x_token",
  "@request.method",
  "@request.context",
  "@collection.tags.name",
  "@collection.comments:c.text",
  "@collection.nope.x",
  "@now",
  "@todayStart",
  "@yesterday",
  "@weekday",
  "@year",
  "@random",
  "@rowid",
  "_rowid_",
  "rowid",
  "nope",
  "tags.nope",
  "owner.rel.nope",
  "a.b.c.d.e.f.g.h",
  "labels:each",
  "labels:length",
  "tags:length",
  "tags.name:lower",
  "title:lower",
  "title:isset",
  "@request.body.title:changed",
  "@request.body.labels:each",
  "views:each",
  "title:excerpt",
  "null",
  "true",
  "false",
];
const OPS = [
  "=",
  "!=",
  ">",
  ">=",
  "<",
  "<=",
  "~",
  "!~",
  "?=",
  "?!=",
  "?>",
  "?>=",
  "?<",
  "?<=",
  "?~",
  "?!~",
  "==",
  "=>",
  "<>",
  "!",
];
const HOSTILE = [
  "'; DROP TABLE posts; --",
  '" OR 1=1 --',
  "') OR ('1'='1",
  "1; DELETE FROM tags",
  "`id`",
  "[[posts.id]]",
  "{:p0}",
  "{{posts}}",
  "%",
  "_",
  "\\",
  "\\'",
  "'",
  '"',
  "\u0000",
  "😀",
  "\u2028",
  "<script>",
  "a".repeat(4000),
  "((((((((((",
  "))))",
  "//",
  "/*",
  "--",
  "json_extract(x)",
  "sqlite_master",
  "geoDistance(",
  "strftime('%Y')",
  "geoDistance(1,2,3)",
  "strftime(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)",
  "nofunc(1)",
];

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)]!;
}

function literal(rnd: () => number): string {
  switch (Math.floor(rnd() * 6)) {
    case 0:
      return String(Math.floor(rnd() * 2000) - 1000);
    case 1:
      return (rnd() * 100).toFixed(3);
    case 2:
      return `'${pick(rnd, ["red", "Alpha", "", "a", "%a%", "x'y", "100%", "\\'"]).replaceAll("'", "\\'")}'`;
    case 3:
      return `"${pick(rnd, HOSTILE).replaceAll('"', '\\"')}"`;
    case 4:
      return pick(rnd, ["null", "true", "false", "@now", "@todayEnd", "@month"]);
    default:
      return pick(rnd, IDENTS);
  }
}

function expr(rnd: () => number, depth = 0): string {
  const r = rnd();
  if (depth < 3 && r < 0.2)
    return `(${expr(rnd, depth + 1)} ${pick(rnd, ["&&", "||"])} ${expr(rnd, depth + 1)})`;
  if (r < 0.25)
    return `${pick(rnd, ["geoDistance", "strftime"])}(${pick(rnd, IDENTS)}, ${literal(rnd)}${rnd() < 0.5 ? `, ${literal(rnd)}, ${literal(rnd)}` : ""})`;
  return `${pick(rnd, IDENTS)} ${pick(rnd, OPS)} ${literal(rnd)}`;
}

function filterValue(rnd: () => number): string {
  const r = rnd();
  if (r < 0.1) return pick(rnd, HOSTILE);
  if (r < 0.15) return Array.from({ length: 210 }, () => "views > 0").join(" && ");
  if (r < 0.2) {
    // a syntactically valid filter mutated by one random character
    const base = expr(rnd);
    const i = Math.floor(rnd() * base.length);
    return (
      base.slice(0, i) +
      pick(rnd, ["'", '"', "(", ")", "&", "|", "@", ".", ":", " ", "\\"]) +
      base.slice(i + 1)
    );
  }
  let out = expr(rnd);
  const n = Math.floor(rnd() * 3);
  for (let i = 0; i < n; i++) out += ` ${pick(rnd, ["&&", "||"])} ${expr(rnd)}`;
  if (rnd() < 0.1) out = `// comment\n${out} // tail`;
  return out;
}

function sortValue(rnd: () => number): string {
  if (rnd() < 0.1) return pick(rnd, HOSTILE);
  const n = 1 + Math.floor(rnd() * (rnd() < 0.1 ? 12 : 3));
  return Array.from({ length: n }, () => pick(rnd, ["", "-", "+"]) + pick(rnd, IDENTS)).join(
    pick(rnd, [",", ", ", ",,"]),
  );
}

function expandValue(rnd: () => number): string {
  const parts = [
    "tags",
    "owner",
    "comments_via_post",
    "post",
    "private_via_post",
    "owner.rel",
    "nope",
    "title",
    "comments(post)",
    "tags.nope",
    ".",
    "..",
    "owner..rel",
    "posts_via_tags",
  ];
  if (rnd() < 0.1) return pick(rnd, HOSTILE);
  const n = 1 + Math.floor(rnd() * 4);
  return Array.from({ length: n }, () => {
    const depth = 1 + Math.floor(rnd() * 8);
    return Array.from({ length: depth }, () => pick(rnd, parts)).join(".");
  }).join(",");
}

function fieldsValue(rnd: () => number): string {
  if (rnd() < 0.1) return pick(rnd, HOSTILE);
  const parts = [
    "*",
    "id",
    "title",
    "body:excerpt(5,true)",
    "body:excerpt(x)",
    "body:excerpt(",
    ":excerpt(1)",
    "expand.tags.name",
    "expand.*",
    "items",
    "a.b.c",
    "",
    ",",
  ];
  return Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(rnd, parts)).join(",");
}

const LEAKS =
  /sqlite|SQLITE_|syntax error|no such (column|table|function)|near "|misuse|unrecognized token|malformed|stack|at [\w.]+ \(/i;

describe("records query fuzz", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;

  before(async () => {
    const started = await startOnTestdata(cleanup as never);
    if (!started) throw new Error("PocketBase test data folder missing");
    s = started;
    await seedFixture(s.pb);
  });

  test(`${ROUNDS} random list/view queries (seed ${SEED})`, async () => {
    const rnd = prng(SEED);
    const schemaBefore = query(s.dir, "SELECT type, name, sql FROM sqlite_master ORDER BY name");
    const tokens = ["", TOKENS.user, TOKENS.client, TOKENS.superuser];
    const statuses = new Map<number, number>();
    const jobs: (() => Promise<void>)[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const params = new URLSearchParams();
      if (rnd() < 0.8) params.set("filter", filterValue(rnd));
      if (rnd() < 0.4) params.set("sort", sortValue(rnd));
      if (rnd() < 0.3) params.set("expand", expandValue(rnd));
      if (rnd() < 0.2) params.set("fields", fieldsValue(rnd));
      if (rnd() < 0.1) params.set("page", pick(rnd, ["0", "-1", "2", "x", "1e3", "99999999999999999999"]));
      if (rnd() < 0.1) params.set("perPage", pick(rnd, ["0", "-5", "1001", "abc", "3"]));
      if (rnd() < 0.1) params.set("skipTotal", pick(rnd, ["1", "yes", "t", ""]));
      const collection = pick(rnd, [
        "posts",
        "posts",
        "posts",
        "comments",
        "demo1",
        "demo4",
        "users",
        "nologin",
      ]);
      const path =
        rnd() < 0.8
          ? `/api/collections/${collection}/records?${params}`
          : `/api/collections/${collection}/records/${pick(rnd, ["0yxhwia2amd8gec", "x", "%27", "..", "a".repeat(300)])}?${params}`;
      const token = pick(rnd, tokens);
      jobs.push(async () => {
        const res = await request(s.url, "GET", path, { token });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        assert.ok([200, 400, 403, 404].includes(res.status), `${res.status} for ${path}: ${res.text}`);
        if (res.status === 404) assert.ok(path.includes("/records/"), `404 on a list: ${path}`);
        if (res.status !== 200) {
          assert.match(res.text, /^\{"data":\{.*\},"message":"[^"]*","status":\d+\}\n$/s, path);
          assert.doesNotMatch(res.text, LEAKS, `leaked error text for ${path}`);
        }
      });
    }
    // a few requests at a time, like a real client
    for (let i = 0; i < jobs.length; i += 8) await Promise.all(jobs.slice(i, i + 8).map((job) => job()));

    assert.ok(
      (statuses.get(200) ?? 0) > ROUNDS / 10,
      `enough valid queries: ${JSON.stringify([...statuses])}`,
    );
    assert.ok(
      (statuses.get(400) ?? 0) > ROUNDS / 10,
      `enough invalid queries: ${JSON.stringify([...statuses])}`,
    );
    assert.deepEqual(query(s.dir, "SELECT type, name, sql FROM sqlite_master ORDER BY name"), schemaBefore);
    assert.equal(query(s.dir, "SELECT count(*) AS n FROM posts")[0]!.n, POSTS.length);
    assert.equal(query(s.dir, "SELECT count(*) AS n FROM tags")[0]!.n, 4);
    assert.equal(query(s.dir, "SELECT count(*) AS n FROM demo1")[0]!.n, 3);
  });
});
