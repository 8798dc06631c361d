/**
 * The S3-compatible driver: plain `fetch` plus `aws4fetch` for SigV4 (payloads are sent as
 * `UNSIGNED-PAYLOAD`, never `aws-chunked`, which Swift's s3api and other S3 clones refuse).
 *
 * Same object keys as PocketBase (`<collectionId>/<recordId>/<filename>`); attributes live in the
 * object headers: Content-Type and `x-amz-meta-original-filename` (values URL path-escaped, as
 * PocketBase writes them). Stream writes are sent as one PUT when their size is known, otherwise as
 * a multipart upload with parts of `partSize` bytes, so at most one part is held in memory.
 */
import { AwsV4Signer } from "aws4fetch";
import { createHash } from "node:crypto";
import { detectMime, detectStreamMime } from "./mime.ts";
import {
  DEFAULT_CONTENT_TYPE,
  StorageError,
  normalizeMetadata,
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
import { PieceReader, abortedError, discard, meterStream, sourceToStream } from "./stream-util.ts";

/** Backoff between retries of throttled (503) or failed (500) S3 requests. */
const RETRY_DELAYS_MS = [100, 250, 500, 1000, 2000];

/** PocketBase's `settings.s3` shape. */
export interface S3Config {
  bucket: string;
  region: string;
  /** `https://host[:port]`, `http://…`, or a bare host (https). */
  endpoint: string;
  accessKey: string;
  secret: string;
  /** `https://endpoint/bucket/key` instead of `https://bucket.endpoint/key`. */
  forcePathStyle: boolean;
}

export interface S3StorageOptions {
  /** Multipart part size for streams of unknown size (default 8 MiB, at least 5 MiB). */
  partSize?: number;
  /** Time allowed until response headers for requests without a large body (default 30 s). */
  requestTimeoutMs?: number;
  /** Time allowed for a buffered upload request (single PUT or one part; default 10 min). */
  uploadTimeoutMs?: number;
  /** Keys per ListObjectsV2 page (default and S3 maximum 1000). */
  listPageSize?: number;
  /** Keys per DeleteObjects request (default and S3 maximum 1000). */
  deleteBatchSize?: number;
}

const MIN_PART_SIZE = 5 * 1024 * 1024;
const DEFAULT_PART_SIZE = 8 * 1024 * 1024;
/** S3's limit for one PUT. */
const MAX_SINGLE_PUT = 5 * 1024 * 1024 * 1024;
const MAX_BATCH = 1000;
const META_PREFIX = "x-amz-meta-";

/** Checks the settings the way PocketBase does before using them; returns the problems. */
export function s3ConfigProblems(config: Partial<S3Config>): string[] {
  const problems: string[] = [];
  if (!config.bucket) problems.push("missing bucket");
  if (!config.region) problems.push("missing region");
  if (!config.endpoint) problems.push("missing endpoint");
  if (!config.accessKey) problems.push("missing accessKey");
  if (!config.secret) problems.push("missing secret");
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Escaping

/** AWS UriEncode of one path segment: everything but `A-Za-z0-9-._~` percent-encoded (UTF-8). */
function uriEncode(segment: string): string {
  return encodeURIComponent(segment).replace(
    /[!'()*]/g,
    (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
  );
}

function encodeKey(key: string): string {
  return key.split("/").map(uriEncode).join("/");
}

/** Go's url.PathEscape (PocketBase escapes metadata values with it). */
export function goPathEscape(value: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(value)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~$&+:=@]/.test(c)) out += c;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/** Go's url.PathUnescape, leniently (the raw value when it is not valid escaping). */
function pathUnescape(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** PocketBase's (gocloud's) `__0x<hex>__` escapes, used in keys and metadata keys. */
function hexUnescape(value: string): string {
  return value.replace(/__0x([0-9a-fA-F]+)__/g, (whole, hex: string) => {
    const cp = parseInt(hex, 16);
    return Number.isFinite(cp) && cp <= 0x10ffff ? String.fromCodePoint(cp) : whole;
  });
}

function metadataHeaderName(key: string): string {
  const escaped = goPathEscape(key).replace(/[@:=]/g, (c) => `__0x${c.charCodeAt(0).toString(16)}__`);
  return META_PREFIX + escaped.toLowerCase();
}

// ---------------------------------------------------------------------------------------------
// A tiny XML reader (S3 answers are flat enough for it)

function decodeXml(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#[0-9]+);/g, (_m, entity: string) => {
    switch (entity) {
      case "lt":
        return "<";
      case "gt":
        return ">";
      case "amp":
        return "&";
      case "quot":
        return '"';
      case "apos":
        return "'";
      default:
        return String.fromCodePoint(
          entity.startsWith("#x") ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10),
        );
    }
  });
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Raw inner XML of every `<tag>…</tag>` (not nested in itself). */
function xmlBlocks(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?>([\\s\\S]*?)</${tag}>|<${tag}(?:\\s[^>]*)?/>`, "g");
  for (const m of xml.matchAll(re)) out.push(m[1] ?? "");
  return out;
}

/** Decoded text of the first `<tag>`, or undefined. */
function xmlText(xml: string, tag: string): string | undefined {
  const block = xmlBlocks(xml, tag)[0];
  return block === undefined ? undefined : decodeXml(block);
}

// ---------------------------------------------------------------------------------------------

interface SendOptions {
  headers?: Record<string, string>;
  query?: Record<string, string>;
  body?: Uint8Array | string | ReadableStream<Uint8Array>;
  /** Until response headers; 0 disables. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** The key the request is about (for errors). */
  key: string;
}

/** An S3 bucket (or a bucket of an S3-compatible store) as a `Storage`. */
export class S3Storage implements Storage {
  readonly kind = "s3" as const;
  readonly config: Readonly<S3Config>;
  readonly #partSize: number;
  readonly #requestTimeoutMs: number;
  readonly #uploadTimeoutMs: number;
  readonly #listPageSize: number;
  readonly #deleteBatchSize: number;
  readonly #scheme: string;
  readonly #host: string;
  readonly #signingCache = new Map<string, ArrayBuffer>();
  #closed = false;

  constructor(config: S3Config, options: S3StorageOptions = {}) {
    const problems = s3ConfigProblems(config);
    if (problems.length > 0) {
      throw new StorageError("invalid_config", `Invalid S3 configuration: ${problems.join(", ")}.`);
    }
    this.config = { ...config };
    this.#partSize = Math.max(MIN_PART_SIZE, options.partSize ?? DEFAULT_PART_SIZE);
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.#uploadTimeoutMs = options.uploadTimeoutMs ?? 600_000;
    this.#listPageSize = Math.min(MAX_BATCH, Math.max(1, options.listPageSize ?? MAX_BATCH));
    this.#deleteBatchSize = Math.min(MAX_BATCH, Math.max(1, options.deleteBatchSize ?? MAX_BATCH));
    let endpoint = config.endpoint.trim().replace(/\/+$/, "");
    let scheme = "https";
    if (endpoint.startsWith("https://")) endpoint = endpoint.slice(8);
    else if (endpoint.startsWith("http://")) {
      endpoint = endpoint.slice(7);
      scheme = "http";
    }
    this.#scheme = scheme;
    this.#host = endpoint;
  }

  /** The URL of a key ("" for the bucket itself). */
  urlOf(key: string): URL {
    const { bucket, forcePathStyle } = this.config;
    const path = key === "" ? "" : encodeKey(key);
    return new URL(
      forcePathStyle
        ? `${this.#scheme}://${this.#host}/${bucket}/${path}`
        : `${this.#scheme}://${bucket}.${this.#host}/${path}`,
    );
  }

  #checkOpen(): void {
    if (this.#closed) throw new StorageError("io", "The storage is closed.");
  }

  /**
   * Sends a request, retrying with backoff when the server answers 503 (S3's "SlowDown",
   * Swift's "Please reduce your request rate") or 500, as S3 clients are expected to. Stream
   * bodies cannot be replayed, so those requests are sent once.
   */
  async #send(method: string, objectKey: string | null, opts: SendOptions): Promise<Response> {
    const replayable = !(opts.body instanceof ReadableStream);
    for (let attempt = 0; ; attempt++) {
      const res = await this.#sendOnce(method, objectKey, opts);
      if (!replayable || attempt >= RETRY_DELAYS_MS.length || (res.status !== 503 && res.status !== 500))
        return res;
      await res.body?.cancel();
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
    }
  }

  /** Signs and sends a request for `objectKey` (null: the bucket itself). */
  async #sendOnce(method: string, objectKey: string | null, opts: SendOptions): Promise<Response> {
    const key = opts.key;
    this.#checkOpen();
    const url = this.urlOf(objectKey ?? "");
    for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, v);
    const isStream = opts.body instanceof ReadableStream;
    const signer = new AwsV4Signer({
      method,
      url: url.toString(),
      headers: opts.headers ?? {},
      // a stream body is never read by the signer: the payload is UNSIGNED-PAYLOAD
      body: isStream ? null : ((opts.body as BodyInit | undefined) ?? null),
      accessKeyId: this.config.accessKey,
      secretAccessKey: this.config.secret,
      service: "s3",
      region: this.config.region,
      cache: this.#signingCache,
    });
    const signed = await signer.sign();
    const headers = signed.headers;
    // no transparent decompression: bytes are served as stored
    headers.set("accept-encoding", "identity");

    const controller = new AbortController();
    const onAbort = (): void => controller.abort(opts.signal?.reason);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer =
      opts.timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort(new Error("timeout"));
          }, opts.timeoutMs)
        : undefined;
    try {
      const init: RequestInit & { duplex?: "half" } = {
        method,
        headers,
        signal: controller.signal,
        redirect: "manual",
      };
      if (opts.body !== undefined) {
        init.body = opts.body as BodyInit;
        if (isStream) init.duplex = "half";
      }
      return await fetch(signed.url, init);
    } catch (err) {
      if (opts.signal?.aborted) throw abortedError(key, opts.signal);
      const target = `${this.#scheme}://${this.#host}`;
      const detail = timedOut ? `no answer within ${opts.timeoutMs} ms` : describeNetworkError(err);
      throw new StorageError(
        "network",
        `S3 request ${method} ${key || "/"} to ${target} failed: ${detail}.`,
        {
          key,
          cause: err,
        },
      );
    } finally {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
    }
  }

  /** Turns an error answer into a StorageError (consumes the body). */
  async #fail(res: Response, method: string, key: string): Promise<StorageError> {
    let text = "";
    try {
      text = method === "HEAD" ? "" : await res.text();
    } catch {
      text = "";
    }
    const remoteCode = xmlText(text, "Code");
    const message = xmlText(text, "Message");
    const what = `S3 ${method} ${key || "/"}: ${res.status}${remoteCode ? ` ${remoteCode}` : ""}${message ? ` (${message})` : ""}`;
    const options = { key, status: res.status, ...(remoteCode ? { remoteCode } : {}) };
    if (res.status === 404 || remoteCode === "NoSuchKey" || remoteCode === "NoSuchBucket") {
      return new StorageError("not_found", `${what}: not found.`, options);
    }
    if (res.status === 401 || res.status === 403) {
      return new StorageError(
        "forbidden",
        `${what}: access denied (check the keys, region and bucket).`,
        options,
      );
    }
    if (res.status === 416) return new StorageError("invalid_range", `${what}: invalid range.`, options);
    return new StorageError("remote", `${what}.`, options);
  }

  #attributesFrom(res: Response, size: number): ObjectAttributes {
    const metadata: Record<string, string> = {};
    for (const [name, value] of res.headers) {
      if (!name.startsWith(META_PREFIX)) continue;
      metadata[hexUnescape(pathUnescape(name.slice(META_PREFIX.length))).toLowerCase()] = pathUnescape(value);
    }
    const lastModified = res.headers.get("last-modified");
    const etag = res.headers.get("etag") ?? undefined;
    const attrs: ObjectAttributes = {
      size,
      contentType: res.headers.get("content-type") || DEFAULT_CONTENT_TYPE,
      modified: lastModified ? new Date(lastModified) : new Date(0),
      metadata,
    };
    if (etag) {
      attrs.etag = etag;
      const md5 = etagToMd5(etag);
      if (md5) attrs.md5 = md5;
    }
    return attrs;
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.attributes(key);
      return true;
    } catch (err) {
      if (err instanceof StorageError && err.code === "not_found") return false;
      throw err;
    }
  }

  async attributes(key: string): Promise<ObjectAttributes> {
    validateKey(key);
    const res = await this.#send("HEAD", key, { key, timeoutMs: this.#requestTimeoutMs });
    await discard(res.body);
    if (!res.ok) throw await this.#fail(res, "HEAD", key);
    return this.#attributesFrom(res, Number(res.headers.get("content-length") ?? 0));
  }

  async read(key: string, range?: ByteRange): Promise<ReadResult> {
    validateKey(key);
    const headers: Record<string, string> = {};
    if (range) {
      const { start, end } = range;
      if (
        !Number.isSafeInteger(start) ||
        start < 0 ||
        (end !== undefined && (!Number.isSafeInteger(end) || end < start))
      ) {
        throw new StorageError("invalid_range", `Invalid range ${start}-${end ?? ""} for ${key}.`, { key });
      }
      headers["range"] = `bytes=${start}-${end ?? ""}`;
    }
    const res = await this.#send("GET", key, { key, headers, timeoutMs: this.#requestTimeoutMs });
    if (!res.ok) throw await this.#fail(res, "GET", key);
    const length = Number(res.headers.get("content-length") ?? 0);
    let size = length;
    let start = 0;
    let end = Math.max(0, length - 1);
    const contentRange = res.status === 206 ? res.headers.get("content-range") : null;
    const m = contentRange ? /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange) : null;
    if (m) {
      start = Number(m[1]);
      end = Number(m[2]);
      if (m[3] !== "*") size = Number(m[3]);
    } else if (range && res.status === 200) {
      // a store that ignored the Range header: refuse rather than serve the wrong bytes
      await discard(res.body);
      throw new StorageError("remote", `S3 GET ${key}: the store ignored the Range header.`, { key });
    }
    const body = res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
    return { body, attributes: this.#attributesFrom(res, size), start, end, length };
  }

  #objectHeaders(contentType: string, metadata: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = { "content-type": contentType };
    for (const [k, v] of Object.entries(metadata)) headers[metadataHeaderName(k)] = goPathEscape(v);
    return headers;
  }

  async write(key: string, source: WriteSource, options: WriteOptions = {}): Promise<WriteResult> {
    validateKey(key);
    this.#checkOpen();
    const { signal, maxBytes } = options;
    if (signal?.aborted) {
      if (source instanceof ReadableStream) await source.cancel().catch(() => undefined);
      throw abortedError(key, signal);
    }
    const metadata = normalizeMetadata(options.metadata);

    if (!(source instanceof ReadableStream)) {
      if (maxBytes !== undefined && source.byteLength > maxBytes) {
        throw new StorageError("too_large", `The content of ${key} is larger than ${maxBytes} bytes.`, {
          key,
        });
      }
      const contentType = options.contentType || (await detectMime(source)).mime;
      const md5 = createHash("md5").update(source).digest("base64");
      await this.#putObject(
        key,
        source,
        { ...this.#objectHeaders(contentType, metadata), "content-md5": md5 },
        signal,
      );
      return { size: source.byteLength, contentType, md5 };
    }

    let stream = sourceToStream(source);
    let contentType = options.contentType;
    if (!contentType) {
      const sniffed = await detectStreamMime(stream);
      contentType = sniffed.type.mime;
      stream = sniffed.stream;
    }
    const headers = this.#objectHeaders(contentType, metadata);
    const metered = meterStream(stream, { maxBytes, signal, key });
    const { meter } = metered;

    const size = options.size;
    if (size !== undefined && Number.isSafeInteger(size) && size >= 0 && size <= MAX_SINGLE_PUT) {
      if (maxBytes !== undefined && size > maxBytes) {
        await metered.stream.cancel().catch(() => undefined);
        throw new StorageError("too_large", `The content of ${key} is larger than ${maxBytes} bytes.`, {
          key,
        });
      }
      // one streamed PUT with a known length
      try {
        await this.#putObject(key, metered.stream, { ...headers, "content-length": String(size) }, signal, 0);
      } catch (err) {
        throw rethrowStreamError(err, key, signal);
      }
      if (meter.size !== size) {
        throw new StorageError("remote", `The content of ${key} was ${meter.size} bytes, not ${size}.`, {
          key,
        });
      }
      return { size: meter.size, contentType, md5: meter.md5() };
    }

    const pieces = new PieceReader(metered.stream);
    let first: Uint8Array;
    try {
      first = await pieces.next(this.#partSize);
    } catch (err) {
      throw rethrowStreamError(err, key, signal);
    }
    if (first.byteLength < this.#partSize) {
      const md5 = meter.md5();
      await this.#putObject(key, first, { ...headers, "content-md5": md5 }, signal);
      return { size: meter.size, contentType, md5 };
    }
    await this.#multipartUpload(key, headers, first, pieces, signal);
    return { size: meter.size, contentType, md5: meter.md5() };
  }

  async #putObject(
    key: string,
    body: Uint8Array | ReadableStream<Uint8Array>,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
    timeoutMs = this.#uploadTimeoutMs,
  ): Promise<void> {
    const res = await this.#send("PUT", key, { key, headers, body, signal, timeoutMs });
    if (!res.ok) throw await this.#fail(res, "PUT", key);
    await discard(res.body);
  }

  async #multipartUpload(
    key: string,
    headers: Record<string, string>,
    first: Uint8Array,
    pieces: PieceReader,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    const created = await this.#send("POST", key, {
      key,
      headers,
      query: { uploads: "" },
      timeoutMs: this.#requestTimeoutMs,
      signal,
    });
    if (!created.ok) {
      await pieces.cancel();
      throw await this.#fail(created, "POST", key);
    }
    const uploadId = xmlText(await created.text(), "UploadId");
    if (!uploadId) {
      await pieces.cancel();
      throw new StorageError("remote", `S3 POST ${key}?uploads: no UploadId in the answer.`, { key });
    }
    const etags: string[] = [];
    try {
      let part: Uint8Array = first;
      while (part.byteLength > 0) {
        const partNumber = etags.length + 1;
        const res = await this.#send("PUT", key, {
          key,
          query: { partNumber: String(partNumber), uploadId },
          headers: { "content-md5": createHash("md5").update(part).digest("base64") },
          body: part,
          signal,
          timeoutMs: this.#uploadTimeoutMs,
        });
        if (!res.ok) throw await this.#fail(res, "PUT", key);
        await discard(res.body);
        etags.push(res.headers.get("etag") ?? "");
        try {
          part = await pieces.next(this.#partSize);
        } catch (err) {
          throw rethrowStreamError(err, key, signal);
        }
      }
      const xml =
        "<CompleteMultipartUpload>" +
        etags
          .map((etag, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${escapeXml(etag)}</ETag></Part>`)
          .join("") +
        "</CompleteMultipartUpload>";
      const done = await this.#send("POST", key, {
        key,
        query: { uploadId },
        headers: { "content-type": "application/xml" },
        body: xml,
        signal,
        timeoutMs: this.#uploadTimeoutMs,
      });
      if (!done.ok) throw await this.#fail(done, "POST", key);
      const answer = await done.text();
      if (answer.includes("<Error>")) {
        throw new StorageError(
          "remote",
          `S3 complete upload of ${key}: ${xmlText(answer, "Code") ?? "error"}.`,
          {
            key,
            ...(xmlText(answer, "Code") ? { remoteCode: xmlText(answer, "Code") } : {}),
          },
        );
      }
    } catch (err) {
      await pieces.cancel();
      await this.#abortUpload(key, uploadId);
      throw err;
    }
  }

  async #abortUpload(key: string, uploadId: string): Promise<void> {
    try {
      const res = await this.#send("DELETE", key, {
        key,
        query: { uploadId },
        timeoutMs: this.#requestTimeoutMs,
      });
      await discard(res.body);
    } catch {
      // best effort: the store expires abandoned uploads by itself (lifecycle rules)
    }
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    const res = await this.#send("DELETE", key, { key, timeoutMs: this.#requestTimeoutMs });
    if (res.ok) {
      await discard(res.body);
      return;
    }
    const err = await this.#fail(res, "DELETE", key);
    if (err.code === "not_found" && err.remoteCode !== "NoSuchBucket") return;
    throw err;
  }

  async deletePrefix(prefix: string): Promise<Error[]> {
    let keys: string[];
    try {
      validatePrefix(prefix, false);
      keys = (await this.list(prefix)).map((e) => e.key);
    } catch (err) {
      return [err as Error];
    }
    const failures: Error[] = [];
    for (let i = 0; i < keys.length; i += this.#deleteBatchSize) {
      const batch = keys.slice(i, i + this.#deleteBatchSize);
      try {
        failures.push(...(await this.#deleteBatch(batch)));
      } catch (err) {
        // a store without DeleteObjects (or another batch failure): one by one
        if (!(err instanceof StorageError) || err.code === "forbidden" || err.code === "network") {
          failures.push(err as Error);
          continue;
        }
        for (const key of batch) {
          try {
            await this.delete(key);
          } catch (e) {
            failures.push(e as Error);
          }
        }
      }
    }
    return failures;
  }

  /** DeleteObjects (with the Content-MD5 that S3 and Swift require); returns per-key failures. */
  async #deleteBatch(keys: string[]): Promise<Error[]> {
    const xml =
      '<?xml version="1.0" encoding="UTF-8"?><Delete><Quiet>true</Quiet>' +
      keys.map((k) => `<Object><Key>${escapeXml(k)}</Key></Object>`).join("") +
      "</Delete>";
    const body = new TextEncoder().encode(xml);
    const res = await this.#send("POST", null, {
      key: "",
      query: { delete: "" },
      headers: {
        "content-type": "application/xml",
        "content-md5": createHash("md5").update(body).digest("base64"),
      },
      body,
      timeoutMs: this.#requestTimeoutMs,
    });
    if (!res.ok) throw await this.#fail(res, "POST", "?delete");
    const answer = await res.text();
    const failures: Error[] = [];
    for (const block of xmlBlocks(answer, "Error")) {
      const key = xmlText(block, "Key") ?? "";
      const code = xmlText(block, "Code") ?? "Error";
      if (code === "NoSuchKey") continue;
      failures.push(
        new StorageError("remote", `S3 delete of ${key}: ${code} (${xmlText(block, "Message") ?? ""}).`, {
          key,
          remoteCode: code,
        }),
      );
    }
    return failures;
  }

  async list(prefix: string): Promise<ListEntry[]> {
    validatePrefix(prefix, true);
    const out: ListEntry[] = [];
    let token: string | undefined;
    for (;;) {
      const query: Record<string, string> = { "list-type": "2", "max-keys": String(this.#listPageSize) };
      if (prefix !== "") query["prefix"] = prefix;
      if (token) query["continuation-token"] = token;
      const res = await this.#send("GET", null, {
        key: prefix,
        query,
        timeoutMs: this.#requestTimeoutMs,
      });
      if (!res.ok) throw await this.#fail(res, "GET", `?list-type=2&prefix=${prefix}`);
      const xml = await res.text();
      for (const block of xmlBlocks(xml, "Contents")) {
        const key = xmlText(block, "Key");
        if (key === undefined) continue;
        out.push({
          key: hexUnescape(key),
          size: Number(xmlText(block, "Size") ?? 0),
          modified: new Date(xmlText(block, "LastModified") ?? 0),
        });
      }
      const truncated = xmlText(xml, "IsTruncated") === "true";
      token = xmlText(xml, "NextContinuationToken");
      if (!truncated || !token) break;
    }
    out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return out;
  }

  async copy(srcKey: string, dstKey: string): Promise<void> {
    validateKey(srcKey);
    validateKey(dstKey);
    const res = await this.#send("PUT", dstKey, {
      key: dstKey,
      headers: {
        "x-amz-copy-source": `/${this.config.bucket}/${encodeKey(srcKey)}`,
        "x-amz-metadata-directive": "COPY",
      },
      timeoutMs: this.#uploadTimeoutMs,
    });
    if (!res.ok) {
      const err = await this.#fail(res, "PUT", dstKey);
      if (err.code === "not_found")
        throw new StorageError("not_found", `Object ${srcKey} not found.`, { key: srcKey });
      throw err;
    }
    const answer = await res.text();
    if (answer.includes("<Error>")) {
      const code = xmlText(answer, "Code");
      throw new StorageError("remote", `S3 copy of ${srcKey} to ${dstKey}: ${code ?? "error"}.`, {
        key: dstKey,
        ...(code ? { remoteCode: code } : {}),
      });
    }
  }

  /** Creates the bucket when it does not exist yet (tests, first-time setups). */
  async ensureBucket(): Promise<void> {
    const { region } = this.config;
    const body =
      region && region !== "us-east-1"
        ? `<CreateBucketConfiguration><LocationConstraint>${escapeXml(region)}</LocationConstraint></CreateBucketConfiguration>`
        : undefined;
    const res = await this.#send("PUT", null, {
      key: "",
      ...(body ? { body } : {}),
      timeoutMs: this.#requestTimeoutMs,
    });
    if (res.ok) {
      await discard(res.body);
      return;
    }
    const err = await this.#fail(res, "PUT", "");
    if (err.remoteCode === "BucketAlreadyOwnedByYou") return;
    throw err;
  }

  async close(): Promise<void> {
    this.#closed = true;
  }
}

/** Quoted hex ETag of a single-part upload → base64 MD5 (multipart ETags are not MD5s). */
function etagToMd5(etag: string): string | undefined {
  const m = /^"?([0-9a-fA-F]{32})"?$/.exec(etag);
  return m?.[1] ? Buffer.from(m[1], "hex").toString("base64") : undefined;
}

function describeNetworkError(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code ? `${code} ${cause.message}` : cause.message;
  }
  return String(cause);
}

/** The error to surface when a request carrying our (metered) stream failed. */
function rethrowStreamError(err: unknown, key: string, signal: AbortSignal | undefined): Error {
  if (signal?.aborted) return abortedError(key, signal);
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof StorageError && e.code !== "network") return e;
    e = e instanceof Error ? e.cause : undefined;
  }
  return err instanceof Error ? err : new Error(String(err));
}
