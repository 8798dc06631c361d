import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { it } from "node:test";
import { Database } from "../db/database.ts";
import { LogWriter, type LogEntry } from "./log-writer.ts";

/** `_logs` as the writer needs it (PocketBase's columns, without its indexes). */
const LOGS_TABLE =
  "CREATE TABLE _logs (id TEXT PRIMARY KEY DEFAULT ('r'||lower(hex(randomblob(7)))) NOT NULL, level INTEGER NOT NULL, message TEXT NOT NULL, data JSON NOT NULL, created TEXT NOT NULL)";

const entry = (i: number): LogEntry => ({
  level: i % 2 === 0 ? 0 : 8,
  message: `m${i}`,
  data: { i, nested: { ok: true } },
  created: "2024-01-02 09:30:00.000Z",
});

it("writes nothing until the batch is full or flushed, then all of it in one statement", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "satchel-logwriter-"));
  const db = Database.open(join(dir, "aux.db"));
  t.after(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await db.exec(LOGS_TABLE);
  const count = async () => Number((await db.get("SELECT COUNT(*) AS n FROM _logs"))!.n);
  const writer = new LogWriter(() => db, { batchSize: 5, flushDelayMs: 60_000 });
  for (let i = 0; i < 4; i++) writer.push(entry(i));
  assert.equal(writer.pending, 4);
  assert.equal(await count(), 0);
  writer.push(entry(4));
  assert.equal(writer.pending, 0);
  await writer.flush();
  assert.equal(await count(), 5);
  writer.push(entry(5));
  await writer.flush();
  // m3 came in a full batch (one multi-row INSERT with bound values), m5 alone (the JSON
  // statement): both store the same columns.
  for (const i of [3, 5]) {
    const { id, ...row } = (await db.get("SELECT * FROM _logs WHERE message = ?", [`m${i}`]))!;
    assert.match(String(id), /^r[0-9a-f]{14}$/);
    assert.deepEqual(row, {
      level: 8,
      message: `m${i}`,
      data: `{"i":${i},"nested":{"ok":true}}`,
      created: "2024-01-02 09:30:00.000Z",
    });
  }
});

it("with a thread, full batches are written by it and smaller ones in-process", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "satchel-logwriter-"));
  const path = join(dir, "aux.db");
  const db = Database.open(path);
  await db.exec(LOGS_TABLE);
  // The app's connection, counting the statements run on it (the event loop's writes).
  let runs = 0;
  const counted = Object.assign(Object.create(db) as Database, {
    path,
    run: (...args: Parameters<Database["run"]>) => {
      runs++;
      return db.run(...args);
    },
  });
  const writer = new LogWriter(() => counted, { batchSize: 5, flushDelayMs: 60_000, thread: true });
  t.after(async () => {
    await writer.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const count = async () => Number((await db.get("SELECT COUNT(*) AS n FROM _logs"))!.n);
  for (let i = 0; i < 5; i++) writer.push(entry(i));
  await writer.flush();
  assert.equal(await count(), 5);
  assert.equal(runs, 0, "the full batch was written by the thread");
  writer.push(entry(5));
  await writer.flush();
  assert.equal(await count(), 6);
  assert.equal(runs, 1, "a batch of one was written in-process");
  const row = (await db.get("SELECT level, message, data FROM _logs WHERE message = 'm3'"))!;
  assert.deepEqual({ ...row }, { level: 8, message: "m3", data: '{"i":3,"nested":{"ok":true}}' });
});
