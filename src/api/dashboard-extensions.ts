/**
 * Dashboard extensions (PocketBase's experimental UI extensions): an `onServe` handler pushes
 * `{ name, dir }` to `e.uiExtensions`; the files of `dir` are served under
 * `/_/extensions/<name>/`, and `/_/extensions.js` is every extension's `main.js`, each wrapped in
 * its own async function, which the dashboard runs before it starts its router. With no
 * extensions the script is empty (and valid). Nothing here is hashed, so every answer is
 * revalidated (`no-cache` with an ETag).
 */
import { createHash } from "node:crypto";
import { readFile, realpath, stat } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";
import type { Context } from "./http/context.ts";
import type { Router } from "./http/router.ts";
import type { App } from "../core/app.ts";
import type { ServeEvent, UIExtension } from "../core/hook-events.ts";
import { CONTENT_TYPES, resolveAsset } from "./dashboard-assets.ts";
import type { ApiEnv } from "./env.ts";
import { notFound } from "./errors.ts";

/** The serve event of each running app: its `uiExtensions` are read on every request. */
const serveEvents = new WeakMap<App, ServeEvent>();

/** Remembers the serve event whose `uiExtensions` the dashboard serves (called by startServer). */
export function setServeEvent(app: App, event: ServeEvent): void {
  serveEvents.set(app, event);
}

/** The app's extensions that have a usable name (one URL segment) and a folder. */
function extensionsOf(app: App): UIExtension[] {
  const list = serveEvents.get(app)?.uiExtensions ?? [];
  return list.filter(
    (x) =>
      x !== null &&
      typeof x === "object" &&
      typeof x.name === "string" &&
      /^[\w.-]+$/.test(x.name) &&
      !/^\.+$/.test(x.name) &&
      typeof x.dir === "string" &&
      x.dir !== "",
  );
}

/** A file of an extension's folder, or null when missing or outside the folder (symlinks too). */
async function readExtensionFile(dir: string, rel: string): Promise<Uint8Array | null> {
  try {
    const root = await realpath(resolve(dir));
    const file = await realpath(resolve(root, rel));
    if (!file.startsWith(root + sep)) return null;
    if (!(await stat(file)).isFile()) return null;
    return await readFile(file);
  } catch {
    return null;
  }
}

/** A revalidated answer: 304 while the client's copy is current. */
function revalidated(c: Context<ApiEnv>, body: Uint8Array, contentType: string): Response {
  const etag = `"${createHash("sha1").update(body).digest("base64url").slice(0, 20)}"`;
  const headers = {
    "Content-Type": contentType,
    "Cache-Control": "no-cache",
    ETag: etag,
    "X-Content-Type-Options": "nosniff",
  };
  if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
  return c.body(new Uint8Array(body), 200, headers);
}

/** `/_/extensions.js`: each extension's main.js in its own async function, errors logged. */
async function extensionsScript(app: App): Promise<string> {
  const parts: string[] = [];
  for (const ext of extensionsOf(app)) {
    const main = await readExtensionFile(ext.dir, "main.js");
    if (main === null) continue;
    const name = JSON.stringify(ext.name);
    // The argument tells the extension where its own files are served.
    parts.push(
      `// ---- extension ${name} ----\n` +
        `(async (extension) => {\n${new TextDecoder().decode(main)}\n})({ name: ${name}, url: new URL(${JSON.stringify(`extensions/${ext.name}/`)}, document.baseURI).href })` +
        `.catch((err) => console.error("The dashboard extension " + ${name} + " failed:", err));\n`,
    );
  }
  return parts.join("\n");
}

/** Binds `/_/extensions.js` and `/_/extensions/{name}/{path...}`. */
export function bindDashboardExtensions(router: Router<ApiEnv>): void {
  router.get("/_/extensions.js", async (c) => {
    const script = await extensionsScript(c.get("app"));
    return revalidated(c, new TextEncoder().encode(script), "text/javascript; charset=utf-8");
  });

  router.get("/_/extensions/:name/*", async (c) => {
    const name = c.req.param("name");
    const ext = extensionsOf(c.get("app")).find((x) => x.name === name);
    const prefix = `/_/extensions/${encodeURIComponent(name)}/`;
    const rest = c.req.path.startsWith(prefix) ? c.req.path.slice(prefix.length) : null;
    const rel = rest === null || rest === "" ? null : resolveAsset(rest);
    const body = ext && rel !== null ? await readExtensionFile(ext.dir, rel) : null;
    if (body === null) throw notFound();
    return revalidated(c, body, CONTENT_TYPES[extname(rel!)] ?? "application/octet-stream");
  });
}
