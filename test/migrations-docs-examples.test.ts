/**
 * PocketBase's documented migration and console-command examples on the `satchel` command line:
 * `migrate up|down|history-sync` with `--hooksDir` (the hooks load for every command, so JS
 * model hooks see what migrations save), a collection changed with the field helpers and
 * reverted by its down migration, and a command added with `$app.rootCmd.addCommand`.
 */
import assert from "node:assert/strict";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runSatchel as run } from "./helpers/cli.ts";
import { tempDir } from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";

const MIGRATIONS: { [file: string]: string } = {
  "1700000001_notes.js": `/// <reference path="../pb_data/types.d.ts" />
migrate((app) => {
  const notes = new Collection({
    type: "base",
    name: "notes",
    listRule: "",
    fields: [
      { name: "title", type: "text", required: true, max: 100 },
      { name: "done", type: "bool" },
    ],
    indexes: ["CREATE INDEX idx_notes_title ON notes (title)"],
  })
  app.save(notes)
  const r = new Record(notes)
  r.set("title", "first")
  app.save(r)
}, (app) => {
  app.delete(app.findCollectionByNameOrId("notes"))
})
`,
  "1700000002_notes_fields.js": `migrate((app) => {
  const c = app.findCollectionByNameOrId("notes")
  c.fields.add(new TextField({ name: "summary", max: 200 }))
  c.fields.removeByName("done")
  c.fields.getByName("title").max = 300
  app.save(c)
}, (app) => {
  const c = app.findCollectionByNameOrId("notes")
  c.fields.removeByName("summary")
  c.fields.add(new BoolField({ name: "done" }))
  c.fields.getByName("title").max = 100
  app.save(c)
})
`,
  "1700000003_settings.js": `migrate((app) => {
  const settings = app.settings()
  settings.meta.appName = "Docs App"
  settings.batch.enabled = true
  settings.batch.maxRequests = 10
  settings.rateLimits.enabled = true
  settings.rateLimits.rules = [{ label: "/api/", maxRequests: 100, duration: 10 }]
  settings.trustedProxy.headers = ["X-Forwarded-For"]
  settings.backups.cron = "0 0 * * *"
  app.save(settings)
})
`,
};

const HOOKS: { [file: string]: string } = {
  "main.pb.js": `onRecordAfterCreateSuccess((e) => {
  console.log("hook saw", e.record.get("title"))
  e.next()
}, "notes")

$app.rootCmd.addCommand(new Command({
  use: "hello",
  run: (cmd, args) => {
    console.log("Hello world!", JSON.stringify(args))
  },
}))

const db = new Command({ use: "notes" })
db.addCommand(new Command({
  use: "count",
  short: "prints how many notes there are",
  run: (cmd, args) => {
    console.log("notes:", $app.countRecords("notes"))
  },
}))
$app.rootCmd.addCommand(db)
`,
};

function writeAll(dir: string, files: { [name: string]: string }): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

/** A project folder with the migrations and hooks above, and the flags that point `satchel` at it. */
function project(t: Parameters<typeof tempDir>[0], prefix: string): { root: string; dirs: string[] } {
  const root = tempDir(t, prefix);
  writeAll(join(root, "pb_migrations"), MIGRATIONS);
  writeAll(join(root, "pb_hooks"), HOOKS);
  const dirs = [
    `--dir=${join(root, "pb_data")}`,
    `--migrationsDir=${join(root, "pb_migrations")}`,
    `--hooksDir=${join(root, "pb_hooks")}`,
  ];
  return { root, dirs };
}

describe("PocketBase's documented migrations and console commands on the CLI", () => {
  test("migrate up/down with --hooksDir, field helpers reverted, history-sync", async (t) => {
    const { root, dirs } = project(t, "satchel-docs-migrate-");
    const db = join(root, "pb_data");
    const columns = async () =>
      query(db, "SELECT name FROM pragma_table_info('notes') ORDER BY name").map((r) => r.name);

    const up = await run(["migrate", "up", ...dirs]);
    assert.equal(up.code, 0, up.stderr);
    assert.match(
      up.stdout,
      /Applied 1700000001_notes\.js\nApplied 1700000002_notes_fields\.js\nApplied 1700000003_settings\.js\n/,
    );
    // a rate limit rule assigned without "audience" gets its zero value, as a Go struct
    const settings = JSON.parse(
      String(query(db, "SELECT value FROM _params WHERE id = 'settings'")[0]!.value),
    ) as {
      meta: { appName: string };
      batch: { enabled: boolean; maxRequests: number };
      rateLimits: { enabled: boolean; rules: unknown[] };
      trustedProxy: { headers: string[] };
      backups: { cron: string };
    };
    assert.equal(settings.meta.appName, "Docs App");
    assert.deepEqual(settings.batch, { enabled: true, maxRequests: 10, timeout: 3, maxBodySize: 0 });
    assert.equal(settings.rateLimits.enabled, true);
    assert.deepEqual(settings.rateLimits.rules, [
      { label: "/api/", audience: "", duration: 10, maxRequests: 100 },
    ]);
    assert.deepEqual(settings.trustedProxy.headers, ["X-Forwarded-For"]);
    assert.equal(settings.backups.cron, "0 0 * * *");
    // the JS hook fired for the record the migration saved
    assert.match(up.stdout, /hook saw first/);
    assert.deepEqual(await columns(), ["id", "summary", "title"]);
    const title = query(db, "SELECT fields FROM _collections WHERE name = 'notes'");
    assert.equal(
      (JSON.parse(String(title[0]!.fields)) as { name: string; max: number }[]).find(
        (f) => f.name === "title",
      )!.max,
      300,
    );

    const down = await run(["migrate", "down", "2", ...dirs], "y\n");
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /Reverted 1700000003_settings\.js\nReverted 1700000002_notes_fields\.js/);
    assert.deepEqual(await columns(), ["done", "id", "title"]);

    // a file gone from the folder: history-sync forgets its row
    const again = await run(["migrate", "up", ...dirs]);
    assert.match(again.stdout, /Applied 1700000002_notes_fields\.js/);
    renameSync(join(root, "pb_migrations", "1700000002_notes_fields.js"), join(root, "moved.js"));
    renameSync(join(root, "pb_migrations", "1700000003_settings.js"), join(root, "moved2.js"));
    const sync = await run(["migrate", "history-sync", ...dirs]);
    assert.equal(sync.code, 0, sync.stderr);
    const rows = query(db, "SELECT file FROM _migrations WHERE file LIKE '%.js' ORDER BY file");
    assert.deepEqual(
      rows.map((r) => r.file),
      ["1700000001_notes.js"],
    );
  });

  test("a console command added by a hook file runs as `satchel <name>`", async (t) => {
    const { dirs } = project(t, "satchel-docs-command-");
    const hello = await run(["hello", "a", "b", ...dirs]);
    assert.equal(hello.code, 0, hello.stderr);
    assert.match(hello.stdout, /Hello world! \["a","b"\]/);
    assert.equal((await run(["migrate", "up", ...dirs])).code, 0);
    const count = await run(["notes", "count", ...dirs]);
    assert.equal(count.code, 0, count.stderr);
    assert.match(count.stdout, /notes: 1/);
    const unknown = await run(["nope", ...dirs]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown command "nope"/);
  });
});
