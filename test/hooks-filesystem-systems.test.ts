/**
 * Filesystems in pb_hooks scripts: `$filesystem.local(dir)`, `$filesystem.s3(…)` (against the
 * real S3 server of TEST-INFRA.md: Swift's s3api) and `$app.newFilesystem()`, with PocketBase's
 * methods; `e.request.formFile(name)` with `$filesystem.fileFromMultipart(header)`; `serve`.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { App } from "../src/core/app.ts";
import { collectionFromCreateBody } from "../src/core/collections/collection-input.ts";
import { saveCollection } from "../src/core/collections/collection-save.ts";
import { S3Storage } from "../src/files/s3-storage.ts";
import { StorageError } from "../src/files/storage.ts";
import { file, png } from "./helpers/files.ts";
import { seedPosts, startHooksServer, type HooksServer } from "./helpers/hooks.ts";
import { startS3Server, swiftUnavailable, type S3TestServer } from "./helpers/s3-server.ts";
import { buildTemplate, suiteCleanup } from "./helpers/server.ts";

const SCRIPTS = {
  "systems.pb.js": `
routerAdd("POST", "/fs/system", (e) => {
  const body = e.requestInfo().body
  const fsys = body.s3
    ? $filesystem.s3(body.s3.bucket, body.s3.region, body.s3.endpoint, body.s3.accessKey, body.s3.secret, body.s3.forcePathStyle)
    : $filesystem.local(body.dir)
  try {
    const out = {}
    fsys.upload("hello world", "a/hello.txt")
    fsys.uploadFile($filesystem.fileFromBytes("from bytes", "b.txt"), "a/b.txt")
    out.exists = fsys.exists("a/hello.txt")
    out.missing = fsys.exists("a/nope.txt")
    out.text = toString(fsys.getReader("a/hello.txt"))
    const attrs = fsys.attributes("a/b.txt")
    out.type = attrs.contentType
    out.size = attrs.size
    out.original = attrs.metadata["original-filename"]
    fsys.copy("a/hello.txt", "c/copy.txt")
    out.list = fsys.list("a/").map((o) => o.key)
    out.emptyA = fsys.isEmptyDir("a")
    out.emptyZ = fsys.isEmptyDir("z")
    fsys.delete("a/hello.txt")
    try { fsys.delete("a/hello.txt") } catch (err) { out.deleteMissing = err.message }
    try { fsys.getReader("a/hello.txt") } catch (err) { out.readMissing = err.message }
    out.deletePrefix = fsys.deletePrefix("a/")
    out.after = fsys.list("").map((o) => o.key)
    const r = new Record($app.findCollectionByNameOrId("docs"))
    r.set("title", "reuploaded")
    r.set("one", fsys.getReuploadableFile("c/copy.txt", true))
    $app.save(r)
    out.reuploaded = $app.findRecordById("docs", r.id).get("one")
    return e.json(200, out)
  } finally {
    fsys.close()
  }
})

routerAdd("GET", "/fs/serve", (e) => {
  const fsys = $filesystem.local(e.request.url.query().get("dir"))
  try {
    fsys.serve(e.response, e.request, "c/copy.txt", "copy.txt")
  } finally {
    fsys.close()
  }
})

routerAdd("POST", "/fs/multipart", (e) => {
  const [, header] = e.request.formFile("doc")
  const fsys = $filesystem.local(e.request.url.query().get("dir"))
  try {
    fsys.uploadMultipart(header, "m/" + header.filename)
    const r = new Record($app.findCollectionByNameOrId("docs"))
    r.set("title", "multipart")
    r.set("one", $filesystem.fileFromMultipart(header))
    $app.save(r)
    return e.json(200, { name: header.filename, size: header.size, stored: toString(fsys.getReader("m/" + header.filename)), id: r.id, one: $app.findRecordById("docs", r.id).get("one") })
  } finally {
    fsys.close()
  }
})

routerAdd("POST", "/fs/app", (e) => {
  const rec = $app.findRecordById("docs", e.requestInfo().body.id)
  const key = rec.baseFilesPath() + "/" + rec.get("one")
  const fsys = $app.newFilesystem()
  try {
    fsys.createThumb(key, rec.baseFilesPath() + "/thumbs_" + rec.get("one") + "/10x10_" + rec.get("one"), "10x10")
    return e.json(200, { thumbs: fsys.list(rec.baseFilesPath() + "/thumbs_").map((o) => o.key), size: fsys.attributes(key).size })
  } finally {
    fsys.close()
  }
})
`,
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
    ],
  });
  await saveCollection(app, collection);
}

interface SystemResult {
  [key: string]: unknown;
}

function checkSystem(out: SystemResult): void {
  assert.equal(out.exists, true);
  assert.equal(out.missing, false);
  assert.equal(out.text, "hello world");
  assert.equal(out.type, "text/plain; charset=utf-8");
  assert.equal(out.size, 10);
  assert.equal(out.original, "b.txt");
  assert.deepEqual(out.list, ["a/b.txt", "a/hello.txt"]);
  assert.equal(out.emptyA, false);
  assert.equal(out.emptyZ, true);
  assert.match(String(out.deleteMissing), /not found/);
  assert.match(String(out.readMissing), /not found/);
  assert.deepEqual(out.deletePrefix, []);
  assert.deepEqual(out.after, ["c/copy.txt"]);
  assert.equal(out.reuploaded, "copy.txt", "preserveName keeps the key's name");
}

describe("pb_hooks: $filesystem systems", () => {
  const cleanup = suiteCleanup();
  let s: HooksServer;
  let dir = "";
  before(async () => {
    const template = await buildTemplate(cleanup, seed);
    s = await startHooksServer(cleanup, SCRIPTS, { template });
    dir = mkdtempSync(join(tmpdir(), "satchel-fs-local-"));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const post = (path: string, body: unknown) =>
    fetch(`${s.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  test("$filesystem.local(dir): upload, read, attributes, copy, list, delete, re-upload", async () => {
    const res = await post("/fs/system", { dir });
    assert.equal(res.status, 200, s.logs.join("\n"));
    checkSystem((await res.json()) as SystemResult);
  });

  test("serve writes the object as the response", async () => {
    const res = await fetch(`${s.url}/fs/serve?dir=${encodeURIComponent(dir)}`);
    assert.equal(res.status, 200, s.logs.join("\n"));
    assert.equal(res.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(res.headers.get("content-disposition"), "inline; filename=copy.txt");
    assert.match(res.headers.get("content-security-policy") ?? "", /sandbox/);
    assert.equal(await res.text(), "hello world");
  });

  test("e.request.formFile + fileFromMultipart + uploadMultipart", async () => {
    const form = new FormData();
    form.append("doc", file("multipart body", "upload.txt", "text/plain"));
    const res = await fetch(`${s.url}/fs/multipart?dir=${encodeURIComponent(dir)}`, {
      method: "POST",
      body: form,
    });
    assert.equal(res.status, 200, s.logs.join("\n"));
    const out = (await res.json()) as { name: string; size: number; stored: string; id: string; one: string };
    assert.equal(out.name, "upload.txt");
    assert.equal(out.size, 14);
    assert.equal(out.stored, "multipart body");
    assert.match(out.one, /^upload_\w{10}\.txt$/);
    const served = await fetch(`${s.url}/api/files/docs/${out.id}/${out.one}`);
    assert.equal(await served.text(), "multipart body");
  });

  test("$app.newFilesystem(): the record files store, with createThumb", async () => {
    const created = await s.pb.collection("docs").create({ one: file(await png(40, 30), "pic.png") });
    const res = await post("/fs/app", { id: created.id });
    assert.equal(res.status, 200, s.logs.join("\n"));
    const out = (await res.json()) as { thumbs: string[]; size: number };
    assert.equal(out.thumbs.length, 1);
    assert.match(out.thumbs[0]!, /\/thumbs_pic_\w{10}\.png\/10x10_pic_\w{10}\.png$/);
    assert.ok(out.size > 0);
  });
});

const skipS3 = swiftUnavailable() ?? false;

describe("pb_hooks: $filesystem.s3 against a real S3 server (Swift s3api)", { skip: skipS3 }, () => {
  const cleanup = suiteCleanup();
  let s: HooksServer;
  let s3: S3TestServer | undefined;
  before(async () => {
    s3 = await startS3Server();
    const template = await buildTemplate(cleanup, seed);
    s = await startHooksServer(cleanup, SCRIPTS, { template });
  });
  after(async () => {
    await s3?.stop();
  });

  test("the same methods work on a bucket", async () => {
    const bucket = new S3Storage({ ...s3!.config, bucket: "hooks-fs" });
    // a Swift that has just started may answer 503 until its account and container servers are up
    for (let attempt = 1; ; attempt++) {
      try {
        await bucket.ensureBucket();
        break;
      } catch (err) {
        if (!(err instanceof StorageError && err.status === 503) || attempt >= 60) throw err;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const res = await fetch(`${s.url}/fs/system`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ s3: { ...s3!.config, bucket: "hooks-fs" } }),
    });
    assert.equal(res.status, 200, s.logs.join("\n"));
    checkSystem((await res.json()) as SystemResult);
    assert.deepEqual(
      (await bucket.list("")).map((e) => e.key),
      ["c/copy.txt"],
    );
  });
});
