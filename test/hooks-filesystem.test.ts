/**
 * `$filesystem` in pb_hooks scripts: files made from bytes, a path and a URL, attached to a
 * record and stored by `$app.save`; and uploads of an API request surviving a script hook.
 */
import { describe, test, before } from "node:test";
import assert from "node:assert/strict";
import PocketBase from "pocketbase";
import type { App } from "../src/core/app.ts";
import { collectionFromCreateBody } from "../src/core/collections/collection-input.ts";
import { saveCollection } from "../src/core/collections/collection-save.ts";
import { buildTemplate, suiteCleanup } from "./helpers/server.ts";
import { seedPosts, startHooksServer, type HooksServer } from "./helpers/hooks.ts";

const SCRIPTS = {
  "files.pb.js": `
routerAdd("POST", "/fs/attach", (e) => {
  const r = new Record($app.findCollectionByNameOrId("docs"))
  r.set("title", "attached")
  r.set("one", $filesystem.fileFromBytes("hello bytes", "hello.txt"))
  r.set("many", [
    $filesystem.fileFromPath(__hooks + "/assets/note.txt"),
    $filesystem.fileFromURL(e.requestInfo().body.url),
  ])
  $app.save(r)
  const stored = $app.findRecordById("docs", r.id)
  return e.json(200, { id: r.id, one: stored.get("one"), many: stored.get("many") })
})

routerAdd("GET", "/fs/missing", (e) => {
  let path = "", url = ""
  try { $filesystem.fileFromPath(__hooks + "/nope.txt") } catch (err) { path = err.message }
  try { $filesystem.fileFromURL(e.request.url.query().get("u")) } catch (err) { url = err.message }
  return e.json(200, { path, url })
})

onRecordCreate((e) => {
  e.record.set("title", "unsaved:" + e.record.get("one:unsaved").length)
  e.next()
}, "docs")
`,
  "assets/note.txt": "a note from disk",
};

async function seed(app: App): Promise<void> {
  await seedPosts(app);
  const { collection } = collectionFromCreateBody({
    name: "docs",
    type: "base",
    listRule: "",
    viewRule: "",
    createRule: "",
    fields: [
      { name: "title", type: "text" },
      { name: "one", type: "file", maxSelect: 1, maxSize: 1_000_000 },
      { name: "many", type: "file", maxSelect: 5, maxSize: 1_000_000 },
    ],
  });
  await saveCollection(app, collection);
}

describe("pb_hooks: $filesystem files attached to records", () => {
  const cleanup = suiteCleanup();
  let s: HooksServer;
  before(async () => {
    const template = await buildTemplate(cleanup, seed);
    s = await startHooksServer(cleanup, SCRIPTS, { template });
  });

  const fileText = async (id: string, name: string) => {
    const res = await fetch(`${s.url}/api/files/docs/${id}/${name}`);
    assert.equal(res.status, 200, name);
    return res.text();
  };

  test("fileFromBytes, fileFromPath and fileFromURL are stored by $app.save", async () => {
    const res = await fetch(`${s.url}/fs/attach`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ url: `${s.url}/api/health` }),
    });
    assert.equal(res.status, 200, s.logs.join("\n"));
    const body = (await res.json()) as { id: string; one: string; many: string[] };
    assert.match(body.one, /^hello_\w{10}\.txt$/);
    assert.equal(body.many.length, 2);
    assert.match(body.many[0]!, /^note_\w{10}\.txt$/);
    assert.match(body.many[1]!, /^health_\w{10}/);
    assert.equal(await fileText(body.id, body.one), "hello bytes");
    assert.equal(await fileText(body.id, body.many[0]!), "a note from disk");
    assert.match(await fileText(body.id, body.many[1]!), /API is healthy/);
  });

  test("errors: a missing path and a failing URL throw in the script", async () => {
    const res = await fetch(`${s.url}/fs/missing?u=${encodeURIComponent(`${s.url}/no-such-route`)}`);
    const body = (await res.json()) as { path: string; url: string };
    assert.match(body.path, /no such file or directory/);
    assert.match(body.url, /failed to download url .*\(404\)/);
  });

  test("an API upload survives a script hook and the hook sees it as unsaved", async () => {
    const pb = new PocketBase(s.url);
    const form = new FormData();
    form.append("one", new Blob(["uploaded"], { type: "text/plain" }), "upload.txt");
    const created = await pb.collection("docs").create(form);
    assert.equal(created.title, "unsaved:1");
    assert.match(created.one as string, /^upload_\w{10}\.txt$/);
    assert.equal(await fileText(created.id, created.one as string), "uploaded");
  });
});
