/**
 * Serving record files: `GET`/`HEAD /api/files/...` with PocketBase's headers, ranges and
 * `download`, thumbs (every size mode, generated once, stored beside the original), protected
 * files with file tokens, view records, and the file hooks.
 */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { thumbGenerator } from "../src/api/files.ts";
import { findAuthRecordByEmail } from "../src/core/records/record-query.ts";
import { newAuthToken } from "../src/core/records/record-tokens.ts";
import { decodeJwt } from "./helpers/jwt.ts";
import { request } from "./helpers/http.ts";
import { startTestServer, type TestServer } from "./helpers/server.ts";
import { bytesOf, createDocs, dimensions, file, image, png, storedKeys } from "./helpers/files.ts";

async function docsServer(t: Parameters<typeof startTestServer>[0]): Promise<{ s: TestServer; cid: string }> {
  const s = await startTestServer(t, { user: true });
  const cid = await createDocs(s.pb);
  return { s, cid };
}

describe("serving files", () => {
  test("downloads are byte for byte, with PocketBase's headers, HEAD, ranges and download=1", async (t) => {
    const { s } = await docsServer(t);
    const picture = await png(120, 80);
    const rec = await s.pb.collection("docs").create({
      one: file(picture, "pic.png"),
      many: [file("hello text", "notes.txt"), file("<svg xmlns='http://www.w3.org/2000/svg'/>", "x.svg")],
    });
    const url = s.pb.files.getURL(rec, rec.one);

    const res = await fetch(url);
    assert.equal(res.status, 200);
    assert.deepEqual(await bytesOf(res), picture);
    assert.equal(res.headers.get("content-type"), "image/png");
    assert.equal(res.headers.get("content-disposition"), `inline; filename=${rec.one}`);
    assert.equal(
      res.headers.get("content-security-policy"),
      "default-src 'none'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
    );
    assert.equal(res.headers.get("cache-control"), "max-age=2592000, stale-while-revalidate=86400");
    assert.equal(res.headers.get("content-length"), String(picture.length));
    assert.ok(res.headers.get("last-modified"));

    const head = await fetch(url, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get("content-length"), String(picture.length));
    assert.equal(head.headers.get("content-type"), "image/png");
    assert.equal((await head.arrayBuffer()).byteLength, 0);

    const part = await fetch(url, { headers: { range: "bytes=10-19" } });
    assert.equal(part.status, 206);
    assert.equal(part.headers.get("content-range"), `bytes 10-19/${picture.length}`);
    assert.deepEqual(await bytesOf(part), picture.subarray(10, 20));

    const bad = await fetch(url, { headers: { range: `bytes=${picture.length + 5}-` } });
    assert.equal(bad.status, 416);
    await bad.arrayBuffer();

    const cached = await fetch(url, {
      headers: { "if-modified-since": res.headers.get("last-modified") ?? "" },
    });
    assert.equal(cached.status, 304);

    const download = await fetch(s.pb.files.getURL(rec, rec.one, { download: true }));
    assert.equal(download.headers.get("content-disposition"), `attachment; filename=${rec.one}`);
    await download.arrayBuffer();

    // text is never inline; svg keeps its type but is an attachment
    const [txt, svg] = rec.many as [string, string];
    const text = await fetch(s.pb.files.getURL(rec, txt));
    assert.equal(await text.text(), "hello text");
    assert.equal(text.headers.get("content-type"), "text/plain; charset=utf-8");
    assert.equal(text.headers.get("content-disposition"), `attachment; filename=${txt}`);
    const vector = await fetch(s.pb.files.getURL(rec, svg));
    assert.equal(vector.headers.get("content-type"), "image/svg+xml");
    assert.equal(vector.headers.get("content-disposition"), `attachment; filename=${svg}`);
    await vector.arrayBuffer();
  });

  test("unknown collections, records and files are 404s", async (t) => {
    const { s } = await docsServer(t);
    const rec = await s.pb.collection("docs").create({ one: file("x", "x.txt") });
    for (const path of [
      `/api/files/missing/${rec.id}/${rec.one}`,
      `/api/files/docs/missing/${rec.one}`,
      `/api/files/docs/${rec.id}/missing.txt`,
      `/api/files/docs/${rec.id}/..%2F..%2Fdata.db`,
    ]) {
      const res = await request(s.url, "GET", path);
      assert.equal(res.status, 404, path);
      assert.deepEqual(res.json, { data: {}, message: "The requested resource wasn't found.", status: 404 });
    }
  });
});

describe("thumbs", () => {
  test("every size mode is generated once, stored beside the original and reused", async (t) => {
    const { s, cid } = await docsServer(t);
    const rec = await s.pb.collection("docs").create({ many: [file(await png(300, 200), "pic.png")] });
    const [pic] = rec.many as [string];
    const expected: Record<string, { width: number; height: number }> = {
      "100x100": { width: 100, height: 100 },
      "50x50": { width: 50, height: 50 },
      "60x40t": { width: 60, height: 40 },
      "60x40b": { width: 60, height: 40 },
      "60x40f": { width: 60, height: 40 },
      "0x30": { width: 45, height: 30 },
      "30x0": { width: 30, height: 20 },
    };
    for (const [size, dims] of Object.entries(expected)) {
      const res = await fetch(s.pb.files.getURL(rec, pic, { thumb: size }));
      assert.equal(res.status, 200, size);
      assert.equal(res.headers.get("content-disposition"), `inline; filename=${size}_${pic}`);
      assert.deepEqual(await dimensions(await bytesOf(res)), dims, size);
    }
    const thumbs = await storedKeys(s.app, `${cid}/${rec.id}/thumbs_${pic}/`);
    assert.deepEqual(
      thumbs.sort(),
      Object.keys(expected)
        .map((size) => `${cid}/${rec.id}/thumbs_${pic}/${size}_${pic}`)
        .sort(),
    );

    // asked again (and concurrently): served from storage, not regenerated
    const generator = thumbGenerator(s.app.storage());
    const before = generator.generated;
    const path = join(s.dir, "storage", cid, rec.id, `thumbs_${pic}`, `50x50_${pic}`);
    const mtime = statSync(path).mtimeMs;
    await Promise.all(
      [1, 2, 3].map(async () => (await fetch(s.pb.files.getURL(rec, pic, { thumb: "50x50" }))).arrayBuffer()),
    );
    assert.equal(generator.generated, before);
    assert.equal(statSync(path).mtimeMs, mtime);

    // a new size requested by many clients at once is made once
    await s.pb.collections.update("docs", {
      fields: (await s.pb.collections.getOne("docs")).fields.map((f: { name: string; thumbs?: string[] }) =>
        f.name === "many" ? { ...f, thumbs: [...(f.thumbs ?? []), "20x20"] } : f,
      ),
    });
    await Promise.all(
      [1, 2, 3, 4].map(async () =>
        (await fetch(s.pb.files.getURL(rec, pic, { thumb: "20x20" }))).arrayBuffer(),
      ),
    );
    assert.equal(generator.generated, before + 1);
  });

  test("sizes the field does not allow and non-images get the original", async (t) => {
    const { s, cid } = await docsServer(t);
    const picture = await png(90, 90);
    const rec = await s.pb.collection("docs").create({
      one: file(picture, "pic.png"),
      many: [file("text", "t.txt")],
    });
    // `one` only allows the default 100x100
    for (const thumb of ["50x50", "999x999", "0x0", "abc"]) {
      const res = await fetch(s.pb.files.getURL(rec, rec.one, { thumb }));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("content-disposition"), `inline; filename=${rec.one}`);
      assert.deepEqual(await bytesOf(res), picture, thumb);
    }
    const text = await fetch(s.pb.files.getURL(rec, rec.many[0], { thumb: "100x100" }));
    assert.equal(await text.text(), "text");
    assert.deepEqual(await storedKeys(s.app, `${cid}/${rec.id}/thumbs_${rec.many[0]}/`), []);
  });

  test("jpeg, gif and webp originals get thumbs (webp ones as PNG bytes)", async (t) => {
    const { s } = await docsServer(t);
    const rec = await s.pb.collection("docs").create({
      many: [
        file(await image("jpeg", 200, 100), "a.jpg"),
        file(await image("gif", 200, 100), "b.gif"),
        file(await image("webp", 200, 100), "c.webp"),
      ],
    });
    const formats = ["jpeg", "gif", "png"];
    for (const [i, name] of (rec.many as string[]).entries()) {
      const res = await fetch(s.pb.files.getURL(rec, name, { thumb: "50x50" }));
      const bytes = await bytesOf(res);
      assert.deepEqual(await dimensions(bytes), { width: 50, height: 50 });
      const sharp = (await import("sharp")).default;
      assert.equal((await sharp(bytes).metadata()).format, formats[i]);
    }
  });
});

describe("protected files and file tokens", () => {
  async function vaultServer(t: Parameters<typeof startTestServer>[0]) {
    const s = await startTestServer(t, { user: true });
    await s.pb.collections.create({
      name: "vault",
      createRule: "",
      viewRule: "@request.auth.email = 'user@example.com'",
      fields: [{ name: "doc", type: "file", maxSelect: 1, protected: true }],
    });
    const other = await s.pb
      .collection("users")
      .create({ email: "other@example.com", password: "1234567890", passwordConfirm: "1234567890" });
    const users = s.app.findCollectionByNameOrId("users");
    assert.ok(users);
    const otherRecord = await findAuthRecordByEmail(s.app, users, other.email);
    assert.ok(otherRecord);
    const rec = await s.pb.collection("vault").create({ doc: file("top secret", "secret.txt") });
    const tokenOf = async (authToken: string) => {
      const pb = s.client();
      pb.authStore.save(authToken, null);
      return pb.files.getToken();
    };
    return { s, rec, tokenOf, otherToken: newAuthToken(otherRecord) };
  }

  test("a protected file needs a file token of someone who may view the record", async (t) => {
    const { s, rec, tokenOf, otherToken } = await vaultServer(t);
    const url = (token?: string) => s.pb.files.getURL(rec, rec.doc, token ? { token } : {});

    assert.equal((await fetch(url())).status, 404);
    assert.equal((await fetch(url("not-a-token"))).status, 404);
    // an auth token is not a file token
    assert.equal((await fetch(url(s.userToken))).status, 404);

    const allowed = await fetch(url(await tokenOf(s.userToken)));
    assert.equal(allowed.status, 200);
    assert.equal(await allowed.text(), "top secret");

    const refused = await fetch(url(await tokenOf(otherToken)));
    assert.equal(refused.status, 404);
    await refused.arrayBuffer();

    const superuser = await fetch(url(await tokenOf(s.token)));
    assert.equal(superuser.status, 200);
    await superuser.arrayBuffer();

    // a public view rule serves protected files to anyone
    await s.pb.collections.update("vault", { viewRule: "" });
    const open = await fetch(url());
    assert.equal(open.status, 200);
    await open.arrayBuffer();
  });

  test("POST /api/files/token issues file tokens to auth records only", async (t) => {
    const { s } = await vaultServer(t);
    const guest = await request(s.url, "POST", "/api/files/token");
    assert.equal(guest.status, 401);
    assert.deepEqual(guest.json.data, {});

    const res = await request(s.url, "POST", "/api/files/token", { token: s.userToken });
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json), ["token"]);
    const { claims } = decodeJwt(res.json.token);
    assert.equal(claims.type, "file");
    assert.equal(claims.collectionId, "_pb_users_auth_");
    const lifetime = Number(claims.exp) - Math.floor(Date.now() / 1000);
    assert.ok(lifetime > 170 && lifetime <= 180, String(lifetime));

    s.app.onFileTokenRequest().bindFunc(async (e) => {
      e.token = "replaced";
      await e.next();
    });
    const hooked = await request(s.url, "POST", "/api/files/token", { token: s.token });
    assert.deepEqual(hooked.json, { token: "replaced" });
  });

  test("onFileDownloadRequest sees what is served and may change it", async (t) => {
    const { s } = await docsServer(t);
    const rec = await s.pb.collection("docs").create({ many: [file(await png(300, 200), "p.png")] });
    const seen: string[] = [];
    s.app.onFileDownloadRequest("docs").bindFunc(async (e) => {
      seen.push(`${e.collection.name}/${e.record.id}/${e.fileField.name}:${e.servedName}`);
      e.servedName = "renamed.png";
      await e.next();
    });
    const res = await fetch(s.pb.files.getURL(rec, rec.many[0], { thumb: "50x50" }));
    await res.arrayBuffer();
    assert.deepEqual(seen, [`docs/${rec.id}/many:50x50_${rec.many[0]}`]);
    assert.equal(res.headers.get("content-disposition"), "inline; filename=renamed.png");
  });
});

describe("files of view records", () => {
  test("are served from the source record's folder, through nested views", async (t) => {
    const { s } = await docsServer(t);
    const rec = await s.pb
      .collection("docs")
      .create({ one: file("one", "one.txt"), many: [file(await png(200, 100), "p.png")] });
    await s.pb.collections.create({
      name: "docs_view",
      type: "view",
      viewRule: "",
      viewQuery: "SELECT d.id, d.one, d.many AS pictures FROM docs d",
    });
    await s.pb.collections.create({
      name: "docs_view2",
      type: "view",
      viewRule: "",
      viewQuery: "SELECT id, pictures FROM docs_view",
    });

    const viewRec = await s.pb.collection("docs_view").getOne(rec.id);
    const one = await fetch(s.pb.files.getURL(viewRec, viewRec.one));
    assert.equal(await one.text(), "one");

    const nested = await s.pb.collection("docs_view2").getOne(rec.id);
    const thumb = await fetch(s.pb.files.getURL(nested, nested.pictures[0], { thumb: "100x100" }));
    assert.equal(thumb.status, 200);
    assert.deepEqual(await dimensions(await bytesOf(thumb)), { width: 100, height: 100 });
  });
});
