/**
 * The local filesystem driver, byte-compatible with PocketBase's (tools/filesystem/internal/fileblob):
 * an object `a/b/c.png` is the file `<root>/a/b/c.png` plus a side file `<root>/a/b/c.png.attrs`
 * holding its attributes as Go encodes them:
 *
 *   {"user.cache_control":"","user.content_disposition":"","user.content_encoding":"",
 *    "user.content_language":"","user.content_type":"image/png",
 *    "user.metadata":{"original-filename":"x.png"},"md5":"<base64>"}\n
 *
 * (`user.metadata` is `null` when there is none). Objects without a side file read as
 * `application/octet-stream`. Writes go to a temporary file beside the target and are renamed into
 * place, so readers never see half a file.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, statSync, type Stats, type BigIntStats } from "node:fs";
import { mkdir, open, readdir, readFile, rename, rmdir, stat, unlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeWebReadableStream } from "node:stream/web";
import { encodeJson, sortKeys } from "../tools/json.ts";
import { detectStreamMime } from "./mime.ts";
import {
  DEFAULT_CONTENT_TYPE,
  StorageError,
  normalizeMetadata,
  resolveRange,
  validateKey,
  validatePrefix,
  type ByteRange,
  type ListEntry,
  type ObjectAttributes,
  type ReadResult,
  type Storage,
  type WriteOptions,
  type WriteResult,
  type WriteSource,
} from "./storage.ts";
import { abortedError, meterStream, sourceToStream } from "./stream-util.ts";

/** Suffix of the attribute side files. */
export const ATTRS_SUFFIX = ".attrs";
/** Suffix of in-progress writes (never listed). */
const TEMP_SUFFIX = ".satchel-tmp";

/** The side file's content, in Go's field order. */
export interface AttrsFile {
  "user.cache_control": string;
  "user.content_disposition": string;
  "user.content_encoding": string;
  "user.content_language": string;
  "user.content_type": string;
  "user.metadata": Record<string, string> | null;
  md5: string | null;
}

/** Encodes a side file exactly as PocketBase's Go encoder writes it (trailing newline included). */
export function encodeAttrs(attrs: AttrsFile): string {
  const metadata = attrs["user.metadata"];
  const ordered: AttrsFile = {
    "user.cache_control": attrs["user.cache_control"],
    "user.content_disposition": attrs["user.content_disposition"],
    "user.content_encoding": attrs["user.content_encoding"],
    "user.content_language": attrs["user.content_language"],
    "user.content_type": attrs["user.content_type"],
    "user.metadata": metadata && Object.keys(metadata).length > 0 ? sortKeys(metadata) : null,
    md5: attrs.md5,
  };
  return encodeJson(ordered) + "\n";
}

function emptyAttrs(contentType: string, metadata: Record<string, string> | null): AttrsFile {
  return {
    "user.cache_control": "",
    "user.content_disposition": "",
    "user.content_encoding": "",
    "user.content_language": "",
    "user.content_type": contentType,
    "user.metadata": metadata,
    md5: null,
  };
}

/** Parses a side file leniently (unknown or mistyped fields fall back to defaults). */
export function parseAttrs(text: string): AttrsFile {
  const raw = JSON.parse(text) as unknown;
  const obj = raw !== null && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
  const str = (k: string): string => (typeof obj[k] === "string" ? obj[k] : "");
  const md = obj["user.metadata"];
  let metadata: Record<string, string> | null = null;
  if (md !== null && typeof md === "object") {
    metadata = {};
    for (const [k, v] of Object.entries(md)) if (typeof v === "string") metadata[k] = v;
  }
  return {
    "user.cache_control": str("user.cache_control"),
    "user.content_disposition": str("user.content_disposition"),
    "user.content_encoding": str("user.content_encoding"),
    "user.content_language": str("user.content_language"),
    "user.content_type": str("user.content_type"),
    "user.metadata": metadata,
    md5: typeof obj["md5"] === "string" ? obj["md5"] : null,
  };
}

function isErrno(err: unknown, ...codes: string[]): boolean {
  return err instanceof Error && codes.includes((err as NodeJS.ErrnoException).code ?? "");
}

function ioError(err: unknown, key: string, what: string): StorageError {
  if (err instanceof StorageError) return err;
  return new StorageError(
    "io",
    `Failed to ${what} ${key}: ${err instanceof Error ? err.message : String(err)}`,
    {
      key,
      cause: err,
    },
  );
}

function notFound(key: string): StorageError {
  return new StorageError("not_found", `Object ${key} not found.`, { key });
}

function tempName(path: string): string {
  return `${path}.${randomBytes(8).toString("hex")}${TEMP_SUFFIX}`;
}

/** A folder of objects: `pb_data/storage` for record files, `pb_data/backups` for backups. */
export class LocalStorage implements Storage {
  readonly kind = "local" as const;
  /** Absolute path of the root folder (created on the first write). */
  readonly root: string;
  #closed = false;

  constructor(root: string) {
    this.root = resolve(root);
  }

  /**
   * The file path of a key (validated; temp names are reserved). A key may end in `.attrs`
   * (PocketBase stores `x.txt.attrs` uploads) unless it names the side file of an existing
   * object, i.e. the key without the suffix is a file.
   */
  pathOf(key: string): string {
    this.#checkOpen();
    validateKey(key);
    if (key.endsWith(TEMP_SUFFIX) || this.#isSideFileKey(key)) {
      throw new StorageError("invalid_key", `Invalid storage key ${JSON.stringify(key)}: reserved suffix.`, {
        key,
      });
    }
    const path = join(this.root, ...key.split("/"));
    if (!path.startsWith(this.root + sep)) {
      throw new StorageError("invalid_key", `Invalid storage key ${JSON.stringify(key)}: outside the root.`, {
        key,
      });
    }
    return path;
  }

  /** Whether `key` is the `.attrs` side file of a stored object (a rare sync stat). */
  #isSideFileKey(key: string): boolean {
    if (!key.endsWith(ATTRS_SUFFIX)) return false;
    const owner = join(this.root, ...key.slice(0, -ATTRS_SUFFIX.length).split("/"));
    try {
      return statSync(owner).isFile();
    } catch {
      return false;
    }
  }

  #checkOpen(): void {
    if (this.#closed) throw new StorageError("io", "The storage is closed.");
  }

  async #statFile(key: string, path: string): Promise<BigIntStats> {
    let info: BigIntStats;
    try {
      info = await stat(path, { bigint: true });
    } catch (err) {
      if (isErrno(err, "ENOENT", "ENOTDIR")) throw notFound(key);
      throw ioError(err, key, "stat");
    }
    if (!info.isFile()) throw notFound(key);
    return info;
  }

  async #readAttrs(path: string): Promise<AttrsFile | null> {
    let text: string;
    try {
      text = await readFile(path + ATTRS_SUFFIX, "utf8");
    } catch {
      return null;
    }
    try {
      return parseAttrs(text);
    } catch {
      return null; // a damaged side file: serve the bytes with default attributes
    }
  }

  async #attributes(key: string, path: string): Promise<{ attrs: ObjectAttributes; file: AttrsFile | null }> {
    const info = await this.#statFile(key, path);
    const file = await this.#readAttrs(path);
    const attrs: ObjectAttributes = {
      size: Number(info.size),
      contentType: file?.["user.content_type"] || DEFAULT_CONTENT_TYPE,
      modified: new Date(Number(info.mtimeNs / 1_000_000n)),
      metadata: normalizeMetadata(file?.["user.metadata"] ?? undefined),
      // PocketBase's local ETag: modification time (ns) and size, hex
      etag: `"${info.mtimeNs.toString(16)}-${info.size.toString(16)}"`,
    };
    if (file?.md5) attrs.md5 = file.md5;
    return { attrs, file };
  }

  async exists(key: string): Promise<boolean> {
    const path = this.pathOf(key);
    try {
      return (await stat(path)).isFile();
    } catch (err) {
      if (isErrno(err, "ENOENT", "ENOTDIR")) return false;
      throw ioError(err, key, "stat");
    }
  }

  async attributes(key: string): Promise<ObjectAttributes> {
    return (await this.#attributes(key, this.pathOf(key))).attrs;
  }

  async read(key: string, range?: ByteRange): Promise<ReadResult> {
    const path = this.pathOf(key);
    const { attrs } = await this.#attributes(key, path);
    const { start, end, length } = resolveRange(attrs.size, range, key);
    let handle;
    try {
      handle = await open(path, "r");
    } catch (err) {
      if (isErrno(err, "ENOENT", "ENOTDIR", "EISDIR")) throw notFound(key);
      throw ioError(err, key, "open");
    }
    let body: ReadableStream<Uint8Array>;
    if (length === 0) {
      await handle.close();
      body = new ReadableStream({ start: (c) => c.close() });
    } else {
      const nodeStream = handle.createReadStream({ start, end, autoClose: true });
      body = Readable.toWeb(nodeStream) as ReadableStream<Uint8Array>;
    }
    return { body, attributes: attrs, start, end, length };
  }

  async write(key: string, source: WriteSource, options: WriteOptions = {}): Promise<WriteResult> {
    const path = this.pathOf(key);
    let stream = sourceToStream(source);
    let contentType = options.contentType;
    if (!contentType) {
      const sniffed = await detectStreamMime(stream);
      contentType = sniffed.type.mime;
      stream = sniffed.stream;
    }
    const metadata = normalizeMetadata(options.metadata);
    const attrs = emptyAttrs(contentType, Object.keys(metadata).length > 0 ? metadata : null);
    return this.#writeStream(key, path, stream, attrs, options);
  }

  async #writeStream(
    key: string,
    path: string,
    source: ReadableStream<Uint8Array>,
    attrs: AttrsFile,
    options: Pick<WriteOptions, "maxBytes" | "signal">,
  ): Promise<WriteResult> {
    const { signal } = options;
    if (signal?.aborted) {
      await source.cancel().catch(() => undefined);
      throw abortedError(key, signal);
    }
    const { stream, meter } = meterStream(source, { maxBytes: options.maxBytes, signal, key });
    const dataTemp = tempName(path);
    const attrsTemp = tempName(path + ATTRS_SUFFIX);
    try {
      await mkdir(dirname(path), { recursive: true });
      await pipeline(
        Readable.fromWeb(stream as NodeWebReadableStream<Uint8Array>),
        createWriteStream(dataTemp, { flags: "wx" }),
        signal ? { signal } : {},
      );
      attrs.md5 = meter.md5();
      await writeFile(attrsTemp, encodeAttrs(attrs), { flag: "wx" });
      // the side file first, then the content (PocketBase's order)
      await rename(attrsTemp, path + ATTRS_SUFFIX);
      await rename(dataTemp, path);
    } catch (err) {
      await Promise.all([unlink(dataTemp).catch(() => undefined), unlink(attrsTemp).catch(() => undefined)]);
      await stream.cancel().catch(() => undefined);
      if (signal?.aborted) throw abortedError(key, signal);
      const storageErr = findStorageError(err);
      if (storageErr) throw storageErr;
      throw ioError(err, key, "write");
    }
    return { size: meter.size, contentType: attrs["user.content_type"], md5: attrs.md5 };
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      if (!isErrno(err, "ENOENT", "ENOTDIR", "EISDIR", "EPERM")) throw ioError(err, key, "delete");
      if (isErrno(err, "EISDIR", "EPERM")) return; // a directory is not an object
    }
    try {
      await unlink(path + ATTRS_SUFFIX);
    } catch (err) {
      if (!isErrno(err, "ENOENT", "ENOTDIR")) throw ioError(err, key, "delete");
    }
  }

  async deletePrefix(prefix: string): Promise<Error[]> {
    const failures: Error[] = [];
    try {
      validatePrefix(prefix, false);
      this.#checkOpen();
    } catch (err) {
      return [err as Error];
    }
    // Most deleted records have no folder: one stat instead of two failing readdirs (a
    // record delete always clears its folder, so this is on every delete's path).
    if (prefix.endsWith("/") && !existsSync(join(this.root, ...prefix.slice(0, -1).split("/"))))
      return failures;
    let entries: ListEntry[];
    try {
      entries = await this.list(prefix);
    } catch (err) {
      return [err as Error];
    }
    for (const entry of entries) {
      try {
        await this.delete(entry.key);
      } catch (err) {
        failures.push(err as Error);
      }
    }
    // like PocketBase, a "dir/" prefix also removes the directories it leaves empty
    if (prefix.endsWith("/")) await this.#removeEmptyDirs(join(this.root, ...prefix.slice(0, -1).split("/")));
    return failures;
  }

  /** Removes `dir` and its subdirectories, deepest first, where they are empty. */
  async #removeEmptyDirs(dir: string): Promise<void> {
    let children;
    try {
      children = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const child of children) {
      if (child.isDirectory()) await this.#removeEmptyDirs(join(dir, child.name));
    }
    await rmdir(dir).catch(() => undefined);
  }

  async list(prefix: string): Promise<ListEntry[]> {
    this.#checkOpen();
    validatePrefix(prefix, true);
    const slash = prefix.lastIndexOf("/");
    const baseKey = slash >= 0 ? prefix.slice(0, slash) : "";
    const baseDir = baseKey === "" ? this.root : join(this.root, ...baseKey.split("/"));
    const out: ListEntry[] = [];
    await this.#walk(baseDir, baseKey, prefix, out);
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  async #walk(dir: string, dirKey: string, prefix: string, out: ListEntry[]): Promise<void> {
    let children;
    try {
      children = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, "ENOENT", "ENOTDIR")) return;
      throw ioError(err, dirKey || "/", "list");
    }
    const files = new Set(children.filter((c) => !c.isDirectory()).map((c) => c.name));
    for (const child of children) {
      const name = child.name;
      const key = dirKey === "" ? name : `${dirKey}/${name}`;
      const path = join(dir, name);
      if (child.isDirectory()) {
        const asDir = key + "/";
        if (asDir.startsWith(prefix) || prefix.startsWith(asDir)) await this.#walk(path, key, prefix, out);
        continue;
      }
      // `x.attrs` is x's side file when x is a file here, else an object of its own.
      const sideFile = name.endsWith(ATTRS_SUFFIX) && files.has(name.slice(0, -ATTRS_SUFFIX.length));
      if (sideFile || name.endsWith(TEMP_SUFFIX) || !key.startsWith(prefix)) continue;
      let info: Stats;
      try {
        info = await stat(path);
      } catch {
        continue; // deleted meanwhile
      }
      if (!info.isFile()) continue;
      out.push({ key, size: info.size, modified: info.mtime });
    }
  }

  async copy(srcKey: string, dstKey: string): Promise<void> {
    const srcPath = this.pathOf(srcKey);
    const dstPath = this.pathOf(dstKey);
    const { attrs, file } = await this.#attributes(srcKey, srcPath);
    const opened = await this.read(srcKey);
    const template: AttrsFile = file
      ? { ...file, md5: null }
      : emptyAttrs(attrs.contentType, Object.keys(attrs.metadata).length > 0 ? attrs.metadata : null);
    await this.#writeStream(dstKey, dstPath, opened.body, template, {});
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

/** A StorageError anywhere in an error's cause chain (pipeline wraps stream errors). */
function findStorageError(err: unknown): StorageError | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof StorageError) return e;
    e = e instanceof Error ? e.cause : undefined;
  }
  return null;
}
