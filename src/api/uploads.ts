/**
 * Temp-file spooling of multipart uploads (§0, §12.3). Each request that uploads files gets its
 * own folder `<os.tmpdir()>/satchel-uploads/<random>/`; file parts are written there as they
 * arrive and handed to handlers as `File` values read lazily from disk (`fs.openAsBlob`), so an
 * upload is never held whole in memory. The folder is removed when the request finishes, whatever
 * its outcome (`uploadsCleanup`), or as soon as parsing the body fails.
 */
import { createWriteStream, openAsBlob, type WriteStream } from "node:fs";
import { lstat, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Context } from "./http/context.ts";
import type { MiddlewareHandler, Next } from "./http/router.ts";
import type { ApiEnv } from "./env.ts";

/** The folder holding the per-request upload folders (follows `TMPDIR`, read on each call). */
export function uploadsTempRoot(): string {
  return join(tmpdir(), "satchel-uploads");
}

/**
 * Where a request's folder is made: inside `uploadsTempRoot()`, unless that is not a folder of
 * ours (another user's, a symlink): then directly in the temp dir, as `satchel-uploads-<random>`.
 */
async function requestDirPrefix(): Promise<string> {
  const root = uploadsTempRoot();
  try {
    await mkdir(root, { recursive: true, mode: 0o700 });
    const stat = await lstat(root);
    const uid = process.getuid?.();
    if (stat.isDirectory() && (uid === undefined || stat.uid === uid)) return join(root, "req-");
  } catch {
    // fall back below
  }
  return join(tmpdir(), "satchel-uploads-");
}

/** The temp files of one request's uploads. */
export class UploadSpool {
  #dir: string | null = null;
  #count = 0;
  #disposed = false;
  /** Write streams not closed yet, with the promise of their `close`. */
  readonly #open = new Map<WriteStream, Promise<void>>();

  /** Creates the request's temp folder; call once before `createFile`. */
  async open(): Promise<void> {
    if (this.#disposed) throw new Error("the upload spool is disposed");
    if (this.#dir !== null) return;
    const dir = await mkdtemp(await requestDirPrefix());
    if (this.#disposed) {
      await rm(dir, { recursive: true, force: true });
      throw new Error("the upload spool is disposed");
    }
    this.#dir = dir;
  }

  /** A new temp file and the stream writing it (removed with the spool). */
  createFile(): { path: string; stream: WriteStream } {
    if (this.#dir === null || this.#disposed) throw new Error("the upload spool is not open");
    const path = join(this.#dir, String(++this.#count));
    const stream = createWriteStream(path, { flags: "wx", mode: 0o600 });
    const closed = new Promise<void>((resolve) => {
      stream.once("close", () => {
        this.#open.delete(stream);
        resolve();
      });
    });
    this.#open.set(stream, closed);
    return { path, stream };
  }

  /**
   * A `File` backed by a complete temp file: `name` and `type` as given, content read from disk
   * on demand. The file must not change afterwards (Node then refuses to read it).
   */
  async toFile(path: string, name: string, type: string): Promise<File> {
    const blob = await openAsBlob(path);
    // a File of a file-backed Blob references it; nothing is read here
    return new File([blob], name, { type });
  }

  /** Stops any write still going, then removes the temp folder (idempotent). */
  async dispose(): Promise<void> {
    this.#disposed = true;
    for (const stream of this.#open.keys()) stream.destroy();
    await Promise.all(this.#open.values());
    const dir = this.#dir;
    this.#dir = null;
    if (dir !== null) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

/**
 * Removes the request's upload temp files once the handler is done (success or error; the router has
 * turned a thrown error into the response before `next()` returns). Only a multipart body makes
 * temp files (request-body.ts decides from the same Content-Type), so any other request passes
 * straight through: an `async` wrapper awaiting every request cost a promise and a frame each.
 */
export function uploadsCleanup(): MiddlewareHandler<ApiEnv> {
  return function uploadsCleanupMiddleware(c, next) {
    const type = c.req.header("content-type");
    if (type === undefined || !type.toLowerCase().startsWith("multipart/form-data")) return next();
    return cleanUpAfter(c, next);
  };
}

async function cleanUpAfter(c: Context<ApiEnv>, next: Next): Promise<void> {
  try {
    await next();
  } finally {
    const spool = c.get("uploads");
    if (spool) {
      c.set("uploads", undefined);
      await spool.dispose().catch((err: unknown) => {
        console.error("Failed to remove the upload temp files:", err);
      });
    }
  }
}
