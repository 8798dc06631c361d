/**
 * The backups API (§1.7; pocketbase apis/backup*.go): list, create, upload, download (with a
 * superuser file token), delete and restore. Only one backup or restore runs at a time; a
 * restore answers 204 at once and swaps the data folder a moment later, restarting the app
 * in-process (`core/backups/backup-restore.ts`).
 */
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import type { App } from "../core/app.ts";
import { SUPERUSERS } from "../core/collections/collection-model.ts";
import { TEMP_DIR_NAME, createBackup } from "../core/backups/backup-create.ts";
import {
  backupNameExists,
  checkBackupName,
  defaultBackupName,
  isBackupKey,
} from "../core/backups/backup-names.ts";
import { fetchBackupZip, restoreBackupZip } from "../core/backups/backup-restore.ts";
import { BackupBusyError, activeBackup, beginBackup, canBackup } from "../core/backups/backup-state.ts";
import { withBackupsStorage } from "../core/backups/backup-storage.ts";
import { InvalidBackupError, checkZipArchive } from "../core/backups/backup-zip.ts";
import { findAuthRecordByToken } from "../core/records/record-tokens.ts";
import { planFileResponse } from "../files/http-file.ts";
import { detectMime } from "../files/mime.ts";
import { formatDate } from "../tools/dates.ts";
import { ValidationError, errors } from "../tools/validation.ts";
import type { ApiEnv } from "./env.ts";
import { ApiError, badRequest, forbidden, notFound } from "./errors.ts";
import { requireSuperuser } from "./guards.ts";
import { readBody } from "./request-body.ts";
import { jsonResponse } from "./response.ts";

const INVALID_DATA = "An error occurred while validating the submitted data.";
const MISSING_BACKUP = "Missing or invalid backup file.";

/** How long a restore waits after answering (PocketBase: 1 s, so the 204 reaches the client). */
export const RESTORE_DELAY_MS = 1000;

const busy = () => badRequest(new BackupBusyError().message);

async function backupExists(app: App, key: string): Promise<boolean> {
  if (!isBackupKey(key)) return false;
  return withBackupsStorage(app, (storage) => storage.exists(key));
}

/** Saves an uploaded file into the temp area (to check it as a zip before storing it). */
async function spoolUpload(app: App, file: File): Promise<string> {
  const tempRoot = join(app.dataDir, TEMP_DIR_NAME);
  await mkdir(tempRoot, { recursive: true });
  const dir = await mkdtemp(join(tempRoot, "pb_upload_"));
  const path = join(dir, "upload.zip");
  await pipeline(Readable.fromWeb(file.stream() as NodeReadableStream), createWriteStream(path));
  return path;
}

/** The checks of an uploaded backup (PocketBase's form, plus a readable-archive check). */
async function checkUpload(app: App, value: unknown): Promise<ValidationError | null> {
  const file = Array.isArray(value) ? (value[0] as unknown) : value;
  if (!(file instanceof File)) return errors.required();
  const head = new Uint8Array(await file.slice(0, 3072).arrayBuffer());
  if ((await detectMime(head)).mime !== "application/zip") {
    return new ValidationError(
      "validation_invalid_mime_type",
      "The following mime types are only allowed: application/zip.",
    );
  }
  if (!isBackupKey(file.name) || (await backupExists(app, file.name))) {
    return new ValidationError(
      "validation_backup_name_exists",
      "Backup file with the specified name already exists.",
    );
  }
  return null;
}

/** Registers the backups routes. */
export function bindBackupsApi(router: Router<ApiEnv>): void {
  router.get("/api/backups", async (c) => {
    requireSuperuser(c);
    let entries;
    try {
      entries = await withBackupsStorage(c.get("app"), (storage) => storage.list(""));
    } catch (err) {
      throw new ApiError(400, "Failed to retrieve backup items.", {}, err);
    }
    const items = entries
      .filter((e) => isBackupKey(e.key))
      .map((e) => ({ key: e.key, modified: formatDate(e.modified.getTime()), size: e.size }));
    return jsonResponse(c, 200, items);
  });

  router.post("/api/backups", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const body = await readBody(c);
    if (!canBackup(app)) throw busy();
    const raw = body.name;
    const name = typeof raw === "string" && raw !== "" ? raw : defaultBackupName(app);
    const problem =
      typeof raw === "string" || raw === undefined || raw === null
        ? checkBackupName(name)
        : errors.matchInvalid();
    if (problem) throw badRequest(INVALID_DATA, { name: problem });
    if (await backupExists(app, name)) throw badRequest(INVALID_DATA, { name: backupNameExists() });
    try {
      await createBackup(app, name);
    } catch (err) {
      if (err instanceof BackupBusyError) throw busy();
      if (err instanceof ApiError) throw err;
      throw new ApiError(400, "Failed to create backup.", {}, err);
    }
    return c.body(null, 204);
  });

  router.post("/api/backups/upload", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const body = await readBody(c);
    const problem = await checkUpload(app, body.file);
    if (problem) throw badRequest(INVALID_DATA, { file: problem });
    const file = (Array.isArray(body.file) ? body.file[0] : body.file) as File;
    const path = await spoolUpload(app, file);
    try {
      try {
        await checkZipArchive(path);
      } catch (err) {
        if (!(err instanceof InvalidBackupError)) throw err;
        throw badRequest(INVALID_DATA, {
          file: new ValidationError("validation_invalid_backup", "The file is not a readable zip archive."),
        });
      }
      const { size } = await stat(path);
      const source = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
      await withBackupsStorage(app, (storage) =>
        storage.write(file.name, source, { contentType: "application/zip", size }),
      );
    } catch (err) {
      if (err instanceof ApiError) throw err;
      throw new ApiError(400, "Failed to upload backup.", {}, err);
    } finally {
      await rm(join(path, ".."), { recursive: true, force: true });
    }
    return c.body(null, 204);
  });

  router.get("/api/backups/:key", async (c) => {
    const app = c.get("app");
    const token = c.req.query("token") ?? "";
    const found = token ? await findAuthRecordByToken(app, token, "file") : null;
    if (found?.record.collection.name !== SUPERUSERS) {
      throw forbidden("Insufficient permissions to access the resource.");
    }
    const key = c.req.param("key");
    return serveBackup(c, key);
  });

  router.delete("/api/backups/:key", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const key = c.req.param("key");
    if (activeBackup(app) === key)
      throw badRequest("The backup is currently being used and cannot be deleted.");
    if (!(await backupExists(app, key))) throw badRequest("Invalid or already deleted backup file.");
    try {
      await withBackupsStorage(app, (storage) => storage.delete(key));
    } catch (err) {
      throw new ApiError(400, "Invalid or already deleted backup file.", {}, err);
    }
    return c.body(null, 204);
  });

  router.post("/api/backups/:key/restore", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    const key = c.req.param("key");
    if (!canBackup(app)) throw busy();
    if (!(await backupExists(app, key))) throw badRequest(MISSING_BACKUP);
    let release: () => void;
    try {
      release = beginBackup(app, key);
    } catch {
      throw busy();
    }
    let zipPath: string;
    try {
      zipPath = await fetchBackupZip(app, key);
    } catch (err) {
      release();
      throw new ApiError(400, MISSING_BACKUP, {}, err);
    }
    setTimeout(() => {
      restoreBackupZip(app, key, zipPath)
        .catch((err: unknown) => console.error(`Failed to restore backup ${key}:`, err))
        .finally(release);
    }, RESTORE_DELAY_MS);
    return c.body(null, 204);
  });
}

/** Streams a stored backup as an attachment (Range and conditional requests honoured). */
async function serveBackup(c: Context<ApiEnv>, key: string): Promise<Response> {
  // a backup that isn't there is a 404 (PocketBase), unlike delete and restore (400)
  if (!(await backupExists(c.get("app"), key))) throw notFound();
  // Closing a store only marks it unusable: the body below keeps streaming.
  return withBackupsStorage(c.get("app"), async (storage) => {
    const method = c.req.method;
    try {
      const attrs = await storage.attributes(key);
      const plan = planFileResponse(
        { method, headers: c.req.raw.headers, download: true },
        { name: key, contentType: attrs.contentType, modified: attrs.modified, size: attrs.size },
      );
      const headers = new Headers(plan.headers);
      if (method === "HEAD" || plan.text !== undefined || plan.range === undefined) {
        return new Response(method === "HEAD" ? null : (plan.text ?? null), { status: plan.status, headers });
      }
      const { body } = await storage.read(key, plan.range);
      return new Response(body, { status: plan.status, headers });
    } catch (err) {
      throw new ApiError(400, MISSING_BACKUP, {}, err);
    }
  });
}
