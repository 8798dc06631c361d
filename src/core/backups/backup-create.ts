/**
 * Creating a backup (§12.7): the databases are snapshotted (`snapshot.ts`) into a temp folder,
 * then zipped with the rest of the data folder (uploaded files, …) minus `backups/` and the
 * temp areas, and the zip is stored in the backups store under its name. Writes go on during
 * all of it; the archive holds the databases as of the snapshot. Runs inside `onBackupCreate`.
 */
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { App } from "../app.ts";
import { BackupEvent } from "../hook-events.ts";
import { BACKUP_EXCLUDED, DATABASE_FILES, collectDataFiles, writeZip, type ZipSource } from "./backup-zip.ts";
import { beginBackup } from "./backup-state.ts";
import { withBackupsStorage } from "./backup-storage.ts";
import { snapshotDatabase } from "./snapshot.ts";

/** PocketBase's temp area inside the data folder (wiped on start). */
export const TEMP_DIR_NAME = ".pb_temp_to_delete";

/** Seconds between progress lines of a long backup. */
const PROGRESS_EVERY_MS = 5000;

/** A progress printer that stays quiet for short backups. */
function progressLogger(name: string): { zipped(bytes: number): void; done(size: number): void } {
  const started = Date.now();
  let last = started;
  const mib = (n: number) => (n / (1 << 20)).toFixed(1);
  return {
    zipped(bytes) {
      const now = Date.now();
      if (now - last < PROGRESS_EVERY_MS) return;
      last = now;
      console.log(`Backup ${name}: ${mib(bytes)} MiB archived (${((now - started) / 1000).toFixed(0)} s)`);
    },
    done(size) {
      const elapsed = Date.now() - started;
      if (elapsed >= PROGRESS_EVERY_MS) {
        console.log(`Backup ${name}: done, ${mib(size)} MiB in ${(elapsed / 1000).toFixed(1)} s`);
      }
    },
  };
}

/**
 * Creates the backup `name` (already validated) and stores it. Throws BackupBusyError when
 * another backup or restore runs.
 */
export async function createBackup(app: App, name: string): Promise<void> {
  const release = beginBackup(app, name);
  try {
    const event = new BackupEvent(app);
    event.name = name;
    event.exclude = [...BACKUP_EXCLUDED];
    await app.hooks.onBackupCreate.trigger(event, async (e) => {
      const tempRoot = join(app.dataDir, TEMP_DIR_NAME);
      await mkdir(tempRoot, { recursive: true });
      const work = await mkdtemp(join(tempRoot, "pb_backup_"));
      const progress = progressLogger(e.name);
      try {
        const snapshots: ZipSource[] = [];
        for (const db of DATABASE_FILES) {
          if (await snapshotDatabase(app.dataDir, db, work))
            snapshots.push({ path: join(work, db), name: db });
        }
        const files = await collectDataFiles(app.dataDir, e.exclude);
        const zipPath = join(work, "backup.zip");
        await writeZip([...snapshots, ...files], zipPath, (bytes) => progress.zipped(bytes));
        const { size } = await stat(zipPath);
        const body = Readable.toWeb(createReadStream(zipPath)) as ReadableStream<Uint8Array>;
        await withBackupsStorage(e.app, (storage) =>
          storage.write(e.name, body, { contentType: "application/zip", size }),
        );
        progress.done(size);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    });
  } finally {
    release();
  }
}
