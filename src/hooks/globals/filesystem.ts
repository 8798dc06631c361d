/**
 * Filesystem objects of scripts (jsvm-surface §3.6 and `$app.newFilesystem()`): a `System` with
 * PocketBase's methods (`exists`, `attributes`, `getReader`, `getReuploadableFile`, `copy`,
 * `list`, `upload`, `uploadFile`, `uploadMultipart`, `delete`, `deletePrefix`, `isEmptyDir`,
 * `serve`, `createThumb`, `close`) whose work the main thread does on the real store (op
 * `fs.open` opens one and answers its handle; op `fs.system` runs a method).
 */
import type { SyncBridge } from "../wire.ts";
import { str } from "../text.ts";
import { ReadCloser, bytesOf } from "./bytes.ts";

type Obj = { [key: string]: unknown };

const text = (v: unknown): string => str(v);

/** Bytes or text as the main thread takes them (`upload(content, key)`). */
function content(data: unknown): Uint8Array | string {
  if (typeof data === "string") return data;
  const bytes = bytesOf(data);
  if (bytes) return new Uint8Array(bytes);
  if (Array.isArray(data)) return Uint8Array.from(data, (n) => Number(n) & 0xff);
  return text(data);
}

/** The file object a script passes (from `$filesystem.fileFrom*`, `getReuploadableFile` or an upload). */
function fileWire(file: unknown): Obj {
  const f = (file ?? {}) as Obj;
  // a multipart header from e.request.formFile(key) carries its file
  const inner = f.$file && typeof f.$file === "object" ? (f.$file as Obj) : f;
  return { handle: text(inner.handle), name: text(inner.name), originalName: text(inner.originalName) };
}

/** The response side of `serve(res, req, key, name)`: `e.response`. */
interface ScriptResponse {
  header(): { set(name: string, value: string): void; get(name: string): string };
  write(data: unknown): void;
}

/** One open filesystem (a local folder or an S3 bucket). */
export class System {
  readonly #bridge: SyncBridge;
  readonly #handle: string;

  constructor(bridge: SyncBridge, handle: string) {
    this.#bridge = bridge;
    this.#handle = handle;
  }

  #call(method: string, ...args: unknown[]): unknown {
    return this.#bridge.call("fs.system", [this.#handle, method, args]);
  }

  /** Whether an object exists at `key`. */
  exists(key: string): boolean {
    return this.#call("exists", text(key)) as boolean;
  }

  /** The object's attributes: `contentType`, `size`, `modTime`, `metadata`, `md5`, `eTag`. */
  attributes(key: string): Obj {
    return this.#call("attributes", text(key)) as Obj;
  }

  /** The object's content as bytes (read it with `toString(reader)`). */
  getReader(key: string): ReadCloser {
    const { bytes } = this.#call("read", text(key)) as { bytes: Uint8Array };
    return ReadCloser.fromData(bytes);
  }

  /** The object as a file to attach to a record (`preserveName` keeps the key's file name). */
  getReuploadableFile(key: string, preserveName?: boolean): Obj {
    return { ...(this.#call("getReuploadableFile", text(key), preserveName === true) as Obj) };
  }

  /** Copies an object. */
  copy(srcKey: string, dstKey: string): void {
    this.#call("copy", text(srcKey), text(dstKey));
  }

  /** The objects under `prefix`: `{key, size, modTime, isDir}`. */
  list(prefix?: string): Obj[] {
    return this.#call("list", text(prefix)) as Obj[];
  }

  /** Stores bytes (or text) at `key`. */
  upload(data: unknown, key: string): void {
    this.#call("upload", content(data), text(key));
  }

  /** Stores a file (from `$filesystem.fileFrom*`) at `key`. */
  uploadFile(file: unknown, key: string): void {
    this.#call("uploadFile", fileWire(file), text(key));
  }

  /** Stores an uploaded multipart file (`e.request.formFile(name)[1]`) at `key`. */
  uploadMultipart(fileHeader: unknown, key: string): void {
    this.#call("uploadFile", fileWire(fileHeader), text(key));
  }

  /** Deletes an object (throws when it does not exist). */
  delete(key: string): void {
    this.#call("delete", text(key));
  }

  /** Deletes everything under `prefix`; returns the failures (empty when all went). */
  deletePrefix(prefix: string): string[] {
    return this.#call("deletePrefix", text(prefix)) as string[];
  }

  /** Whether nothing is stored under `dir`. */
  isEmptyDir(dir: string): boolean {
    return this.#call("isEmptyDir", text(dir)) as boolean;
  }

  /** Writes the object as the response (`name` is the download name), as PocketBase serves files. */
  serve(res: ScriptResponse, _req: unknown, key: string, name: string): void {
    const { bytes, contentType } = this.#call("read", text(key)) as {
      bytes: Uint8Array;
      contentType: string;
    };
    const h = res.header();
    const inline = /^(image\/|video\/|audio\/|text\/plain|application\/pdf)/.test(contentType);
    const safeName = text(name || key.split("/").pop()).replace(/["\\\r\n]/g, "_");
    h.set("Content-Disposition", `${inline ? "inline" : "attachment"}; filename=${safeName}`);
    h.set("Content-Type", contentType);
    h.set(
      "Content-Security-Policy",
      "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
    );
    if (!h.get("Cache-Control")) h.set("Cache-Control", "max-age=2592000, stale-while-revalidate=86400");
    res.write(bytes);
  }

  /** Renders a thumb (`100x100`, `0x50`, `100x100t`…) of an image at `thumbKey`. */
  createThumb(originalKey: string, thumbKey: string, thumbSize: string): void {
    this.#call("createThumb", text(originalKey), text(thumbKey), text(thumbSize));
  }

  /** Releases the filesystem. */
  close(): void {
    this.#call("close");
  }
}

/** `$filesystem.local/s3` and `$app.newFilesystem()/newBackupsFilesystem()` over `bridge`. */
export function filesystems(bridge: SyncBridge): {
  local: (dir: unknown) => System;
  s3: (...args: unknown[]) => System;
  app: (appId: string) => System;
  backups: (appId: string) => System;
} {
  const open = (kind: string, args: unknown[]) =>
    new System(bridge, bridge.call("fs.open", [kind, args]) as string);
  return {
    local: (dir) => open("local", [text(dir)]),
    s3: (bucket, region, endpoint, accessKey, secretKey, forcePathStyle) =>
      open("s3", [
        text(bucket),
        text(region),
        text(endpoint),
        text(accessKey),
        text(secretKey),
        forcePathStyle === true,
      ]),
    app: (appId) => open("app", [appId]),
    backups: (appId) => open("backups", [appId]),
  };
}
