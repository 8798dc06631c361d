/**
 * How `/_/` serves the built dashboard: redirect, caching, precompressed encodings, CSP, types,
 * revalidation, relative asset URLs (reverse-proxy prefixes), path traversal and a missing build.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Router } from "../src/api/http/router.ts";
import { bindDashboard } from "../src/api/dashboard.ts";
import type { ApiEnv } from "../src/api/env.ts";
import { ensureDashboardBuilt } from "./helpers/browser.ts";
import { startTestServer } from "./helpers/server.ts";

const DASHBOARD_DIST = fileURLToPath(new URL("../ui/dist/", import.meta.url));

describe("dashboard files", () => {
  before(() => ensureDashboardBuilt());

  test("/_ redirects to /_/ with a relative Location (keeps a proxy prefix)", async (t) => {
    const { url } = await startTestServer(t, { superuser: false });
    const res = await fetch(`${url}/_`, { redirect: "manual" });
    assert.equal(res.status, 301);
    assert.equal(res.headers.get("location"), "_/");
    assert.equal(new URL(res.headers.get("location")!, "http://x/prefix/_").pathname, "/prefix/_/");
  });

  test("index.html: no-cache, CSP, html type, relative asset URLs, 304 when unchanged", async (t) => {
    const { url } = await startTestServer(t, { superuser: false });
    const res = await fetch(`${url}/_/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("cache-control"), "no-cache");
    assert.match(res.headers.get("content-type")!, /^text\/html/);
    const csp = res.headers.get("content-security-policy")!;
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    const html = await res.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)]
      .map((m) => m[1]!)
      .filter((u) => u.includes("assets/"));
    assert.ok(assets.length > 0, html);
    for (const u of assets) assert.match(u, /^\.\/assets\//, "asset URLs are relative");
    const etag = res.headers.get("etag")!;
    const again = await fetch(`${url}/_/`, { headers: { "if-none-match": etag } });
    assert.equal(again.status, 304);
    const byName = await fetch(`${url}/_/index.html`);
    assert.equal(byName.status, 200);
  });

  test("hashed assets: immutable, brotli or gzip by Accept-Encoding, identical content", async (t) => {
    const { url } = await startTestServer(t, { superuser: false });
    const js = readdirSync(join(DASHBOARD_DIST, "assets")).find((f) => /^index-.*\.js$/.test(f))!;
    const original = readFileSync(join(DASHBOARD_DIST, "assets", js));
    // fetch decodes the body by its Content-Encoding, so each answer must decode to the asset.
    const raw = (enc: string) => fetch(`${url}/_/assets/${js}`, { headers: { "accept-encoding": enc } });
    const br = await raw("br, gzip");
    assert.equal(br.status, 200);
    assert.equal(br.headers.get("content-encoding"), "br");
    assert.equal(br.headers.get("cache-control"), "max-age=31536000, immutable");
    assert.match(br.headers.get("content-type")!, /^text\/javascript/);
    assert.match(br.headers.get("vary")!, /Accept-Encoding/);
    assert.ok(Buffer.from(await br.arrayBuffer()).equals(original));
    const gz = await raw("gzip");
    assert.equal(gz.headers.get("content-encoding"), "gzip");
    assert.ok(Buffer.from(await gz.arrayBuffer()).equals(original));
    const plain = await raw("identity");
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.ok(Buffer.from(await plain.arrayBuffer()).equals(original));
    // The precompressed files on disk decode to the asset.
    assert.ok(
      brotliDecompressSync(readFileSync(join(DASHBOARD_DIST, "assets", js + ".br"))).equals(original),
    );
    assert.ok(gunzipSync(readFileSync(join(DASHBOARD_DIST, "assets", js + ".gz"))).equals(original));
  });

  test("the first load (login + collections) is under 150 KB of gzipped JS and CSS", () => {
    const html = readFileSync(join(DASHBOARD_DIST, "index.html"), "utf8");
    const first = [...html.matchAll(/(?:src|href)="\.\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    assert.ok(
      first.some((f) => f.endsWith(".js")),
      html,
    );
    const gzipped = first.reduce((n, f) => n + readFileSync(join(DASHBOARD_DIST, f + ".gz")).length, 0);
    assert.ok(gzipped < 150 * 1024, `first load is ${gzipped} bytes gzipped`);
  });

  test("paths outside the build and unknown files are 404 in PocketBase's error format", async (t) => {
    const { url } = await startTestServer(t, { superuser: false });
    for (const path of [
      "/_/assets/..%2f..%2fpackage.json",
      "/_/%2e%2e/package.json",
      "/_/assets/nope.js",
      "/_/%ff",
    ]) {
      const res = await fetch(url + path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(await res.json(), {
        data: {},
        message: "The requested resource wasn't found.",
        status: 404,
      });
    }
  });

  test("without a build, /_/ explains how to build it", async () => {
    const router = new Router<ApiEnv>();
    bindDashboard(router, async () => null);
    const res = await router.request("/_/");
    assert.equal(res.status, 503);
    assert.match(await res.text(), /npm run build:ui/);
  });
});
