/**
 * PocketBase's documented pb_hooks and pb_migrations examples ("Extend with JavaScript": routing,
 * event hooks, database, records, collections, migrations, jobs, emails, templates, HTTP
 * requests, realtime messaging, filesystem, logging, types), written as a PocketBase user writes
 * them and run unchanged on a real `satchel serve --hooksDir … --migrationsDir … --dir …`
 * process, with fetch and the official SDK as clients and a real SMTP server for the emails.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { EventSource } from "eventsource";
import PocketBase from "pocketbase";
import { suiteCleanup, tempDir } from "./helpers/server.ts";
import { startSmtpSink, type SmtpSink } from "./helpers/smtp.ts";
import { waitFor } from "./helpers/wait.ts";

// The SDK's realtime client needs an EventSource; Node has none by default.
(globalThis as { EventSource?: unknown }).EventSource ??= EventSource;

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));

/** pb_migrations: collections (object form and field helpers), seeding, raw SQL, settings. */
const MIGRATIONS: { [file: string]: string } = {
  "1700000001_clients.js": `/// <reference path="../pb_data/types.d.ts" />
migrate((app) => {
  const clients = new Collection({
    type: "auth",
    name: "clients",
    listRule: "id = @request.auth.id",
    viewRule: "id = @request.auth.id",
    fields: [
      { type: "text", name: "company", required: true, max: 100 },
      { name: "url", type: "url", presentable: true },
    ],
    passwordAuth: { enabled: false },
    otp: { enabled: true },
    indexes: ["CREATE INDEX idx_clients_company ON clients (company)"],
  })
  app.save(clients)

  const articles = new Collection({
    type: "base",
    name: "articles",
    listRule: "",
    viewRule: "status = 'public' || @request.auth.id != ''",
    createRule: "",
    updateRule: "@request.auth.id != ''",
    deleteRule: null,
    fields: [
      { name: "title", type: "text", required: true, max: 200 },
      { name: "slug", type: "text", autogeneratePattern: "[a-z0-9]{8}" },
      { name: "status", type: "select", maxSelect: 1, values: ["draft", "public", "archived", "pending"] },
      { name: "rank", type: "number" },
      { name: "author", type: "relation", maxSelect: 1, collectionId: app.findCollectionByNameOrId("users").id, cascadeDelete: false },
      { name: "documents", type: "file", maxSelect: 5, maxSize: 1048576 },
      { name: "created", type: "autodate", onCreate: true, onUpdate: false },
      { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ],
    indexes: ["CREATE UNIQUE INDEX idx_articles_slug ON articles (slug)"],
  })
  app.save(articles)
}, (app) => {
  app.delete(app.findCollectionByNameOrId("articles"))
  app.delete(app.findCollectionByNameOrId("clients"))
})
`,
  "1700000002_update.js": `migrate((app) => {
  const c = app.findCollectionByNameOrId("articles")
  c.fields.add(new TextField({ name: "summary", max: 500 }))
  c.fields.add(new BoolField({ name: "featured" }))
  c.fields.add(new EditorField({ name: "body", maxSize: 10000 }))
  const title = c.fields.getByName("title")
  title.max = 300
  c.addIndex("idx_articles_rank", false, "rank", "")
  app.save(c)
}, (app) => {
  const c = app.findCollectionByNameOrId("articles")
  c.fields.removeByName("summary")
  c.fields.removeByName("featured")
  c.fields.removeByName("body")
  c.removeIndex("idx_articles_rank")
  c.fields.getByName("title").max = 200
  app.save(c)
})
`,
  "1700000003_seed.js": `migrate((app) => {
  const col = app.findCollectionByNameOrId("articles")
  for (let i = 1; i <= 5; i++) {
    const r = new Record(col)
    r.set("title", "Article " + i)
    r.set("status", i % 2 ? "public" : "draft")
    r.set("rank", i)
    r.set("slug", "article-" + i)
    app.save(r)
  }
  app.db().newQuery("UPDATE articles SET status = 'pending' WHERE status = ''").execute()
  app.db().newQuery("UPDATE articles SET rank = rank * 10 WHERE slug = {:slug}").bind({ slug: "article-5" }).execute()

  const superusers = app.findCollectionByNameOrId("_superusers")
  const su = new Record(superusers)
  su.set("email", "test@example.com")
  su.set("password", "1234567890")
  app.save(su)

  const users = app.findCollectionByNameOrId("users")
  const u = new Record(users)
  u.set("email", "user@example.com")
  u.setPassword("1234567890")
  u.setVerified(true)
  u.set("name", "John")
  app.save(u)
}, (app) => {
  try {
    app.delete(app.findAuthRecordByEmail("_superusers", "test@example.com"))
  } catch (_) {}
  app.db().newQuery("DELETE FROM articles").execute()
  app.delete(app.findAuthRecordByEmail("users", "user@example.com"))
})
`,
  "1700000004_settings.js": `migrate((app) => {
  const settings = app.settings()
  settings.meta.appName = "Probe App"
  settings.meta.appURL = "https://example.com"
  settings.logs.maxDays = 2
  settings.logs.logAuthId = true
  settings.logs.logIP = false
  settings.meta.senderName = "Support"
  settings.meta.senderAddress = "support@example.com"
  settings.smtp.enabled = true
  settings.smtp.host = "127.0.0.1"
  settings.smtp.port = parseInt($os.getenv("PROBE_SMTP_PORT"), 10)
  settings.smtp.username = "mailer"
  settings.smtp.password = "mailer-secret"
  settings.smtp.authMethod = "PLAIN"
  app.save(settings)
})
`,
  "1700000005_view.js": `migrate((app) => {
  const v = new Collection({
    type: "view",
    name: "public_articles",
    listRule: "",
    viewRule: "",
    viewQuery: "SELECT id, title, rank FROM articles WHERE status = 'public'",
  })
  app.save(v)
  const tmp = new Collection({ name: "tmp_to_delete", type: "base" })
  app.save(tmp)
  app.delete(app.findCollectionByNameOrId("tmp_to_delete"))
  const renamed = new Collection({ name: "old_name", fields: [{ name: "x", type: "number" }] })
  app.save(renamed)
  const again = app.findCollectionByNameOrId("old_name")
  again.name = "new_name"
  app.save(again)
}, (app) => {
  app.delete(app.findCollectionByNameOrId("public_articles"))
  app.delete(app.findCollectionByNameOrId("new_name"))
})
`,
  "1700000006_auth_options.js": `migrate((app) => {
  const users = app.findCollectionByNameOrId("users")
  users.passwordAuth.identityFields = ["email", "username"]
  users.fields.add(new TextField({ name: "username", max: 50 }))
  users.oauth2.mappedFields.name = "name"
  users.mfa.enabled = false
  users.otp.duration = 300
  users.authToken.duration = 7200
  users.authRule = "verified = true"
  users.manageRule = null
  users.addIndex("idx_users_username", true, "username", "username != ''")
  app.save(users)

  const tags = new Collection({ name: "tags", type: "base" })
  tags.fields.add(new TextField({ name: "name", required: true }))
  tags.fields.add(new SelectField({ name: "color", maxSelect: 1, values: ["red", "blue"] }))
  tags.fields.add(new NumberField({ name: "weight", min: 0, onlyInt: true }))
  tags.fields.add(new DateField({ name: "due" }))
  tags.fields.add(new JSONField({ name: "meta" }))
  tags.fields.add(new URLField({ name: "link" }))
  tags.fields.add(new EmailField({ name: "contact" }))
  tags.fields.add(new FileField({ name: "icon", maxSelect: 1, maxSize: 100000, mimeTypes: ["image/png", "text/plain"] }))
  tags.fields.add(new RelationField({ name: "articles", collectionId: app.findCollectionByNameOrId("articles").id, maxSelect: 10 }))
  tags.fields.add(new AutodateField({ name: "created", onCreate: true }))
  tags.fields.addAt(1, new Field({ type: "text", name: "slug" }))
  tags.listRule = ""
  tags.viewRule = ""
  tags.createRule = ""
  app.save(tags)
  unmarshal({ updateRule: "@request.auth.id != ''" }, tags)
  app.save(tags)
}, (app) => {
  app.delete(app.findCollectionByNameOrId("tags"))
  const users = app.findCollectionByNameOrId("users")
  users.fields.removeByName("username")
  users.removeIndex("idx_users_username")
  users.passwordAuth.identityFields = ["email"]
  users.authRule = ""
  app.save(users)
})
`,
};

/** pb_hooks: every routing helper, record/collection hooks, $app queries, the namespaces. */
const HOOKS: { [file: string]: string } = {
  "views/layout.html": `<html><head><title>{{block "title" .}}Default title{{end}}</title></head>
<body>{{block "body" .}}Default body{{end}}</body></html>
`,
  "views/hello.html": `{{define "title"}}Page 1{{end}}
{{define "body"}}<p>Hello from {{.name}}</p>{{end}}
`,
  "public/index.html": "<h1>static index</h1>\n",
  "public/a.txt": "file a\n",
  "lib/utils.js": `module.exports = { hello: (name) => "Hello " + name }\n`,
  "serve.pb.js": `onServe((e) => {
  e.next()
  console.log("serving on", e.address)
  $app.store().set("served", e.address)
})
routerAdd("GET", "/served", (e) => e.json(200, { served: $app.store().get("served") }))
`,
  "more.pb.js": `routerAdd("POST", "/upload", (e) => {
  const files = e.findUploadedFiles("document")
  const r = new Record($app.findCollectionByNameOrId("articles"))
  r.set("title", "uploaded")
  r.set("documents", files)
  $app.save(r)
  return e.json(200, { n: files.length, name: files[0].originalName, saved: r.get("documents").length })
})
routerAdd("GET", "/req", (e) => {
  e.setCookie(new Cookie({ name: "c1", value: "v1", path: "/" }))
  return e.json(200, {
    path: e.request.url.path,
    cookie: (() => { try { return e.request.cookie("in").value } catch (_) { return null } })(),
    tls: e.isTLS(),
    remote: e.remoteIP().length > 0,
    ctx: e.requestInfo().context,
    ua: e.request.userAgent(),
    host: e.request.host.length > 0,
  })
})
routerAdd("GET", "/owner/{id}", (e) => e.json(200, { ok: true }), $apis.requireSuperuserOrOwnerAuth("id"))
routerAdd("GET", "/rec", (e) => {
  const col = $app.findCollectionByNameOrId("articles")
  const r = new Record(col)
  r.set("title", "slugged")
  r.set("slug:autogenerate", "post-")
  r.set("rank", 7)
  $app.save(r)
  const orig = r.original()
  r.set("title", "changed")
  const fresh = r.fresh()
  const copy = r.originalCopy ? r.originalCopy() : r.original()
  const user = $app.findAuthRecordByEmail("users", "user@example.com")
  const token = user.newAuthToken()
  const byToken = $app.findAuthRecordByToken(token, "auth")
  const tags = $app.findCollectionByNameOrId("tags")
  const t = new Record(tags)
  t.set("name", "t1")
  t.set("weight", 3)
  t.set("due", new DateTime("2025-01-02 10:00:00.000Z"))
  t.set("meta", { a: [1, 2] })
  t.set("articles", [r.id])
  t.set("color", "red")
  $app.save(t)
  const t2 = $app.findRecordById("tags", t.id)
  $app.expandRecord(t2, ["articles"], null)
  return e.json(200, {
    slug: r.getString("slug"), isNew: r.isNew(), origTitle: copy.getString("title"), freshTitle: fresh.getString("title"),
    byToken: byToken.id === user.id, valid: user.validatePassword("1234567890"), invalid: user.validatePassword("nope"),
    email: user.email(), verified: user.verified(), fileToken: user.newFileToken().length > 0,
    due: t2.getDateTime("due").string(), meta: t2.get("meta"), weight: t2.getInt("weight"), arts: t2.getStringSlice("articles").length,
    expandedAll: t2.expandedAll("articles").map((x) => x.getString("title")), created: t2.getString("created").length > 0,
    changed: r.getString("title"), tagCollection: t2.collection().name, fieldNames: tags.fields.fieldNames(),
    usersIdentity: $app.findCollectionByNameOrId("users").passwordAuth.identityFields, usersAuthRule: $app.findCollectionByNameOrId("users").authRule,
    tagsUpdateRule: tags.updateRule,
  })
})
routerAdd("GET", "/fs", (e) => {
  const fsys = $app.newFilesystem()
  try {
    fsys.upload(toBytes("hello fs"), "custom/hello.txt")
    const exists = fsys.exists("custom/hello.txt")
    const attrs = fsys.attributes("custom/hello.txt")
    const list = fsys.list("custom/")
    const content = toString(fsys.getReader("custom/hello.txt"))
    fsys.delete("custom/hello.txt")
    return e.json(200, { exists, size: attrs.size, list: list.length, content, after: fsys.exists("custom/hello.txt") })
  } finally {
    fsys.close()
  }
})
routerAdd("GET", "/fromurl", (e) => {
  const f = $filesystem.fileFromURL("http://" + e.request.host + "/hello/url")
  const p = $filesystem.fileFromPath(__hooks + "/public/a.txt")
  return e.json(200, { urlName: f.name.length > 0, size: f.size, pathOrig: p.originalName })
})
routerAdd("GET", "/cronadd", (e) => {
  cronAdd("dynamic", "0 0 * * *", () => { console.log("x") })
  const jobs = $app.cron().jobs().map((j) => j.id())
  cronRemove("dynamic")
  const after = $app.cron().jobs().map((j) => j.id())
  return e.json(200, { had: jobs.includes("dynamic"), gone: !after.includes("dynamic"), total: $app.cron().total() })
})
routerAdd("POST", "/truncate", (e) => {
  const c = new Collection({ name: "scratch", fields: [{ name: "x", type: "text" }] })
  $app.save(c)
  const r = new Record(c); r.set("x", "1"); $app.save(r)
  $app.truncateCollection(c)
  const n = $app.countRecords("scratch")
  $app.delete(c)
  return e.json(200, { n })
})
routerAdd("GET", "/import", (e) => {
  $app.importCollections([{ name: "imported", type: "base", fields: [{ name: "title", type: "text" }] }], false)
  const c = $app.findCollectionByNameOrId("imported")
  const out = { name: c.name, fields: c.fields.fieldNames() }
  $app.delete(c)
  return e.json(200, out)
})
routerAdd("GET", "/random", (e) => e.json(200, {
  byRegex: /^[a-c]{5}$/.test($security.randomStringByRegex("[a-c]{5}")),
  now: new DateTime().time().unix() > 0,
  add: new DateTime("2024-01-01 00:00:00.000Z").add(3600 * 1000 * 1000 * 1000).string(),
}))
onMailerRecordPasswordResetSend((e) => {
  e.message.html += "<p>extra footer</p>"
  e.next()
})
onRecordAuthWithPasswordRequest((e) => {
  e.next()
}, "users")
onRecordAfterUpdateSuccess((e) => {
  console.log("user updated...", e.record.get("email"))
  e.next()
}, "users")
onCollectionUpdateRequest((e) => { e.next() })
onSettingsReload((e) => { e.next() })
onBackupCreate((e) => { e.next() })
onFileDownloadRequest((e) => { e.next() }, "articles")
onBatchRequest((e) => { e.next() })
`,
  "main.pb.js": `/// <reference path="../pb_data/types.d.ts" />

onBootstrap((e) => {
  e.next()
  console.log("App initialized!")
})

routerUse((e) => {
  e.response.header().set("X-Probe", "1")
  return e.next()
})

routerAdd("GET", "/hello/{name}", (e) => {
  const name = e.request.pathValue("name")
  return e.json(200, { message: require(\`\${__hooks}/lib/utils.js\`).hello(name) })
})
routerAdd("get", "/lower", (e) => e.string(200, "lower method ok"))
routerAdd("GET", "/text", (e) => e.string(200, "plain text"))
routerAdd("GET", "/html", (e) => e.html(200, "<h1>Hello!</h1>"))
routerAdd("GET", "/redirect", (e) => e.redirect(307, "/text"))
routerAdd("DELETE", "/nothing", (e) => e.noContent(204))
routerAdd("GET", "/blob", (e) => e.blob(200, "application/octet-stream", toBytes("raw bytes")))
routerAdd("GET", "/stream", (e) => e.stream(200, "text/plain", toBytes("streamed")))
routerAdd("GET", "/file", (e) => e.fileFS($os.dirFS(\`\${__hooks}/public\`), "a.txt"))
routerAdd("GET", "/static/{path...}", $apis.static(\`\${__hooks}/public\`, false))
routerAdd("POST", "/bind", (e) => {
  const data = new DynamicModel({ title: "", description: "", active: false, tags: [], n: 0 })
  e.bindBody(data)
  return e.json(200, data)
})
routerAdd("POST", "/info", (e) => {
  const info = e.requestInfo()
  return e.json(200, {
    body: info.body,
    query: info.query,
    header: info.headers["x_custom"],
    method: info.method,
    search: e.request.url.query().get("search"),
    hdr: e.request.header.get("X-Custom"),
    auth: info.auth ? info.auth.id : null,
    eauth: e.auth ? e.auth.email() : null,
    isSuper: e.hasSuperuserAuth(),
    ip: e.realIP().length > 0,
  })
})
routerAdd("GET", "/me", (e) => e.json(200, e.auth), $apis.requireAuth())
routerAdd("GET", "/admin-only", (e) => e.json(200, { ok: true }), $apis.requireSuperuserAuth())
routerAdd("GET", "/guest", (e) => e.json(200, { ok: true }), $apis.requireGuestOnly())
routerAdd("POST", "/raw", (e) => e.json(200, { text: readerToString(e.request.body), body: e.requestInfo().body }))
routerAdd("POST", "/small", (e) => e.json(200, { len: toString(e.request.body).length }), $apis.bodyLimit(10))
routerAdd("GET", "/gz", (e) => e.string(200, "zipped?"), $apis.gzip())
routerAdd("GET", "/err/{kind}", (e) => {
  switch (e.request.pathValue("kind")) {
    case "api": throw new ApiError(418, "teapot")
    case "bad": throw new BadRequestError("bad one", { title: new ValidationError("invalid", "nope") })
    case "notfound": throw new NotFoundError()
    case "forbidden": throw new ForbiddenError()
    case "unauth": throw new UnauthorizedError()
    case "many": throw new TooManyRequestsError()
    case "internal": throw new InternalServerError()
    case "ebad": return e.badRequestError("via event", {})
    case "enotfound": return e.notFoundError("no such thing")
    case "plain": throw new Error("boom")
  }
  return e.string(200, "?")
})

// records
routerAdd("GET", "/records", (e) => {
  const one = $app.findFirstRecordByData("articles", "slug", "article-1")
  const byId = $app.findRecordById("articles", one.id)
  const byFilter = $app.findRecordsByFilter("articles", "status = {:status} && rank > {:min}", "-rank", 2, 0, { status: "public", min: 0 })
  const byFilter2 = $app.findRecordsByFilter("articles", "status = 'public'", "-rank", 1, 1)
  const first = $app.findFirstRecordByFilter("articles", "status = 'public' && rank >= {:r}", { r: 3 })
  const ids = $app.findRecordsByIds("articles", [one.id, first.id])
  const all = $app.findAllRecords("articles", $dbx.exp("LOWER(title) LIKE {:t}", { t: "article%" }), $dbx.hashExp({ status: "draft" }))
  const count = $app.countRecords("articles", $dbx.hashExp({ status: "public" }))
  const user = $app.findAuthRecordByEmail("users", "user@example.com")
  const top = new Record()
  $app.recordQuery("articles").andWhere($dbx.hashExp({ status: "public" })).orderBy("rank DESC").limit(1).one(top)
  const liked = arrayOf(new Record())
  $app.recordQuery("articles").andWhere($dbx.like("title", "Article")).limit(10).all(liked)
  return e.json(200, {
    byId: byId.getString("title"),
    byFilter: byFilter.map((r) => r.getInt("rank")),
    byFilter2: byFilter2.map((r) => r.getInt("rank")),
    first: first.get("title"),
    ids: ids.length,
    all: all.map((r) => r.getString("slug")),
    count,
    user: user.email(),
    userName: user.get("name"),
    top: top.getString("slug"),
    liked: liked.length,
    coll: top.collection().name,
    base: top.baseFilesPath().length > 0,
  })
})
routerAdd("GET", "/dbx", (e) => {
  const c = (exp) => $app.countRecords("articles", exp)
  return e.json(200, {
    in: c($dbx.in("rank", 1, 2, 3)),
    notIn: c($dbx.notIn("rank", 1, 2, 3)),
    between: c($dbx.between("rank", 2, 4)),
    notBetween: c($dbx.notBetween("rank", 2, 4)),
    and: c($dbx.and($dbx.hashExp({ status: "public" }), $dbx.exp("rank < 10"))),
    or: c($dbx.or($dbx.hashExp({ rank: 1 }), $dbx.hashExp({ rank: 2 }))),
    not: c($dbx.not($dbx.hashExp({ status: "public" }))),
    like: c($dbx.like("title", "Article")),
    notLike: c($dbx.notLike("title", "3")),
    orLike: c($dbx.orLike("title", "1", "2")),
    exists: c($dbx.exists($dbx.exp("SELECT 1 FROM users"))),
    notExists: c($dbx.notExists($dbx.exp("SELECT 1 FROM users WHERE 0"))),
    hashIn: c($dbx.hashExp({ rank: [1, 2] })),
  })
})
routerAdd("GET", "/db", (e) => {
  const one = new DynamicModel({ id: "", title: "", rank: 0, public: false })
  $app.db().newQuery("SELECT id, title, rank, (status = 'public') AS public FROM articles WHERE slug = {:slug}").bind({ slug: "article-3" }).one(one)
  const many = arrayOf(new DynamicModel({ status: "", total: 0 }))
  $app.db().newQuery("SELECT status, COUNT(*) AS total FROM articles GROUP BY status ORDER BY status").all(many)
  const built = arrayOf(new DynamicModel({ id: "", title: "", full: "" }))
  $app.db()
    .select("id", "title")
    .andSelect("(title || ' #' || rank) as full")
    .distinct(true)
    .from("articles")
    .where($dbx.exp("rank >= {:min}", { min: 2 }))
    .andWhere($dbx.hashExp({ status: "public" }))
    .orWhere($dbx.hashExp({ slug: "article-1" }))
    .orderBy("rank ASC")
    .andOrderBy("title DESC")
    .limit(10)
    .offset(0)
    .all(built)
  const joined = arrayOf(new DynamicModel({ title: "", email: "" }))
  $app.db().select("articles.title", "users.email").from("articles")
    .leftJoin("users", $dbx.exp("users.id = articles.author"))
    .where($dbx.exp("articles.rank = 1")).all(joined)
  const grouped = arrayOf(new DynamicModel({ status: "", n: 0 }))
  $app.db().select("status", "count(*) as n").from("articles").groupBy("status").having($dbx.exp("count(*) > 1")).all(grouped)
  let err = ""
  try {
    $app.db().newQuery("SELECT id FROM articles WHERE slug = 'missing'").one(new DynamicModel({ id: "" }))
  } catch (x) { err = x.message }
  return e.json(200, { one, many, built, joined, grouped, err })
})
routerAdd("POST", "/tx", (e) => {
  let failed = false
  try {
    $app.runInTransaction((txApp) => {
      const r = new Record(txApp.findCollectionByNameOrId("articles"))
      r.set("title", "in tx")
      r.set("slug", "in-tx")
      txApp.save(r)
      txApp.db().newQuery("UPDATE articles SET rank = 999 WHERE slug = 'in-tx'").execute()
      throw new Error("rollback")
    })
  } catch (_) { failed = true }
  const n = $app.countRecords("articles", $dbx.hashExp({ slug: "in-tx" }))
  $app.runInTransaction((txApp) => {
    const r = txApp.findFirstRecordByData("articles", "slug", "article-2")
    r.set("status", "archived")
    txApp.save(r)
  })
  return e.json(200, { failed, n, status: $app.findFirstRecordByData("articles", "slug", "article-2").get("status") })
})
routerAdd("POST", "/crud", (e) => {
  const col = $app.findCollectionByNameOrId("articles")
  const r = new Record(col)
  r.set("title", "Lorem ipsum")
  r.set("status", "draft")
  r.set("rank+", 5)
  r.set("documents", [$filesystem.fileFromBytes("doc one", "one.txt"), $filesystem.fileFromBytes("doc two", "two.txt")])
  $app.save(r)
  const saved = $app.findRecordById("articles", r.id)
  const files = saved.get("documents")
  saved.set("documents-", [files[0]])
  saved.set("title", "Updated")
  $app.save(saved)
  const again = $app.findRecordById("articles", r.id)
  const fsys = $app.newFilesystem()
  let content = ""
  let reader
  try {
    reader = fsys.getReader(again.baseFilesPath() + "/" + again.get("documents")[0])
    content = toString(reader)
  } finally {
    reader?.close()
    fsys.close()
  }
  $app.delete(again)
  let gone = false
  try { $app.findRecordById("articles", r.id) } catch (_) { gone = true }
  return e.json(200, { title: again.get("title"), docs: again.get("documents").length, content, gone, rank: again.getInt("rank") })
})
routerAdd("GET", "/articles/{slug}", (e) => {
  const record = e.app.findFirstRecordByData("articles", "slug", e.request.pathValue("slug"))
  const can = e.app.canAccessRecord(record, e.requestInfo(), record.collection().viewRule)
  if (!can) throw new ForbiddenError()
  return e.json(200, record)
})
routerAdd("GET", "/expand", (e) => {
  const user = $app.findAuthRecordByEmail("users", "user@example.com")
  const a = $app.findFirstRecordByData("articles", "slug", "article-1")
  a.set("author", user.id)
  $app.save(a)
  const r = $app.findRecordById("articles", a.id)
  const errs = $app.expandRecord(r, ["author"], null)
  return e.json(200, { email: r.expandedOne("author").email(), errs, full: r })
})
routerAdd("GET", "/enrich", (e) => {
  const a = $app.findFirstRecordByData("articles", "slug", "article-1")
  $apis.enrichRecord(e, a, "author")
  return e.json(200, a)
})
routerAdd("GET", "/collections", (e) => {
  const c = $app.findCollectionByNameOrId("articles")
  const all = $app.findAllCollections()
  const authViews = $app.findAllCollections("auth", "view")
  const custom = arrayOf(new Collection())
  $app.collectionQuery().where($dbx.hashExp({ type: "view" })).orderBy("created DESC").all(custom)
  return e.json(200, {
    name: c.name, type: c.type, fields: c.fields.length, titleMax: c.fields.getByName("title").max,
    all: all.length, authViews: authViews.map((x) => x.name).sort(), custom: custom.map((x) => x.name),
    isAuth: $app.findCollectionByNameOrId("clients").isAuth(),
    otp: $app.findCollectionByNameOrId("clients").otp.enabled,
    pw: $app.findCollectionByNameOrId("clients").passwordAuth.enabled,
  })
})
routerAdd("POST", "/collections", (e) => {
  const collection = new Collection({
    type: "base",
    name: "example",
    listRule: null,
    viewRule: "@request.auth.id != ''",
    createRule: "",
    updateRule: "@request.auth.id != ''",
    deleteRule: null,
    fields: [
      { name: "title", type: "text", required: true, max: 10 },
      { name: "user", type: "relation", required: true, maxSelect: 1, collectionId: $app.findCollectionByNameOrId("users").id, cascadeDelete: true },
    ],
    indexes: ["CREATE UNIQUE INDEX idx_user ON example (user)"],
  })
  $app.save(collection)
  const c = $app.findCollectionByNameOrId("example")
  c.name = "example_update"
  c.fields.add(new EditorField({ name: "description", required: true }))
  const t = c.fields.getByName("title")
  t.max = 20
  c.viewRule = null
  $app.save(c)
  const u = $app.findCollectionByNameOrId("example_update")
  const out = { name: u.name, fields: u.fields.fieldNames(), max: u.fields.getByName("title").max, viewRule: u.viewRule, indexes: u.indexes }
  $app.delete(u)
  return e.json(200, out)
})
routerAdd("GET", "/security", (e) => {
  const s = $security
  const rand = s.randomString(10)
  const randBy = s.randomStringWithAlphabet(5, "abc")
  const tok = s.createJWT({ id: "123" }, "secret", 3600)
  const claims = s.parseJWT(tok, "secret")
  const unverified = s.parseUnverifiedJWT(tok)
  const enc = s.encrypt("data", "12345678901234567890123456789012")
  const dec = toString(s.decrypt(enc, "12345678901234567890123456789012"))
  return e.json(200, {
    rand: rand.length, randBy: /^[abc]{5}$/.test(randBy), claims: claims.id, unverified: unverified.id, dec,
    md5: s.md5("a"), sha256: s.sha256("a"), sha512: s.sha512("a").length, hs256: s.hs256("a", "k").length, hs512: s.hs512("a", "k").length,
    eq: s.equal("a", "a"), pseudo: s.pseudorandomString(6).length,
  })
})
routerAdd("GET", "/os", (e) => {
  const out = toString($os.exec("echo", "hi").output())
  const cmd = $os.cmd("sh", "-c", "echo from-cmd")
  const out2 = toString(cmd.output())
  const tmp = $os.tempDir()
  $os.writeFile(tmp + "/probe.txt", "written", 0o644)
  const back = toString($os.readFile(tmp + "/probe.txt"))
  $os.remove(tmp + "/probe.txt")
  return e.json(200, { out, out2, back, env: $os.getenv("HOME").length > 0 })
})
routerAdd("GET", "/template", (e) => {
  const html = $template.loadFiles(\`\${__hooks}/views/layout.html\`, \`\${__hooks}/views/hello.html\`).render({ name: "John" })
  const s = $template.loadString("Hi {{.name}}").render({ name: "Ann" })
  return e.html(200, html + "|" + s)
})
routerAdd("POST", "/mail", (e) => {
  const message = new MailerMessage({
    from: { address: e.app.settings().meta.senderAddress, name: e.app.settings().meta.senderName },
    to: [{ address: "someone@example.com" }],
    bcc: [{ address: "bcc@example.com" }],
    subject: "Probe subject",
    html: "<p>Probe body</p>",
    headers: { "X-Probe": "yes" },
  })
  e.app.newMailClient().send(message)
  return e.noContent(204)
})
routerAdd("POST", "/mail-verify", (e) => {
  const user = $app.findAuthRecordByEmail("users", "user@example.com")
  $mails.sendRecordVerification($app, user)
  $mails.sendRecordPasswordReset($app, user)
  return e.noContent(204)
})
routerAdd("GET", "/http", (e) => {
  const res = $http.send({
    url: "http://" + e.request.host + "/hello/http",
    method: "GET",
    headers: { "content-type": "application/json" },
    timeout: 10,
  })
  const res2 = $http.send({ url: "http://" + e.request.host + "/bind", method: "POST", body: JSON.stringify({ title: "posted" }), headers: { "content-type": "application/json" } })
  return e.json(200, { status: res.statusCode, json: res.json, raw: toString(res.body), h: res.headers["X-Probe"] || res.headers["x-probe"], posted: res2.json.title })
})
routerAdd("GET", "/http-form", (e) => {
  const form = new FormData()
  form.append("title", "from form")
  form.append("documents", $filesystem.fileFromBytes("x", "x.txt"))
  const res = $http.send({ url: "http://" + e.request.host + "/api/collections/articles/records", method: "POST", body: form })
  return e.json(200, res.json)
})
routerAdd("POST", "/realtime", (e) => {
  const message = new SubscriptionMessage({ name: "example", data: JSON.stringify({ hello: "world" }) })
  const clients = $app.subscriptionsBroker().clients()
  let sent = 0
  for (let clientId in clients) {
    if (clients[clientId].hasSubscription("example")) {
      clients[clientId].send(message)
      sent++
    }
  }
  return e.json(200, { sent })
})
routerAdd("GET", "/logger", (e) => {
  $app.logger().debug("Debug message!")
  $app.logger().info("Info message!", "name", "John", "id", 123)
  $app.logger().warn("Warning message!")
  $app.logger().error("Error message!", "err", "x")
  $app.logger().with("total", 123).info("message with")
  $app.logger().withGroup("sub").info("grouped", "total", 1)
  return e.noContent(204)
})
routerAdd("GET", "/types", (e) => {
  const d = new DateTime("2024-01-02 03:04:05.000Z")
  const obj = {}
  unmarshal({ a: 1, b: [1, 2] }, obj)
  const r = $app.findFirstRecordByData("articles", "slug", "article-1")
  const fields = new DynamicModel({ a: 0 })
  unmarshal({ a: 5 }, fields)
  sleep(10)
  return e.json(200, {
    s: toString(toBytes("abc")), obj, fields: fields.a, date: d.string(), year: d.time().year(),
    
    json: JSON.parse(JSON.stringify(r)).slug,
    pub: r.publicExport().slug,
    cloned: r.clone().id === r.id,
  })
})
routerAdd("GET", "/store", (e) => {
  $app.store().set("k", 5)
  return e.json(200, { v: $app.store().get("k"), has: $app.store().has("k") })
})
routerAdd("GET", "/settings", (e) => e.json(200, { name: $app.settings().meta.appName, logIP: $app.settings().logs.logIP }))

onRecordCreate((e) => {
  if (!e.record.getString("summary")) e.record.set("summary", "auto summary")
  e.next()
}, "articles")
onRecordAfterCreateSuccess((e) => {
  $app.logger().info("article created", "id", e.record.id)
  e.next()
}, "articles")
onRecordCreateRequest((e) => {
  if (e.record.getString("title") === "forbidden") throw new BadRequestError("title forbidden")
  e.next()
}, "articles")
onRecordUpdateRequest((e) => {
  e.record.set("summary", "updated via request by " + (e.auth ? e.auth.collection().name : "guest"))
  e.next()
}, "articles")
onRecordViewRequest((e) => {
  e.next()
}, "articles")
onRecordsListRequest((e) => {
  e.next()
}, "articles")
onRecordEnrich((e) => {
  e.record.withCustomData(true)
  e.record.set("enriched", true)
  e.next()
}, "articles")
onRecordAuthRequest((e) => {
  e.next()
}, "users")
onCollectionAfterCreateSuccess((e) => {
  console.log("collection created", e.collection.name)
  e.next()
})
onModelCreate((e) => { e.next() }, "articles")
onRealtimeConnectRequest((e) => {
  e.client.send(new SubscriptionMessage({ name: "greet", data: '{"greeting": "Hello world"}' }))
  e.next()
})
onRealtimeSubscribeRequest((e) => {
  e.next()
  if (e.client.hasSubscription("welcome")) {
    e.client.send(new SubscriptionMessage({ name: "welcome", data: JSON.stringify({ id: e.client.id(), auth: e.client.get("auth") ? e.client.get("auth").email() : null }) }))
  }
})
onMailerSend((e) => { e.next() })
onMailerRecordVerificationSend((e) => {
  e.message.subject = "Custom: " + e.message.subject
  e.next()
})
onTerminate((e) => { e.next() })

cronAdd("probe", "*/5 * * * *", () => {
  $app.logger().info("cron ran")
})
`,
};

function writeTree(dir: string, files: { [path: string]: string }): void {
  for (const [path, content] of Object.entries(files)) {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
}

/** A `satchel serve` child on a random port; resolves once it listens. */
function serve(
  root: string,
  env: NodeJS.ProcessEnv,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        MAIN,
        "serve",
        "--http=127.0.0.1:0",
        `--dir=${join(root, "pb_data")}`,
        `--hooksDir=${join(root, "pb_hooks")}`,
        `--migrationsDir=${join(root, "pb_migrations")}`,
        `--publicDir=${join(root, "pb_public")}`,
        "--hooksWatch=false",
      ],
      { env: { ...process.env, ...env } },
    );
    let output = "";
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /Server started at (http:\/\/\S+)/.exec(output);
      if (m) resolve({ child, url: m[1]!, output: () => output });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("close", (code) => reject(new Error(`serve exited (${code}):\n${output}`)));
  });
}

describe("PocketBase's documented JS examples on `satchel serve`", () => {
  const cleanup = suiteCleanup();
  let url = "";
  let output: () => string = () => "";
  let child: ChildProcess | undefined;
  let smtp: SmtpSink;
  const get = (path: string, init?: RequestInit) => fetch(url + path, init);
  const json = async (path: string, init?: RequestInit) => {
    const res = await get(path, init);
    const text = await res.text();
    assert.equal(res.status, 200, `${path}: ${text}`);
    return JSON.parse(text) as { [key: string]: unknown };
  };

  before(async () => {
    smtp = await startSmtpSink(cleanup);
    const root = tempDir(cleanup, "satchel-docs-");
    writeTree(join(root, "pb_migrations"), MIGRATIONS);
    writeTree(join(root, "pb_hooks"), HOOKS);
    const started = await serve(root, { PROBE_SMTP_PORT: String(smtp.port) });
    child = started.child;
    url = started.url;
    output = started.output;
  });
  after(() => {
    child?.removeAllListeners("close");
    if (child?.pid) process.kill(child.pid);
  });

  test("migrations: collections in the object form, field helpers, seeds, raw SQL and settings", async () => {
    const pb = new PocketBase(url);
    // the superuser seeded by a migration
    await pb.collection("_superusers").authWithPassword("test@example.com", "1234567890");
    const clients = await pb.collections.getOne("clients");
    assert.equal(clients.type, "auth");
    assert.equal(clients.passwordAuth.enabled, false);
    assert.equal(clients.otp.enabled, true);
    assert.equal(clients.listRule, "id = @request.auth.id");
    assert.ok(clients.indexes.some((i: string) => i.includes("idx_clients_company")));
    const articles = await pb.collections.getOne("articles");
    const names = articles.fields.map((f: { name: string }) => f.name);
    for (const n of ["title", "slug", "status", "summary", "featured", "body"])
      assert.ok(names.includes(n), n);
    assert.equal(articles.fields.find((f: { name: string }) => f.name === "title")?.max, 300);
    assert.equal(articles.deleteRule, null);
    assert.ok(articles.indexes.some((i: string) => i.includes("idx_articles_rank")));
    const view = await pb.collections.getOne("public_articles");
    assert.equal(view.type, "view");
    await assert.rejects(pb.collections.getOne("tmp_to_delete"));
    await pb.collections.getOne("new_name");
    await assert.rejects(pb.collections.getOne("old_name"));
    // the seeded records, one updated by raw SQL with a bound parameter
    const list = await pb.collection("articles").getFullList({ sort: "rank" });
    assert.deepEqual(
      list.slice(0, 5).map((r) => r.rank),
      [1, 2, 3, 4, 50],
    );
    const publicOnes = await pb.collection("public_articles").getFullList();
    assert.equal(publicOnes.length, 3);
    const settings = await pb.settings.getAll();
    assert.equal(settings.meta.appName, "Probe App");
    assert.equal(settings.logs.maxDays, 2);
    assert.equal(settings.logs.logIP, false);
    assert.match(output(), /App initialized!/);
    assert.match(output(), /collection created articles/);
  });

  test("routing: path values, the response writers, static files and routerUse", async () => {
    let res = await get("/hello/ann");
    assert.equal(res.headers.get("x-probe"), "1");
    assert.deepEqual(await res.json(), { message: "Hello ann" });
    assert.equal(await (await get("/lower")).text(), "lower method ok");
    res = await get("/text");
    assert.match(res.headers.get("content-type")!, /^text\/plain/);
    assert.equal(await res.text(), "plain text");
    res = await get("/html");
    assert.match(res.headers.get("content-type")!, /^text\/html/);
    assert.equal(await res.text(), "<h1>Hello!</h1>");
    res = await get("/redirect", { redirect: "manual" });
    assert.equal(res.status, 307);
    assert.equal(res.headers.get("location"), "/text");
    res = await get("/nothing", { method: "DELETE" });
    assert.equal(res.status, 204);
    res = await get("/blob");
    assert.equal(res.headers.get("content-type"), "application/octet-stream");
    assert.equal(await res.text(), "raw bytes");
    assert.equal(await (await get("/stream")).text(), "streamed");
    assert.equal(await (await get("/file")).text(), "file a\n");
    res = await get("/static/");
    assert.equal(res.headers.get("x-probe"), "1", "routerUse applies to $apis.static too");
    assert.equal(await res.text(), "<h1>static index</h1>\n");
    assert.equal(await (await get("/static/a.txt")).text(), "file a\n");
    assert.equal(await (await get("/gz")).text(), "zipped?");
    // an onServe handler ran when the server started
    const served = (await (await get("/served")).json()) as { served: string };
    assert.match(served.served, /^127\.0\.0\.1:/);
  });

  test("routing: bindBody, requestInfo, the auth middlewares, bodyLimit and errors", async () => {
    const bound = await json("/bind", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "t", description: "d", active: true, tags: ["a"], n: 3 }),
    });
    assert.deepEqual(bound, { active: true, description: "d", n: 3, tags: ["a"], title: "t" });
    const form = new FormData();
    form.append("title", "multi");
    form.append("n", "4");
    assert.equal((await json("/bind", { method: "POST", body: form })).title, "multi");
    const pb = new PocketBase(url);
    await pb.collection("users").authWithPassword("user@example.com", "1234567890");
    const info = await json("/info?search=foo", {
      method: "POST",
      headers: { "content-type": "application/json", "x-custom": "cv", authorization: pb.authStore.token },
      body: JSON.stringify({ a: 1 }),
    });
    assert.deepEqual(info.body, { a: 1 });
    assert.equal(info.search, "foo");
    assert.equal(info.header, "cv");
    assert.equal(info.hdr, "cv");
    assert.equal(info.method, "POST");
    assert.equal(info.auth, pb.authStore.record!.id);
    assert.equal(info.eauth, "user@example.com");
    assert.equal(info.isSuper, false);
    assert.equal((await get("/me")).status, 401);
    const me = await json("/me", { headers: { authorization: pb.authStore.token } });
    assert.equal(me.id, pb.authStore.record!.id);
    assert.equal((await get("/admin-only", { headers: { authorization: pb.authStore.token } })).status, 403);
    assert.equal((await get("/guest", { headers: { authorization: pb.authStore.token } })).status, 400);
    assert.equal((await get("/guest")).status, 200);
    assert.equal((await get("/small", { method: "POST", body: "0123456789012345" })).status, 413);
    assert.deepEqual(await json("/small", { method: "POST", body: "01234" }), { len: 5 });
    assert.deepEqual(
      await json("/raw", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"a":1}',
      }),
      { body: { a: 1 }, text: '{"a":1}' },
    );
    const errors: [string, number, string][] = [
      ["api", 418, "Teapot."],
      ["bad", 400, "Bad one."],
      ["notfound", 404, "The requested resource wasn't found."],
      ["forbidden", 403, "You are not allowed to perform this request."],
      ["unauth", 401, "Missing or invalid authentication."],
      ["many", 429, "Too Many Requests."],
      ["internal", 500, "Something went wrong while processing your request."],
      ["ebad", 400, "Via event."],
      ["enotfound", 404, "No such thing."],
      ["plain", 400, "Something went wrong while processing your request."],
    ];
    for (const [kind, status, message] of errors) {
      const res = await get(`/err/${kind}`);
      const body = (await res.json()) as { message: string; data: unknown };
      assert.equal(res.status, status, kind);
      assert.equal(body.message, message, kind);
      if (kind === "bad") assert.deepEqual(body.data, { title: { code: "invalid", message: "Nope." } });
    }
  });

  test("records: finders, filters with params, record queries, $dbx expressions, counts", async () => {
    const r = await json("/records");
    assert.equal(r.byId, "Article 1");
    assert.deepEqual(r.byFilter, [50, 3]);
    assert.deepEqual(r.byFilter2, [3]);
    assert.equal(r.first, "Article 3");
    assert.equal(r.ids, 2);
    assert.deepEqual(r.all, ["article-2", "article-4"]);
    assert.equal(r.count, 3);
    assert.equal(r.user, "user@example.com");
    assert.equal(r.userName, "John");
    assert.equal(r.top, "article-5");
    assert.equal(r.liked, 5);
    assert.equal(r.coll, "articles");
    const d = await json("/dbx");
    assert.deepEqual(d, {
      and: 2,
      between: 3,
      exists: 5,
      hashIn: 2,
      in: 3,
      like: 5,
      not: 2,
      notBetween: 2,
      notExists: 5,
      notIn: 2,
      notLike: 4,
      or: 2,
      orLike: 2,
    });
  });

  test("database: newQuery with bind, the select builder, joins, having, DynamicModel and arrayOf", async () => {
    const d = await json("/db");
    const one = d.one as { title: string; rank: number; public: boolean };
    assert.equal(one.title, "Article 3");
    assert.equal(one.rank, 3);
    assert.equal(one.public, true);
    assert.deepEqual(d.many, [
      { status: "draft", total: 2 },
      { status: "public", total: 3 },
    ]);
    assert.deepEqual(
      (d.built as { full: string }[]).map((x) => x.full),
      ["Article 1 #1", "Article 3 #3", "Article 5 #50"],
    );
    assert.deepEqual(d.joined, [{ email: "", title: "Article 1" }]);
    assert.deepEqual(d.grouped, [
      { n: 2, status: "draft" },
      { n: 3, status: "public" },
    ]);
    assert.equal(d.err, "sql: no rows in result set");
  });

  test("transactions, record create/update/delete with files, the filesystem reader", async () => {
    assert.deepEqual(await json("/tx", { method: "POST" }), { failed: true, n: 0, status: "archived" });
    assert.deepEqual(await json("/crud", { method: "POST" }), {
      content: "doc two",
      docs: 1,
      gone: true,
      rank: 5,
      title: "Updated",
    });
  });

  test("canAccessRecord, expandRecord and $apis.enrichRecord (in place, with onRecordEnrich)", async () => {
    const ok = await json("/articles/article-1");
    assert.equal(ok.slug, "article-1");
    assert.equal((await get("/articles/article-2")).status, 403);
    const ex = await json("/expand");
    assert.equal(ex.email, "user@example.com");
    assert.deepEqual(ex.errs, {});
    const full = ex.full as { expand: { author: { name: string } } };
    assert.equal(full.expand.author.name, "John");
    // a guest may not view users (viewRule), so the author is not expanded for it
    const guest = await json("/enrich?expand=author");
    assert.equal(guest.enriched, true);
    assert.equal(guest.expand, undefined);
    const pb = new PocketBase(url);
    await pb.collection("users").authWithPassword("user@example.com", "1234567890");
    const owner = await json("/enrich", { headers: { authorization: pb.authStore.token } });
    const author = (owner.expand as { author: { email: string } }).author;
    assert.equal(author.email, "user@example.com", "the owner sees its own email");
  });

  test("collections: find, list by type, collectionQuery, create/update/delete from a route", async () => {
    const c = await json("/collections");
    assert.equal(c.name, "articles");
    assert.equal(c.titleMax, 300);
    assert.deepEqual(c.authViews, ["_superusers", "clients", "public_articles", "users"]);
    assert.deepEqual(c.custom, ["public_articles"]);
    assert.equal(c.isAuth, true);
    assert.equal(c.otp, true);
    assert.equal(c.pw, false);
    const made = await json("/collections", { method: "POST" });
    assert.deepEqual(made, {
      fields: ["id", "title", "user", "description"],
      indexes: ["CREATE UNIQUE INDEX idx_user ON example (user)"],
      max: 20,
      name: "example_update",
      viewRule: null,
    });
  });

  test("$security, $os, $template, types helpers, the store and settings", async () => {
    const s = await json("/security");
    assert.equal(s.rand, 10);
    assert.equal(s.randBy, true);
    assert.equal(s.claims, "123");
    assert.equal(s.unverified, "123");
    assert.equal(s.dec, "data");
    assert.equal(s.md5, "0cc175b9c0f1b6a831c399e269772661");
    assert.equal(s.eq, true);
    assert.deepEqual(await json("/os"), { back: "written", env: true, out: "hi\n", out2: "from-cmd\n" });
    const html = await (await get("/template")).text();
    assert.match(html, /<title>Page 1<\/title>/);
    assert.match(html, /<p>Hello from John<\/p>/);
    assert.match(html, /\|Hi Ann$/);
    const t = await json("/types");
    assert.equal(t.s, "abc");
    assert.equal(t.fields, 5);
    assert.equal(t.date, "2024-01-02 03:04:05.000Z");
    assert.equal(t.year, 2024);
    assert.equal(t.json, "article-1");
    assert.equal(t.pub, "article-1");
    assert.equal(t.cloned, true);
    assert.deepEqual(await json("/store"), { has: true, v: 5 });
    assert.deepEqual(await json("/settings"), { logIP: false, name: "Probe App" });
  });

  test("$http.send: JSON, the body as bytes, and a multipart FormData with a file", async () => {
    const h = await json("/http");
    assert.equal(h.status, 200);
    assert.deepEqual(h.json, { message: "Hello http" });
    assert.equal(h.raw, '{"message":"Hello http"}\n');
    assert.equal(h.posted, "posted");
    const created = await json("/http-form");
    assert.equal(created.title, "from form");
    assert.equal((created.documents as string[]).length, 1);
  });

  test("emails: MailerMessage through newMailClient(), $mails and onMailer* hooks, over SMTP", async () => {
    assert.equal((await get("/mail", { method: "POST" })).status, 204);
    const mail = await smtp.waitFor((m) => m.subject === "Probe subject");
    assert.equal(mail.from, "support@example.com");
    assert.deepEqual(mail.to.sort(), ["bcc@example.com", "someone@example.com"]);
    assert.match(mail.html, /Probe body/);
    assert.equal((await get("/mail-verify", { method: "POST" })).status, 204);
    const verify = await smtp.waitFor((m) => m.subject.startsWith("Custom: Verify"));
    assert.deepEqual(verify.to, ["user@example.com"]);
    await smtp.waitFor((m) => /Reset your Probe App password/.test(m.subject));
  });

  test("realtime: subscriptionsBroker() messages to subscribers, e.client in the realtime hooks", async () => {
    // a message sent to e.client in onRealtimeConnectRequest reaches the new connection
    const es = new EventSource(`${url}/api/realtime`);
    const greetings: string[] = [];
    es.addEventListener("greet", (e) => greetings.push(String(e.data)));
    try {
      await waitFor(() => greetings.length > 0, "the connect greeting");
      assert.deepEqual(greetings, ['{"greeting": "Hello world"}']);
    } finally {
      es.close();
    }
    const pb = new PocketBase(url);
    await pb.collection("users").authWithPassword("user@example.com", "1234567890");
    const got: { [topic: string]: unknown[] } = { welcome: [], example: [] };
    await pb.realtime.subscribe("welcome", (e) => got.welcome!.push(e));
    await pb.realtime.subscribe("example", (e) => got.example!.push(e));
    try {
      await waitFor(() => got.welcome!.length > 0, "the welcome message");
      const welcome = got.welcome![0] as { id: string; auth: string };
      assert.equal(welcome.id, pb.realtime.clientId);
      assert.equal(welcome.auth, "user@example.com");
      assert.deepEqual(await json("/realtime", { method: "POST" }), { sent: 1 });
      await waitFor(() => got.example!.length > 0, "the custom message");
      assert.deepEqual(got.example, [{ hello: "world" }]);
    } finally {
      await pb.realtime.unsubscribe();
    }
  });

  test("the logger, record hooks on API requests and cronAdd jobs", async () => {
    assert.equal((await get("/logger")).status, 204);
    const pb = new PocketBase(url);
    await pb.collection("_superusers").authWithPassword("test@example.com", "1234567890");
    const created = await pb.collection("articles").create({ title: "via api" });
    assert.equal(created.summary, "auto summary");
    assert.equal(created.enriched, true);
    await assert.rejects(pb.collection("articles").create({ title: "forbidden" }), /Title forbidden/);
    const updated = await pb.collection("articles").update(created.id, { title: "changed" });
    assert.equal(updated.summary, "updated via request by _superusers");
    const crons = await pb.crons.getFullList();
    assert.ok(crons.some((c) => c.id === "probe" && c.expression === "*/5 * * * *"));
    let logs: { message: string; data: { [k: string]: unknown } }[] = [];
    // the logger writes its rows in batches (a few seconds apart)
    for (const end = Date.now() + 15_000; Date.now() < end;) {
      logs = (await pb.logs.getList(1, 100, { filter: "data.type != 'request'" })).items;
      if (
        logs.some((l) => l.message === "Info message!") &&
        logs.some((l) => l.message === "article created")
      )
        break;
      await new Promise((r) => setTimeout(r, 300));
    }
    const info = logs.find((l) => l.message === "Info message!");
    assert.ok(info, "no Info message! row");
    assert.equal(info.data.name, "John");
    assert.equal(info.data.id, 123);
    assert.ok(logs.some((l) => l.message === "message with" && l.data.total === 123));
    assert.ok(logs.some((l) => l.message === "article created"));
  });

  test("more record, collection, request, filesystem and cron calls of the docs", async () => {
    const form = new FormData();
    form.append("document", new Blob(["hi\n"]), "doc.txt");
    form.append("document", new Blob(["hi\n"]), "doc.txt");
    assert.deepEqual(await json("/upload", { method: "POST", body: form }), {
      n: 2,
      name: "doc.txt",
      saved: 2,
    });
    const res = await get("/req", { headers: { cookie: "in=cv", "user-agent": "docs-probe" } });
    assert.match(res.headers.get("set-cookie")!, /^c1=v1; Path=\//);
    assert.deepEqual(await res.json(), {
      cookie: "cv",
      ctx: "default",
      host: true,
      path: "/req",
      remote: true,
      tls: false,
      ua: "docs-probe",
    });
    assert.equal((await get("/owner/xyz")).status, 401);
    const r = await json("/rec");
    assert.match(r.slug as string, /^post-/);
    assert.equal(r.isNew, false);
    assert.equal(r.origTitle, "slugged");
    assert.equal(r.changed, "changed");
    assert.equal(r.byToken, true);
    assert.equal(r.valid, true);
    assert.equal(r.invalid, false);
    assert.equal(r.verified, true);
    assert.equal(r.fileToken, true);
    assert.equal(r.due, "2025-01-02 10:00:00.000Z");
    assert.deepEqual(r.meta, { a: [1, 2] });
    assert.equal(r.weight, 3);
    assert.deepEqual(r.expandedAll, ["slugged"]);
    assert.deepEqual(r.fieldNames, [
      "id",
      "slug",
      "name",
      "color",
      "weight",
      "due",
      "meta",
      "link",
      "contact",
      "icon",
      "articles",
      "created",
    ]);
    assert.deepEqual(r.usersIdentity, ["email", "username"]);
    assert.equal(r.usersAuthRule, "verified = true");
    assert.equal(r.tagsUpdateRule, "@request.auth.id != ''");
    assert.deepEqual(await json("/fs"), {
      after: false,
      content: "hello fs",
      exists: true,
      list: 1,
      size: 8,
    });
    const f = await json("/fromurl");
    assert.equal(f.urlName, true);
    assert.equal(f.pathOrig, "a.txt");
    const c = await json("/cronadd");
    assert.equal(c.had, true);
    assert.equal(c.gone, true);
    assert.deepEqual(await json("/import"), { fields: ["id", "title"], name: "imported" });
    assert.deepEqual(await json("/truncate", { method: "POST" }), { n: 0 });
    const rnd = await json("/random");
    assert.equal(rnd.byRegex, true);
    assert.equal(rnd.add, "2024-01-01 01:00:00.000Z");
  });
});
