/**
 * Automigrate: collection changes made through the API write PocketBase-shaped migration files,
 * recorded as applied; imports don't. (Replaying them is covered with the migrations runner.)
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { bindAutomigrate } from "../src/core/migrations/automigrate.ts";
import { appliedMigrations } from "../src/core/migrations/migration-history.ts";
import { startTestServer, tempDir } from "./helpers/server.ts";

function files(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

describe("automigrate", () => {
  test("create, update and delete through the API each write a migration", async (t) => {
    const ts = await startTestServer(t);
    const dir = join(tempDir(t), "pb_migrations");
    bindAutomigrate(ts.app, dir);

    const created = await ts.pb.collections.create({
      name: "posts",
      type: "base",
      fields: [{ name: "title", type: "text", required: true }],
    });
    let written = files(dir);
    assert.equal(written.length, 1);
    assert.match(written[0]!, /^\d{10}_created_posts\.js$/);
    const createdJs = readFileSync(join(dir, written[0]!), "utf8");
    assert.match(
      createdJs,
      /^\/\/\/ <reference path="\.\.\/pb_data\/types\.d\.ts" \/>\nmigrate\(\(app\) => \{/,
    );
    assert.match(createdJs, /const collection = new Collection\(\{\n {4}"createRule": null,/);
    assert.match(createdJs, /"name": "title",/);
    assert.doesNotMatch(createdJs, /"created":/);
    assert.match(
      createdJs,
      new RegExp(
        `app\\.findCollectionByNameOrId\\("${created.id}"\\);\\n\\n  return app\\.delete\\(collection\\);`,
      ),
    );
    const history = (await appliedMigrations(ts.app.db)).map((m) => m.file);
    assert.ok(history.includes(written[0]!), "the automigrate file is recorded as applied");

    // An update: a rule, a new field and a changed field.
    const title = created.fields.find((f: { name: string }) => f.name === "title");
    await ts.pb.collections.update("posts", {
      listRule: "",
      fields: [
        ...created.fields.map((f: { name: string }) => (f.name === "title" ? { ...title, max: 100 } : f)),
        { name: "views", type: "number" },
      ],
    });
    written = files(dir);
    assert.equal(written.length, 2);
    const updated = written.find((f) => f.includes("_updated_posts"));
    assert.ok(updated, written.join(","));
    const updatedJs = readFileSync(join(dir, updated), "utf8");
    assert.match(
      updatedJs,
      /\/\/ update collection data\n {2}unmarshal\(\{\n {4}"listRule": ""\n {2}\}, collection\)/,
    );
    assert.match(
      updatedJs,
      /\/\/ update field\n {2}collection\.fields\.addAt\(1, new Field\(\{[^]*"max": 100,/,
    );
    assert.match(
      updatedJs,
      /\/\/ add field\n {2}collection\.fields\.addAt\(2, new Field\(\{[^]*"name": "views",/,
    );
    // Down reverses it: the rule back to null, the new field removed.
    const down = updatedJs.slice(updatedJs.indexOf("}, (app) => {"));
    assert.match(down, /"listRule": null/);
    assert.match(down, /collection\.fields\.removeById\("number\d+"\)/);

    // An update that changes nothing a migration records writes nothing.
    await ts.pb.collections.update("posts", {});
    assert.equal(files(dir).length, 2);

    await ts.pb.collections.delete("posts");
    written = files(dir);
    const deleted = written.find((f) => f.includes("_deleted_posts"));
    assert.ok(deleted, written.join(","));
    const deletedJs = readFileSync(join(dir, deleted), "utf8");
    assert.ok(deletedJs.indexOf("app.delete(collection)") < deletedJs.indexOf("new Collection("));
  });

  test("a refused change and an import write nothing; names ending in test get a _", async (t) => {
    const ts = await startTestServer(t);
    const dir = join(tempDir(t), "pb_migrations");
    bindAutomigrate(ts.app, dir);
    await assert.rejects(ts.pb.collections.create({ name: "bad name!", type: "base" }));
    await ts.pb.collections.import([{ name: "imported", type: "base", fields: [] } as never], false);
    assert.deepEqual(files(dir), []);
    await ts.pb.collections.create({ name: "mytest", type: "base" });
    assert.match(files(dir)[0]!, /^\d{10}_created_mytest_\.js$/);
  });
});
