/**
 * A data folder from PocketBase v0.23–v0.38 (the test data with its last system migrations
 * removed and their effects reverted) gets those migrations on start, recorded in
 * `_migrations`; a v0.39 folder is left as it is.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { App } from "../src/core/app.ts";
import { defaultAuthOptions } from "../src/core/collections/collection-defaults.ts";
import { OLD_AUTH_ALERT_BODY_SHA256 } from "../src/core/migrations/upgrade-auth-alert-template.ts";
import { SYSTEM_UPGRADES } from "../src/core/migrations/system-upgrades.ts";
import { query } from "./helpers/sqlite.ts";
import { copyTestdata } from "./helpers/testdata.ts";
import { DatabaseSync } from "node:sqlite";

const LATER = SYSTEM_UPGRADES.map((u) => u.file);

/**
 * The login-alert body PocketBase shipped before v0.31, rebuilt from the v0.39 default in the
 * test data (that version added the `{ALERT_INFO}` line, a colon, and swapped two lines).
 */
function formerDefaultBody(current: string): string {
  const lines = current.split("\n").filter((l) => !l.includes("{ALERT_INFO}"));
  lines[1] = lines[1]!.replace("location:</p>", "location.</p>");
  [lines[2], lines[3]] = [lines[3]!, lines[2]!];
  return lines.join("\n");
}

const authOptions = (dir: string, name: string) =>
  JSON.parse(String(query(dir, "SELECT options FROM _collections WHERE name = ?", name)[0]!.options)) as {
    authAlert: { emailTemplate: { body: string } };
  };

const indexes = (dir: string, name: string) =>
  JSON.parse(
    String(query(dir, "SELECT indexes FROM _collections WHERE name = ?", name)[0]!.indexes),
  ) as string[];

const sqliteIndexes = (dir: string, table: string) =>
  query(dir, "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", table).map((r) =>
    String(r.name),
  );

/** Turns a copy of the test data into what a v0.30 PocketBase would have left. */
function revertToV030(dir: string): void {
  const db = new DatabaseSync(join(dir, "data.db"));
  try {
    for (const file of LATER) db.prepare("DELETE FROM _migrations WHERE file = ?").run(file);
    for (const name of ["clients", "_superusers"]) {
      const row = db.prepare("SELECT options FROM _collections WHERE name = ?").get(name) as {
        options: string;
      };
      const options = JSON.parse(row.options) as { authAlert: { emailTemplate: { body: string } } };
      options.authAlert.emailTemplate.body = formerDefaultBody(options.authAlert.emailTemplate.body);
      db.prepare("UPDATE _collections SET options = ? WHERE name = ?").run(JSON.stringify(options), name);
    }
    // indexes the collections' lists don't name, as earlier versions could leave behind
    db.exec("CREATE INDEX idx_made_in_shell ON demo2 (title, active)");
    db.exec("CREATE UNIQUE INDEX idx_second_token ON users (tokenKey)");
    db.exec("CREATE INDEX idx_same_as_created ON demo1 (`created`)");
  } finally {
    db.close();
  }
}

async function open(t: TestContext, dir: string): Promise<App> {
  const app = new App({ dataDir: dir });
  await app.bootstrap();
  t.after(() => app.terminate());
  return app;
}

test("the rebuilt former body is the one the upgrade recognises", (t) => {
  const dir = copyTestdata(t);
  if (!dir) return;
  const old = formerDefaultBody(authOptions(dir, "clients").authAlert.emailTemplate.body);
  assert.equal(createHash("sha256").update(old).digest("hex"), OLD_AUTH_ALERT_BODY_SHA256);
});

test("a v0.30 folder gets the later system migrations on start", async (t) => {
  const dir = copyTestdata(t);
  if (!dir) return;
  revertToV030(dir);
  const customBody = authOptions(dir, "users").authAlert.emailTemplate.body;
  const app = await open(t, dir);
  await app.terminate();

  const recorded = query(dir, "SELECT file FROM _migrations").map((r) => String(r.file));
  for (const file of LATER) assert.ok(recorded.includes(file), `${file} recorded`);

  // the untouched old default is replaced, a customised body is kept
  const fresh = defaultAuthOptions().authAlert.emailTemplate.body;
  assert.equal(authOptions(dir, "clients").authAlert.emailTemplate.body, fresh);
  assert.equal(authOptions(dir, "_superusers").authAlert.emailTemplate.body, fresh);
  assert.equal(authOptions(dir, "users").authAlert.emailTemplate.body, customBody);
  assert.notEqual(authOptions(dir, "nologin").authAlert.emailTemplate.body, fresh);

  // a stray index joins the list; duplicates of what the collection has are dropped
  assert.ok(indexes(dir, "demo2").some((sql) => sql.includes("idx_made_in_shell")));
  assert.ok(sqliteIndexes(dir, "demo2").includes("idx_made_in_shell"));
  assert.ok(!sqliteIndexes(dir, "users").includes("idx_second_token"));
  assert.ok(!indexes(dir, "users").some((sql) => sql.includes("idx_second_token")));
  assert.ok(!sqliteIndexes(dir, "demo1").includes("idx_same_as_created"));
  assert.ok(!indexes(dir, "demo1").some((sql) => sql.includes("idx_same_as_created")));
  // the collections' own indexes are all still there
  for (const name of ["users", "demo1", "demo2", "demo4", "clients"]) {
    for (const sql of indexes(dir, name)) {
      const indexName = /index\s+[`"]?([\w]+)/i.exec(sql)![1]!;
      assert.ok(sqliteIndexes(dir, name).includes(indexName), `${name}: ${indexName}`);
    }
  }

  // a second start changes nothing more
  const before = query(dir, "SELECT count(*) AS n FROM _migrations")[0]!.n;
  await (await open(t, dir)).terminate();
  assert.equal(query(dir, "SELECT count(*) AS n FROM _migrations")[0]!.n, before);
});

test("a v0.39 folder is left untouched", async (t) => {
  const dir = copyTestdata(t);
  if (!dir) return;
  const snapshot = () => ({
    migrations: query(dir, "SELECT file, applied FROM _migrations ORDER BY file"),
    collections: query(dir, "SELECT id, indexes, options, updated FROM _collections ORDER BY id"),
    indexes: query(dir, "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"),
  });
  const before = snapshot();
  await (await open(t, dir)).terminate();
  assert.deepEqual(snapshot(), before);
});
