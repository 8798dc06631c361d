/**
 * Request body binding (§0): JSON, multipart and urlencoded forms into one plain object.
 * Form values are type-inferred like PocketBase (`"true"` → true, `"12"` → 12, repeated keys →
 * arrays) and a multipart `@jsonPayload` field is merged in as-is. Anything else is a 400.
 *
 * Multipart bodies are parsed as they stream in (busboy): text parts are kept in memory within
 * Go's bounds (at most 1000 parts, form values up to PocketBase's 32 MiB multipart memory plus
 * Go's 10 MiB for values), file parts are written to temp files (`uploads.ts`) and become `File`
 * values read lazily from disk. The request's body limit (§12.3) bounds everything: a body over
 * it is a 413, a malformed or truncated one a 400, and a failed parse leaves no temp file behind.
 */
import type { IncomingMessage } from "node:http";
import { Readable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import type busboy from "busboy";
import type { Context } from "./http/context.ts";
import { uploadBaseName } from "../files/file-names.ts";
import { jsonTooDeep } from "../tools/json.ts";
import { ApiError, badRequest } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { nodeExchange } from "./node-exchange.ts";
import { UploadSpool } from "./uploads.ts";

type Body = { [key: string]: unknown };

const INVALID_FORMAT = "Failed to load the submitted data due to invalid formatting.";

/** Go's multipart reader refuses forms of more than 1000 parts (`multipartmaxparts`). */
export const MAX_MULTIPART_PARTS = 1000;

/**
 * The bytes of a multipart body's form values (names and text parts) kept in memory: Go's
 * `ParseMultipartForm(maxMemory)` allows maxMemory (PocketBase's 32 MiB) + 10 MiB of values.
 * Beyond it the body is a 400. No smaller per-value bound: the SDK sends a record's whole
 * non-file data as one `@jsonPayload` part, and editor/json fields may hold several MiB.
 */
export const MAX_MULTIPART_TEXT_BYTES = (32 << 20) + (10 << 20);

/** Infers the type of a form value as PocketBase does. */
export function inferFormValue(raw: string): unknown {
  if (raw === "") return "";
  if (raw === "true") return true;
  if (raw === "false") return false;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) {
    const n = Number(raw);
    // Only when the shortest float formatting gives the input back (so "007" stays a string).
    if (Number.isFinite(n) && String(n) === raw) return n;
  }
  return raw;
}

/** Sets an own property, even for a key like `__proto__`. */
function setOwn(out: Body, key: string, value: unknown): void {
  Object.defineProperty(out, key, { value, writable: true, enumerable: true, configurable: true });
}

function addValue(out: Body, key: string, value: unknown): void {
  if (Object.hasOwn(out, key)) {
    const prev = out[key];
    out[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  } else setOwn(out, key, value);
}

/**
 * Reads and caches the body of a request; files of multipart bodies are `File` values backed by
 * temp files, which live until the request ends (`uploadsCleanup`).
 */
export async function readBody(c: Context<ApiEnv>): Promise<Body> {
  const cached = c.get("body");
  if (cached) return cached;
  // In-flight parses are shared, so concurrent `readBody` calls read the stream once.
  let pending = c.get("bodyParsing");
  if (!pending) {
    pending = parseBody(c);
    c.set("bodyParsing", pending);
  }
  const body = await pending;
  c.set("body", body);
  return body;
}

const invalidFormat = (): ApiError => badRequest(INVALID_FORMAT);

/** ApiErrors (the body limit's 413) pass through; anything else from reading the body is a 400. */
function readError(err: unknown): ApiError {
  return err instanceof ApiError ? err : invalidFormat();
}

/** Reads a whole (limited) body as text, keeping the stream's own ApiErrors. */
async function readText(stream: ReadableStream<Uint8Array>): Promise<string> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
  } catch (err) {
    throw readError(err);
  } finally {
    reader.releaseLock();
  }
  // a UTF-8 BOM is dropped and invalid sequences replaced, as Request.text() does
  return UTF8.decode(Buffer.concat(chunks));
}

/** One decoder for every body: `decode` without `stream` keeps no state between calls. */
const UTF8 = new TextDecoder();

/** Parses a JSON body's text (empty or `null`: no values; anything but an object: a 400). */
function jsonBody(text: string): Body {
  if (text.trim() === "") return {};
  let parsed: unknown;
  try {
    if (jsonTooDeep(text)) throw invalidFormat();
    parsed = JSON.parse(text);
  } catch {
    throw invalidFormat();
  }
  if (parsed === null) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw invalidFormat();
  return parsed as Body;
}

/**
 * A sized JSON or urlencoded body read straight from Node's message, when nothing else has
 * touched it: the platform's Request, its web stream and its abort signal cost more than the
 * parse of a small create (undefined: take the general path).
 */
function directBody(c: Context<ApiEnv>): Promise<Body> | undefined {
  const incoming = c.req.unreadIncoming();
  if (!incoming || incoming.headers["transfer-encoding"] !== undefined) return undefined;
  const type = (incoming.headers["content-type"] ?? "").toLowerCase();
  const json = type.startsWith("application/json");
  if (!json && !type.startsWith("application/x-www-form-urlencoded")) return undefined;
  return readIncoming(incoming).then((bytes) => {
    // a UTF-8 BOM is dropped and invalid sequences replaced, as Request.text() does
    const text = UTF8.decode(bytes);
    if (json) return jsonBody(text);
    return formBody([...new URLSearchParams(text)].map(([key, text]) => ({ key, text })));
  });
}

/** The whole body of a Node message (Node's parser stops at its Content-Length). */
function readIncoming(incoming: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const onData = (chunk: Buffer) => chunks.push(chunk);
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    };
    // A client gone before the end (`aborted`, a reset) is a truncated body: a 400, as on the
    // general path.
    const onFail = () => {
      cleanup();
      reject(invalidFormat());
    };
    const cleanup = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onFail);
      incoming.off("close", onFail);
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onFail);
    incoming.on("close", onFail);
  });
}

async function parseBody(c: Context<ApiEnv>): Promise<Body> {
  // No Content-Length and no Transfer-Encoding: HTTP/1.1 says there is no body (Go binds nothing).
  // Checked on Node's headers first, so a bodiless POST (auth refresh) builds no WHATWG Request.
  const incoming = nodeExchange(c)?.req.headers;
  if (incoming && incoming["transfer-encoding"] === undefined && !Number(incoming["content-length"]))
    return {};
  const direct = incoming ? directBody(c) : undefined;
  if (direct) return direct;
  const req = c.req.raw;
  if (req.headers.get("content-length") === "0" || !req.body) return {};
  const rawType = req.headers.get("content-type") ?? "";
  const type = rawType.toLowerCase();
  if (type.startsWith("application/json")) return jsonBody(await readText(req.body));
  if (type.startsWith("multipart/form-data")) {
    return formBody(await parseMultipart(c, req.body, rawType));
  }
  if (type.startsWith("application/x-www-form-urlencoded")) {
    const params = new URLSearchParams(await readText(req.body));
    return formBody([...params].map(([key, text]) => ({ key, text })));
  }
  throw badRequest("Unsupported Content-Type.");
}

/** One form value in body order: a text value, or an uploaded file. */
interface FormEntry {
  key: string;
  text?: string;
  file?: File;
}

/**
 * Binds form values: texts type-inferred, repeated keys as arrays, `@jsonPayload` merged. The
 * official SDK sends one `@jsonPayload` part per object-valued field, so every part is merged.
 */
function formBody(entries: readonly FormEntry[]): Body {
  const out: Body = {};
  const payloads: unknown[] = [];
  for (const { key, text, file } of entries) {
    if (file) {
      addValue(out, key, file);
      continue;
    }
    const value = text ?? "";
    if (key === "@jsonPayload") {
      try {
        if (jsonTooDeep(value)) throw invalidFormat();
        payloads.push(JSON.parse(value));
      } catch {
        throw invalidFormat();
      }
      continue;
    }
    addValue(out, key, inferFormValue(value));
  }
  for (const payload of payloads) {
    if (payload && typeof payload === "object" && !Array.isArray(payload)) {
      for (const [key, value] of Object.entries(payload)) {
        // A key set by both the payload and file parts keeps both, the payload's names first
        // (PocketBase: kept files listed in the payload plus new uploads of the same field).
        const files = fileValues(out[key]);
        setOwn(out, key, files.length > 0 ? [...payloadItems(value), ...files] : value);
      }
    }
  }
  return out;
}

/** The uploaded files bound to a key (one File or a list of values). */
function fileValues(value: unknown): File[] {
  if (value instanceof File) return [value];
  return Array.isArray(value) ? value.filter((item): item is File => item instanceof File) : [];
}

/** A payload value as a list of items: `null`/`""` are none, a scalar is one. */
function payloadItems(value: unknown): unknown[] {
  if (value === null || value === undefined || value === "") return [];
  return Array.isArray(value) ? value : [value];
}

/** Whether an error comes from the filesystem (a temp file write), not from the body. */
function isSystemError(err: unknown): boolean {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === "string";
}

/**
 * Parses a multipart body from its stream: text parts into entries, file parts into temp files.
 * On any failure the temp files are removed before the error is thrown.
 */
async function parseMultipart(
  c: Context<ApiEnv>,
  body: ReadableStream<Uint8Array>,
  contentType: string,
): Promise<FormEntry[]> {
  // busboy is loaded on the first multipart body: a server that never gets one never loads it.
  const { default: createParser } = await import("busboy");
  let parser: busboy.Busboy;
  try {
    parser = createParser({
      headers: { "content-type": contentType },
      // the raw file name: its base name is taken as Go does (`uploadBaseName`)
      preservePath: true,
      defParamCharset: "utf8",
      limits: { fieldSize: MAX_MULTIPART_TEXT_BYTES + 1 },
    });
  } catch {
    throw invalidFormat(); // no boundary
  }
  const spool = new UploadSpool();
  c.set("uploads", spool);

  const entries: FormEntry[] = [];
  /** The writes of file parts (and reads of nameless octet-stream parts), settled on error too. */
  const parts: Promise<void>[] = [];
  let count = 0;
  let textBytes = 0;
  let failure: unknown;
  const fail = (err: unknown): void => {
    failure ??= err;
    parser.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  const countPart = (): boolean => {
    if (++count <= MAX_MULTIPART_PARTS) return true;
    fail(invalidFormat());
    return false;
  };
  const takeText = (bytes: number): boolean => {
    textBytes += bytes;
    if (textBytes <= MAX_MULTIPART_TEXT_BYTES) return true;
    fail(invalidFormat());
    return false;
  };

  parser.on("field", (name: string | undefined, value: string, info: busboy.FieldInfo) => {
    if (!countPart()) return;
    if (info.valueTruncated) return fail(invalidFormat());
    if (!takeText(Buffer.byteLength(value) + Buffer.byteLength(name ?? ""))) return;
    if (name) entries.push({ key: name, text: value }); // Go skips parts without a name
  });

  // errors reach us through the pipeline (and a destroyed parser may still emit one after it)
  parser.on("error", () => {});
  /** Every file part's stream, to end the ones a failed parse leaves open. */
  const fileStreams: Readable[] = [];
  parser.on("file", (name: string | undefined, stream: Readable, info: busboy.FileInfo) => {
    // a file stream is destroyed with the parser's error: always listened to
    stream.on("error", () => {});
    fileStreams.push(stream);
    if (!countPart() || !name) {
      stream.resume();
      return;
    }
    if (!takeText(Buffer.byteLength(name))) return;
    const entry: FormEntry = { key: name };
    entries.push(entry);
    if (info.filename === undefined) {
      // an application/octet-stream part without a file name is a form value in Go
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => {
        if (takeText(chunk.length)) chunks.push(chunk);
      });
      parts.push(
        finished(stream).then(
          () => {
            entry.text = Buffer.concat(chunks).toString("utf8");
          },
          (err: unknown) => fail(err),
        ),
      );
      return;
    }
    const filename = uploadBaseName(info.filename);
    let temp: ReturnType<UploadSpool["createFile"]>;
    try {
      temp = spool.createFile();
    } catch (err) {
      stream.resume();
      return fail(err);
    }
    parts.push(
      pipeline(stream, temp.stream)
        .then(async () => {
          entry.file = await spool.toFile(temp.path, filename, info.mimeType);
        })
        .catch((err: unknown) => fail(err)),
    );
  });

  // the body's own error (the 413, a client gone): told apart from temp-file failures below
  const source = Readable.fromWeb(body as NodeReadableStream<Uint8Array>);
  let sourceError: unknown;
  source.on("error", (err) => {
    sourceError ??= err;
  });
  let error: unknown;
  try {
    await spool.open();
    await pipeline(source, parser);
  } catch (err) {
    error = err;
    // Some parse errors (e.g. a malformed part header) leave earlier file parts' streams open:
    // end them, or the writes of those parts would wait for data forever.
    const reason = err instanceof Error ? err : new Error(String(err));
    for (const stream of fileStreams) if (!stream.readableEnded && !stream.destroyed) stream.destroy(reason);
  }
  await Promise.all(parts);
  error = failure ?? error;
  if (error === undefined) return entries;

  await spool.dispose().catch((err: unknown) => {
    console.error("Failed to remove the upload temp files:", err);
  });
  if (error instanceof ApiError) throw error;
  // a failed temp-file write (disk full…) is ours; a read error of the body is the client's
  if (error !== sourceError && isSystemError(error)) throw new ApiError(500, "", {}, error);
  throw invalidFormat();
}
