/**
 * The object storage seam shared by record files and backups: one `Storage` interface, a local
 * filesystem driver (`local-storage.ts`, PocketBase's `pb_data/storage` layout with `.attrs` side
 * files) and an S3-compatible driver (`s3-storage.ts`). Both pass the same contract suite
 * (`storage.case.ts`).
 *
 * Keys are `/`-separated relative paths such as `<collectionId>/<recordId>/<filename>`, exactly
 * PocketBase's object keys. Bodies travel as web `ReadableStream<Uint8Array>`s (what `fetch` and
 * Hono speak); writes accept a stream or a byte array and never buffer a whole stream.
 */

/** Why a storage call failed. */
export type StorageErrorCode =
  /** The object (or the bucket) does not exist. */
  | "not_found"
  /** A key or prefix that could escape the storage root, or is otherwise unusable. */
  | "invalid_key"
  /** A byte range outside the object. */
  | "invalid_range"
  /** The remote store refused the credentials or the operation (HTTP 401/403). */
  | "forbidden"
  /** The remote store could not be reached, or did not answer in time. */
  | "network"
  /** A write went past its `maxBytes` limit; nothing was stored. */
  | "too_large"
  /** A write was aborted through its `signal`; nothing was stored. */
  | "aborted"
  /** Any other error answered by a remote store (see `status` and `remoteCode`). */
  | "remote"
  /** The driver's settings are incomplete (e.g. S3 without a bucket). */
  | "invalid_config"
  /** A local filesystem error (see `cause`). */
  | "io";

/** The one error type the storage layer throws. */
export class StorageError extends Error {
  override readonly name = "StorageError";
  readonly code: StorageErrorCode;
  /** The key or prefix the call was about, when there is one. */
  readonly key: string | undefined;
  /** The remote store's HTTP status, when it answered. */
  readonly status: number | undefined;
  /** The remote store's own error code (e.g. `NoSuchKey`, `SignatureDoesNotMatch`). */
  readonly remoteCode: string | undefined;

  constructor(
    code: StorageErrorCode,
    message: string,
    options: { key?: string; status?: number; remoteCode?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.key = options.key;
    this.status = options.status;
    this.remoteCode = options.remoteCode;
  }
}

/** True for a `StorageError` with code `not_found`. */
export function isNotFound(err: unknown): boolean {
  return err instanceof StorageError && err.code === "not_found";
}

/** What a store knows about one object. */
export interface ObjectAttributes {
  /** Size in bytes. */
  size: number;
  /** The stored Content-Type (`application/octet-stream` when none was stored). */
  contentType: string;
  /** Last modification time. */
  modified: Date;
  /** User metadata, keys lower-cased (`original-filename` holds an upload's original name). */
  metadata: Record<string, string>;
  /** An entity tag, quoted as in HTTP, when the store has one. */
  etag?: string;
  /** Base64 MD5 of the content, when the store knows it. */
  md5?: string;
}

/** An inclusive byte range, as in HTTP; `end` omitted means "to the end". */
export interface ByteRange {
  start: number;
  end?: number;
}

/** An opened object. Read or cancel `body`: it holds a file handle or a connection. */
export interface ReadResult {
  body: ReadableStream<Uint8Array>;
  attributes: ObjectAttributes;
  /** The inclusive range `body` covers (the whole object when no range was asked for). */
  start: number;
  end: number;
  /** Bytes in `body`: `end - start + 1` (0 for an empty object). */
  length: number;
}

/** A write's content: a web stream (consumed as it is written) or bytes (a Buffer is one). */
export type WriteSource = ReadableStream<Uint8Array> | Uint8Array;

export interface WriteOptions {
  /** Content-Type to store; sniffed from the first bytes when omitted. */
  contentType?: string;
  /** User metadata (e.g. `{"original-filename": "photo.png"}`); keys are lower-cased. */
  metadata?: Record<string, string>;
  /** The exact size of a stream source when known (lets the S3 driver stream one PUT). */
  size?: number;
  /** Fail with `too_large` (and store nothing) once more bytes than this arrive. */
  maxBytes?: number;
  /** Abort the write (nothing is stored, code `aborted`). */
  signal?: AbortSignal;
}

export interface WriteResult {
  size: number;
  contentType: string;
  /** Base64 MD5 of what was written. */
  md5: string;
}

export interface ListEntry {
  key: string;
  size: number;
  modified: Date;
}

/** One object store: a local folder or an S3 bucket. */
export interface Storage {
  /** Which driver this is. */
  readonly kind: "local" | "s3";
  /** Whether an object exists at `key` (a "directory" is not an object). */
  exists(key: string): Promise<boolean>;
  /** The object's attributes; `not_found` when missing. */
  attributes(key: string): Promise<ObjectAttributes>;
  /** Opens the object (or an inclusive byte range of it); `not_found`, `invalid_range`. */
  read(key: string, range?: ByteRange): Promise<ReadResult>;
  /** Stores an object, replacing any previous one; all or nothing. */
  write(key: string, source: WriteSource, options?: WriteOptions): Promise<WriteResult>;
  /** Deletes an object; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * Deletes every object whose key starts with `prefix` (a "dir/" prefix or a name prefix such as
   * "dir/file_"); an empty prefix is refused. Returns the failures instead of throwing.
   */
  deletePrefix(prefix: string): Promise<Error[]>;
  /** Every object whose key starts with `prefix` ("" for all), sorted by key. */
  list(prefix: string): Promise<ListEntry[]>;
  /** Copies an object with its content type and metadata; `not_found` when `srcKey` is missing. */
  copy(srcKey: string, dstKey: string): Promise<void>;
  /** Releases resources; the store is unusable afterwards. */
  close(): Promise<void>;
}

/** Metadata key holding an upload's original file name (PocketBase's). */
export const ORIGINAL_FILENAME_METADATA = "original-filename";

/** Content type stored when nothing better is known. */
export const DEFAULT_CONTENT_TYPE = "application/octet-stream";

// ---------------------------------------------------------------------------------------------
// Keys

const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

/**
 * Checks an object key: relative, `/`-separated, no empty, `.` or `..` segment, no backslash, no
 * control character (NUL included), no leading or trailing slash. Returns it unchanged or throws
 * `invalid_key`.
 */
export function validateKey(key: string): string {
  checkPath(key, "key", false);
  return key;
}

/**
 * Checks a list/delete prefix: the same rules as keys, but a trailing `/` is allowed and, for
 * `list`, the empty prefix (everything).
 */
export function validatePrefix(prefix: string, allowEmpty: boolean): string {
  if (prefix === "") {
    if (allowEmpty) return prefix;
    throw new StorageError("invalid_key", "The prefix must not be empty.", { key: prefix });
  }
  checkPath(prefix, "prefix", true);
  return prefix;
}

function checkPath(path: string, what: "key" | "prefix", trailingSlash: boolean): void {
  const fail = (reason: string): never => {
    throw new StorageError("invalid_key", `Invalid storage ${what} ${JSON.stringify(path)}: ${reason}.`, {
      key: path,
    });
  };
  if (typeof path !== "string" || path === "") fail("empty");
  if (path.length > 1024) fail("longer than 1024 characters");
  if (CONTROL_CHARS.test(path)) fail("control characters are not allowed");
  if (path.includes("\\")) fail("backslashes are not allowed");
  if (path.startsWith("/")) fail("absolute paths are not allowed");
  const body = trailingSlash && path.endsWith("/") ? path.slice(0, -1) : path;
  for (const segment of body.split("/")) {
    if (segment === "") fail("empty path segments are not allowed");
    if (segment === "." || segment === "..") fail("relative path segments are not allowed");
  }
}

/** `<collectionId>/<recordId>/<filename>`: where a record's file lives. */
export function recordFileKey(collectionId: string, recordId: string, filename: string): string {
  return validateKey(`${collectionId}/${recordId}/${filename}`);
}

/** `<collectionId>/<recordId>/`: everything of one record (deleted with the record). */
export function recordPrefix(collectionId: string, recordId: string): string {
  return validatePrefix(`${collectionId}/${recordId}/`, false);
}

/** `<collectionId>/`: everything of one collection (deleted with the collection). */
export function collectionPrefix(collectionId: string): string {
  return validatePrefix(`${collectionId}/`, false);
}

/** Lower-cases metadata keys (S3 does, so both drivers do) and drops non-string values. */
export function normalizeMetadata(metadata: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!metadata) return out;
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v === "string") out[k.toLowerCase()] = v;
  }
  return out;
}

/**
 * Resolves a requested range against an object size: the inclusive `[start, end]`, or throws
 * `invalid_range` when `start` is past the end (an empty object only has the empty "whole" range).
 */
export function resolveRange(
  size: number,
  range: ByteRange | undefined,
  key: string,
): { start: number; end: number; length: number } {
  if (range === undefined) return { start: 0, end: Math.max(0, size - 1), length: size };
  const { start } = range;
  const requestedEnd = range.end ?? size - 1;
  if (
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(requestedEnd) ||
    start < 0 ||
    requestedEnd < start ||
    start >= size
  ) {
    throw new StorageError(
      "invalid_range",
      `Range ${start}-${range.end ?? ""} is outside ${key} (${size} bytes).`,
      {
        key,
      },
    );
  }
  const end = Math.min(requestedEnd, size - 1);
  return { start, end, length: end - start + 1 };
}
