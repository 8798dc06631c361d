/**
 * The admin dashboard at `/_/`: serves the built single-page app from `ui/dist` (made by
 * `npm run build:ui`). Hashed assets are cached for a year, `index.html` is revalidated on every
 * load, and files precompressed at build time (`.br`, `.gz` beside each asset) are chosen by the
 * request's Accept-Encoding. Every URL the app uses is relative, so it also works under a path
 * prefix behind a reverse proxy.
 */
import { createHash } from "node:crypto";
import { extname } from "node:path";
import type { Router } from "./http/router.ts";
import { readAsset } from "../tools/assets.ts";
import type { ApiEnv } from "./env.ts";
import { CONTENT_TYPES, resolveAsset } from "./dashboard-assets.ts";
import { bindDashboardExtensions } from "./dashboard-extensions.ts";

/** Reads a file of the built dashboard by relative path (null when missing). */
export type DashboardReader = (path: string) => Promise<Uint8Array | null>;

/** The dashboard's files: `ui/dist` in the package folder, or embedded in the executable. */
const readDashboardAsset: DashboardReader = (path) => readAsset("dashboard", path);

/**
 * Scripts and styles only from the dashboard itself; inline styles are allowed because the
 * framework sets style attributes. Images may also come from `blob:`/`data:` (local upload
 * previews, OAuth2 provider logos); nothing loads from another host (the geo point map is drawn
 * locally). Extensions are served from the dashboard's own origin, so they fit this policy.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'self'",
].join("; ");

/** Files under `assets/` carry a content hash in their name, so they never change. */
const IMMUTABLE = "max-age=31536000, immutable";

const MISSING_BUILD_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Dashboard not built</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem">
<h1>The dashboard is not built</h1>
<p>This server found no built dashboard in <code>ui/dist</code>. Build it once with:</p>
<pre>npm run build:ui</pre>
<p>(<code>npm ci</code> and <code>npm install</code> build it for you.) The REST API at <code>/api/</code> works without it.</p>
</body></html>`;

/** The encodings we precompress, best first. */
const ENCODINGS = [
  { name: "br", ext: ".br" },
  { name: "gzip", ext: ".gz" },
] as const;

function acceptedEncodings(header: string | undefined): Set<string> {
  const accepted = new Set<string>();
  for (const part of (header ?? "").split(",")) {
    const [name, ...params] = part.trim().toLowerCase().split(";");
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
    if (q && Number(q.slice(2)) === 0) continue;
    accepted.add(name);
  }
  return accepted;
}

/** Binds `/_` (redirect) and `/_/*` (the dashboard files). */
export function bindDashboard(router: Router<ApiEnv>, read: DashboardReader = readDashboardAsset): void {
  // A relative Location keeps any reverse-proxy prefix: `/prefix/_` → `/prefix/_/`.
  router.get("/_", (c) => c.redirect("_/", 301));
  // Before the catch-all below: `/_/extensions.js` and `/_/extensions/<name>/…`.
  bindDashboardExtensions(router);

  router.get("/_/*", async (c) => {
    const file = resolveAsset(c.req.path.slice("/_/".length));
    const baseHeaders = { "Content-Security-Policy": DASHBOARD_CSP, "Referrer-Policy": "same-origin" };
    const notFoundBody = { data: {}, message: "The requested resource wasn't found.", status: 404 };
    if (file === null) return c.json(notFoundBody, 404);
    const original = await read(file);
    if (original === null) {
      if (file === "index.html") {
        return c.html(MISSING_BUILD_PAGE, 503, { ...baseHeaders, "Cache-Control": "no-cache" });
      }
      return c.json(notFoundBody, 404);
    }
    const headers: Record<string, string> = {
      ...baseHeaders,
      "Content-Type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
      "Cache-Control": file.startsWith("assets/") ? IMMUTABLE : "no-cache",
      // Replaces the CORS middleware's default `Vary: Origin` on Node's response: both are named.
      Vary: "Origin, Accept-Encoding",
    };
    const accepted = acceptedEncodings(c.req.header("accept-encoding"));
    let body: Uint8Array = original;
    for (const enc of ENCODINGS) {
      if (!accepted.has(enc.name)) continue;
      const compressed = await read(file + enc.ext);
      if (compressed === null) continue;
      body = compressed;
      headers["Content-Encoding"] = enc.name;
      break;
    }
    // index.html is revalidated on every load: answer 304 while it is unchanged.
    const etag = `"${createHash("sha1").update(original).digest("base64url").slice(0, 20)}${headers["Content-Encoding"] ? "-" + headers["Content-Encoding"] : ""}"`;
    headers.ETag = etag;
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
    return c.body(new Uint8Array(body), 200, headers);
  });
}
