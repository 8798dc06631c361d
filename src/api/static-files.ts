/**
 * `GET /{path...}`: the files of the public folder (`--publicDir`, `pb_public` beside the data
 * folder by default; §1.11), as PocketBase's prebuilt binary serves them:
 *
 * - a folder answers its `index.html`; a folder asked without its trailing slash gets a 301 to
 *   it, and `…/index.html` a 301 to its folder;
 * - with `--indexFallback` (on by default) a missing file answers the root `index.html`, so a
 *   single-page app can route on the client; without it, PocketBase's 404;
 * - Content-Type by extension (Go's table, charset on text types), sniffed otherwise;
 *   `Last-Modified`, a weak `ETag`, conditional requests and single ranges (`http-file.ts`);
 * - `/api/…` and `/_/…` are never answered from here (their 404 stays an API 404), and no
 *   request reaches outside the folder: `..` segments, NUL bytes and backslashes are refused and
 *   the resolved real path (symlinks followed) must stay inside it.
 */
import { createReadStream } from "node:fs";
import { open, realpath, stat } from "node:fs/promises";
import { join, sep } from "node:path";
import { Readable } from "node:stream";
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import { evaluatePreconditions, httpDate, parseRange } from "../files/http-file.ts";
import { detectMime, lastExtension } from "../files/mime.ts";
import type { ApiEnv } from "./env.ts";
import { notFound } from "./errors.ts";

/** Go's built-in extension table (mime.TypeByExtension) plus common web types of mime.types. */
const CONTENT_TYPES: { readonly [ext: string]: string } = {
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
  ".ico": "image/vnd.microsoft.icon",
  ".map": "application/json",
  ".webmanifest": "application/manifest+json",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".ttf": "font/ttf",
  ".otf": "font/otf",
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".mp3": "audio/mpeg",
  ".ogg": "audio/ogg",
  ".wav": "audio/wav",
  ".zip": "application/zip",
};

/** The request path's segments, decoded; null when unusable or trying to leave the folder. */
function safeSegments(rawPath: string): string[] | null {
  const segments: string[] = [];
  for (const raw of rawPath.split("/")) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return null;
    }
    if (segment.includes("\0") || segment.includes("\\") || segment.includes("/")) return null;
    if (segment === "..") return null;
    if (segment === "" || segment === ".") continue;
    segments.push(segment);
  }
  return segments;
}

async function contentType(path: string, name: string): Promise<string> {
  const known = CONTENT_TYPES[lastExtension(name).toLowerCase()];
  if (known) return known;
  const handle = await open(path, "r");
  try {
    const head = new Uint8Array(3072);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return (await detectMime(head.subarray(0, bytesRead))).mime;
  } finally {
    await handle.close();
  }
}

function redirect(c: Context<ApiEnv>, location: string): Response {
  const search = new URL(c.req.url).search;
  return new Response(null, { status: 301, headers: { location: location + search } });
}

/** Registers the catch-all static route; bind it after every other route. */
export function bindStaticFiles(router: Router<ApiEnv>, publicDir: string, indexFallback: boolean): void {
  let root: string | null | undefined;
  const rootDir = async () => (root ??= await realpath(publicDir).catch(() => null));

  /** The real path of `segments` inside the folder with its stats, or null. */
  const resolveFile = async (segments: string[]) => {
    const base = await rootDir();
    if (!base) return null;
    try {
      const real = await realpath(join(base, ...segments));
      if (real !== base && !real.startsWith(base + sep)) return null;
      return { path: real, stats: await stat(real) };
    } catch {
      return null;
    }
  };

  const serve = async (c: Context<ApiEnv>, path: string, name: string, size: number, mtime: Date) => {
    const etag = `W/"${size.toString(16)}-${Math.floor(mtime.getTime()).toString(16)}"`;
    const headers = new Headers({
      "Content-Type": await contentType(path, name),
      "Accept-Ranges": "bytes",
      ETag: etag,
    });
    const lastModified = httpDate(mtime);
    if (lastModified) headers.set("Last-Modified", lastModified);
    const pre = evaluatePreconditions(
      { method: c.req.method, headers: c.req.raw.headers },
      { etag, modified: mtime },
    );
    if (pre.status === 304) {
      headers.delete("Content-Type");
      return new Response(null, { status: 304, headers });
    }
    if (pre.status === 412) return new Response(null, { status: 412, headers });
    const range = parseRange(pre.range, size);
    if (range.kind === "unsatisfiable") {
      const text = range.message + "\n";
      const h = new Headers({ "Content-Type": "text/plain; charset=utf-8" });
      if (range.contentRange) h.set("Content-Range", range.contentRange);
      return new Response(text, { status: 416, headers: h });
    }
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range.kind === "range") {
      ({ start, end } = range);
      status = 206;
      headers.set("Content-Range", range.contentRange);
    }
    headers.set("Content-Length", String(Math.max(0, end - start + 1)));
    if (c.req.method === "HEAD" || size === 0) return new Response(null, { status, headers });
    const body = Readable.toWeb(createReadStream(path, { start, end })) as ReadableStream<Uint8Array>;
    return new Response(body, { status, headers });
  };

  router.get("*", async (c) => {
    const path = c.req.path;
    if (path === "/api" || path.startsWith("/api/") || path === "/_" || path.startsWith("/_/"))
      throw notFound();
    const segments = safeSegments(path);
    if (!segments) throw notFound();
    const last = segments[segments.length - 1];
    if (last === "index.html" && path.endsWith("/index.html")) {
      return redirect(c, path.slice(0, -"index.html".length));
    }
    let found = await resolveFile(segments);
    let name = last ?? "index.html";
    if (found?.stats.isDirectory()) {
      if (!path.endsWith("/")) return redirect(c, `${path}/`);
      found = await resolveFile([...segments, "index.html"]);
      name = "index.html";
    }
    if ((!found || !found.stats.isFile()) && indexFallback) {
      found = await resolveFile(["index.html"]);
      name = "index.html";
    }
    if (!found?.stats.isFile()) throw notFound();
    return serve(c, found.path, name, found.stats.size, found.stats.mtime);
  });
}
