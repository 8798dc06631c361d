/**
 * Dashboard extensions and the hooks routes list: `e.uiExtensions` pushed by an `onServe`
 * handler (framework API) is served as `/_/extensions.js` (each main.js in an async function;
 * empty and valid with none) and `/_/extensions/<name>/…` (content types, revalidation, no way
 * out of the folder); `GET /api/satchel/routes` lists hooks routes to superusers only.
 */
import assert from "node:assert/strict";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { describe, test } from "node:test";
import { Script } from "node:vm";
import { App } from "../src/core/app.ts";
import { startServer } from "../src/api/server.ts";
import { startHooksServer } from "./helpers/hooks.ts";
import { buildTemplate, startTestServer, suiteCleanup, tempDir } from "./helpers/server.ts";

type Hookable = Parameters<typeof tempDir>[0];

/** A served app whose onServe handler adds `extensions`. */
async function serveWith(t: Hookable, extensions: { name: string; dir: string }[]): Promise<string> {
  const app = new App({ dataDir: tempDir(t) });
  await app.bootstrap();
  app.onServe().bindFunc(async (e) => {
    e.uiExtensions.push(...extensions);
    await e.next();
  });
  const server = await startServer(app, "127.0.0.1:0");
  t.after(() => server.close());
  return server.url;
}

/** A GET with the path sent as is (fetch would normalize `..` and percent escapes). */
function rawGet(url: string, path: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method: "GET" }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}

describe("dashboard extensions", () => {
  test("no extensions: an empty, valid, revalidated script", async (t) => {
    const { url } = await startTestServer(t, { superuser: false });
    const res = await fetch(`${url}/_/extensions.js`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/javascript; charset=utf-8");
    assert.equal(res.headers.get("cache-control"), "no-cache");
    assert.equal(await res.text(), "");
    const again = await fetch(`${url}/_/extensions.js`, {
      headers: { "if-none-match": res.headers.get("etag")! },
    });
    assert.equal(again.status, 304);
    assert.equal((await fetch(`${url}/_/extensions/demo/main.js`)).status, 404);
  });

  test("extensions from onServe: the wrapped main.js and the extension's files", async (t) => {
    const root = tempDir(t);
    const demo = join(root, "demo");
    mkdirSync(join(demo, "img"), { recursive: true });
    writeFileSync(
      join(demo, "main.js"),
      'await Promise.resolve();\nwindow.demoLoaded = extension.name + " " + extension.url;',
    );
    writeFileSync(join(demo, "style.css"), "body { color: red }");
    writeFileSync(join(demo, "img", "logo.svg"), "<svg xmlns='http://www.w3.org/2000/svg'/>");
    writeFileSync(join(root, "secret.txt"), "not served");
    symlinkSync(join(root, "secret.txt"), join(demo, "link.txt"));
    const other = join(root, "other");
    mkdirSync(other);
    writeFileSync(join(other, "main.js"), "throw new Error('second');");
    // no main.js: files only
    const assetsOnly = join(root, "assets-only");
    mkdirSync(assetsOnly);
    writeFileSync(join(assetsOnly, "a.js"), "1");
    const url = await serveWith(t, [
      { name: "demo", dir: demo },
      { name: "other", dir: other },
      { name: "assets-only", dir: assetsOnly },
      { name: "../bad", dir: demo },
    ]);

    const res = await fetch(`${url}/_/extensions.js`);
    assert.equal(res.status, 200);
    const script = await res.text();
    // valid JavaScript, each extension in its own async function that logs its failure
    assert.doesNotThrow(() => new Script(script));
    assert.match(script, /\(async \(extension\) => \{\nawait Promise\.resolve\(\);\nwindow\.demoLoaded/);
    assert.match(script, /throw new Error\('second'\)/);
    assert.equal((script.match(/\(async \(extension\) =>/g) ?? []).length, 2);
    assert.match(script, /\.catch\(\(err\) => console\.error\(/);
    // run it the way a page would: the extension sees its name and its files' URL
    const sandbox: { [k: string]: unknown } = {
      window: {},
      document: { baseURI: "http://h/prefix/_/" },
      console: { error: () => {} },
      URL,
    };
    new Script(script).runInNewContext(sandbox);
    await new Promise((r) => setImmediate(r));
    assert.equal(
      (sandbox.window as { demoLoaded?: string }).demoLoaded,
      "demo http://h/prefix/_/extensions/demo/",
    );

    const css = await fetch(`${url}/_/extensions/demo/style.css`);
    assert.equal(css.status, 200);
    assert.equal(css.headers.get("content-type"), "text/css; charset=utf-8");
    assert.equal(css.headers.get("cache-control"), "no-cache");
    assert.equal(await css.text(), "body { color: red }");
    assert.equal(
      (
        await fetch(`${url}/_/extensions/demo/style.css`, {
          headers: { "if-none-match": css.headers.get("etag")! },
        })
      ).status,
      304,
    );
    const svg = await fetch(`${url}/_/extensions/demo/img/logo.svg`);
    assert.equal(svg.headers.get("content-type"), "image/svg+xml");
    assert.equal((await fetch(`${url}/_/extensions/assets-only/a.js`)).status, 200);

    // nothing outside the extension's folder, however the path is spelled
    for (const path of [
      "/_/extensions/demo/../../../secret.txt",
      "/_/extensions/demo/%2e%2e/secret.txt",
      "/_/extensions/demo/..%2fsecret.txt",
      "/_/extensions/demo/..%5csecret.txt",
      "/_/extensions/demo/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "/_/extensions/demo/link.txt",
      "/_/extensions/demo/img",
      "/_/extensions/demo/",
      "/_/extensions/nope/main.js",
      "/_/extensions/..%2fbad/main.js",
    ]) {
      assert.equal(await rawGet(url, path), 404, path);
    }
  });
});

describe("GET /api/satchel/routes", () => {
  const cleanup = suiteCleanup();

  test("lists the routes of pb_hooks scripts and modules, to superusers only", async () => {
    const template = await buildTemplate(cleanup);
    const s = await startHooksServer(
      cleanup,
      {
        "routes.pb.js": 'routerAdd("GET", "/hello/{name}", (e) => e.string(200, "hi"));',
        "mod.pb.mjs":
          'export default (app) => { app.routerAdd("post", "/ts/items", (e) => e.json(200, {})); };',
      },
      { template },
    );
    assert.equal((await fetch(`${s.url}/api/satchel/routes`)).status, 401);
    const asUser = await fetch(`${s.url}/api/satchel/routes`, { headers: { authorization: s.userToken } });
    assert.equal(asUser.status, 403);
    const res = await fetch(`${s.url}/api/satchel/routes`, { headers: { authorization: s.token } });
    assert.equal(res.status, 200);
    const routes = (await res.json()) as { method: string; path: string; source: string }[];
    assert.deepEqual(
      routes.sort((a, b) => a.path.localeCompare(b.path)),
      [
        { method: "GET", path: "/hello/{name}", source: "pb_hooks" },
        { method: "POST", path: "/ts/items", source: "modules" },
      ],
    );
  });
});
