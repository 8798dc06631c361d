/**
 * What the dashboard and its extensions share when serving files: the content types by file
 * extension, and the mapping of a request path to a relative file path that cannot climb out.
 */
import { posix } from "node:path";

/** Content types by file extension (anything else is application/octet-stream). */
export const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".webp": "image/webp",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
  ".wasm": "application/wasm",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".map": "application/json",
};

/** The relative file path of a request path, or null for paths that climb out of the build. */
export function resolveAsset(rest: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rest);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const normalized = posix.normalize("/" + decoded).slice(1);
  if (normalized.split("/").includes("..")) return null;
  return normalized === "" ? "index.html" : normalized;
}
