/**
 * Backups (§1.7, §12.7): PocketBase's scenario table for the routes, a round trip under a
 * concurrent write load (create → restore, every acknowledged write in the backup or after
 * it, `integrity_check` ok), uploads (no 32 MiB limit; corrupt, foreign and non-zip files are
 * 400s that leave the data untouched), restore of a PocketBase-made zip, recovery of a swap a
 * kill interrupted, and backups on S3 against the real Swift server.
 */
import assert from "node:assert/strict";
import { createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { randomBytes } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, test } from "node:test";
import yazl from "yazl";
import { beginBackup } from "../src/core/backups/backup-state.ts";
import { recoverInterruptedRestore } from "../src/core/backups/backup-restore.ts";
import { AUTO_BACKUP_JOB_ID, pruneAutoBackups, runAutoBackup } from "../src/core/backups/auto-backup.ts";
import { createBackup } from "../src/core/backups/backup-create.ts";
import { newRecordToken } from "../src/core/records/record-tokens.ts";
import { findSuperuser } from "../src/core/records/superusers.ts";
import { S3Storage } from "../src/files/s3-storage.ts";
import { StorageError } from "../src/files/storage.ts";
import { request } from "./helpers/http.ts";
import { startS3Server, swiftUnavailable, type S3TestServer } from "./helpers/s3-server.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import {
  SUPERUSER,
  buildTemplate,
  startTestServer,
  suiteCleanup,
  tempDir,
  type TestServer,
} from "./helpers/server.ts";
import { PB_TOKENS, TESTDATA_DIR } from "./helpers/testdata.ts";

/** A zip of `entries` (name → content), written to `path`. */
async function makeZip(path: string, entries: { [name: string]: string | Uint8Array }): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(entries)) {
    zip.addBuffer(Buffer.from(content), name, { compress: false });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}

/** A zip of the files of a folder (recursively), as PocketBase would have made it. */
async function zipFolder(dir: string, path: string): Promise<void> {
  const zip = new yazl.ZipFile();
  const walk = async (sub: string) => {
    for (const entry of await readdir(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(rel);
      else zip.addFile(join(dir, rel), rel);
    }
  };
  await walk("");
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
}

async function superuserFileToken(s: TestServer): Promise<string> {
  const su = await findSuperuser(s.app, SUPERUSER.email);
  assert.ok(su);
  return newRecordToken(su, "file");
}

/** Uploads `bytes` as a backup named `name`. */
async function upload(s: TestServer, name: string, bytes: Uint8Array, type = "application/zip") {
  const form = new FormData();
  form.append("file", new File([Buffer.from(bytes)], name, { type }));
  const res = await fetch(`${s.url}/api/backups/upload`, {
    method: "POST",
    headers: { authorization: s.token },
    body: form,
  });
  return { status: res.status, json: (await res.json().catch(() => undefined)) as unknown };
}

/** Waits until the server answers again after a restore, the restore having ended. */
async function waitRestored(
  s: TestServer,
  check: () => Promise<boolean>,
  token = s.token,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const health = await request(s.url, "GET", "/api/health", { token }).catch(() => null);
    if (health?.status === 200 && health.json.data.canBackup === true && (await check().catch(() => false)))
      return;
    if (Date.now() > end) throw new Error("timed out waiting for the restore");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("backups API scenarios", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup);
  });
  const setup = (t: Parameters<typeof startTestServer>[0]) => startTestServer(t, { template });
  const withBackup = async (s: TestServer) => {
    const res = await request(s.url, "POST", "/api/backups", { token: s.token, body: { name: "test1.zip" } });
    assert.equal(res.status, 204, res.text);
  };

  const rows: Scenario[] = [
    { name: "list: guest", method: "GET", url: "/api/backups", expectedStatus: 401 },
    { name: "list: regular user", method: "GET", url: "/api/backups", auth: "user", expectedStatus: 403 },
    {
      name: "list: superuser, none yet",
      method: "GET",
      url: "/api/backups",
      auth: "superuser",
      expectedStatus: 200,
      expectedContent: ["[]"],
    },
    {
      name: "list: superuser sees key, size and modified",
      method: "GET",
      url: "/api/backups",
      auth: "superuser",
      before: withBackup,
      expectedStatus: 200,
      expectedContent: ['"key":"test1.zip"', '"modified":"', '"size":'],
      notExpectedContent: [".attrs"],
    },
    { name: "create: guest", method: "POST", url: "/api/backups", expectedStatus: 401 },
    { name: "create: regular user", method: "POST", url: "/api/backups", auth: "user", expectedStatus: 403 },
    {
      name: "create: invalid name",
      method: "POST",
      url: "/api/backups",
      auth: "superuser",
      body: { name: "!test.zip" },
      expectedStatus: 400,
      expectedContent: ['"name":{"code":"validation_match_invalid"'],
    },
    {
      name: "create: name too long",
      method: "POST",
      url: "/api/backups",
      auth: "superuser",
      body: { name: "a".repeat(147) + ".zip" },
      expectedStatus: 400,
      expectedContent: ['"code":"validation_length_out_of_range"'],
    },
    {
      name: "create: existing name",
      method: "POST",
      url: "/api/backups",
      auth: "superuser",
      body: { name: "test1.zip" },
      before: withBackup,
      expectedStatus: 400,
      expectedContent: ['"name":{"code":"validation_backup_name_exists"'],
    },
    {
      name: "create: while another backup runs",
      method: "POST",
      url: "/api/backups",
      auth: "superuser",
      body: { name: "other.zip" },
      before: (s) => void beginBackup(s.app, "running.zip"),
      expectedStatus: 400,
      expectedContent: ["another backup/restore process has already been started"],
      expectedEvents: { onBackupCreate: 0 },
    },
    {
      name: "create: with a name",
      method: "POST",
      url: "/api/backups",
      auth: "superuser",
      body: { name: "my_backup-1.zip" },
      expectedStatus: 204,
      expectedEvents: { onBackupCreate: 1 },
      after: (s) => assert.ok(existsSync(join(s.dir, "backups", "my_backup-1.zip"))),
    },
    {
      name: "create: without a name gets pb_backup_<app>_<time>.zip",
      method: "POST",
      url: "/api/backups",
      auth: "superuser",
      expectedStatus: 204,
      after: async (s) => {
        const names = (await readdir(join(s.dir, "backups"))).filter((n) => !n.endsWith(".attrs"));
        assert.equal(names.length, 1);
        assert.match(names[0]!, /^pb_backup_acme_\d{14}\.zip$/);
      },
    },
    { name: "upload: guest", method: "POST", url: "/api/backups/upload", expectedStatus: 401 },
    {
      name: "upload: no file",
      method: "POST",
      url: "/api/backups/upload",
      auth: "superuser",
      body: {},
      expectedStatus: 400,
      expectedContent: ['"file":{"code":"validation_required"'],
    },
    {
      name: "download: no token",
      method: "GET",
      url: "/api/backups/test1.zip",
      before: withBackup,
      expectedStatus: 403,
      expectedContent: ["Insufficient permissions to access the resource."],
    },
    {
      name: "download: superuser auth token instead of a file token",
      method: "GET",
      url: "/api/backups/test1.zip",
      auth: "superuser",
      before: withBackup,
      expectedStatus: 403,
    },
    { name: "delete: guest", method: "DELETE", url: "/api/backups/test1.zip", expectedStatus: 401 },
    {
      name: "delete: regular user",
      method: "DELETE",
      url: "/api/backups/test1.zip",
      auth: "user",
      expectedStatus: 403,
    },
    {
      name: "delete: missing",
      method: "DELETE",
      url: "/api/backups/missing.zip",
      auth: "superuser",
      expectedStatus: 400,
    },
    {
      name: "delete: the active backup",
      method: "DELETE",
      url: "/api/backups/test1.zip",
      auth: "superuser",
      before: async (s) => {
        await withBackup(s);
        beginBackup(s.app, "test1.zip");
      },
      expectedStatus: 400,
      expectedContent: ["The backup is currently being used and cannot be deleted."],
    },
    {
      name: "delete: superuser",
      method: "DELETE",
      url: "/api/backups/test1.zip",
      auth: "superuser",
      before: withBackup,
      expectedStatus: 204,
      after: (s) => assert.ok(!existsSync(join(s.dir, "backups", "test1.zip"))),
    },
    { name: "restore: guest", method: "POST", url: "/api/backups/test1.zip/restore", expectedStatus: 401 },
    {
      name: "restore: regular user",
      method: "POST",
      url: "/api/backups/test1.zip/restore",
      auth: "user",
      expectedStatus: 403,
    },
    {
      name: "restore: missing backup",
      method: "POST",
      url: "/api/backups/missing.zip/restore",
      auth: "superuser",
      expectedStatus: 400,
      expectedContent: ["Missing or invalid backup file."],
      expectedEvents: { onBackupRestore: 0 },
    },
    {
      name: "restore: while another backup runs",
      method: "POST",
      url: "/api/backups/test1.zip/restore",
      auth: "superuser",
      before: async (s) => {
        await withBackup(s);
        beginBackup(s.app, "running.zip");
      },
      expectedStatus: 400,
      expectedContent: ["another backup/restore process has already been started"],
    },
  ];

  test("routes", async (t) => {
    await runScenarios(t, rows, async (t) => {
      const s = await setup(t);
      const settings = s.app.settings();
      await s.app.saveSettings({ ...settings, meta: { ...settings.meta, appName: "Acme" } });
      return s;
    });
  });

  test("download with a superuser file token streams the zip as an attachment", async (t) => {
    const s = await setup(t);
    await withBackup(s);
    const token = await superuserFileToken(s);
    const res = await fetch(`${s.url}/api/backups/test1.zip?token=${token}`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-disposition") ?? "", /^attachment; filename="?test1\.zip"?$/);
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.deepEqual(bytes, readFileSync(join(s.dir, "backups", "test1.zip")));
    assert.equal(bytes.subarray(0, 4).toString("hex"), "504b0304");
    const ranged = await fetch(`${s.url}/api/backups/test1.zip?token=${token}`, {
      headers: { range: "bytes=0-3" },
    });
    assert.equal(ranged.status, 206);
    // A regular user's file token is refused.
    const users = await s.client().collection("users").authWithPassword("user@example.com", "1234567890");
    const userFile = await s.client().send("/api/files/token", {
      method: "POST",
      headers: { authorization: users.token },
    });
    const refused = await fetch(
      `${s.url}/api/backups/test1.zip?token=${(userFile as { token: string }).token}`,
    );
    assert.equal(refused.status, 403);
    const missing = await fetch(`${s.url}/api/backups/missing.zip?token=${token}`);
    assert.equal(missing.status, 404);
  });

  test("the SDK's backups service works end to end", async (t) => {
    const s = await setup(t);
    await s.pb.backups.create("sdk.zip");
    const list = await s.pb.backups.getFullList();
    assert.deepEqual(
      list.map((b) => b.key),
      ["sdk.zip"],
    );
    const token = await s.pb.files.getToken();
    const url = s.pb.backups.getDownloadURL(token, "sdk.zip");
    assert.equal((await fetch(url)).status, 200);
    await s.pb.backups.delete("sdk.zip");
    assert.deepEqual(await s.pb.backups.getFullList(), []);
  });

  test("health reports canBackup false while a backup runs", async (t) => {
    const s = await setup(t);
    const health = async () =>
      (await request(s.url, "GET", "/api/health", { token: s.token })).json.data.canBackup;
    assert.equal(await health(), true);
    const release = beginBackup(s.app, "x.zip");
    assert.equal(await health(), false);
    release();
    assert.equal(await health(), true);
  });

  test("uploads: over 32 MiB accepted; corrupt, foreign and non-zip files are 400s", async (t) => {
    const s = await setup(t);
    const dir = tempDir(t);
    // A valid backup bigger than the global 32 MiB body limit (random bytes: no compression),
    // made before any request (an idle keep-alive connection could be closed under the upload).
    const big = join(dir, "big.zip");
    await makeZip(big, {
      "data.db": readFileSync(join(s.dir, "data.db")),
      "storage/x/y/blob": randomBytes(33 << 20),
    });
    const created = await request(s.url, "POST", "/api/backups", {
      token: s.token,
      body: { name: "base.zip" },
    });
    assert.equal(created.status, 204);
    const ok = await upload(s, "big.zip", readFileSync(big));
    assert.equal(ok.status, 204, JSON.stringify(ok.json));
    assert.equal(readFileSync(join(s.dir, "backups", "big.zip")).length, readFileSync(big).length);

    const dup = await upload(s, "big.zip", readFileSync(big));
    assert.equal(dup.status, 400);
    assert.match(JSON.stringify(dup.json), /validation_backup_name_exists/);

    const notZip = await upload(s, "notes.zip", Buffer.from("hello, not a zip"), "application/zip");
    assert.equal(notZip.status, 400);
    assert.match(JSON.stringify(notZip.json), /validation_invalid_mime_type/);

    const foreign = join(dir, "foreign.zip");
    await makeZip(foreign, { "readme.txt": "just some zip" });
    // any readable zip is taken, as PocketBase does (a restore checks for the database)
    const foreignRes = await upload(s, "foreign.zip", readFileSync(foreign));
    assert.equal(foreignRes.status, 204);

    // A zip whose central directory is cut off.
    const valid = readFileSync(join(s.dir, "backups", "base.zip"));
    const corrupt = await upload(s, "corrupt.zip", valid.subarray(0, valid.length - 30));
    assert.equal(corrupt.status, 400);

    const names = (await readdir(join(s.dir, "backups"))).filter((n) => !n.endsWith(".attrs")).sort();
    assert.deepEqual(names, ["base.zip", "big.zip", "foreign.zip"]);
    // the data is untouched: the server still answers with its superuser
    assert.equal((await request(s.url, "GET", "/api/collections", { token: s.token })).status, 200);
  });
});

describe("backup and restore", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup);
  });

  test("round trip under a concurrent write load", async (t) => {
    const s = await startTestServer(t, { template });
    await s.pb.collections.create({
      name: "posts",
      type: "base",
      fields: [{ name: "title", type: "text" }],
      createRule: "",
    });
    const acked: { id: string; at: number }[] = [];
    const attempted = new Set<string>();
    let stop = false;
    let n = 0;
    const writer = (async () => {
      const pb = s.client();
      while (!stop) {
        const id = `w${String(n++).padStart(14, "0")}`;
        attempted.add(id);
        await pb.collection("posts").create({ id, title: `post ${id}` });
        acked.push({ id, at: Date.now() });
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    const ackedBefore = acked.filter((a) => a.at < started).map((a) => a.id);
    const res = await request(s.url, "POST", "/api/backups", { token: s.token, body: { name: "live.zip" } });
    assert.equal(res.status, 204, res.text);
    const finished = Date.now();
    await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await writer;
    const writesDuring = acked.filter((a) => a.at >= started && a.at <= finished).length;
    assert.ok(writesDuring > 0, "writes kept being acknowledged while the backup ran");

    const restore = await request(s.url, "POST", "/api/backups/live.zip/restore", { token: s.token });
    assert.equal(restore.status, 204, restore.text);
    let restoredIds: string[] = [];
    await waitRestored(s, async () => {
      const list = await s.pb.collection("posts").getFullList({ fields: "id", batch: 1000 });
      restoredIds = list.map((r) => r.id);
      return restoredIds.length < acked.length;
    });
    const restored = new Set(restoredIds);
    for (const id of ackedBefore)
      assert.ok(restored.has(id), `write ${id} acknowledged before the backup is in it`);
    for (const id of restored) assert.ok(attempted.has(id), `${id} was written`);
    // The restored database is sound, and the server serves and writes on it.
    const db = new DatabaseSync(join(s.dir, "data.db"), { readOnly: true });
    assert.equal(
      (db.prepare("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check,
      "ok",
    );
    db.close();
    await s.pb.collection("posts").create({ title: "after restore" });
    // The backups folder was kept across the swap, and nothing was left beside the data folder.
    assert.ok(existsSync(join(s.dir, "backups", "live.zip")));
    const siblings = (await readdir(dirname(s.dir))).filter((n) => n.startsWith(`.${basename(s.dir)}`));
    assert.deepEqual(siblings, []);
  });

  test("a backup made by PocketBase (its test data folder, zipped) restores", async (t) => {
    if (!existsSync(join(TESTDATA_DIR, "data.db")))
      return t.skip(`no PocketBase test data at ${TESTDATA_DIR}`);
    const s = await startTestServer(t, { template });
    const zipPath = join(tempDir(t), "pb.zip");
    await zipFolder(TESTDATA_DIR, zipPath);
    const up = await upload(s, "pb_backup_pocketbase.zip", readFileSync(zipPath));
    assert.equal(up.status, 204, JSON.stringify(up.json));
    const res = await request(s.url, "POST", "/api/backups/pb_backup_pocketbase.zip/restore", {
      token: s.token,
    });
    assert.equal(res.status, 204, res.text);
    await waitRestored(
      s,
      async () => {
        const r = await request(s.url, "GET", "/api/collections/demo1/records?perPage=1", {
          token: PB_TOKENS.superuser,
        });
        return r.status === 200;
      },
      PB_TOKENS.superuser,
    );
    const collections = await request(s.url, "GET", "/api/collections?perPage=100", {
      token: PB_TOKENS.superuser,
    });
    assert.equal(collections.status, 200);
    assert.ok(collections.json.items.some((c: { name: string }) => c.name === "demo1"));
    // the old superuser is gone with the old data
    assert.equal((await request(s.url, "GET", "/api/collections", { token: s.token })).status, 401);
  });

  test("restore of a corrupt stored zip is a 400 and changes nothing", async (t) => {
    const s = await startTestServer(t, { template });
    mkdirSync(join(s.dir, "backups"), { recursive: true });
    writeFileSync(join(s.dir, "backups", "bad.zip"), Buffer.from("PK\u0003\u0004 definitely not a zip"));
    const res = await request(s.url, "POST", "/api/backups/bad.zip/restore", { token: s.token });
    assert.equal(res.status, 400);
    assert.equal((await request(s.url, "GET", "/api/health", { token: s.token })).json.data.canBackup, true);
    assert.equal((await request(s.url, "GET", "/api/collections", { token: s.token })).status, 200);
  });

  test("scheduled backups follow settings.backups.cron and keep cronMaxKeep", async (t) => {
    const s = await startTestServer(t, { template });
    const jobIds = () =>
      s.app
        .cron()
        .jobs()
        .map((j: { id: string }) => j.id);
    assert.ok(!jobIds().includes(AUTO_BACKUP_JOB_ID));
    await s.pb.settings.update({ backups: { cron: "0 3 * * *", cronMaxKeep: 2 } });
    assert.ok(jobIds().includes(AUTO_BACKUP_JOB_ID));
    for (const ts of ["20200101000000", "20200102000000", "20200103000000"]) {
      await createBackup(s.app, `@auto_pb_backup_acme_${ts}.zip`);
    }
    await createBackup(s.app, "manual.zip");
    await pruneAutoBackups(s.app, 2);
    const names = (await readdir(join(s.dir, "backups"))).filter((n) => !n.endsWith(".attrs")).sort();
    assert.deepEqual(names, [
      "@auto_pb_backup_acme_20200102000000.zip",
      "@auto_pb_backup_acme_20200103000000.zip",
      "manual.zip",
    ]);
    await runAutoBackup(s.app);
    const after = (await readdir(join(s.dir, "backups"))).filter(
      (n) => n.startsWith("@auto") && !n.endsWith(".attrs"),
    );
    assert.equal(after.length, 2);
    await s.pb.settings.update({ backups: { cron: "" } });
    assert.ok(!jobIds().includes(AUTO_BACKUP_JOB_ID));
  });

  test("a swap interrupted by a kill is completed or undone on the next start", async (t) => {
    const parent = tempDir(t);
    const dataDir = join(parent, "pb_data");
    const newDir = join(parent, ".pb_data_restore_x");
    const oldDir = join(parent, ".pb_data_old_1");
    const journal = join(parent, ".pb_data.restore.json");
    const write = (dir: string, name: string, content: string) => {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, name), content);
    };
    // Killed between the two renames: the new folder becomes the data folder, backups kept.
    write(oldDir, "data.db", "old");
    write(join(oldDir, "backups"), "a.zip", "zip");
    write(newDir, "data.db", "new");
    writeFileSync(journal, JSON.stringify({ newDir, oldDir, keep: ["backups"] }));
    await recoverInterruptedRestore(dataDir);
    assert.equal(readFileSync(join(dataDir, "data.db"), "utf8"), "new");
    assert.equal(readFileSync(join(dataDir, "backups", "a.zip"), "utf8"), "zip");
    assert.ok(!existsSync(oldDir) && !existsSync(newDir) && !existsSync(journal));

    // Killed before the first rename: the old folder stays as it was.
    write(newDir, "data.db", "newer");
    writeFileSync(journal, JSON.stringify({ newDir, oldDir, keep: ["backups"] }));
    await recoverInterruptedRestore(dataDir);
    assert.equal(readFileSync(join(dataDir, "data.db"), "utf8"), "new");
    assert.ok(!existsSync(newDir) && !existsSync(journal));

    // Killed after the swap, before the kept folders moved: they are carried over.
    renameSync(dataDir, oldDir);
    write(dataDir, "data.db", "restored");
    writeFileSync(journal, JSON.stringify({ newDir, oldDir, keep: ["backups"] }));
    await recoverInterruptedRestore(dataDir);
    assert.equal(readFileSync(join(dataDir, "data.db"), "utf8"), "restored");
    assert.equal(readFileSync(join(dataDir, "backups", "a.zip"), "utf8"), "zip");
    assert.ok(!existsSync(oldDir));
  });
});

const skipS3 = swiftUnavailable() ?? false;

describe("backups on S3 (Swift s3api)", { skip: skipS3 }, () => {
  let server: S3TestServer | undefined;
  after(async () => {
    await server?.stop();
  });

  test("create, list, download, restore and delete go to the backups bucket", async (t) => {
    server = await startS3Server();
    const direct = new S3Storage({ ...server.config, bucket: "backups" });
    for (let attempt = 1; ; attempt++) {
      try {
        await direct.ensureBucket();
        break;
      } catch (err) {
        if (!(err instanceof StorageError && err.status === 503) || attempt >= 60) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const s = await startTestServer(t, { user: true });
    await s.pb.settings.update({ backups: { s3: { enabled: true, bucket: "backups", ...server.config } } });
    await s.pb.collections.create({ name: "notes", type: "base", fields: [{ name: "text", type: "text" }] });
    await s.pb.collection("notes").create({ text: "kept" });
    await s.pb.backups.create("s3.zip");
    assert.deepEqual(
      (await direct.list("")).map((e) => e.key),
      ["s3.zip"],
    );
    assert.ok(!existsSync(join(s.dir, "backups", "s3.zip")));
    const list = await s.pb.backups.getFullList();
    assert.equal(list[0]?.key, "s3.zip");
    assert.ok((list[0]?.size ?? 0) > 0);
    const token = await s.pb.files.getToken();
    const download = await fetch(s.pb.backups.getDownloadURL(token, "s3.zip"));
    assert.equal(download.status, 200);
    assert.equal(
      Buffer.from(await download.arrayBuffer())
        .subarray(0, 2)
        .toString(),
      "PK",
    );

    await s.pb.collection("notes").create({ text: "after the backup" });
    await s.pb.backups.restore("s3.zip");
    await waitRestored(s, async () => (await s.pb.collection("notes").getFullList()).length === 1);
    await s.pb.backups.delete("s3.zip");
    assert.deepEqual(await direct.list(""), []);
    // a non-zip upload to S3 storage is refused like a local one
    const bad = await upload(s, "x.zip", Buffer.from("nope"));
    assert.equal(bad.status, 400);
  });
});
