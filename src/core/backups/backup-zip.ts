/**
 * The zip side of backups: writing a data folder into one archive (yazl, streaming, deflate on
 * node:zlib) and reading one back (yauzl): a check that an archive is a readable backup, and an
 * extraction that verifies every entry's CRC-32 and size and refuses names escaping the target.
 */
import { createReadStream, createWriteStream } from "node:fs";
import { lstat, mkdir, readdir } from "node:fs/promises";
import { dirname, join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { Transform, type Readable } from "node:stream";
import { crc32 } from "node:zlib";
import type yauzl from "yauzl";

/** Top-level entries of a data folder that never go into a backup (§12.7). */
export const BACKUP_EXCLUDED = ["backups", ".pb_temp_to_delete", ".notify", ".autocert_cache", "lost+found"];

/** The database files (with their WAL side files) replaced in a backup by their snapshots. */
export const DATABASE_FILES = ["data.db", "auxiliary.db"];

/** Why an archive is not a usable backup. */
export class InvalidBackupError extends Error {
  override readonly name = "InvalidBackupError";
}

/** One file to put into an archive: where it is on disk and its name in the archive. */
export interface ZipSource {
  path: string;
  name: string;
}

/**
 * The files of `dataDir` that a backup copies as they are: everything but the excluded folders
 * and the live database files (`data.db`, `-wal`, `-shm`, …). Files that vanish while walking
 * (a record deleted meanwhile) are skipped; symlinks are not followed.
 */
export async function collectDataFiles(
  dataDir: string,
  exclude: readonly string[] = BACKUP_EXCLUDED,
): Promise<ZipSource[]> {
  const out: ZipSource[] = [];
  const skipTop = new Set(exclude);
  const isDbFile = (name: string) => DATABASE_FILES.some((db) => name === db || name.startsWith(`${db}-`));
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const name = relative(dataDir, path).split(sep).join("/");
      if (dir === dataDir && (skipTop.has(entry.name) || isDbFile(entry.name))) continue;
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) out.push({ path, name });
    }
  };
  await walk(dataDir);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Writes `sources` into a new zip at `zipPath`. `onProgress` gets the bytes read so far (about
 * every MiB). A source file that disappears before it is read is left out.
 */
export async function writeZip(
  sources: readonly ZipSource[],
  zipPath: string,
  onProgress?: (bytesRead: number) => void,
): Promise<void> {
  // The zip libraries load on the first backup or restore, not with every server.
  const { default: yazl } = await import("yazl");
  const zip = new yazl.ZipFile();
  const out = createWriteStream(zipPath, { flags: "wx" });
  const done = pipeline(zip.outputStream, out);
  let read = 0;
  let reported = 0;
  for (const source of sources) {
    let stat;
    try {
      stat = await lstat(source.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw err;
    }
    if (!stat.isFile()) continue;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        read += chunk.length;
        if (onProgress && read - reported >= 1 << 20) {
          reported = read;
          onProgress(read);
        }
        cb(null, chunk);
      },
    });
    const stream = createReadStream(source.path).pipe(counter);
    zip.addReadStream(stream, source.name, { mtime: stat.mtime, mode: 0o644, compress: true });
  }
  zip.end();
  await done;
  onProgress?.(read);
}

async function openZip(path: string): Promise<yauzl.ZipFile> {
  const { default: yauzl } = await import("yauzl");
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, strictFileNames: true }, (err, zip) => {
      if (err) reject(new InvalidBackupError(`Invalid or corrupted zip archive: ${err.message}`));
      else resolve(zip);
    });
  });
}

/** Reads every entry header of an archive (the central directory only). */
async function readEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on("entry", (entry: yauzl.Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once("end", () => resolve(entries));
    zip.once("error", (err: Error) =>
      reject(new InvalidBackupError(`Invalid or corrupted zip archive: ${err.message}`)),
    );
    zip.readEntry();
  });
}

/**
 * Checks that the zip at `path` is a readable archive (central directory intact, entry names
 * safe), whatever it holds: what an upload must be (PocketBase takes any zip there; a restore
 * checks for the database).
 */
export async function checkZipArchive(path: string): Promise<void> {
  const zip = await openZip(path);
  try {
    await readEntries(zip);
  } finally {
    zip.close();
  }
}

/**
 * Checks that the zip at `path` is a backup: a readable archive (central directory intact,
 * entry names safe) with a `data.db` at its root. Cheap: no entry is decompressed.
 */
export async function checkBackupZip(path: string): Promise<void> {
  const zip = await openZip(path);
  try {
    const entries = await readEntries(zip);
    if (!entries.some((e) => e.fileName === "data.db")) {
      throw new InvalidBackupError("The archive is not a backup: it has no data.db.");
    }
  } finally {
    zip.close();
  }
}

function openEntryStream(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) reject(new InvalidBackupError(`Invalid zip entry ${entry.fileName}: ${err.message}`));
      else resolve(stream);
    });
  });
}

/**
 * Extracts a backup zip into the (existing, empty) folder `destDir`, checking each entry's
 * CRC-32 and size; throws InvalidBackupError on any damage (the caller discards `destDir`).
 */
export async function extractBackupZip(path: string, destDir: string): Promise<void> {
  const zip = await openZip(path);
  try {
    const entries = await readEntries(zip);
    if (!entries.some((e) => e.fileName === "data.db")) {
      throw new InvalidBackupError("The archive is not a backup: it has no data.db.");
    }
    for (const entry of entries) {
      // yauzl already refuses absolute names and `..` segments (strictFileNames refuses `\`).
      const target = join(destDir, ...entry.fileName.split("/"));
      if (entry.fileName.endsWith("/")) {
        await mkdir(target, { recursive: true });
        continue;
      }
      await mkdir(dirname(target), { recursive: true });
      let crc = 0;
      const check = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          crc = crc32(chunk, crc);
          cb(null, chunk);
        },
      });
      try {
        await pipeline(await openEntryStream(zip, entry), check, createWriteStream(target, { flags: "wx" }));
      } catch (err) {
        if (err instanceof InvalidBackupError) throw err;
        throw new InvalidBackupError(`Failed to extract ${entry.fileName}: ${(err as Error).message}`);
      }
      if (crc >>> 0 !== entry.crc32 >>> 0) {
        throw new InvalidBackupError(`Corrupted zip entry ${entry.fileName} (CRC-32 mismatch).`);
      }
    }
  } finally {
    zip.close();
  }
}
