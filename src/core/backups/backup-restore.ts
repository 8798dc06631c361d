/**
 * Restoring a backup (§12.7), so that a crash at any point leaves either the old data folder or
 * the restored one, never a mix:
 *
 * 1. the zip is fetched into the temp area and checked (`checkBackupZip`) before anything else;
 * 2. it is extracted beside the data folder (`.<dir>_restore_<random>`, same filesystem), every
 *    entry's CRC-32 verified, and the restored `data.db` must pass `PRAGMA quick_check`;
 * 3. the app is terminated (requests are held meanwhile), a journal file beside the data folder
 *    records the two folder names, and two renames swap them;
 * 4. the kept entries (`backups/`, … — the event's `exclude`) move from the old folder into the
 *    new one, the journal goes, and the app bootstraps again in-process.
 *
 * `recoverInterruptedRestore` (run before bootstrap) finishes or undoes a swap that a kill
 * interrupted, from the journal.
 */
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { DatabaseSync } from "node:sqlite";
import type { App } from "../app.ts";
import { BackupEvent } from "../hook-events.ts";
import { BACKUP_EXCLUDED, InvalidBackupError, checkBackupZip, extractBackupZip } from "./backup-zip.ts";
import { withBackupsStorage } from "./backup-storage.ts";
import { holdRequestsDuring } from "./backup-state.ts";
import { TEMP_DIR_NAME } from "./backup-create.ts";

/** Entries never carried from the old folder into the restored one. */
const NEVER_KEPT = new Set([TEMP_DIR_NAME, "lost+found"]);

/** The journal of a folder swap in progress. */
interface SwapJournal {
  newDir: string;
  oldDir: string;
  keep: string[];
}

function journalPath(dataDir: string): string {
  return join(dirname(dataDir), `.${basename(dataDir)}.restore.json`);
}

/**
 * Copies the backup `name` from the backups store into the temp area and checks it is a
 * readable backup archive. Returns the local zip path; throws InvalidBackupError (the file is
 * removed) or the store's error.
 */
export async function fetchBackupZip(app: App, name: string): Promise<string> {
  const tempRoot = join(app.dataDir, TEMP_DIR_NAME);
  await mkdir(tempRoot, { recursive: true });
  const work = await mkdtemp(join(tempRoot, "pb_restore_"));
  const zipPath = join(work, "backup.zip");
  try {
    await withBackupsStorage(app, async (storage) => {
      const { body } = await storage.read(name);
      await pipeline(Readable.fromWeb(body as NodeReadableStream), createWriteStream(zipPath));
    });
    await checkBackupZip(zipPath);
    return zipPath;
  } catch (err) {
    await rm(work, { recursive: true, force: true });
    throw err;
  }
}

/** Extracts and checks a backup into a new folder beside the data folder; returns its path. */
async function extractBesideDataDir(dataDir: string, zipPath: string): Promise<string> {
  const newDir = await mkdtemp(join(dirname(dataDir), `.${basename(dataDir)}_restore_`));
  try {
    await extractBackupZip(zipPath, newDir);
    const db = new DatabaseSync(join(newDir, "data.db"), { readOnly: true });
    try {
      const row = db.prepare("PRAGMA quick_check").get() as { quick_check?: string } | undefined;
      if (row?.quick_check !== "ok") throw new InvalidBackupError("The backup's data.db is corrupted.");
    } catch (err) {
      if (err instanceof InvalidBackupError) throw err;
      throw new InvalidBackupError(`The backup's data.db is not a valid database: ${(err as Error).message}`);
    } finally {
      db.close();
    }
    return newDir;
  } catch (err) {
    await rm(newDir, { recursive: true, force: true });
    throw err;
  }
}

/** Moves the kept entries of `oldDir` into `newDir` (replacing what the backup had there). */
async function carryKeptEntries(oldDir: string, newDir: string, keep: readonly string[]): Promise<void> {
  for (const name of keep) {
    if (NEVER_KEPT.has(name) || name.includes("/") || name === "" || name === "." || name === "..") continue;
    const from = join(oldDir, name);
    if (!existsSync(from)) continue;
    await rm(join(newDir, name), { recursive: true, force: true });
    await rename(from, join(newDir, name));
  }
}

/** Swaps the folders as described above; the app must be terminated. */
async function swapDataDir(dataDir: string, newDir: string, keep: readonly string[]): Promise<void> {
  const oldDir = join(dirname(dataDir), `.${basename(dataDir)}_old_${Date.now()}`);
  const journal: SwapJournal = { newDir, oldDir, keep: [...keep] };
  await writeFile(journalPath(dataDir), JSON.stringify(journal));
  await rename(dataDir, oldDir);
  await rename(newDir, dataDir);
  await finishSwap(dataDir, journal);
}

async function finishSwap(dataDir: string, journal: SwapJournal): Promise<void> {
  if (existsSync(journal.oldDir)) await carryKeptEntries(journal.oldDir, dataDir, journal.keep);
  await rm(journalPath(dataDir), { force: true });
  await rm(journal.oldDir, { recursive: true, force: true });
}

/**
 * Completes or rolls back a restore that was interrupted mid-swap (from its journal), and wipes
 * the temp area. Call before bootstrapping an app on `dataDir`.
 */
export async function recoverInterruptedRestore(dataDir: string): Promise<void> {
  const path = journalPath(dataDir);
  if (existsSync(path)) {
    let journal: SwapJournal | null = null;
    try {
      journal = JSON.parse(await readFile(path, "utf8")) as SwapJournal;
    } catch {
      journal = null;
    }
    if (journal) {
      if (!existsSync(dataDir) && existsSync(journal.newDir)) {
        await rename(journal.newDir, dataDir); // the swap was half done: complete it
      } else if (existsSync(journal.newDir)) {
        await rm(journal.newDir, { recursive: true, force: true }); // it never started
      }
      if (existsSync(dataDir)) await finishSwap(dataDir, journal);
    } else {
      await rm(path, { force: true });
    }
  }
  await rm(join(dataDir, TEMP_DIR_NAME), { recursive: true, force: true });
}

/**
 * Restores the checked zip at `zipPath` as backup `name`: extraction, then (inside
 * `onBackupRestore`) terminate, swap, bootstrap. A failure before the swap leaves the data
 * untouched and the app running; the zip's temp folder is removed in any case.
 */
export async function restoreBackupZip(app: App, name: string, zipPath: string): Promise<void> {
  try {
    const event = new BackupEvent(app);
    event.name = name;
    event.exclude = [...BACKUP_EXCLUDED];
    await app.hooks.onBackupRestore.trigger(event, async (e) => {
      const newDir = await extractBesideDataDir(app.dataDir, zipPath);
      await holdRequestsDuring(app, async () => {
        await app.terminate(true);
        try {
          await swapDataDir(app.dataDir, newDir, e.exclude);
        } finally {
          // Back up in either case: on the restored folder, or on the untouched old one.
          await recoverInterruptedRestore(app.dataDir);
          await app.bootstrap();
        }
      });
    });
  } finally {
    await rm(dirname(zipPath), { recursive: true, force: true });
  }
}
