/**
 * Uploads the storage layer used to refuse or fail (issue 16 §6): a file named `x.txt.attrs` is
 * stored like any other (PocketBase stores it), and an upload the storage refuses answers a 400
 * naming the field and the reason instead of a bare "Failed to create record.".
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { request } from "./helpers/http.ts";
import { startTestServer } from "./helpers/server.ts";
import { bytesOf, createDocs, file, storedKeys } from "./helpers/files.ts";
import { multipart } from "./helpers/records-testdata.ts";

describe("uploads the storage refused", () => {
  test("a file named x.txt.attrs uploads, downloads, lists and deletes", async (t) => {
    const s = await startTestServer(t);
    const cid = await createDocs(s.pb);
    const form = new FormData();
    form.set("title", "attrs");
    form.set("one", file("side", "x.txt.attrs"));
    form.append("many", file("a", "a.attrs"));
    form.append("many", file("b", "b.txt"));
    const rec = await s.pb.collection("docs").create(form);
    assert.match(rec.one, /\.attrs$/);
    assert.equal(rec.many.length, 2);

    const path = join(s.dir, "storage", cid, rec.id, rec.one);
    assert.equal(readFileSync(path, "utf8"), "side");
    const res = await fetch(`${s.url}/api/files/docs/${rec.id}/${rec.one}`);
    assert.equal(res.status, 200);
    assert.equal((await bytesOf(res)).toString(), "side");
    assert.deepEqual(
      (await storedKeys(s.app, `${cid}/${rec.id}/`)).sort(),
      [rec.one, ...rec.many].map((n: string) => `${cid}/${rec.id}/${n}`).sort(),
    );

    await s.pb.collection("docs").delete(rec.id);
    assert.deepEqual(await storedKeys(s.app, `${cid}/${rec.id}/`), []);
  });

  test("an upload the storage fails on names the field and the reason", async (t) => {
    const s = await startTestServer(t);
    const cid = await createDocs(s.pb);
    // A plain file where the record's folder must go: the storage cannot write under it.
    const id = "refusedrecord01";
    mkdirSync(join(s.dir, "storage", cid), { recursive: true });
    writeFileSync(join(s.dir, "storage", cid, id), "in the way");
    const form = new FormData();
    form.set("id", id);
    form.set("title", "refused");
    form.set("one", file("hello", "hello.txt"));
    const res = await request(s.url, "POST", "/api/collections/docs/records", {
      token: s.token,
      ...(await multipart(form)),
    });
    assert.equal(res.status, 400, res.text);
    const one = res.json.data.one as { code: string; message: string };
    assert.equal(one.code, "validation_file_upload_failed");
    assert.match(one.message, /hello\.txt/);
    assert.equal(
      (await request(s.url, "GET", `/api/collections/docs/records/${id}`, { token: s.token })).status,
      404,
    );
  });
});
