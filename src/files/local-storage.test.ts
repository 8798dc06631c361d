import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { describe, it } from "node:test";
import { ATTRS_SUFFIX, LocalStorage, encodeAttrs, parseAttrs } from "./local-storage.ts";
import { runStorageSuite } from "./storage.case.ts";
import { StorageError } from "./storage.ts";

/** PocketBase's own data folder (read-only; see test/helpers/testdata.ts). */
const TESTDATA_DIR = resolve(
  process.env["SATCHEL_PB_TESTDATA"] ??
    new URL("../../../shared/pocketbase-testdata", import.meta.url).pathname,
);

let root = "";
runStorageSuite({
  name: "local filesystem",
  create: async () => {
    root = mkdtempSync(join(tmpdir(), "satchel-local-storage-"));
    return new LocalStorage(join(root, "storage"));
  },
  cleanup: async () => rmSync(root, { recursive: true, force: true }),
});

function tempRoot(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "satchel-local-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under a folder, as relative paths. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

const TESTDATA_STORAGE = join(TESTDATA_DIR, "storage");

void describe("LocalStorage with PocketBase's own storage folder", () => {
  const skip = existsSync(TESTDATA_STORAGE) ? false : `PocketBase test data missing at ${TESTDATA_STORAGE}`;

  void it("reads every stored file byte for byte with the attributes of its .attrs", { skip }, async (t) => {
    const dir = join(tempRoot(t), "storage");
    cpSync(TESTDATA_STORAGE, dir, { recursive: true });
    const storage = new LocalStorage(dir);
    const files = filesUnder(dir).filter((f) => !f.endsWith(ATTRS_SUFFIX));
    assert.ok(files.length >= 20, `expected the test data's files, found ${files.length}`);

    const listed = await storage.list("");
    assert.deepEqual(
      listed.map((e) => e.key),
      files.map((f) => f.split("\\").join("/")),
      "list('') is every object and no .attrs file",
    );

    for (const file of files) {
      const key = file.split("\\").join("/");
      const bytes = readFileSync(join(dir, file));
      const attrsFile = JSON.parse(readFileSync(join(dir, file + ATTRS_SUFFIX), "utf8")) as Record<
        string,
        unknown
      >;
      const read = await storage.read(key);
      const got = Buffer.from(await new Response(read.body).arrayBuffer());
      assert.ok(got.equals(bytes), `${key}: same bytes`);
      const attrs = read.attributes;
      assert.equal(attrs.size, bytes.byteLength, key);
      assert.equal(attrs.contentType, attrsFile["user.content_type"], key);
      assert.deepEqual(attrs.metadata, attrsFile["user.metadata"] ?? {}, key);
      assert.equal(attrs.md5, attrsFile["md5"], key);
      assert.equal(
        attrs.md5,
        createHash("md5").update(bytes).digest("base64"),
        `${key}: md5 is the content's`,
      );
      const mtime = statSync(join(dir, file), { bigint: true });
      assert.equal(attrs.etag, `"${mtime.mtimeNs.toString(16)}-${mtime.size.toString(16)}"`, key);
    }

    const user = await storage.attributes("_pb_users_auth_/4q1xlclmfloku33/300_1SEi6Q6U72.png");
    assert.equal(user.contentType, "image/png");
    const thumbs = await storage.list("_pb_users_auth_/4q1xlclmfloku33/thumbs_300_1SEi6Q6U72.png/");
    assert.deepEqual(
      thumbs.map((e) => e.key.split("/").pop()),
      [
        "0x50_300_1SEi6Q6U72.png",
        "100x100_300_1SEi6Q6U72.png",
        "70x0_300_1SEi6Q6U72.png",
        "70x50_300_1SEi6Q6U72.png",
        "70x50b_300_1SEi6Q6U72.png",
        "70x50f_300_1SEi6Q6U72.png",
        "70x50t_300_1SEi6Q6U72.png",
      ],
    );
  });

  void it("writes .attrs side files exactly as PocketBase does", { skip }, async (t) => {
    const dir = tempRoot(t);
    const storage = new LocalStorage(dir);
    const folder = join(TESTDATA_STORAGE, "wsmn24bux7wo113", "84nmscqy84lsi1t");
    const cases: [file: string, metadata: Record<string, string> | undefined][] = [
      ["test_MaWC6mWyrP.txt", { "original-filename": "test.txt" }],
      ["test_QZFjKjXchk.txt", undefined],
      ["300_WlbFWSGmW9.png", undefined],
      ["logo_vcfJJG5TAh.svg", undefined],
    ];
    for (const [file, metadata] of cases) {
      const original = parseAttrs(readFileSync(join(folder, file + ATTRS_SUFFIX), "utf8"));
      const key = `col/rec/${file}`;
      await storage.write(key, readFileSync(join(folder, file)), {
        contentType: original["user.content_type"],
        ...(metadata ? { metadata } : {}),
      });
      assert.equal(
        readFileSync(join(dir, "col", "rec", file + ATTRS_SUFFIX), "utf8"),
        readFileSync(join(folder, file + ATTRS_SUFFIX), "utf8"),
        `${file}.attrs`,
      );
    }
  });
});

void describe("LocalStorage", () => {
  void it("encodes side files like Go (key order, null metadata, HTML escaping, trailing newline)", () => {
    const base = {
      "user.cache_control": "",
      "user.content_disposition": "",
      "user.content_encoding": "",
      "user.content_language": "",
      "user.content_type": "image/png",
      md5: "AAAA",
    };
    assert.equal(
      encodeAttrs({ ...base, "user.metadata": { "original-filename": "x.png" } }),
      '{"user.cache_control":"","user.content_disposition":"","user.content_encoding":"","user.content_language":"","user.content_type":"image/png","user.metadata":{"original-filename":"x.png"},"md5":"AAAA"}\n',
    );
    assert.equal(
      encodeAttrs({ ...base, "user.metadata": {} }),
      '{"user.cache_control":"","user.content_disposition":"","user.content_encoding":"","user.content_language":"","user.content_type":"image/png","user.metadata":null,"md5":"AAAA"}\n',
    );
    assert.match(
      encodeAttrs({ ...base, "user.metadata": { "original-filename": "<a>&b\u2028.png", b: "2", a: "1" } }),
      /"user\.metadata":\{"a":"1","b":"2","original-filename":"\\u003ca\\u003e\\u0026b\\u2028\.png"\}/,
    );
  });

  void it("reads objects without a side file as application/octet-stream", async (t) => {
    const dir = tempRoot(t);
    writeFileSync(join(dir, "loose.bin"), "abc");
    writeFileSync(join(dir, "damaged.txt"), "abc");
    writeFileSync(join(dir, "damaged.txt.attrs"), "{not json");
    const storage = new LocalStorage(dir);
    for (const key of ["loose.bin", "damaged.txt"]) {
      const attrs = await storage.attributes(key);
      assert.equal(attrs.contentType, "application/octet-stream");
      assert.deepEqual(attrs.metadata, {});
      assert.equal(attrs.md5, undefined);
    }
  });

  void it("reserves the side files of objects and never lists them or temporary files", async (t) => {
    const dir = tempRoot(t);
    const storage = new LocalStorage(dir);
    await storage.write("a/b.png", Buffer.from("x"), { contentType: "image/png" });
    await assert.rejects(storage.write("a/b.png.attrs", Buffer.from("x")), (e: unknown) => {
      return e instanceof StorageError && e.code === "invalid_key";
    });
    writeFileSync(join(dir, "a", "c.png.0123.satchel-tmp"), "partial");
    // A name ending in .attrs that is no object's side file is an object (PocketBase stores it).
    await storage.write("a/x.txt.attrs", Buffer.from("side"), { contentType: "text/plain" });
    assert.equal(readFileSync(join(dir, "a", "x.txt.attrs"), "utf8"), "side");
    assert.ok(existsSync(join(dir, "a", "x.txt.attrs.attrs")));
    assert.deepEqual(
      (await storage.list("")).map((e) => e.key),
      ["a/b.png", "a/x.txt.attrs"],
    );
    await storage.delete("a/x.txt.attrs");
    assert.ok(!existsSync(join(dir, "a", "x.txt.attrs.attrs")));
    assert.deepEqual(
      (await storage.list("")).map((e) => e.key),
      ["a/b.png"],
    );
  });

  void it("leaves no temporary file after a failed write", async (t) => {
    const dir = tempRoot(t);
    const storage = new LocalStorage(dir);
    await storage.write("c/r/keep.txt", Buffer.from("keep"), { contentType: "text/plain" });
    const failing = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new Uint8Array(10));
        c.error(new Error("boom"));
      },
    });
    await assert.rejects(storage.write("c/r/new.txt", failing, { contentType: "text/plain" }));
    await assert.rejects(
      storage.write("c/r/big.txt", new Uint8Array(5000), { contentType: "text/plain", maxBytes: 10 }),
    );
    assert.deepEqual(filesUnder(dir), ["c/r/keep.txt", "c/r/keep.txt.attrs"]);
  });

  void it("removes the folders a record prefix leaves empty, as PocketBase does", async (t) => {
    const dir = tempRoot(t);
    const storage = new LocalStorage(dir);
    await storage.write("col/rec/a.png", Buffer.from("a"), { contentType: "image/png" });
    await storage.write("col/rec/thumbs_a.png/100x100_a.png", Buffer.from("t"), { contentType: "image/png" });
    await storage.write("col/other/b.png", Buffer.from("b"), { contentType: "image/png" });
    assert.deepEqual(await storage.deletePrefix("col/rec/"), []);
    assert.equal(existsSync(join(dir, "col", "rec")), false);
    assert.equal(existsSync(join(dir, "col", "other", "b.png")), true);
    // a thumbs folder of one file
    await storage.write("col/other/thumbs_b.png/10x10_b.png", Buffer.from("t"), { contentType: "image/png" });
    assert.deepEqual(await storage.deletePrefix("col/other/thumbs_b.png/"), []);
    assert.equal(existsSync(join(dir, "col", "other", "thumbs_b.png")), false);
    assert.equal(existsSync(join(dir, "col", "other", "b.png")), true);
  });

  void it("keeps keys inside its root", async (t) => {
    const dir = tempRoot(t);
    const storage = new LocalStorage(join(dir, "storage"));
    writeFileSync(join(dir, "secret.txt"), "secret");
    for (const key of ["../secret.txt", "storage/../../secret.txt", "/etc/hostname"]) {
      await assert.rejects(
        storage.read(key),
        (e: unknown) => e instanceof StorageError && e.code === "invalid_key",
      );
    }
    assert.equal(storage.pathOf("a/b.txt"), join(dir, "storage", "a", "b.txt"));
    await storage.close();
    await assert.rejects(storage.read("a/b.txt"), StorageError);
  });
});
