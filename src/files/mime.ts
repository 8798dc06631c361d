/**
 * Content sniffing and PocketBase's rules for serving uploaded files.
 *
 * PocketBase detects types with Go's `gabriel-vasile/mimetype` (first 3072 bytes). We use
 * `file-type` for binary formats, renamed where the two libraries name a type differently, plus
 * our own text detection for what `file-type` leaves out (plain text, HTML, SVG, XML, JSON), with
 * mimetype's spelling (`text/plain; charset=utf-8`, `image/svg+xml`, ...).
 */
import { DEFAULT_CONTENT_TYPE } from "./storage.ts";
import { peekStream } from "./stream-util.ts";
import type * as FileTypeModule from "file-type";

// file-type is loaded with the first upload it has to sniff, not at startup.
let fileTypeModule: Promise<typeof FileTypeModule> | undefined;
const loadFileType = (): Promise<typeof FileTypeModule> => (fileTypeModule ??= import("file-type"));

/** How many leading bytes are sniffed (mimetype's default read limit). */
export const SNIFF_BYTES = 3072;

/** A detected type: its MIME (possibly with a charset parameter) and usual extension. */
export interface DetectedType {
  mime: string;
  /** With the leading dot (`.png`), or "" when unknown. */
  ext: string;
}

const OCTET_STREAM: DetectedType = { mime: DEFAULT_CONTENT_TYPE, ext: "" };

/** file-type's names → mimetype's names, where they differ. */
const FILE_TYPE_RENAMES: Record<string, DetectedType> = {
  "image/apng": { mime: "image/vnd.mozilla.apng", ext: ".png" },
  "video/vnd.avi": { mime: "video/x-msvideo", ext: ".avi" },
  "application/vnd.ms-asf": { mime: "video/x-ms-asf", ext: ".asf" },
  "application/x-sqlite3": { mime: "application/vnd.sqlite3", ext: ".sqlite" },
  "application/x-msdownload": { mime: "application/vnd.microsoft.portable-executable", ext: ".exe" },
};

/** Detects the type of content from its first bytes (pass at least `SNIFF_BYTES` when available). */
export async function detectMime(head: Uint8Array): Promise<DetectedType> {
  if (head.byteLength === 0) return { mime: "text/plain", ext: ".txt" };
  const bytes = head.byteLength > SNIFF_BYTES ? head.subarray(0, SNIFF_BYTES) : head;
  let found: { mime: string; ext: string } | undefined;
  try {
    found = await (await loadFileType()).fileTypeFromBuffer(bytes);
  } catch {
    found = undefined;
  }
  if (found && found.mime !== "application/xml") {
    return FILE_TYPE_RENAMES[found.mime] ?? { mime: found.mime, ext: `.${found.ext}` };
  }
  return detectText(bytes) ?? OCTET_STREAM;
}

/**
 * Sniffs a stream: returns its detected type and a stream that still yields all of its bytes
 * (the original must not be used afterwards).
 */
export async function detectStreamMime(
  stream: ReadableStream<Uint8Array>,
): Promise<{ type: DetectedType; stream: ReadableStream<Uint8Array> }> {
  const peeked = await peekStream(stream, SNIFF_BYTES);
  return { type: await detectMime(peeked.head), stream: peeked.stream };
}

// ---------------------------------------------------------------------------------------------
// Text detection

/** WHATWG "binary data bytes": their presence means the content is not text. */
function hasBinaryBytes(bytes: Uint8Array): boolean {
  for (const b of bytes) {
    if (b <= 0x08 || b === 0x0b || (b >= 0x0e && b <= 0x1a) || (b >= 0x1c && b <= 0x1f)) return true;
  }
  return false;
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Decodes UTF-8, tolerating a multi-byte sequence cut off at the end; null when invalid. */
function decodeUtf8(bytes: Uint8Array): string | null {
  for (let cut = 0; cut <= 3 && cut < bytes.byteLength; cut++) {
    try {
      return utf8Decoder.decode(bytes.subarray(0, bytes.byteLength - cut));
    } catch {
      // maybe a truncated trailing sequence: retry without the last byte(s)
    }
  }
  return null;
}

const HTML_TAGS = [
  "<!doctype html",
  "<html",
  "<head",
  "<script",
  "<iframe",
  "<h1",
  "<div",
  "<font",
  "<table",
  "<a",
  "<style",
  "<title",
  "<b",
  "<body",
  "<br",
  "<p",
  "<!--",
];

function looksLikeHtml(text: string): boolean {
  const lower = text.trimStart().slice(0, 64).toLowerCase();
  for (const tag of HTML_TAGS) {
    if (!lower.startsWith(tag)) continue;
    const next = lower.charAt(tag.length);
    if (tag === "<!--" || next === " " || next === ">" || next === "\t" || next === "\n" || next === "\r") {
      return true;
    }
  }
  return false;
}

function looksLikeSvg(text: string): boolean {
  const t = text.trimStart();
  if (/^<svg[\s>]/i.test(t)) return true;
  return (/^<\?xml/i.test(t) || /^<!doctype svg/i.test(t) || t.startsWith("<!--")) && /<svg[\s>]/i.test(t);
}

function looksLikeJson(text: string): boolean {
  const t = text.trim();
  if (!(t.startsWith("{") || t.startsWith("["))) return false;
  try {
    JSON.parse(t);
    return true;
  } catch {
    // a long document cut at the sniff limit still counts when what we saw is well formed so far
    return text.length >= SNIFF_BYTES - 3 && isJsonPrefix(t);
  }
}

/** Whether `text` could be the beginning of a JSON document (brackets and strings balanced so far). */
function isJsonPrefix(text: string): boolean {
  const stack: string[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") stack.push(c);
    else if (c === "}" || c === "]") {
      const open = stack.pop();
      if ((c === "}" && open !== "{") || (c === "]" && open !== "[")) return false;
    } else if (!/[\s,:0-9a-zA-Z.+-]/.test(c ?? "")) return false;
  }
  return true;
}

function detectText(bytes: Uint8Array): DetectedType | null {
  const hasUtf16Bom = (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
  if (hasUtf16Bom) {
    const le = bytes[0] === 0xff;
    return { mime: `text/plain; charset=utf-16${le ? "le" : "be"}`, ext: ".txt" };
  }
  if (hasBinaryBytes(bytes)) return null;
  const text = decodeUtf8(bytes);
  if (text === null) return { mime: "text/plain; charset=iso-8859-1", ext: ".txt" };
  if (looksLikeHtml(text)) return { mime: "text/html; charset=utf-8", ext: ".html" };
  if (looksLikeSvg(text)) return { mime: "image/svg+xml", ext: ".svg" };
  if (/^\s*<\?xml/i.test(text)) return { mime: "text/xml; charset=utf-8", ext: ".xml" };
  if (looksLikeJson(text)) return { mime: "application/json", ext: ".json" };
  return { mime: "text/plain; charset=utf-8", ext: ".txt" };
}

// ---------------------------------------------------------------------------------------------
// The mimeTypes field option

/** Other names a detected type answers to (mimetype's aliases for common types). */
const MIME_ALIASES: Record<string, readonly string[]> = {
  "application/zip": ["application/x-zip", "application/x-zip-compressed"],
  "application/pdf": ["application/x-pdf"],
  "application/gzip": [
    "application/x-gzip",
    "application/x-gunzip",
    "application/gzipped",
    "application/gzip-compressed",
    "application/x-gzip-compressed",
    "gzip/document",
  ],
  "application/x-rar-compressed": ["application/x-rar"],
  "audio/mpeg": ["audio/x-mpeg", "audio/mp3"],
  "audio/wav": ["audio/x-wav", "audio/vnd.wave", "audio/wave"],
  "audio/aiff": ["audio/x-aiff"],
  "audio/midi": ["audio/mid", "audio/sp-midi", "audio/x-mid", "audio/x-midi"],
  "audio/flac": ["audio/x-flac"],
  "image/bmp": ["image/x-bmp", "image/x-ms-bmp"],
  "image/x-icon": ["image/vnd.microsoft.icon"],
  "video/x-msvideo": ["video/avi", "video/msvideo"],
  "text/xml": ["application/xml"],
  "application/javascript": ["application/x-javascript", "text/javascript"],
  "application/vnd.ms-excel": ["application/msexcel"],
  "application/msword": ["application/vnd.ms-word"],
};

/** The media type without parameters, lower-cased (`text/plain; charset=utf-8` → `text/plain`). */
export function baseMediaType(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/**
 * Whether a detected type satisfies one of a file field's `mimeTypes` (as mimetype's `Is`:
 * parameters ignored, aliases accepted, no wildcard). An empty list accepts nothing: callers skip
 * the check when the field has no `mimeTypes`.
 */
export function mimeTypeAllowed(detected: string, allowed: readonly string[]): boolean {
  const base = baseMediaType(detected);
  const names = [base, ...(MIME_ALIASES[base] ?? [])];
  return allowed.some((a) => names.includes(baseMediaType(a)));
}

// ---------------------------------------------------------------------------------------------
// Serving

/** Types PocketBase serves with `Content-Disposition: inline` (exact, parameterless match). */
export const INLINE_CONTENT_TYPES: readonly string[] = [
  // image
  "image/png",
  "image/jpg",
  "image/jpeg",
  "image/gif",
  "image/webp",
  "image/x-icon",
  "image/bmp",
  // video
  "video/webm",
  "video/mp4",
  "video/3gpp",
  "video/quicktime",
  "video/x-ms-wmv",
  // audio
  "audio/basic",
  "audio/aiff",
  "audio/mpeg",
  "audio/midi",
  "audio/mp3",
  "audio/wave",
  "audio/wav",
  "audio/x-wav",
  "audio/x-mpeg",
  "audio/x-m4a",
  "audio/aac",
  // document
  "application/pdf",
  "application/x-pdf",
];

/** Whether a stored content type may be displayed inline (never SVG, HTML or other active types). */
export function isInlineContentType(contentType: string): boolean {
  return INLINE_CONTENT_TYPES.includes(contentType);
}

/** Content types forced by the served name's extension (case-sensitive, like Go's filepath.Ext). */
export const EXTENSION_CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".svg": "image/svg+xml",
  ".css": "text/css",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
};

/** The last `.ext` of a name ("" when none), like Go's `filepath.Ext`. */
export function lastExtension(name: string): string {
  const dot = name.lastIndexOf(".");
  if (dot < 0 || name.indexOf("/", dot) >= 0) return "";
  return name.slice(dot);
}

/** The Content-Type to serve a stored object with: the stored one unless the name forces one. */
export function servedContentType(storedContentType: string, name: string): string {
  return EXTENSION_CONTENT_TYPES[lastExtension(name)] ?? (storedContentType || DEFAULT_CONTENT_TYPE);
}
