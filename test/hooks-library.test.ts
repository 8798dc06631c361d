/**
 * The pb_hooks script library end to end: real scripts on disk, loaded by the runtime into worker
 * threads of a real server, using the library's models, errors and namespaces; fetch and the
 * official SDK as clients.
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import PocketBase from "pocketbase";
import { buildTemplate, suiteCleanup } from "./helpers/server.ts";
import { seedPosts, startHooksServer, type HooksServer } from "./helpers/hooks.ts";

const SCRIPTS = {
  "library.pb.js": `
onRecordCreate((e) => {
  e.record.set("views+", 10)
  e.record.set("tags+", "z")
  e.record.set("+tags", "a")
  e.next()
}, "posts")

onRecordEnrich((e) => {
  e.record.hide("views")
  e.record.withCustomData(true)
  e.record.set("score", e.record.getInt("views") * 2)
  e.next()
}, "posts")

routerAdd("GET", "/lib/page", (e) => {
  const html = $template.loadFiles(__hooks + "/views/layout.html", __hooks + "/views/page.html")
    .render({ title: e.request.url.query().get("t"), items: ["x", "y"] })
  return e.html(200, html)
})

routerAdd("GET", "/lib/jwt", (e) => {
  const t = $security.createJWT({ sub: "u1" }, "k", 60)
  let wrong = ""
  try { $security.parseJWT(t, "wrong") } catch (err) { wrong = err.message }
  return e.json(200, { sub: $security.parseJWT(t, "k").sub, wrong, md5: $security.md5("123") })
})

routerAdd("GET", "/lib/error", (e) => {
  throw new BadRequestError("invalid data", { title: new ValidationError("too_short", "title is too short") })
})

routerAdd("GET", "/lib/record", (e) => {
  const c = $app.findCollectionByNameOrId("posts")
  const r = new Record(c, { title: "draft", tags: ["a", "b"], views: 5 })
  r.set("tags-", "a")
  r.set("kind", ["a", "b"])
  r.set("extra", 1)
  return e.json(200, {
    json: JSON.parse(JSON.stringify(r)),
    tags: r.get("tags"),
    kind: r.get("kind"),
    custom: r.customData(),
    isNew: r.isNew(),
    when: new DateTime("2024-01-02 03:04:05Z").add(3600e9).string(),
    path: $filepath.join("a", "", "../b", "c.txt"),
    file: toString($os.readFile(__hooks + "/views/page.html")).length > 0,
    cookie: new Cookie({ name: "n", value: "v", path: "/", httpOnly: true, sameSite: 2 }).string(),
  })
})

routerAdd("GET", "/lib/dbx", (e) => {
  return e.json(200, {
    all: $app.countRecords("posts"),
    tagged: $app.countRecords("posts", $dbx.like("tags", "z")),
    none: $app.countRecords("posts", $dbx.hashExp({ title: "no such title" })),
  })
})

routerAdd("GET", "/lib/select", (e) => {
  const rows = arrayOf(new DynamicModel({ id: "", title: "", views: 0 }))
  $app.db()
    .select("id", "title", "views")
    .from("posts")
    .where($dbx.exp("views >= {:min}", { min: 20 }))
    .andWhere($dbx.like("title", "sel"))
    .orderBy("views DESC")
    .limit(2)
    .all(rows)
  const titles = []
  $app.db().select("title").from("posts").where($dbx.hashExp({ title: e.request.url.query().get("t") })).column(titles)
  const one = new Record()
  $app.recordQuery("posts").where($dbx.hashExp({ title: "sel-b" })).one(one)
  const records = arrayOf(new Record())
  $app.recordQuery($app.findCollectionByNameOrId("posts")).andWhere($dbx.like("title", "sel")).orderBy("views ASC").all(records)
  let missing = ""
  try { $app.recordQuery("posts").where($dbx.hashExp({ id: "nope" })).one(new Record()) } catch (err) { missing = err.message }
  return e.json(200, {
    rows: rows.map((r) => [r.title, r.views]),
    titles,
    one: [one.get("title"), one.collection().name, one.isNew()],
    records: records.map((r) => r.getInt("views")),
    missing,
  })
})
`,
  "views/layout.html": `<html><h1>{{.title}}</h1>{{template "body" .}}</html>`,
  "views/page.html": `{{define "body"}}<ul>{{range .items}}<li>{{.}}</li>{{end}}</ul>{{end}}`,
};

describe("pb_hooks: the script library in a running server", () => {
  const cleanup = suiteCleanup();
  let s: HooksServer;
  before(async () => {
    const template = await buildTemplate(cleanup, seedPosts);
    s = await startHooksServer(cleanup, SCRIPTS, { template });
  });

  const get = (path: string) => fetch(s.url + path);

  test("record setters with modifiers run in onRecordCreate", async () => {
    const pb = new PocketBase(s.url);
    const created = await pb.collection("posts").create({ title: "t", views: 1, tags: ["b"] });
    assert.deepEqual(created.tags, ["a", "b", "z"]);
    const stored = await s.app.findRecordById("posts", created.id);
    assert.equal(stored.get("views"), 11);
  });

  test("onRecordEnrich: hide() and withCustomData() shape the JSON (§7.9)", async () => {
    const pb = new PocketBase(s.url);
    const created = await pb.collection("posts").create({ title: "enrich", views: 1 });
    // the create response is enriched too
    assert.equal(created.views, undefined);
    assert.equal(created.score, 22);
    const viewed = await pb.collection("posts").getOne(created.id);
    assert.equal(viewed.views, undefined);
    assert.equal(viewed.score, 22);
    assert.equal(viewed.title, "enrich");
    const list = await pb.collection("posts").getList(1, 50, { filter: `id="${created.id}"` });
    assert.equal(list.items[0]?.score, 22);
    assert.equal(list.items[0]?.views, undefined);
  });

  test("$template renders layouts with escaping", async () => {
    const res = await get("/lib/page?t=%3Cb%3E");
    assert.equal(res.status, 200);
    assert.equal(await res.text(), "<html><h1>&lt;b&gt;</h1><ul><li>x</li><li>y</li></ul></html>");
  });

  test("$security JWTs and hashes", async () => {
    const body = (await (await get("/lib/jwt")).json()) as { sub: string; wrong: string; md5: string };
    assert.equal(body.sub, "u1");
    assert.match(body.wrong, /signature is invalid/);
    assert.equal(body.md5, "202cb962ac59075b964b07152d234b70");
  });

  test("a thrown BadRequestError with a ValidationError is PocketBase's error body", async () => {
    const res = await get("/lib/error");
    assert.equal(res.status, 400);
    assert.deepEqual(await res.json(), {
      data: { title: { code: "too_short", message: "Title is too short." } },
      message: "Invalid data.",
      status: 400,
    });
  });

  test("new Record over a stored collection, helpers and data classes", async () => {
    const body = (await (await get("/lib/record")).json()) as { [k: string]: unknown };
    const json = body.json as { [k: string]: unknown };
    assert.equal(json.title, "draft");
    assert.equal(json.collectionName, "posts");
    assert.equal(json.extra, undefined, "custom data only with withCustomData(true)");
    assert.deepEqual(body.tags, ["b"]);
    assert.equal(body.kind, "b");
    assert.deepEqual(body.custom, { extra: 1 });
    assert.equal(body.isNew, true);
    assert.equal(body.when, "2024-01-02 04:04:05.000Z");
    assert.equal(body.path, "b/c.txt");
    assert.equal(body.file, true);
    assert.equal(body.cookie, "n=v; Path=/; HttpOnly; SameSite=Lax");
  });

  test("$dbx expressions filter $app queries on the main thread", async () => {
    const pb = new PocketBase(s.url);
    await pb.collection("posts").create({ title: "dbx", tags: ["c"] });
    const body = (await (await get("/lib/dbx")).json()) as { all: number; tagged: number; none: number };
    assert.ok(body.all >= 2);
    assert.equal(body.tagged, body.all, "every post got the z tag from the hook");
    assert.equal(body.none, 0);
  });

  test("$app.db().select builder and $app.recordQuery (§3.10)", async () => {
    const pb = new PocketBase(s.url);
    for (const [title, views] of [
      ["sel-a", 10],
      ["sel-b", 20],
      ["sel-c", 30],
    ] as const)
      await pb.collection("posts").create({ title, views });
    const res = await get("/lib/select?t=" + encodeURIComponent("sel-a' OR 1=1 --"));
    assert.equal(res.status, 200, s.logs.join("\n"));
    assert.deepEqual(await res.json(), {
      // the create hook adds 10 views to each
      rows: [
        ["sel-c", 40],
        ["sel-b", 30],
      ],
      titles: [],
      one: ["sel-b", "posts", false],
      records: [20, 30, 40],
      missing: "sql: no rows in result set",
    });
  });
});
