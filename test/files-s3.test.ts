/**
 * Record files on S3: the same upload/serve/thumb/delete round trip against a real
 * S3-compatible server (OpenStack Swift with s3api, started by the tests), switched on through
 * the settings API, and `POST /api/settings/test/s3`. Skipped, saying why, without Swift.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { S3Storage } from "../src/files/s3-storage.ts";
import { StorageError } from "../src/files/storage.ts";
import { request } from "./helpers/http.ts";
import { startS3Server, swiftUnavailable, type S3TestServer } from "./helpers/s3-server.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { bytesOf, createDocs, dimensions, eventually, file, png } from "./helpers/files.ts";

const skip = swiftUnavailable() ?? false;

let server: Promise<S3TestServer> | undefined;
const getServer = (): Promise<S3TestServer> => (server ??= startS3Server());
after(async () => {
  if (server) await (await server).stop();
});

/** A fresh bucket, seen directly (not through the app). */
async function bucket(name: string): Promise<S3Storage> {
  const s3 = await getServer();
  const storage = new S3Storage({ ...s3.config, bucket: name });
  // a Swift that has just started may answer 503 until its account and container servers are up
  for (let attempt = 1; ; attempt++) {
    try {
      await storage.ensureBucket();
      return storage;
    } catch (err) {
      if (!(err instanceof StorageError && err.status === 503) || attempt >= 60) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** A server whose files storage is the bucket, switched on through PATCH /api/settings. */
async function s3App(
  t: Parameters<typeof startTestServer>[0],
  name: string,
): Promise<{ s: TestServer; direct: S3Storage }> {
  const direct = await bucket(name);
  const s = await startTestServer(t, { user: true });
  await s.pb.settings.update({ s3: { enabled: true, bucket: name, ...(await getServer()).config } });
  assert.equal(s.app.storage().kind, "s3");
  return { s, direct };
}

const keys = async (storage: S3Storage, prefix: string) => (await storage.list(prefix)).map((e) => e.key);

describe("record files on S3 (Swift s3api)", { skip }, () => {
  test("upload, serve, thumbs, replace and delete go to the bucket", async (t) => {
    const { s, direct } = await s3App(t, "files-roundtrip");
    const cid = await createDocs(s.pb);
    const picture = await png(300, 200);
    const rec = await s.pb.collection("docs").create({
      one: file("hello s3", "hello.txt"),
      many: [file(picture, "pic.png")],
    });
    const [pic] = rec.many as [string];
    assert.deepEqual(
      (await keys(direct, `${cid}/${rec.id}/`)).sort(),
      [`${cid}/${rec.id}/${rec.one}`, `${cid}/${rec.id}/${pic}`].sort(),
    );
    const attrs = await direct.attributes(`${cid}/${rec.id}/${pic}`);
    assert.equal(attrs.contentType, "image/png");
    assert.equal(attrs.metadata["original-filename"], "pic.png");
    // nothing on the local disk
    assert.ok(!existsSync(join(s.dir, "storage", cid)));

    const text = await fetch(s.pb.files.getURL(rec, rec.one));
    assert.equal(await text.text(), "hello s3");
    const res = await fetch(s.pb.files.getURL(rec, pic));
    assert.ok((await bytesOf(res)).equals(picture));
    const part = await fetch(s.pb.files.getURL(rec, pic), { headers: { range: "bytes=0-7" } });
    assert.equal(part.status, 206);
    assert.ok((await bytesOf(part)).equals(picture.subarray(0, 8)));

    for (const [size, dims] of [
      ["100x100", { width: 100, height: 100 }],
      ["60x40f", { width: 60, height: 40 }],
      ["0x30", { width: 45, height: 30 }],
    ] as const) {
      const thumb = await fetch(s.pb.files.getURL(rec, pic, { thumb: size }));
      assert.deepEqual(await dimensions(await bytesOf(thumb)), dims);
    }
    assert.equal((await keys(direct, `${cid}/${rec.id}/thumbs_${pic}/`)).length, 3);

    await s.pb.collection("docs").update(rec.id, { "many-": [pic] });
    await eventually(async () =>
      assert.deepEqual(await keys(direct, `${cid}/${rec.id}/`), [`${cid}/${rec.id}/${rec.one}`]),
    );

    await s.pb.collection("docs").delete(rec.id);
    await eventually(async () => assert.deepEqual(await keys(direct, `${cid}/`), []));
  });

  test("POST /api/settings/test/s3 uploads and deletes a test object", async (t) => {
    const { s, direct } = await s3App(t, "settings-test");
    assert.equal(await s.pb.settings.testS3("storage"), true);
    assert.deepEqual(await keys(direct, ""), []);

    const post = (body: unknown, token = s.token) =>
      request(s.url, "POST", "/api/settings/test/s3", { token, body });
    const backups = await post({ filesystem: "backups" });
    assert.equal(backups.status, 400);
    assert.equal(
      backups.json.message,
      "Failed to test the S3 filesystem. Raw error: \nS3 storage filesystem is not enabled.",
    );

    const missing = await post({});
    assert.equal(missing.status, 400);
    assert.equal(missing.json.message, "Failed to test the S3 filesystem.");
    assert.equal(missing.json.data.filesystem.code, "validation_required");
    const invalid = await post({ filesystem: "other" });
    assert.equal(invalid.json.data.filesystem.code, "validation_in_invalid");

    assert.equal((await post({ filesystem: "storage" }, s.userToken)).status, 403);
    assert.equal((await post({ filesystem: "storage" }, "")).status, 401);

    await s.pb.settings.update({ s3: { secret: "not-the-secret" } });
    const wrong = await post({ filesystem: "storage" });
    assert.equal(wrong.status, 400);
    assert.match(
      wrong.json.message,
      /^Failed to test the S3 filesystem\. Raw error: \nfailed to upload a test file: /,
    );
  });

  test("a disabled S3 is reported, and files go back to the local folder", async (t) => {
    const { s } = await s3App(t, "switch-back");
    await s.pb.settings.update({ s3: { enabled: false } });
    assert.equal(s.app.storage().kind, "local");
    const res = await request(s.url, "POST", "/api/settings/test/s3", {
      token: s.token,
      body: { filesystem: "storage" },
    });
    assert.equal(res.status, 400);
    assert.match(res.json.message, /S3 storage filesystem is not enabled/);
  });
});
