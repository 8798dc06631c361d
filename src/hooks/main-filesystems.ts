/**
 * The filesystems scripts open — `$filesystem.local(dir)`, `$filesystem.s3(…)`,
 * `$app.newFilesystem()` and `$app.newBackupsFilesystem()` — held by the main thread under
 * handles (src/files' LocalStorage/S3Storage); the worker's `System` object (globals/filesystem.ts)
 * calls their methods by name. The app's own stores are shared, so `close()` on those only
 * forgets the handle.
 */
import { randomUUID } from "node:crypto";
import { basename } from "node:path";
import type { App } from "../core/app.ts";
import { backupsStorage } from "../core/backups/backup-storage.ts";
import { prepareUpload } from "../core/records/record-files.ts";
import { LocalStorage } from "../files/local-storage.ts";
import { S3Storage } from "../files/s3-storage.ts";
import { ORIGINAL_FILENAME_METADATA, isNotFound, type Storage } from "../files/storage.ts";
import { renderThumb, thumbFormatFor } from "../files/thumbs.ts";
import { uploadHandles } from "./main-files.ts";
import { str } from "./text.ts";
import type { FileWire } from "./wire.ts";

type Obj = { [key: string]: unknown };

/** Go's `fs.ErrNotExist` text for a missing object, as PocketBase's blob errors read. */
const notExist = (key: string) => new Error(`blob (key "${key}") (code=NotFound): not found`);

async function readAll(storage: Storage, key: string): Promise<{ bytes: Uint8Array; contentType: string }> {
  try {
    const r = await storage.read(key);
    const bytes = new Uint8Array(await new Response(r.body).arrayBuffer());
    return { bytes, contentType: r.attributes.contentType };
  } catch (err) {
    if (isNotFound(err)) throw notExist(key);
    throw err;
  }
}

/** The open filesystems of one runtime, by handle. */
export class ScriptFilesystems {
  readonly #systems = new Map<string, { storage: Storage; owned: boolean }>();

  /** Opens one: `local` (dir), `s3` (bucket, region, endpoint, accessKey, secret, forcePathStyle),
   * `app` (the record files store) or `backups`; returns its handle. */
  open(app: App, kind: string, args: unknown[]): string {
    let storage: Storage;
    let owned = true;
    if (kind === "local") {
      const dir = str(args[0]);
      if (dir === "") throw new Error("missing local filesystem dir");
      storage = new LocalStorage(dir);
    } else if (kind === "s3") {
      storage = new S3Storage({
        bucket: str(args[0]),
        region: str(args[1]),
        endpoint: str(args[2]),
        accessKey: str(args[3]),
        secret: str(args[4]),
        forcePathStyle: args[5] === true,
      });
    } else if (kind === "app" || kind === "backups") {
      storage = kind === "app" ? app.storage() : backupsStorage(app);
      owned = false;
    } else throw new Error(`unknown filesystem ${kind}`);
    const handle = randomUUID();
    this.#systems.set(handle, { storage, owned });
    return handle;
  }

  /** Runs `method` of the filesystem `handle`. */
  async call(handle: string, method: string, a: unknown[]): Promise<unknown> {
    const entry = this.#systems.get(handle);
    if (!entry) throw new Error("the filesystem is closed");
    const { storage } = entry;
    const key = str(a[0]);
    switch (method) {
      case "exists":
        return storage.exists(key);
      case "attributes": {
        const attrs = await storage.attributes(key).catch((err: unknown) => {
          throw isNotFound(err) ? notExist(key) : err;
        });
        return {
          contentType: attrs.contentType,
          size: attrs.size,
          modTime: attrs.modified.toISOString(),
          metadata: attrs.metadata,
          md5: attrs.md5 ?? "",
          eTag: attrs.etag ?? "",
        };
      }
      case "read":
        return readAll(storage, key);
      case "getReuploadableFile": {
        const { bytes } = await readAll(storage, key);
        const upload = await prepareUpload(new Blob([bytes as Uint8Array<ArrayBuffer>]), basename(key));
        // preserveName: the file keeps the key's own name instead of a new random-suffixed one
        if (a[1] === true) upload.name = basename(key);
        return uploadHandles.add(upload);
      }
      case "copy":
        await storage.copy(key, str(a[1])).catch((err: unknown) => {
          throw isNotFound(err) ? notExist(key) : err;
        });
        return null;
      case "list":
        return (await storage.list(key)).map((e) => ({
          key: e.key,
          size: e.size,
          modTime: e.modified.toISOString(),
          isDir: false,
        }));
      case "upload": {
        const bytes = a[0] instanceof Uint8Array ? a[0] : new TextEncoder().encode(str(a[0]));
        await storage.write(str(a[1]), bytes);
        return null;
      }
      case "uploadFile": {
        const wire = (a[0] ?? {}) as Partial<FileWire>;
        const file = uploadHandles.get(str(wire.handle));
        if (!file) throw new Error("uploadFile: not a file made by $filesystem or e.findUploadedFiles()");
        await storage.write(str(a[1]), new Uint8Array(await file.blob.arrayBuffer()), {
          contentType: file.contentType,
          metadata: { [ORIGINAL_FILENAME_METADATA]: file.originalName },
        });
        return null;
      }
      case "delete":
        if (!(await storage.exists(key))) throw notExist(key);
        await storage.delete(key);
        return null;
      case "deletePrefix":
        return (await storage.deletePrefix(key)).map((e) => e.message);
      case "isEmptyDir": {
        const prefix = key === "" || key.endsWith("/") ? key : `${key}/`;
        return (await storage.list(prefix)).length === 0;
      }
      case "createThumb": {
        const thumbKey = str(a[1]);
        const { bytes } = await readAll(storage, key);
        const thumb = await renderThumb(bytes, str(a[2]), thumbFormatFor(thumbKey));
        await storage.write(thumbKey, thumb);
        return null;
      }
      case "close":
        this.#systems.delete(handle);
        if (entry.owned) await storage.close();
        return null;
      default:
        throw new Error(`not supported in Satchel: filesystem.${method}()`);
    }
  }

  /** Closes everything still open (the runtime stops). */
  async closeAll(): Promise<void> {
    const open = [...this.#systems.values()];
    this.#systems.clear();
    await Promise.all(open.filter((s) => s.owned).map((s) => s.storage.close().catch(() => undefined)));
  }
}

export type { Obj as FilesystemArgs };
