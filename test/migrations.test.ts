/**
 * pb_migrations through the CLI: `migrate up/down/create/collections/history-sync` with
 * PocketBase's output, failures that apply nothing, and a schema edited through the API whose
 * automigrate files rebuild the same schema on a fresh folder.
 */
import assert from "node:assert/strict";
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { App } from "../src/core/app.ts";
import { collectionToApiJson } from "../src/core/collections/collection-json.ts";
import { bindAutomigrate } from "../src/core/migrations/automigrate.ts";
import { runSatchel as satchel } from "./helpers/cli.ts";
import { startTestServer, tempDir } from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";

/** A project folder: `pb_data` and `pb_migrations` side by side, as PocketBase lays them out. */
function project(t: { after: (fn: () => void) => void }): { data: string; migrations: string } {
  const root = tempDir(t);
  const migrations = join(root, "pb_migrations");
  mkdirSync(migrations);
  return { data: join(root, "pb_data"), migrations };
}

const ADD_NOTES = `/// <reference path="../pb_data/types.d.ts" />
migrate((app) => {
  const c = new Collection({ type: "base", name: "notes", fields: [{ name: "body", type: "text" }] });
  app.save(c);
}, (app) => {
  app.delete(app.findCollectionByNameOrId("notes"));
});
`;

function tables(data: string): string[] {
  const rows = query(data, "SELECT name FROM sqlite_master WHERE type = 'table'");
  return rows.map((r) => String(r.name));
}

describe("pb_migrations", () => {
  test("up applies once, down reverts after a yes (jsvm-surface §7.20)", async (t) => {
    const { data, migrations } = project(t);
    writeFileSync(join(migrations, "1700000000_add_notes.js"), ADD_NOTES);

    const up = await satchel(["migrate", "up", "--dir", data]);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(up.stdout, "Applied 1700000000_add_notes.js\n");
    assert.ok(tables(data).includes("notes"));
    const rows = query(data, "SELECT applied FROM _migrations WHERE file = ?", "1700000000_add_notes.js");
    assert.equal(rows.length, 1);
    // Unix microseconds, as PocketBase records them
    assert.ok(Math.abs(Number(rows[0]!.applied) / 1000 - Date.now()) < 120_000, String(rows[0]!.applied));

    const again = await satchel(["migrate", "--dir", data]);
    assert.equal(again.stdout, "No new migrations to apply.\n");

    const no = await satchel(["migrate", "down", "--dir", data], "n\n");
    assert.match(no.stdout, /Do you really want to revert the last 1 applied migration\(s\)\?/);
    assert.match(no.stdout, /The command has been cancelled/);
    assert.ok(tables(data).includes("notes"));

    const down = await satchel(["migrate", "down", "--dir", data], "y\n");
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /Reverted 1700000000_add_notes\.js/);
    assert.ok(!tables(data).includes("notes"));
    const left = query(data, "SELECT 1 FROM _migrations WHERE file = ?", "1700000000_add_notes.js");
    assert.equal(left.length, 0);

    const nothing = await satchel(["migrate", "down", "--dir", data], "y\n");
    assert.equal(nothing.code, 0);
    assert.equal(nothing.stdout, "No migrations to revert.\n");
  });

  test("a failing migration rolls back and names its file; a syntax error applies nothing", async (t) => {
    const { data, migrations } = project(t);
    writeFileSync(join(migrations, "1700000000_add_notes.js"), ADD_NOTES);
    writeFileSync(
      join(migrations, "1700000001_broken.js"),
      `migrate((app) => {\n  app.save(new Collection({ type: "base", name: "half" }));\n  throw new Error("boom");\n});\n`,
    );
    const failed = await satchel(["migrate", "up", "--dir", data]);
    assert.notEqual(failed.code, 0);
    assert.match(
      failed.stderr,
      /failed to apply migration 1700000001_broken\.js: .*1700000001_broken\.js:3: boom/,
    );
    const names = tables(data);
    assert.ok(names.includes("notes"), "the migration before it stays applied");
    assert.ok(!names.includes("half"), "the failing one is rolled back");

    // serve refuses to start on it too
    const serve = await satchel(["serve", "--http", "127.0.0.1:0", "--dir", data]);
    assert.notEqual(serve.code, 0);
    assert.match(serve.stderr, /1700000001_broken\.js/);

    writeFileSync(join(migrations, "1700000001_broken.js"), `migrate((app) => {\n  app.save(\n});\n`);
    writeFileSync(join(migrations, "1700000002_more.js"), ADD_NOTES.replaceAll("notes", "more"));
    const syntax = await satchel(["migrate", "up", "--dir", data]);
    assert.notEqual(syntax.code, 0);
    assert.match(syntax.stderr, /1700000001_broken\.js:3/);
    assert.ok(!tables(data).includes("more"), "nothing is applied when a file does not compile");
  });

  test("create, collections and history-sync", async (t) => {
    const { data, migrations } = project(t);
    const created = await satchel(["migrate", "create", "Add posts", "--dir", data], "y\n");
    assert.equal(created.code, 0, created.stderr);
    const [file] = readdirSync(migrations);
    assert.match(file!, /^\d{10}_add_posts\.js$/);
    assert.match(created.stdout, new RegExp(`Successfully created file ".*${file}"`));
    assert.match(
      readFileSync(join(migrations, file!), "utf8"),
      /^\/\/\/ <reference path="\.\.\/pb_data\/types\.d\.ts" \/>\nmigrate\(\(app\) => \{/,
    );
    const missing = await satchel(["migrate", "create", "--dir", data]);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /missing migration file name/);

    // The blank migration applies; the snapshot of every collection replays on itself.
    assert.equal((await satchel(["migrate", "up", "--dir", data])).code, 0);
    const snap = await satchel(["migrate", "collections", "--dir", data], "y\n");
    assert.equal(snap.code, 0, snap.stderr);
    const snapFile = readdirSync(migrations).find((f) => f.endsWith("_collections_snapshot.js"));
    assert.ok(snapFile);
    const text = readFileSync(join(migrations, snapFile), "utf8");
    assert.match(text, /return app\.importCollections\(snapshot, false\);/);
    assert.match(text, /"name": "users"/);
    const applied = await satchel(["migrate", "up", "--dir", data]);
    assert.equal(applied.stdout, `Applied ${snapFile}\n`, applied.stderr);

    // history-sync forgets the rows of files that are gone
    cpSync(join(migrations, snapFile), join(migrations, "..", "kept.js"));
    writeFileSync(join(migrations, snapFile), "");
    const { rmSync } = await import("node:fs");
    rmSync(join(migrations, snapFile));
    const sync = await satchel(["migrate", "history-sync", "--dir", data]);
    assert.equal(sync.stdout, "The _migrations table was synced with the available migrations.\n");
    const rows = query(data, "SELECT file FROM _migrations WHERE file = ?", snapFile);
    assert.equal(rows.length, 0);
    const system = query(data, "SELECT 1 FROM _migrations WHERE file = ?", "1640988000_init.go");
    assert.equal(system.length, 1, "system migrations are kept");
  });

  test("a schema edited through the API comes up identical from its automigrate files", async (t) => {
    const ts = await startTestServer(t);
    const { data, migrations } = project(t);
    bindAutomigrate(ts.app, migrations);
    await ts.pb.collections.create({
      name: "authors",
      type: "auth",
      fields: [{ name: "bio", type: "editor" }],
      passwordAuth: { enabled: true, identityFields: ["email"] },
    });
    await ts.pb.collections.create({
      name: "posts",
      type: "base",
      listRule: "",
      fields: [
        { name: "title", type: "text", required: true, max: 200 },
        { name: "tags", type: "select", values: ["a", "b", "c"], maxSelect: 2 },
        { name: "author", type: "relation", collectionId: (await ts.pb.collections.getOne("authors")).id },
        { name: "cover", type: "file", maxSelect: 1, mimeTypes: ["image/png"], thumbs: ["100x100"] },
        { name: "meta", type: "json" },
        { name: "at", type: "date" },
      ],
      indexes: ["CREATE INDEX idx_posts_title ON posts (title)"],
    });
    await ts.pb.collections.update("posts", { viewRule: "@request.auth.id != ''" });
    const posts = await ts.pb.collections.getOne("posts");
    await ts.pb.collections.update("posts", {
      fields: [
        ...posts.fields.filter((f: { name: string }) => f.name !== "meta"),
        { name: "views", type: "number", onlyInt: true },
      ],
    });
    await ts.pb.collections.create({ name: "scratch", type: "base" });
    await ts.pb.collections.delete("scratch");
    await ts.pb.collections.create({
      name: "post_titles",
      type: "view",
      viewQuery: "SELECT id, title FROM posts",
    });
    assert.ok(readdirSync(migrations).length >= 6, readdirSync(migrations).join(", "));

    const up = await satchel(["migrate", "up", "--dir", data]);
    assert.equal(up.code, 0, up.stderr);

    const fresh = new App({ dataDir: data });
    await fresh.bootstrap();
    t.after(() => fresh.terminate());
    const shape = (app: App) =>
      app
        .findAllCollections()
        .filter((c) => !c.system)
        .map((c) => {
          const { created: _c, updated: _u, ...rest } = collectionToApiJson(c);
          // a view's fields are derived from its query, with fresh random ids (as in PocketBase)
          if (c.type === "view")
            rest.fields = (rest.fields as { id: string }[]).map(({ id: _id, ...f }) => f);
          return rest;
        })
        .sort((a, b) => String(a.name).localeCompare(String(b.name)));
    assert.deepEqual(shape(fresh), shape(ts.app));
    assert.ok(!fresh.findCollectionByNameOrId("scratch"));
  });
});
