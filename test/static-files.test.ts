/**
 * pb_public (§1.11): static files at `/` with the SPA fallback, content types, ranges and
 * conditional requests, PocketBase's redirects, `/api/` and `/_/` never shadowed, and path
 * traversal attempts (encoded `..`, backslashes, NUL, symlinks out of the folder) refused.
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { describe, test } from "node:test";
import { App } from "../src/core/app.ts";
import { startServer } from "../src/api/server.ts";
import { tempDir } from "./helpers/server.ts";

type T = Parameters<typeof tempDir>[0];

async function serveWithPublic(t: T, indexFallback = true): Promise<{ url: string; dir: string }> {
  const root = tempDir(t);
  const dir = join(root, "pb_public");
  mkdirSync(join(dir, "docs"), { recursive: true });
  writeFileSync(join(dir, "index.html"), "<h1>app</h1>");
  writeFileSync(join(dir, "app.js"), "console.log(1)");
  writeFileSync(join(dir, "style.css"), "body{}");
  writeFileSync(join(dir, "docs", "index.html"), "<h1>docs</h1>");
  writeFileSync(join(dir, "data.bin"), Buffer.from("0123456789"));
  writeFileSync(join(root, "secret.txt"), "top secret");
  symlinkSync(join(root, "secret.txt"), join(dir, "escape.txt"));
  const app = new App({ dataDir: join(root, "pb_data") });
  await app.bootstrap();
  const server = await startServer(app, "127.0.0.1:0", { publicDir: dir, indexFallback });
  t.after(() => server.close());
  return { url: server.url, dir };
}

/** Sends a raw request line (fetch would normalise `..` and backslashes away). */
function rawGet(url: string, path: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    });
    let data = "";
    socket.on("data", (d: Buffer) => (data += d.toString()));
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
}

describe("pb_public", () => {
  test("files, folders, types and the SPA fallback", async (t) => {
    const { url } = await serveWithPublic(t);
    const root = await fetch(`${url}/`);
    assert.equal(root.status, 200);
    assert.equal(root.headers.get("content-type"), "text/html; charset=utf-8");
    assert.equal(await root.text(), "<h1>app</h1>");
    const js = await fetch(`${url}/app.js`);
    assert.equal(js.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal((await fetch(`${url}/style.css`)).headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(await (await fetch(`${url}/docs/`)).text(), "<h1>docs</h1>");
    const noSlash = await fetch(`${url}/docs?x=1`, { redirect: "manual" });
    assert.equal(noSlash.status, 301);
    assert.equal(noSlash.headers.get("location"), "/docs/?x=1");
    const indexHtml = await fetch(`${url}/docs/index.html`, { redirect: "manual" });
    assert.equal(indexHtml.status, 301);
    assert.equal(indexHtml.headers.get("location"), "/docs/");
    // client-side routes get the app
    const spa = await fetch(`${url}/some/client/route`);
    assert.equal(spa.status, 200);
    assert.equal(await spa.text(), "<h1>app</h1>");
  });

  test("ranges and conditional requests", async (t) => {
    const { url } = await serveWithPublic(t);
    const full = await fetch(`${url}/data.bin`);
    const etag = full.headers.get("etag");
    const modified = full.headers.get("last-modified");
    assert.ok(etag && modified);
    const part = await fetch(`${url}/data.bin`, { headers: { range: "bytes=2-4" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), "bytes 2-4/10");
    assert.equal(await part.text(), "234");
    assert.equal((await fetch(`${url}/data.bin`, { headers: { "if-none-match": etag } })).status, 304);
    assert.equal(
      (await fetch(`${url}/data.bin`, { headers: { "if-modified-since": modified } })).status,
      304,
    );
    assert.equal((await fetch(`${url}/data.bin`, { headers: { range: "bytes=50-" } })).status, 416);
  });

  test("never shadows /api/ or /_/", async (t) => {
    const { url } = await serveWithPublic(t);
    const api = await fetch(`${url}/api/nothing-here`);
    assert.equal(api.status, 404);
    assert.deepEqual(await api.json(), {
      data: {},
      message: "The requested resource wasn't found.",
      status: 404,
    });
    assert.equal((await fetch(`${url}/api/health`)).status, 200);
    assert.equal((await fetch(`${url}/_/nothing`)).status, 404);
  });

  test("without the fallback a missing file is a 404", async (t) => {
    const { url } = await serveWithPublic(t, false);
    assert.equal((await fetch(`${url}/missing`)).status, 404);
    assert.equal((await fetch(`${url}/`)).status, 200);
  });

  test("path traversal attempts", async (t) => {
    const { url } = await serveWithPublic(t, false);
    for (const path of [
      "/../secret.txt",
      "/%2e%2e/secret.txt",
      "/docs/%2e%2e/%2e%2e/secret.txt",
      "/..%2fsecret.txt",
      "/%2e%2e%5csecret.txt",
      "/docs/..\\..\\secret.txt",
      "/app.js%00.html",
      "/escape.txt",
    ]) {
      const res = await rawGet(url, path);
      assert.ok(!res.includes("top secret"), `${path} leaked: ${res}`);
      assert.match(res, /^HTTP\/1\.1 (400|404)/, path);
    }
  });
});
