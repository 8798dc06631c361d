/**
 * The set-ups of PocketBase's operation scenarios done the way a pb_hooks script does them:
 * `$app.createBackup`, `$app.store()` (the app's own store), `$app.cron().removeAll()` and
 * `$app.auxDB()` reach the same state the Go tests reach through the app.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { HooksRuntime } from "../src/hooks/runtime.ts";
import { writeFiles } from "./helpers/hooks.ts";
import { request } from "./helpers/http.ts";
import { startTestdataServer } from "./helpers/pb-testdata-server.ts";
import { TOKENS } from "./helpers/pb-tokens.ts";
import { tempDir } from "./helpers/server.ts";

const SCRIPT = `
routerAdd("POST", "/setup", (e) => {
  $app.createBackup("test1.zip");
  $app.createBackup("@test4.zip");
  $app.store().set("@activeBackup", "");
  $app.cron().removeAll();
  $app.auxDB().newQuery("DELETE FROM _logs").execute();
  $app.auxDB()
    .newQuery("INSERT INTO _logs (id, level, message, data, created) VALUES ({:id}, 0, 'm', '{}', '2022-05-01 10:00:00.123Z')")
    .bind({ id: "873f2133-9f38-44fb-bf82-c8f53b310d91" })
    .execute();
  return e.json(200, { active: $app.store().has("@activeBackup"), crons: $app.cron().total() });
});
`;

test("pb_hooks set-ups reach the app's backups, store, scheduler and logs database", async (t) => {
  const s = await startTestdataServer(t);
  if (!s) return;
  const hooksDir = tempDir(t, "satchel-hooks-");
  writeFiles(hooksDir, { "main.pb.js": SCRIPT });
  const runtime = new HooksRuntime(s.app, {
    hooksDir,
    watch: false,
    poolSize: 1,
    timeoutMs: 60_000,
    log: () => undefined,
  });
  await runtime.start();
  t.after(() => runtime.close());

  const setup = await request(s.url, "POST", "/setup");
  assert.equal(setup.status, 200, setup.text);
  assert.deepEqual(setup.json, { active: true, crons: 0 });

  const su = { token: TOKENS.superuser };
  const list = await request(s.url, "GET", "/api/backups", su);
  assert.ok(list.text.includes('"test1.zip"') && list.text.includes('"@test4.zip"'), list.text);
  // the store key set by the script is the app's: a new backup is refused while it is there
  assert.equal((await request(s.url, "POST", "/api/backups", su)).status, 400);
  assert.equal((await request(s.url, "GET", "/api/health", su)).json.data.canBackup, false);
  assert.deepEqual((await request(s.url, "GET", "/api/crons", su)).json, []);
  const logs = await request(s.url, "GET", "/api/logs", su);
  assert.ok(logs.text.includes('"totalItems":1') && logs.text.includes("873f2133"), logs.text);
});
