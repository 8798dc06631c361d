/**
 * `e.fileFS(fsys, name)` of request events (jsvm-surface §4.1): a file of an `$os.dirFS(dir)`
 * filesystem as the response, as Go's `http.FileServerFS` picks it — a directory answers its
 * `index.html`, a missing file (or a name leaving the root) is a 404 "File not found.", the
 * type comes from the extension (Go's built-in table) or, failing that, from the content.
 */
import { readFileSync, statSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { str } from "../text.ts";

/** Go's `mime.TypeByExtension` built-in table. */
const TYPES: { [ext: string]: string } = {
  ".avif": "image/avif",
  ".css": "text/css; charset=utf-8",
  ".gif": "image/gif",
  ".htm": "text/html; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".jpeg": "image/jpeg",
  ".jpg": "image/jpeg",
  ".js": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".mjs": "text/javascript; charset=utf-8",
  ".pdf": "application/pdf",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".wasm": "application/wasm",
  ".webp": "image/webp",
  ".xml": "text/xml; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

/** Text without NUL bytes that decodes as UTF-8 is plain text (Go's sniffing, simplified). */
function sniff(bytes: Buffer): string {
  const head = bytes.subarray(0, 512);
  if (head.includes(0)) return "application/octet-stream";
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(head);
    return "text/plain; charset=utf-8";
  } catch {
    return "application/octet-stream";
  }
}

/** The file to answer with, or null when there is none (the caller answers 404). */
export function fileFromDirFS(fsys: unknown, name: unknown): { contentType: string; body: Buffer } | null {
  const dir = (fsys as { dir?: unknown } | null)?.dir;
  if (typeof dir !== "string") {
    throw new Error(
      "not supported in Satchel: e.fileFS() of this filesystem; use $os.dirFS(dir) or $apis.static(dir, indexFallback)",
    );
  }
  const root = resolve(dir);
  let path = resolve(root, str(name).replace(/^\/+/, ""));
  if (path !== root && !path.startsWith(root + sep)) return null;
  try {
    if (statSync(path).isDirectory()) path = join(path, "index.html");
    const body = readFileSync(path);
    return { contentType: TYPES[extname(path).toLowerCase()] ?? sniff(body), body };
  } catch {
    return null;
  }
}
