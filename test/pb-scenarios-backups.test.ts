/** PocketBase's backups API scenarios, replayed on its test data folder. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createBackup } from "../src/core/backups/backup-create.ts";
import { withBackupsStorage } from "../src/core/backups/backup-storage.ts";
import { writeZip } from "../src/core/backups/backup-zip.ts";
import { startTestdataServer } from "./helpers/pb-testdata-server.ts";
import { TOKENS } from "./helpers/pb-tokens.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { tempDir, type TestServer } from "./helpers/server.ts";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const su = { token: TOKENS.superuser };
const user = { token: TOKENS.user };
const none = { "*": 0 };
const ACTIVE_BACKUP = "@activeBackup";

/** Four real backups of the folder, one of them with a character to escape in URLs. */
async function createTestBackups(s: TestServer): Promise<void> {
  for (const name of ["test1.zip", "test2.zip", "test3.zip", "@test4.zip"]) await createBackup(s.app, name);
}

const backupKeys = (s: TestServer) =>
  withBackupsStorage(s.app, async (storage) => (await storage.list("")).map((e) => e.key));

const expectBackups = (count: number, check?: (keys: string[]) => void) => async (s: TestServer) => {
  const keys = await backupKeys(s);
  assert.equal(keys.length, count, `backups: ${keys.join(", ")}`);
  check?.(keys);
};

/** A multipart body with an empty (valid) zip as `file`, named `test`. */
let emptyZip: Uint8Array<ArrayBuffer> | undefined;
function uploadBody(): FormData {
  const form = new FormData();
  form.set("file", new Blob([emptyZip!], { type: "application/zip" }), "test");
  return form;
}

const list: Scenario[] = [
  {
    name: "list: guest",
    method: "GET",
    url: "/api/backups",
    before: createTestBackups,
    expectedStatus: 401,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "list: regular user",
    method: "GET",
    url: "/api/backups",
    auth: user,
    before: createTestBackups,
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "list: superuser, none yet",
    method: "GET",
    url: "/api/backups",
    auth: su,
    expectedStatus: 200,
    expectedContent: ["[]"],
    expectedEvents: none,
  },
  {
    name: "list: superuser",
    method: "GET",
    url: "/api/backups",
    auth: su,
    before: createTestBackups,
    expectedStatus: 200,
    expectedContent: ['"test1.zip"', '"test2.zip"', '"test3.zip"'],
    expectedEvents: none,
  },
];

const create: Scenario[] = [
  {
    name: "create: guest",
    method: "POST",
    url: "/api/backups",
    after: expectBackups(0),
    expectedStatus: 401,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "create: regular user",
    method: "POST",
    url: "/api/backups",
    auth: user,
    after: expectBackups(0),
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "create: superuser while another backup runs",
    method: "POST",
    url: "/api/backups",
    auth: su,
    before: (s) => s.app.store().set(ACTIVE_BACKUP, ""),
    after: expectBackups(0),
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "create: superuser, generated name",
    method: "POST",
    url: "/api/backups",
    auth: su,
    after: expectBackups(1, (keys) => assert.ok(keys[0]!.startsWith("pb_backup_"), keys[0])),
    expectedStatus: 204,
    expectedEvents: { "*": 0, onBackupCreate: 1 },
  },
  {
    name: "create: superuser, invalid name",
    method: "POST",
    url: "/api/backups",
    auth: su,
    body: { name: "!test.zip" },
    after: expectBackups(0),
    expectedStatus: 400,
    expectedContent: ['"data":{', '"name":{"code":"validation_match_invalid"'],
    expectedEvents: none,
  },
  {
    name: "create: superuser, valid name",
    method: "POST",
    url: "/api/backups",
    auth: su,
    body: { name: "test.zip" },
    after: expectBackups(1, (keys) => assert.equal(keys[0], "test.zip")),
    expectedStatus: 204,
    expectedEvents: { "*": 0, onBackupCreate: 1 },
  },
];

const upload: Scenario[] = [
  {
    name: "upload: guest",
    method: "POST",
    url: "/api/backups/upload",
    body: "lazy",
    after: expectBackups(0),
    expectedStatus: 401,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "upload: regular user",
    method: "POST",
    url: "/api/backups/upload",
    auth: user,
    body: "lazy",
    after: expectBackups(0),
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "upload: superuser, no file",
    method: "POST",
    url: "/api/backups/upload",
    auth: su,
    after: expectBackups(0),
    expectedStatus: 400,
    expectedContent: ['"data":{'],
    expectedEvents: none,
  },
  {
    name: "upload: superuser, a backup with that name exists",
    method: "POST",
    url: "/api/backups/upload",
    auth: su,
    body: "lazy",
    before: async (s) => {
      await withBackupsStorage(s.app, (storage) =>
        storage.write("test", new Blob(["123"]).stream(), { contentType: "text/plain", size: 3 }),
      );
    },
    after: expectBackups(1),
    expectedStatus: 400,
    expectedContent: ['"data":{"file":{'],
    expectedEvents: none,
  },
  {
    name: "upload: superuser, valid file",
    method: "POST",
    url: "/api/backups/upload",
    auth: su,
    body: "lazy",
    after: expectBackups(1),
    expectedStatus: 204,
    expectedEvents: none,
  },
  {
    name: "upload: the default body limit does not apply",
    method: "POST",
    url: "/api/backups/upload",
    auth: su,
    body: new Uint8Array(32 * 1024 * 1024 + 100),
    expectedStatus: 400,
    expectedContent: ['"data":{'],
    notExpectedContent: ["entity too large"],
    expectedEvents: none,
  },
];

const download = (name: string, url: string, status: number, token?: string): Scenario => ({
  name: `download: ${name}`,
  method: "GET",
  url,
  ...(token ? { auth: { token } } : {}),
  before: createTestBackups,
  expectedStatus: status,
  expectedContent: status === 200 ? ["storage/", "data.db", "auxiliary.db"] : ['"data":{}'],
  expectedEvents: none,
});

const downloads: Scenario[] = [
  download("guest", "/api/backups/test1.zip", 403),
  download("record auth header", "/api/backups/test1.zip", 403, TOKENS.user),
  download("superuser auth header", "/api/backups/test1.zip", 403, TOKENS.superuser),
  download("empty token", "/api/backups/test1.zip?token=", 403),
  download("record auth token", `/api/backups/test1.zip?token=${TOKENS.user}`, 403),
  download("record file token", `/api/backups/test1.zip?token=${TOKENS.userFile}`, 403),
  download("superuser auth token", `/api/backups/test1.zip?token=${TOKENS.superuser}`, 403),
  download(
    "expired superuser file token",
    `/api/backups/test1.zip?token=${TOKENS.superuserFileExpired}`,
    403,
  ),
  download("superuser file token, missing backup", `/api/backups/missing?token=${TOKENS.superuserFile}`, 404),
  download("superuser file token", `/api/backups/test1.zip?token=${TOKENS.superuserFile}`, 200),
  download(
    "superuser file token, escaped name",
    `/api/backups/%40test4.zip?token=${TOKENS.superuserFile}`,
    200,
  ),
];

const unchanged = expectBackups(4);

const deletes: Scenario[] = [
  {
    name: "delete: guest",
    method: "DELETE",
    url: "/api/backups/test1.zip",
    before: createTestBackups,
    after: unchanged,
    expectedStatus: 401,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "delete: regular user",
    method: "DELETE",
    url: "/api/backups/test1.zip",
    auth: user,
    before: createTestBackups,
    after: unchanged,
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "delete: superuser, missing file",
    method: "DELETE",
    url: "/api/backups/missing.zip",
    auth: su,
    before: createTestBackups,
    after: unchanged,
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "delete: superuser, the backup in use",
    method: "DELETE",
    url: "/api/backups/test1.zip",
    auth: su,
    before: async (s) => {
      await createTestBackups(s);
      s.app.store().set(ACTIVE_BACKUP, "test1.zip");
    },
    after: unchanged,
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "delete: superuser, another backup in use",
    method: "DELETE",
    url: "/api/backups/test1.zip",
    auth: su,
    before: async (s) => {
      await createTestBackups(s);
      s.app.store().set(ACTIVE_BACKUP, "new.zip");
    },
    after: expectBackups(3, (keys) => assert.ok(!keys.includes("test1.zip"))),
    expectedStatus: 204,
    expectedEvents: none,
  },
  {
    name: "delete: superuser, escaped name",
    method: "DELETE",
    url: "/api/backups/%40test4.zip",
    auth: su,
    before: createTestBackups,
    after: expectBackups(3, (keys) => assert.ok(!keys.includes("@test4.zip"))),
    expectedStatus: 204,
    expectedEvents: none,
  },
];

const restores: Scenario[] = [
  {
    name: "restore: guest",
    method: "POST",
    url: "/api/backups/test1.zip/restore",
    before: createTestBackups,
    expectedStatus: 401,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "restore: regular user",
    method: "POST",
    url: "/api/backups/test1.zip/restore",
    auth: user,
    before: createTestBackups,
    expectedStatus: 403,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "restore: superuser, missing file",
    method: "POST",
    url: "/api/backups/missing.zip/restore",
    auth: su,
    before: createTestBackups,
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
  {
    name: "restore: superuser while another backup runs",
    method: "POST",
    url: "/api/backups/test1.zip/restore",
    auth: su,
    before: async (s) => {
      await createTestBackups(s);
      s.app.store().set(ACTIVE_BACKUP, "");
    },
    expectedStatus: 400,
    expectedContent: ['"data":{}'],
    expectedEvents: none,
  },
];

test("PocketBase backups scenarios", async (t) => {
  const dir = tempDir(t);
  await writeZip([], join(dir, "empty.zip"));
  emptyZip = new Uint8Array(readFileSync(join(dir, "empty.zip")));
  const lazy = (rows: Scenario[]) => rows.map((r) => (r.body === "lazy" ? { ...r, body: uploadBody() } : r));
  await runScenarios(t, [...list, ...create, ...lazy(upload), ...downloads, ...deletes, ...restores], (t) =>
    startTestdataServer(t),
  );
});
