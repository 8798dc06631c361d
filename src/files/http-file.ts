/**
 * Framework-free pieces of the file-serving endpoint (`GET|HEAD /api/files/...`), following what
 * PocketBase does through Go's `http.ServeContent`: the headers PocketBase adds, conditional
 * requests (If-Match, If-Unmodified-Since, If-None-Match, If-Modified-Since, If-Range) and one
 * byte range per response.
 *
 *   const attrs = await storage.attributes(key);
 *   const plan = planFileResponse({ method, headers: req.headers, download }, { name, ...attrs });
 *   if (plan.range !== undefined && plan.status < 300 && method === "GET") {
 *     const { body } = await storage.read(key, plan.range);   // then respond(plan.status, plan.headers, body)
 *   }
 */
import { isInlineContentType, servedContentType } from "./mime.ts";

/** The Content-Security-Policy PocketBase sends with every file. */
export const FILE_CSP = "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox";
/** Cache for 30 days, reusable for a day while revalidating. */
export const FILE_CACHE_CONTROL = "max-age=2592000, stale-while-revalidate=86400";

/** Anything headers can be read from: web `Headers` or a plain (node-style) object. */
export type HeaderSource =
  | { get(name: string): string | null | undefined }
  | Readonly<Record<string, string | readonly string[] | undefined>>;

function header(source: HeaderSource, name: string): string {
  if (typeof (source as { get?: unknown }).get === "function") {
    return (source as { get(name: string): string | null | undefined }).get(name) ?? "";
  }
  const record = source as Readonly<Record<string, string | readonly string[] | undefined>>;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(record)) {
    if (k.toLowerCase() !== lower || v === undefined) continue;
    return typeof v === "string" ? v : v.join(", ");
  }
  return "";
}

// ---------------------------------------------------------------------------------------------
// Range

export type RangeParse =
  /** No usable Range header: send the whole file (multi-range requests land here too). */
  | { kind: "none" }
  /** One satisfiable range: a 206 with these inclusive bounds. */
  | { kind: "range"; start: number; end: number; length: number; contentRange: string }
  /** 416: malformed, or no overlap with the content (then `contentRange` is `bytes *\/size`). */
  | { kind: "unsatisfiable"; message: string; contentRange?: string };

const INVALID_RANGE: RangeParse = { kind: "unsatisfiable", message: "invalid range" };

function parseNonNegative(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * Parses a `Range` header against a size the way Go's http.ServeContent does for one range:
 * `bytes=a-b`, `bytes=a-`, `bytes=-n` (last n bytes). Malformed → 416 "invalid range"; starting
 * past the end → 416 with `Content-Range: bytes *\/size`; an empty file ignores ranges; several
 * ranges are not supported and the whole file is sent (allowed by RFC 9110).
 */
export function parseRange(value: string | null | undefined, size: number): RangeParse {
  if (!value) return { kind: "none" };
  if (!value.startsWith("bytes=")) return INVALID_RANGE;
  const parts = value
    .slice("bytes=".length)
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const ranges: { start: number; length: number }[] = [];
  let noOverlap = false;
  for (const part of parts) {
    const dash = part.indexOf("-");
    if (dash < 0) return INVALID_RANGE;
    const startText = part.slice(0, dash).trim();
    const endText = part.slice(dash + 1).trim();
    if (startText === "") {
      // suffix range: the last n bytes
      const n = parseNonNegative(endText);
      if (n === null) return INVALID_RANGE;
      if (n === 0) {
        noOverlap = true;
        continue;
      }
      const start = size - Math.min(n, size);
      ranges.push({ start, length: size - start });
      continue;
    }
    const start = parseNonNegative(startText);
    if (start === null) return INVALID_RANGE;
    if (start >= size) {
      noOverlap = true;
      continue;
    }
    if (endText === "") {
      ranges.push({ start, length: size - start });
      continue;
    }
    const end = parseNonNegative(endText);
    if (end === null || start > end) return INVALID_RANGE;
    ranges.push({ start, length: Math.min(end, size - 1) - start + 1 });
  }
  if (ranges.length === 0) {
    if (parts.length === 0) return { kind: "none" }; // "bytes=" asks for nothing in particular
    if (noOverlap) {
      if (size === 0) return { kind: "none" }; // Go: an empty file answers 200, not 416
      return {
        kind: "unsatisfiable",
        message: "invalid range: failed to overlap",
        contentRange: `bytes */${size}`,
      };
    }
    return INVALID_RANGE;
  }
  const total = ranges.reduce((n, r) => n + r.length, 0);
  const [only] = ranges;
  if (ranges.length > 1 || total > size || !only || only.length === 0) return { kind: "none" };
  const end = only.start + only.length - 1;
  return {
    kind: "range",
    start: only.start,
    end,
    length: only.length,
    contentRange: `bytes ${only.start}-${end}/${size}`,
  };
}

// ---------------------------------------------------------------------------------------------
// Conditional requests

/** HTTP-date of a time, at second precision ("" for the zero/epoch time, which Go omits). */
export function httpDate(date: Date | undefined): string {
  if (!date || !Number.isFinite(date.getTime()) || date.getTime() <= 0) return "";
  return date.toUTCString();
}

/** Seconds since the epoch, truncated (Go compares modification times at second precision). */
function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function parseHttpDate(value: string): number | null {
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : null;
}

/** The entity tags of an If-Match / If-None-Match list (`*` kept as is). */
function etagList(value: string): string[] {
  const out: string[] = [];
  const re = /\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null && m[0] !== "") out.push(m[1] ?? "");
  return out;
}

function opaque(etag: string): string {
  return etag.startsWith("W/") ? etag.slice(2) : etag;
}

function strongMatch(a: string, b: string): boolean {
  return a !== "" && a === b && !a.startsWith("W/");
}

function weakMatch(a: string, b: string): boolean {
  return a !== "" && b !== "" && opaque(a) === opaque(b);
}

export interface PreconditionInput {
  method: string;
  headers: HeaderSource;
}

export interface Validators {
  /** The ETag sent with the file (PocketBase sends none; `*` still matches). */
  etag?: string | undefined;
  modified?: Date | undefined;
}

/**
 * Evaluates the conditional headers as Go's checkPreconditions does. Returns the status to stop
 * with (304 or 412), or null to go on, and the Range header still in force (If-Range may cancel it).
 */
export function evaluatePreconditions(
  req: PreconditionInput,
  validators: Validators,
): { status: 304 | 412 | null; range: string } {
  const method = req.method.toUpperCase();
  const getOrHead = method === "GET" || method === "HEAD";
  const etag = validators.etag ?? "";
  const modified =
    validators.modified && httpDate(validators.modified) !== "" ? validators.modified : undefined;

  // If-Match, else If-Unmodified-Since → 412
  const ifMatch = header(req.headers, "If-Match");
  let precondition: boolean | null = null;
  if (ifMatch !== "") {
    precondition = etagList(ifMatch).some((t) => t === "*" || strongMatch(t, etag));
  } else {
    const ius = header(req.headers, "If-Unmodified-Since");
    const t = ius && modified ? parseHttpDate(ius) : null;
    if (t !== null && modified) precondition = seconds(modified) <= t;
  }
  if (precondition === false) return { status: 412, range: "" };

  // If-None-Match, else If-Modified-Since → 304 (412 for other methods)
  const ifNoneMatch = header(req.headers, "If-None-Match");
  if (ifNoneMatch !== "") {
    const matched = etagList(ifNoneMatch).some((t) => t === "*" || weakMatch(t, etag));
    if (matched) return { status: getOrHead ? 304 : 412, range: "" };
  } else if (getOrHead && modified) {
    const ims = header(req.headers, "If-Modified-Since");
    const t = ims ? parseHttpDate(ims) : null;
    if (t !== null && seconds(modified) <= t) return { status: 304, range: "" };
  }

  // If-Range: a stale validator means "send everything"
  let range = header(req.headers, "Range");
  const ifRange = header(req.headers, "If-Range");
  if (range !== "" && getOrHead && ifRange !== "") {
    let fresh: boolean;
    if (ifRange.startsWith('"') || ifRange.startsWith("W/")) fresh = strongMatch(ifRange.trim(), etag);
    else {
      const t = parseHttpDate(ifRange);
      fresh = t !== null && modified !== undefined && seconds(modified) === t;
    }
    if (!fresh) range = "";
  }
  return { status: null, range };
}

// ---------------------------------------------------------------------------------------------
// Headers

/** Go's strconv.ParseBool, as used for the `download` query parameter (invalid → false). */
export function parseDownloadParam(raw: string | null | undefined): boolean {
  return raw === "1" || raw === "t" || raw === "T" || raw === "true" || raw === "TRUE" || raw === "True";
}

const TOKEN_NAME = /^[A-Za-z0-9!#$&+.^_`|~-]+$/;

/**
 * `inline; filename=name` / `attachment; filename=name`. Stored names are plain tokens and are sent
 * bare, as PocketBase does; anything else is quoted (control characters dropped) with an RFC 5987
 * `filename*` for non-ASCII names.
 */
export function contentDisposition(disposition: "inline" | "attachment", name: string): string {
  if (TOKEN_NAME.test(name)) return `${disposition}; filename=${name}`;
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, "");
  const ascii = clean.replace(/[^\u0020-\u007e]/g, "_").replace(/["\\]/g, "\\$&");
  let value = `${disposition}; filename="${ascii}"`;
  if (/[^\u0020-\u007e]/.test(clean)) {
    const encoded = encodeURIComponent(clean).replace(
      /['()*]/g,
      (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase(),
    );
    value += `; filename*=UTF-8''${encoded}`;
  }
  return value;
}

export interface FileHeaderInput {
  /** The served name (the stored file name, or `<size>_<file>` for a thumb). */
  name: string;
  /** The stored Content-Type. */
  contentType: string;
  /** The `download` query parameter was truthy. */
  download?: boolean | undefined;
  modified?: Date | undefined;
  /** Sent as the ETag header when given (PocketBase itself sends none). */
  etag?: string | undefined;
}

/**
 * The headers PocketBase puts on a served file: Content-Type (with the extension overrides),
 * Content-Disposition (inline only for safe types and without `download`), the sandboxing CSP,
 * Cache-Control, Accept-Ranges, Last-Modified and, when given, ETag.
 */
export function fileHeaders(input: FileHeaderInput): Record<string, string> {
  const inline = !input.download && isInlineContentType(input.contentType);
  const headers: Record<string, string> = {
    "Content-Disposition": contentDisposition(inline ? "inline" : "attachment", input.name),
    "Content-Type": servedContentType(input.contentType, input.name),
    "Content-Security-Policy": FILE_CSP,
    "Cache-Control": FILE_CACHE_CONTROL,
    "Accept-Ranges": "bytes",
  };
  const lastModified = httpDate(input.modified);
  if (lastModified) headers["Last-Modified"] = lastModified;
  if (input.etag) headers["ETag"] = input.etag;
  return headers;
}

// ---------------------------------------------------------------------------------------------
// The whole decision

export interface FileRequest extends PreconditionInput {
  /** The `download` query parameter was truthy (see `parseDownloadParam`). */
  download?: boolean | undefined;
}

export interface FileInfo extends FileHeaderInput {
  size: number;
}

export interface FilePlan {
  status: 200 | 206 | 304 | 412 | 416;
  headers: Record<string, string>;
  /** The inclusive byte range to send (200/206 only; absent for an empty file). */
  range?: { start: number; end: number };
  /** A plain-text body for 416 (Go's message); 304/412 have none; 200/206 send the file. */
  text?: string;
}

/**
 * Decides a file response: the status, every header and what to send. HEAD gets the same
 * headers as GET (send no body for it).
 */
export function planFileResponse(req: FileRequest, file: FileInfo): FilePlan {
  const headers = fileHeaders({ ...file, download: req.download });
  const pre = evaluatePreconditions(req, { etag: file.etag, modified: file.modified });
  if (pre.status === 304) {
    delete headers["Content-Type"];
    if (headers["ETag"]) delete headers["Last-Modified"];
    return { status: 304, headers };
  }
  if (pre.status === 412) return { status: 412, headers };

  const parsed = parseRange(pre.range, file.size);
  if (parsed.kind === "unsatisfiable") {
    const errorHeaders: Record<string, string> = {
      "Content-Type": "text/plain; charset=utf-8",
      "X-Content-Type-Options": "nosniff",
      "Content-Security-Policy": FILE_CSP,
    };
    if (parsed.contentRange) errorHeaders["Content-Range"] = parsed.contentRange;
    const text = parsed.message + "\n";
    errorHeaders["Content-Length"] = String(Buffer.byteLength(text));
    return { status: 416, headers: errorHeaders, text };
  }
  if (parsed.kind === "range") {
    headers["Content-Range"] = parsed.contentRange;
    headers["Content-Length"] = String(parsed.length);
    return { status: 206, headers, range: { start: parsed.start, end: parsed.end } };
  }
  headers["Content-Length"] = String(file.size);
  const plan: FilePlan = { status: 200, headers };
  if (file.size > 0) plan.range = { start: 0, end: file.size - 1 };
  return plan;
}
