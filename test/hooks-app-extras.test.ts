/**
 * The `$app` members of jsvm-surface §3.1 answered from the App's primitives (schema and table
 * helpers, logs, collection helpers, the auth helper tables, context variants, store/logger
 * extras) and the Go-only members that throw "not supported in Satchel: …; use …".
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import { buildTemplate, suiteCleanup } from "./helpers/server.ts";
import { seedPosts, startHooksServer, type HooksServer } from "./helpers/hooks.ts";

const SCRIPTS = {
  "public/docs/index.html": "<p>docs</p>",
  "public/site.css": "p{}",
  "extras.pb.js": `
routerAdd("GET", "/extras/schema", (e) => {
  const info = $app.tableInfo("posts")
  const title = info.find((c) => c.name === "title")
  $app.saveView("v_titles", "SELECT id, title FROM posts")
  const viewExists = $app.hasTable("v_titles")
  $app.deleteView("v_titles")
  $app.db().createTable("tmp_x", { id: "TEXT" }).execute()
  $app.db().createIndex("tmp_x", "idx_tmp_x", "id").execute()
  const indexes = $app.tableIndexes("tmp_x")
  $app.deleteTable("tmp_x")
  return e.json(200, {
    title: { type: title.type, notNull: title.notNull, pk: title.pk },
    idPk: info.find((c) => c.name === "id").pk,
    viewExists,
    viewGone: !$app.hasTable("v_titles"),
    indexes,
    tableGone: !$app.hasTable("tmp_x"),
    logsTable: $app.auxHasTable("_logs"),
    unique: [$app.isCollectionNameUnique("posts"), $app.isCollectionNameUnique("POSTS", $app.findCollectionByNameOrId("posts").id), $app.isCollectionNameUnique("fresh")],
    collections: (() => { const rows = arrayOf(new DynamicModel({ name: "" })); $app.collectionQuery().where($dbx.hashExp({ name: "posts" })).all(rows); return rows.map((r) => r.name) })(),
    dbExport: (() => { const x = $app.findCollectionByNameOrId("posts").dbExport($app); return { name: x.name, fields: JSON.parse(x.fields).length, options: typeof x.options } })(),
  })
})

routerAdd("POST", "/extras/records", (e) => {
  const posts = $app.findCollectionByNameOrId("posts")
  const r = new Record(posts, { title: "ctx" })
  $app.saveWithContext(new Context(), r)
  $app.importCollectionsByMarshaledJSON(JSON.stringify([{ name: "imported", type: "base", fields: [{ name: "body", type: "text" }] }]), false)
  const user = new Record($app.findCollectionByNameOrId("users"))
  user.setEmail("extras@example.com")
  user.setPassword("1234567890")
  $app.save(user)
  const mfas = $app.findAllMFAsByRecord(user)
  $app.deleteExpiredOTPs()
  $app.deleteAllExternalAuthsByRecord(user)
  cronAdd("extras_job", "0 3 * * *", () => {})
  const job = $app.cron().jobs().find((j) => j.id() === "extras_job")
  const cronInfo = { expression: job.expression(), system: $app.cron().jobs().some((j) => j.id().startsWith("__pb")), total: $app.cron().total() > 1 }
  cronRemove("extras_job")
  const store = $app.store()
  store.set("n", 1)
  store.setFunc("n", (old) => old + 41)
  $app.logger().withGroup("g").info("grouped", "k", "v")
  $app.logger().log(null, 4, "leveled")
  return e.json(200, { saved: r.id.length, imported: $app.hasTable("imported"), mfas: mfas.length, externalAuths: $app.findAllExternalAuthsByCollection("users").length, n: store.get("n"), cronInfo })
})

routerAdd("GET", "/extras/logs", (e) => {
  const rows = arrayOf(new DynamicModel({ id: "", message: "", level: 0 }))
  $app.logQuery().where($dbx.hashExp({ message: "grouped" })).all(rows)
  const log = $app.findLogById(rows[0].id)
  const leveled = arrayOf(new DynamicModel({ level: 0 }))
  $app.logQuery().where($dbx.hashExp({ message: "leveled" })).all(leveled)
  const stats = $app.logsStats($dbx.exp("message = {:m}", { m: "grouped" }))
  $app.deleteOldLogs(new Date(Date.now() + 60000))
  const left = arrayOf(new DynamicModel({ id: "" }))
  $app.logQuery().all(left)
  return e.json(200, { data: log.data, leveled: leveled[0].level, stats: stats.map((s) => s.total), left: left.length })
})

routerAdd("GET", "/extras/filtered/{title}", (e) => {
  const title = e.request.pathValue("title")
  const r = new Record($app.findCollectionByNameOrId("posts"), { title: "filtered" })
  $app.save(r)
  const onlyTitle = (q) => { q.andWhere($dbx.hashExp({ title: title })) }
  const many = $app.findRecordsByIds("posts", [r.id, "nope"], onlyTitle)
  // uncaught when the filter excludes it: a 404, as PocketBase answers sql.ErrNoRows
  const one = $app.findRecordById("posts", r.id, onlyTitle)
  return e.json(200, { id: one.id === r.id, title: one.getString("title"), many: many.length })
})

routerAdd("GET", "/extras/query-miss", (e) => {
  const r = new Record()
  $app.recordQuery("posts").where($dbx.hashExp({ title: "never" })).one(r)
  return e.json(200, r)
})

routerAdd("GET", "/extras/files/{path...}", (e) => e.fileFS($os.dirFS(__hooks + "/public"), e.request.pathValue("path")))

onRealtimeConnectRequest((e) => {
  $app.store().set("timeouts", { idle: e.idleTimeout, max: e.maxTimeout })
  e.idleTimeout = 200 * 1e6 // Durations are nanoseconds: 200 ms
  e.next()
})

routerAdd("GET", "/extras/timeouts", (e) => e.json(200, $app.store().get("timeouts")))

routerAdd("GET", "/extras/unsupported", (e) => {
  const out = {}
  const attempt = (name, fn) => { try { fn(); out[name] = "no error" } catch (err) { out[name] = err.message } }
  // console commands are added at load time (satchel <name>); from a handler, as in
  // PocketBase after the start, the addition does nothing
  out.rootCmdInHandler = (() => { try { $app.rootCmd.addCommand(new Command({ use: "x" })); return "ok" } catch (err) { return err.message } })()
  attempt("restart", () => $app.restart())
  attempt("unsafeWithoutHooks", () => $app.unsafeWithoutHooks())
  attempt("runAllMigrations", () => $app.runAllMigrations())
  attempt("setInterval", () => $app.cron().setInterval(1))
  attempt("drySubmit", () => new RecordUpsertForm($app, new Record($app.findCollectionByNameOrId("posts"))).drySubmit())
  attempt("openRoot", () => $os.openRoot(__hooks))
  attempt("unknown", () => $app.noSuchMethod())
  return e.json(200, out)
})
`,
};

describe("pb_hooks: the rest of $app", () => {
  const cleanup = suiteCleanup();
  let s: HooksServer;
  before(async () => {
    const template = await buildTemplate(cleanup, seedPosts);
    s = await startHooksServer(cleanup, SCRIPTS, { template });
  });

  test("table, view and index helpers, collection helpers, dbExport", async () => {
    const res = await fetch(`${s.url}/extras/schema`);
    assert.equal(res.status, 200, s.logs.join("\n"));
    assert.deepEqual(await res.json(), {
      title: { type: "TEXT", notNull: true, pk: 0 },
      idPk: 1,
      viewExists: true,
      viewGone: true,
      indexes: { idx_tmp_x: "CREATE INDEX `idx_tmp_x` ON `tmp_x` (`id`)" },
      tableGone: true,
      logsTable: true,
      unique: [false, true, true],
      collections: ["posts"],
      dbExport: { name: "posts", fields: 6, options: "string" },
    });
  });

  interface LogsBody {
    data: { [k: string]: unknown };
    leveled: number;
    stats: number[];
    left: number;
  }
  const pollLogs = async (): Promise<LogsBody | null> => {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const logs = await fetch(`${s.url}/extras/logs`);
      if (logs.status === 200) return (await logs.json()) as LogsBody;
      await logs.body?.cancel();
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  };

  test("context variants, imports, auth helper tables, store.setFunc, logger groups and levels", async () => {
    const res = await fetch(`${s.url}/extras/records`, { method: "POST" });
    assert.equal(res.status, 200, s.logs.join("\n"));
    assert.deepEqual(await res.json(), {
      saved: 15,
      imported: true,
      mfas: 0,
      externalAuths: 0,
      n: 42,
      cronInfo: { expression: "0 3 * * *", system: true, total: true },
    });
    // the log writer batches: poll until both entries are in _logs
    const body = await pollLogs();
    assert.ok(body, s.logs.join("\n"));
    assert.equal(body.data["g.k"], "v");
    assert.equal(body.leveled, 4);
    assert.deepEqual(body.stats, [1]);
    assert.equal(body.left, 0);
  });

  test("Duration event fields are nanoseconds both ways (onRealtimeConnectRequest)", async () => {
    // what the server's own event holds after the script handler (milliseconds)
    let serverIdle = -1;
    s.app.onRealtimeConnectRequest().bindFunc(async (e) => {
      serverIdle = e.idleTimeout;
      await e.next();
    });
    // The stream starts although the script handler is still running on its thread when the
    // connect handler returns, and it ends on the script's idle timeout (200 ms), not the default 5 min.
    const res = await fetch(`${s.url}/api/realtime`, { signal: AbortSignal.timeout(20_000) });
    assert.equal(res.status, 200);
    const stream = await res.text();
    assert.match(stream, /event:PB_CONNECT/);
    assert.equal(serverIdle, 200, "the script's 200e6 ns is the server's 200 ms");
    const timeouts = await (await fetch(`${s.url}/extras/timeouts`)).json();
    assert.deepEqual(timeouts, { idle: 5 * 60 * 1e9, max: 30 * 60 * 1e9 });
  });

  test("findRecordById/findRecordsByIds apply their filter functions; an uncaught miss is a 404", async () => {
    const hit = await fetch(`${s.url}/extras/filtered/filtered`);
    assert.equal(hit.status, 200, s.logs.join("\n"));
    assert.deepEqual(await hit.json(), { id: true, title: "filtered", many: 1 });
    for (const path of ["/extras/filtered/other", "/extras/query-miss"]) {
      const miss = await fetch(`${s.url}${path}`);
      assert.equal(miss.status, 404, path);
      assert.deepEqual(await miss.json(), {
        data: {},
        message: "The requested resource wasn't found.",
        status: 404,
      });
    }
  });

  test("e.fileFS serves files of $os.dirFS: index.html for a dir, 404 when missing", async () => {
    const page = await fetch(`${s.url}/extras/files/docs`);
    assert.equal(page.status, 200, s.logs.join("\n"));
    assert.equal(page.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await page.text(), "<p>docs</p>");
    const css = await fetch(`${s.url}/extras/files/site.css`);
    assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(await css.text(), "p{}");
    for (const path of ["nope.txt", "..%2Fextras.pb.js"]) {
      const missing = await fetch(`${s.url}/extras/files/${path}`);
      assert.equal(missing.status, 404, path);
      assert.equal(((await missing.json()) as { message: string }).message, "File not found.");
    }
  });

  test("Go-only members throw 'not supported in Satchel' naming the alternative", async () => {
    const res = await fetch(`${s.url}/extras/unsupported`);
    assert.equal(res.status, 200, s.logs.join("\n"));
    const out = (await res.json()) as { [k: string]: string };
    const { rootCmdInHandler, ...unsupported } = out;
    assert.equal(rootCmdInHandler, "ok");
    for (const [name, message] of Object.entries(unsupported)) {
      assert.match(message, /^not supported in Satchel: .+; .+/, `${name}: ${message}`);
    }
    assert.equal(Object.keys(unsupported).length, 7);
  });
});
