/**
 * Record file uploads through the official SDK (multipart FormData): create and update with
 * single and multiple files, PocketBase's replace/append/remove semantics, validation of bad
 * uploads, and the storage left behind (never an orphaned file).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ClientResponseError } from "pocketbase";
import { request } from "./helpers/http.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { createDocs, eventually, file, png, storedKeys } from "./helpers/files.ts";
import { multipart } from "./helpers/records-testdata.ts";

async function docsServer(t: Parameters<typeof startTestServer>[0]): Promise<{ s: TestServer; cid: string }> {
  const s = await startTestServer(t, { user: true });
  const cid = await createDocs(s.pb);
  return { s, cid };
}

/** The 400 error data of a failed SDK call. */
async function rejection(
  promise: Promise<unknown>,
): Promise<{ status: number; data: Record<string, unknown> }> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ClientResponseError);
    return { status: err.status, data: (err.response as { data: Record<string, unknown> }).data };
  }
  assert.fail("expected the request to fail");
}

const NAME = /^[a-z0-9_]+_[a-z0-9]{10}\.[a-z]+$/;

describe("uploading record files", () => {
  test("create with a single and several files stores them under normalised names", async (t) => {
    const { s, cid } = await docsServer(t);
    const form = new FormData();
    form.set("title", "first");
    form.set("one", file("hello one", "Hello World.txt"));
    form.append("many", file("a", "a.txt"));
    form.append("many", file("bb", "b.txt"));
    const rec = await s.pb.collection("docs").create(form);

    assert.match(rec.one, /^hello_world_[a-z0-9]{10}\.txt$/);
    assert.equal(rec.many.length, 2);
    for (const name of rec.many) assert.match(name, NAME);
    assert.deepEqual(
      (await storedKeys(s.app, `${cid}/${rec.id}/`)).sort(),
      [`${cid}/${rec.id}/${rec.one}`, ...rec.many.map((n: string) => `${cid}/${rec.id}/${n}`)].sort(),
    );

    // PocketBase's layout: the file plus its .attrs side file with the original name
    const path = join(s.dir, "storage", cid, rec.id, rec.one);
    assert.equal(readFileSync(path, "utf8"), "hello one");
    const attrs = JSON.parse(readFileSync(path + ".attrs", "utf8"));
    assert.equal(attrs["user.content_type"], "text/plain; charset=utf-8");
    assert.deepEqual(attrs["user.metadata"], { "original-filename": "Hello World.txt" });

    // the SDK's object form (files mixed into a plain object) works too
    const rec2 = await s.pb.collection("docs").create({ title: "second", many: [file("x", "x.txt")] });
    assert.equal(rec2.many.length, 1);
  });

  test("a plain field with uploads replaces the value; names sent again are kept", async (t) => {
    const { s, cid } = await docsServer(t);
    const rec = await s.pb.collection("docs").create({ many: [file("1", "1.txt"), file("2", "2.txt")] });
    const [first, second] = rec.many as [string, string];
    assert.notEqual(first, second);

    // keep `first` by sending its name again, drop `second`, upload a new one
    const form = new FormData();
    form.append("many", first);
    form.append("many", file("3", "3.txt"));
    const updated = await s.pb.collection("docs").update(rec.id, form);
    assert.equal(updated.many.length, 2);
    assert.equal(updated.many[0], first);
    assert.match(updated.many[1], /^3[a-z0-9]{10}_[a-z0-9]{10}\.txt$/);
    await eventually(async () =>
      assert.deepEqual(
        (await storedKeys(s.app, `${cid}/${rec.id}/`)).sort(),
        [`${cid}/${rec.id}/${first}`, `${cid}/${rec.id}/${updated.many[1]}`].sort(),
      ),
    );

    // uploads without names replace everything
    const replaced = await s.pb.collection("docs").update(rec.id, { many: [file("4", "four.txt")] });
    assert.equal(replaced.many.length, 1);
    await eventually(async () =>
      assert.deepEqual(await storedKeys(s.app, `${cid}/${rec.id}/`), [
        `${cid}/${rec.id}/${replaced.many[0]}`,
      ]),
    );
  });

  test("files+ appends, +files prepends, files- removes (with its thumbs)", async (t) => {
    const { s, cid } = await docsServer(t);
    const rec = await s.pb.collection("docs").create({ many: [file(await png(80, 60), "p.png")] });
    const [pic] = rec.many as [string];

    const appended = await s.pb.collection("docs").update(rec.id, { "many+": [file("tail", "tail.txt")] });
    assert.equal(appended.many.length, 2);
    assert.equal(appended.many[0], pic);
    const prepended = await s.pb.collection("docs").update(rec.id, { "+many": [file("head", "head.txt")] });
    assert.equal(prepended.many.length, 3);
    assert.equal(prepended.many[1], pic);
    assert.match(prepended.many[0], /^head_/);

    // a thumb of the picture exists, and goes with it
    const thumb = await fetch(s.pb.files.getURL(prepended, pic, { thumb: "50x50" }));
    assert.equal(thumb.status, 200);
    await thumb.arrayBuffer();
    assert.equal((await storedKeys(s.app, `${cid}/${rec.id}/thumbs_${pic}/`)).length, 1);

    const removed = await s.pb.collection("docs").update(rec.id, { "many-": [pic] });
    assert.deepEqual(removed.many, [prepended.many[0], prepended.many[2]]);
    await eventually(async () => {
      const keys = await storedKeys(s.app, `${cid}/${rec.id}/`);
      assert.ok(!keys.some((k) => k.includes(pic)), keys.join(", "));
      assert.equal(keys.length, 2);
    });

    // too many after an append
    const { data } = await rejection(
      s.pb.collection("docs").update(rec.id, { "many+": [file("a", "a.txt"), file("b", "b.txt")] }),
    );
    assert.equal((data.many as { code: string }).code, "validation_too_many_files");
  });

  test("a JSON update keeps the listed names and deletes the others after commit", async (t) => {
    const { s, cid } = await docsServer(t);
    const rec = await s.pb.collection("docs").create({
      one: file("single", "s.txt"),
      many: [file("1", "1.txt"), file("2", "2.txt"), file("3", "3.txt")],
    });
    const updated = await s.pb.collection("docs").update(rec.id, { many: [rec.many[2]], one: "" });
    assert.deepEqual(updated.many, [rec.many[2]]);
    assert.equal(updated.one, "");
    await eventually(async () =>
      assert.deepEqual(await storedKeys(s.app, `${cid}/${rec.id}/`), [`${cid}/${rec.id}/${rec.many[2]}`]),
    );
  });

  test("names that are neither stored nor uploaded are refused", async (t) => {
    const { s } = await docsServer(t);
    const created = await rejection(s.pb.collection("docs").create({ many: ["made_up.txt"] }));
    assert.equal(created.status, 400);
    assert.deepEqual(created.data.many, {
      code: "validation_invalid_file",
      message: "Invalid new files: [made_up.txt].",
      params: { invalidFiles: ["made_up.txt"] },
    });

    const rec = await s.pb.collection("docs").create({ many: [file("1", "1.txt")] });
    const updated = await rejection(s.pb.collection("docs").update(rec.id, { "many+": ["other.txt"] }));
    assert.equal((updated.data.many as { code: string }).code, "validation_invalid_file");
  });

  test("a record delete removes its folder; a collection delete removes the collection's", async (t) => {
    const { s, cid } = await docsServer(t);
    const a = await s.pb.collection("docs").create({ many: [file("1", "1.txt")] });
    const b = await s.pb.collection("docs").create({ many: [file("2", "2.txt")] });
    await s.pb.collection("docs").delete(a.id);
    await eventually(async () => assert.deepEqual(await storedKeys(s.app, `${cid}/${a.id}/`), []));
    assert.equal((await storedKeys(s.app, `${cid}/${b.id}/`)).length, 1);

    await s.pb.collections.delete("docs");
    await eventually(async () => assert.deepEqual(await storedKeys(s.app, `${cid}/`), []));
  });
});

describe("bad uploads leave nothing behind", () => {
  test("an oversized file is a 400 with validation_file_size_limit", async (t) => {
    const { s, cid } = await docsServer(t);
    const { status, data } = await rejection(
      s.pb
        .collection("docs")
        .create({ many: [file("ok", "ok.txt")], small: file("x".repeat(11), "big.txt") }),
    );
    assert.equal(status, 400);
    assert.deepEqual(data.small, {
      code: "validation_file_size_limit",
      message: "Failed to upload big.txt - the maximum allowed file size is 10 bytes.",
      params: { file: "big.txt", maxSize: 10 },
    });
    assert.deepEqual(await storedKeys(s.app, `${cid}/`), []);
  });

  test("the body limit is 32 MiB plus the collection's file limits; over it is a 413", async (t) => {
    const s = await startTestServer(t);
    const fields = (maxSize: number) => [{ name: "f", type: "file", maxSelect: 1, maxSize }];
    const tiny = await s.pb.collections.create({ name: "tiny", createRule: "", fields: fields(1) });
    const big = await s.pb.collections.create({ name: "big", createRule: "", fields: fields(40 << 20) });
    const send = async (collection: string, size: number) => {
      const form = new FormData();
      form.set("f", file(new Uint8Array(size), "blob.bin"));
      const mp = await multipart(form); // sent with a Content-Length
      return request(s.url, "POST", `/api/collections/${collection}/records`, {
        body: mp.body,
        headers: mp.headers,
      });
    };

    const over = await send("tiny", 33 << 20);
    assert.equal(over.status, 413);
    assert.equal(over.json.status, 413);
    assert.deepEqual(await storedKeys(s.app, `${tiny.id}/`), []);

    const within = await send("big", 35 << 20);
    assert.equal(within.status, 200, within.text);
    assert.equal((await storedKeys(s.app, `${big.id}/${within.json.id}/`)).length, 1);
  });

  test("a disallowed MIME type is a 400 with validation_invalid_mime_type", async (t) => {
    const { s, cid } = await docsServer(t);
    const { status, data } = await rejection(
      // named .png but plain text: the type comes from the content
      s.pb
        .collection("docs")
        .create({ images: [file(await png(10, 10), "ok.png"), file("not an image", "fake.png")] }),
    );
    assert.equal(status, 400);
    const err = data.images as { code: string; message: string };
    assert.equal(err.code, "validation_invalid_mime_type");
    assert.match(
      err.message,
      /^"fake_[a-z0-9]{10}\.png" mime type must be one of: image\/png, image\/jpeg\.$/,
    );
    assert.deepEqual(await storedKeys(s.app, `${cid}/`), []);

    const rec = await s.pb.collection("docs").create({ images: [file(await png(10, 10), "ok.png")] });
    assert.equal(rec.images.length, 1);
  });

  test("files for a field that does not exist are ignored", async (t) => {
    const { s, cid } = await docsServer(t);
    const rec = await s.pb.collection("docs").create({ title: "x", nope: [file("1", "1.txt")] });
    assert.equal(rec.nope, undefined);
    assert.deepEqual(await storedKeys(s.app, `${cid}/`), []);

    // an HTML form's empty file input (a part without a file name) is a plain empty value
    const form = new FormData();
    form.set("title", "y");
    form.set("one", new File([], ""));
    const empty = await s.pb.collection("docs").create(form);
    assert.equal(empty.one, "");
    assert.deepEqual(await storedKeys(s.app, `${cid}/`), []);
  });

  test("a path-traversal file name is reduced to a safe base name", async (t) => {
    const { s, cid } = await docsServer(t);
    const form = new FormData();
    form.set("one", file("evil", "../../../../etc/passwd"));
    form.append("many", file("evil2", "..\\..\\win.ini"));
    const rec = await s.pb.collection("docs").create(form);
    assert.match(rec.one, /^passwd_[a-z0-9]{10}\.txt$/);
    assert.doesNotMatch(rec.many[0], /[\\/]/);
    const keys = await storedKeys(s.app, "");
    assert.equal(keys.length, 2);
    for (const key of keys) assert.ok(key.startsWith(`${cid}/${rec.id}/`), key);
  });

  test("a truncated multipart body is a 400", async (t) => {
    const { s, cid } = await docsServer(t);
    const form = new FormData();
    form.set("title", "cut");
    form.set("one", file("x".repeat(5000), "cut.txt"));
    const mp = await multipart(form);
    const res = await request(s.url, "POST", "/api/collections/docs/records", {
      body: mp.body.subarray(0, mp.body.length - 3000),
      headers: mp.headers,
    });
    assert.equal(res.status, 400, res.text);
    assert.deepEqual(await storedKeys(s.app, `${cid}/`), []);
    assert.equal((await s.pb.collection("docs").getFullList()).length, 0);
  });

  test("a failed row write deletes the files it had just stored", async (t) => {
    const { s, cid } = await docsServer(t);
    await s.pb.collection("docs").create({ title: "taken" });
    const { data } = await rejection(
      s.pb.collection("docs").create({ title: "taken", many: [file("1", "1.txt"), file("2", "2.txt")] }),
    );
    assert.equal((data.title as { code: string }).code, "validation_not_unique");
    assert.deepEqual(await storedKeys(s.app, `${cid}/`), []);
  });

  test("a save failing after its write deletes the stored files", async (t) => {
    const { s, cid } = await docsServer(t);
    s.app.onRecordAfterCreateSuccess("docs").bindFunc(async (e) => e.next());
    s.app.onRecordCreateExecute("docs").bindFunc(async (e) => {
      await e.next();
      throw new Error("after the write");
    });
    await rejection(s.pb.collection("docs").create({ many: [file("1", "1.txt")] }));
    assert.deepEqual(await storedKeys(s.app, `${cid}/`), []);
  });

  test("a transaction rolled back after the save deletes the stored files", async (t) => {
    const { s, cid } = await docsServer(t);
    // the upload happens inside the transaction of a request hook, which then fails
    s.app.onRecordCreateRequest("docs").bindFunc((e) =>
      e.app.runInTransaction(async (txApp) => {
        await txApp.save(e.record);
        throw new Error("after the save");
      }),
    );
    await rejection(s.pb.collection("docs").create({ many: [file("1", "1.txt")] }));
    assert.deepEqual(await storedKeys(s.app, `${cid}/`), []);
    assert.equal(await s.app.countRecords("docs"), 0);
  });

  test("hidden file fields are ignored for non-superusers", async (t) => {
    const { s, cid } = await docsServer(t);
    const guest = s.client();
    const rec = await guest.collection("docs").create({ title: "g", hiddenfile: file("h", "h.txt") });
    assert.equal(rec.hiddenfile, undefined);
    assert.deepEqual(await storedKeys(s.app, `${cid}/`), []);
    const su = await s.pb.collection("docs").create({ hiddenfile: file("h", "h.txt") });
    assert.match(su.hiddenfile, /^h[a-z0-9]{10}_[a-z0-9]{10}\.txt$/);
  });
});
