import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { waitFor } from "../../../test/helpers/wait.ts";
import { LogThread } from "./log-thread.ts";

test("the log thread stores batches, stops when idle and starts again on the next write", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "satchel-log-thread-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "auxiliary.db");
  const db = new DatabaseSync(path);
  t.after(() => db.close());
  db.exec("PRAGMA journal_mode = WAL");
  db.exec(
    "CREATE TABLE _logs (id TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL, level INTEGER NOT NULL, message TEXT NOT NULL, data JSON NOT NULL, created TEXT NOT NULL)",
  );
  const count = () => Number(db.prepare("SELECT COUNT(*) AS n FROM _logs").get()!.n);
  const batch = (n: number, tag: string) =>
    JSON.stringify(
      Array.from({ length: n }, (_, i) => ({
        level: 0,
        message: `${tag}${i}`,
        data: { i },
        created: "2026-01-01 00:00:00.000Z",
      })),
    );

  const thread = new LogThread({ idleMs: 50 });
  t.after(() => thread.close());
  assert.equal(thread.running, false, "nothing runs before the first write");
  await thread.write(path, batch(3, "a"));
  assert.equal(count(), 3);
  assert.deepEqual(
    JSON.parse(String(db.prepare("SELECT data FROM _logs WHERE message = 'a2'").get()!.data)),
    { i: 2 },
  );

  await waitFor(() => !thread.running, "the idle thread to stop");
  await thread.write(path, batch(2, "b"));
  assert.equal(count(), 5, "a write after the idle stop starts a new thread");

  await assert.rejects(thread.write(join(dir, "missing", "auxiliary.db"), batch(1, "c")), /unable to open/);
  await thread.close();
  assert.equal(thread.running, false);
});
