/**
 * The contract every `Storage` driver passes: `local-storage.test.ts` and `s3-storage.test.ts`
 * call `runStorageSuite` with a factory. Each test works under its own key prefix, so one store
 * serves the whole suite.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { StorageError, type Storage } from "./storage.ts";

export interface StorageSuiteOptions {
  name: string;
  /** A ready store (called once, before the first test). */
  create(): Promise<Storage>;
  /** Called after the last test (the store is closed first). */
  cleanup?(): Promise<void>;
  /** Skip the whole suite, with this reason. */
  skip?: string | false | undefined;
}

const enc = new TextEncoder();

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  return Buffer.from(await new Response(stream).arrayBuffer());
}

async function readText(storage: Storage, key: string): Promise<string> {
  return (await readAll((await storage.read(key)).body)).toString("utf8");
}

/** A deterministic pseudo-random stream of `size` bytes (xorshift32), generated chunk by chunk. */
function generatedStream(
  size: number,
  seed: number,
): { stream: ReadableStream<Uint8Array>; sha256: () => string } {
  const hash = createHash("sha256");
  let state = seed >>> 0 || 1;
  let produced = 0;
  const chunkSize = 64 * 1024;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (produced >= size) {
        controller.close();
        return;
      }
      const n = Math.min(chunkSize, size - produced);
      const chunk = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        chunk[i] = state & 0xff;
      }
      hash.update(chunk);
      produced += n;
      controller.enqueue(chunk);
    },
  });
  return { stream, sha256: () => hash.digest("hex") };
}

async function sha256Of(stream: ReadableStream<Uint8Array>): Promise<{ hex: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  const reader = stream.getReader();
  for (;;) {
    const r = await reader.read();
    if (r.done) break;
    hash.update(r.value);
    size += r.value.byteLength;
  }
  return { hex: hash.digest("hex"), size };
}

async function rejectsWith(
  promise: Promise<unknown>,
  code: StorageError["code"],
  what: string,
): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof StorageError, `${what}: expected a StorageError, got ${String(err)}`);
    assert.equal(err.code, code, `${what}: ${err.message}`);
    return true;
  });
}

/** A stream that yields some bytes, then fails. */
function failingStream(): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(enc.encode("partial content"));
      } else controller.error(new Error("client went away"));
    },
  });
}

export function runStorageSuite(options: StorageSuiteOptions): void {
  void describe(`Storage contract: ${options.name}`, { skip: options.skip || false }, () => {
    let storage: Storage;
    let counter = 0;
    /** A fresh prefix per test. */
    const prefix = (): string => `c${++counter}x${Date.now().toString(36)}/r${counter}/`;

    before(async () => {
      storage = await options.create();
    });

    after(async () => {
      await storage?.close();
      await options.cleanup?.();
    });

    void it("writes bytes and reads them back with their attributes and metadata", async () => {
      const key = `${prefix()}hello_abc123.txt`;
      const result = await storage.write(key, Buffer.from("hello world\n"), {
        contentType: "text/plain; charset=utf-8",
        metadata: { "original-filename": "hello.txt" },
      });
      assert.equal(result.size, 12);
      assert.equal(result.contentType, "text/plain; charset=utf-8");
      assert.equal(result.md5, createHash("md5").update("hello world\n").digest("base64"));

      assert.equal(await storage.exists(key), true);
      const attrs = await storage.attributes(key);
      assert.equal(attrs.size, 12);
      assert.equal(attrs.contentType, "text/plain; charset=utf-8");
      assert.deepEqual(attrs.metadata, { "original-filename": "hello.txt" });
      assert.ok(attrs.modified instanceof Date && attrs.modified.getTime() > Date.now() - 3_600_000);
      if (attrs.md5 !== undefined) assert.equal(attrs.md5, result.md5);

      const read = await storage.read(key);
      assert.equal(read.start, 0);
      assert.equal(read.end, 11);
      assert.equal(read.length, 12);
      assert.equal(read.attributes.contentType, "text/plain; charset=utf-8");
      assert.equal((await readAll(read.body)).toString(), "hello world\n");
    });

    void it("streams a 20 MB generated upload and download without changing a byte", async () => {
      const key = `${prefix()}big_0123456789.bin`;
      const size = 20 * 1024 * 1024;
      const source = generatedStream(size, 42);
      const result = await storage.write(key, source.stream, { contentType: "application/octet-stream" });
      const expected = source.sha256();
      assert.equal(result.size, size);
      assert.equal((await storage.attributes(key)).size, size);
      const back = await sha256Of((await storage.read(key)).body);
      assert.equal(back.size, size);
      assert.equal(back.hex, expected);
      const listed = await storage.list(key);
      assert.deepEqual(
        listed.map((e) => [e.key, e.size]),
        [[key, size]],
      );
    });

    void it("streams an upload of a declared size", async () => {
      const key = `${prefix()}sized.bin`;
      const size = 3 * 1024 * 1024 + 17;
      const source = generatedStream(size, 7);
      const result = await storage.write(key, source.stream, {
        contentType: "application/octet-stream",
        size,
      });
      assert.equal(result.size, size);
      assert.equal((await sha256Of((await storage.read(key)).body)).hex, source.sha256());
    });

    void it("sniffs the content type when none is given", async () => {
      const p = prefix();
      const png = Buffer.from(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
        "base64",
      );
      await storage.write(`${p}pixel.png`, png);
      assert.equal((await storage.attributes(`${p}pixel.png`)).contentType, "image/png");
      const text = new Blob(["just some text"]).stream();
      const r = await storage.write(`${p}notes.txt`, text);
      assert.equal(r.contentType, "text/plain; charset=utf-8");
      assert.equal(await readText(storage, `${p}notes.txt`), "just some text");
    });

    void it("reads byte ranges and refuses ranges outside the object", async () => {
      const key = `${prefix()}digits.txt`;
      await storage.write(key, Buffer.from("0123456789"), { contentType: "text/plain" });
      const cases: [start: number, end: number | undefined, text: string][] = [
        [0, 0, "0"],
        [2, 5, "2345"],
        [7, undefined, "789"],
        [8, 100, "89"], // the end is clamped
        [9, 9, "9"],
      ];
      for (const [start, end, text] of cases) {
        const r = await storage.read(key, end === undefined ? { start } : { start, end });
        assert.equal((await readAll(r.body)).toString(), text, `range ${start}-${end ?? ""}`);
        assert.equal(r.start, start);
        assert.equal(r.end, start + text.length - 1);
        assert.equal(r.length, text.length);
        assert.equal(r.attributes.size, 10, "attributes describe the whole object");
      }
      await rejectsWith(storage.read(key, { start: 10 }), "invalid_range", "start at the size");
      await rejectsWith(storage.read(key, { start: 50, end: 60 }), "invalid_range", "start past the end");
      await rejectsWith(storage.read(key, { start: 5, end: 2 }), "invalid_range", "end before start");
      await rejectsWith(storage.read(key, { start: -1 }), "invalid_range", "negative start");
    });

    void it("stores and reads an empty object", async () => {
      const key = `${prefix()}empty.txt`;
      const r = await storage.write(key, new Uint8Array(0), { contentType: "text/plain" });
      assert.equal(r.size, 0);
      const read = await storage.read(key);
      assert.equal(read.length, 0);
      assert.equal((await readAll(read.body)).byteLength, 0);
      assert.equal((await storage.attributes(key)).size, 0);
    });

    void it("replaces an object on a second write", async () => {
      const key = `${prefix()}v.txt`;
      await storage.write(key, Buffer.from("first version"), {
        contentType: "text/plain",
        metadata: { "original-filename": "one.txt" },
      });
      await storage.write(key, Buffer.from("second"), { contentType: "text/markdown" });
      assert.equal(await readText(storage, key), "second");
      const attrs = await storage.attributes(key);
      assert.equal(attrs.size, 6);
      assert.equal(attrs.contentType, "text/markdown");
      assert.deepEqual(attrs.metadata, {});
    });

    void it("round-trips metadata with unicode and special characters", async () => {
      const key = `${prefix()}meta.bin`;
      const names = ["résumé (final) #2 & co.pdf", "名前 100%.png", "a+b=c;d,e?f@g:h/i.txt", "<script>.html"];
      for (const name of names) {
        await storage.write(key, Buffer.from("x"), {
          contentType: "application/octet-stream",
          metadata: { "Original-Filename": name },
        });
        assert.deepEqual((await storage.attributes(key)).metadata, { "original-filename": name }, name);
      }
    });

    void it("lists by folder prefix and by name prefix, sorted, objects only", async () => {
      const p = prefix();
      const keys = [
        `${p}b_file.txt`,
        `${p}a_file.txt`,
        `${p}thumbs_a_file.png/100x100_a_file.png`,
        `${p}thumbs_a_file.png/0x50_a_file.png`,
        `${p}sub/deeper/z.txt`,
      ];
      for (const [i, key] of keys.entries()) {
        await storage.write(key, Buffer.from("x".repeat(i + 1)), { contentType: "text/plain" });
      }
      const all = await storage.list(p);
      assert.deepEqual(
        all.map((e) => e.key),
        [...keys].sort(),
      );
      const sizes = new Map(all.map((e) => [e.key, e.size]));
      for (const [i, key] of keys.entries()) assert.equal(sizes.get(key), i + 1, key);
      for (const e of all) assert.ok(e.modified instanceof Date && !Number.isNaN(e.modified.getTime()));

      assert.deepEqual(
        (await storage.list(`${p}thumbs_a_file.png/`)).map((e) => e.key),
        [`${p}thumbs_a_file.png/0x50_a_file.png`, `${p}thumbs_a_file.png/100x100_a_file.png`],
      );
      assert.deepEqual(
        (await storage.list(`${p}a_`)).map((e) => e.key),
        [`${p}a_file.txt`],
      );
      assert.deepEqual(await storage.list(`${p}nothing/`), []);
      assert.deepEqual(await storage.list(`${p}zzz`), []);
      const everything = (await storage.list("")).map((e) => e.key);
      for (const key of keys) assert.ok(everything.includes(key), `list("") has ${key}`);
    });

    void it("deletes an object; deleting a missing object is not an error", async () => {
      const key = `${prefix()}gone.txt`;
      await storage.write(key, Buffer.from("bye"), { contentType: "text/plain" });
      await storage.delete(key);
      assert.equal(await storage.exists(key), false);
      await rejectsWith(storage.attributes(key), "not_found", "after delete");
      await storage.delete(key);
      await storage.delete(`${prefix()}never-existed.txt`);
    });

    void it("deletes by prefix, leaving everything else", async () => {
      const p = prefix();
      const doomed = [`${p}rec1/a.txt`, `${p}rec1/thumbs_a.png/10x10_a.png`, `${p}rec1/b.txt`];
      const kept = [`${p}rec10/a.txt`, `${p}rec2/a.txt`, `${p}rec1.txt`];
      for (const key of [...doomed, ...kept]) {
        await storage.write(key, Buffer.from(key), { contentType: "text/plain" });
      }
      assert.deepEqual(await storage.deletePrefix(`${p}rec1/`), []);
      for (const key of doomed) assert.equal(await storage.exists(key), false, key);
      for (const key of kept) assert.equal(await storage.exists(key), true, key);
      assert.deepEqual(await storage.list(`${p}rec1/`), []);

      // a name prefix (a file and its variants), not a folder
      await storage.write(`${p}x/file_1.txt`, Buffer.from("1"), { contentType: "text/plain" });
      await storage.write(`${p}x/file_2.txt`, Buffer.from("2"), { contentType: "text/plain" });
      await storage.write(`${p}x/other.txt`, Buffer.from("3"), { contentType: "text/plain" });
      assert.deepEqual(await storage.deletePrefix(`${p}x/file_`), []);
      assert.deepEqual(
        (await storage.list(`${p}x/`)).map((e) => e.key),
        [`${p}x/other.txt`],
      );

      assert.deepEqual(await storage.deletePrefix(`${p}nothing-here/`), []);
      const refused = await storage.deletePrefix("");
      assert.equal(refused.length, 1);
      assert.ok(refused[0] instanceof StorageError && refused[0].code === "invalid_key");
      assert.equal(await storage.exists(`${p}x/other.txt`), true, "the empty prefix deleted nothing");
    });

    void it("reports missing objects as not_found", async () => {
      const key = `${prefix()}missing.txt`;
      assert.equal(await storage.exists(key), false);
      await rejectsWith(storage.attributes(key), "not_found", "attributes");
      await rejectsWith(storage.read(key), "not_found", "read");
      await rejectsWith(storage.read(key, { start: 0, end: 1 }), "not_found", "ranged read");
      await rejectsWith(storage.copy(key, `${prefix()}copy.txt`), "not_found", "copy");
      // a "folder" is not an object
      const p = prefix();
      await storage.write(`${p}dir/file.txt`, Buffer.from("x"), { contentType: "text/plain" });
      assert.equal(await storage.exists(`${p}dir`), false);
      await rejectsWith(storage.read(`${p}dir`), "not_found", "folder");
    });

    void it("rejects path-traversal and malformed keys", async () => {
      const bad = [
        "",
        "../etc/passwd",
        "a/../../b",
        "a/./b",
        "..",
        ".",
        "/etc/passwd",
        "a\\b",
        "..\\..\\windows",
        "a\u0000b",
        "a\nb",
        "a//b",
        "a/b/",
        "x".repeat(2000),
      ];
      for (const key of bad) {
        const label = JSON.stringify(key.slice(0, 30));
        await rejectsWith(storage.write(key, Buffer.from("x")), "invalid_key", `write ${label}`);
        await rejectsWith(storage.read(key), "invalid_key", `read ${label}`);
        await rejectsWith(storage.attributes(key), "invalid_key", `attributes ${label}`);
        await rejectsWith(storage.exists(key), "invalid_key", `exists ${label}`);
        await rejectsWith(storage.delete(key), "invalid_key", `delete ${label}`);
        await rejectsWith(storage.copy("ok/key.txt", key), "invalid_key", `copy to ${label}`);
      }
      for (const p of ["../", "/abs/", "a/../", "a\\", "a\u0000/"]) {
        await rejectsWith(storage.list(p), "invalid_key", `list ${JSON.stringify(p)}`);
        const failures = await storage.deletePrefix(p);
        assert.ok(failures[0] instanceof StorageError && failures[0].code === "invalid_key", p);
      }
    });

    void it("copies an object with its content type and metadata", async () => {
      const p = prefix();
      await storage.write(`${p}src.txt`, Buffer.from("copy me"), {
        contentType: "text/plain; charset=utf-8",
        metadata: { "original-filename": "Src File.txt" },
      });
      await storage.copy(`${p}src.txt`, `${p}other/dst.txt`);
      assert.equal(await readText(storage, `${p}other/dst.txt`), "copy me");
      const attrs = await storage.attributes(`${p}other/dst.txt`);
      assert.equal(attrs.contentType, "text/plain; charset=utf-8");
      assert.deepEqual(attrs.metadata, { "original-filename": "Src File.txt" });
      assert.equal(await readText(storage, `${p}src.txt`), "copy me", "the source stays");
    });

    void it("stops a write past maxBytes and stores nothing", async () => {
      const p = prefix();
      await rejectsWith(
        storage.write(`${p}big.bin`, generatedStream(6 * 1024 * 1024, 3).stream, {
          contentType: "application/octet-stream",
          maxBytes: 1024 * 1024,
        }),
        "too_large",
        "stream",
      );
      await rejectsWith(
        storage.write(`${p}big2.bin`, new Uint8Array(2048), {
          contentType: "application/octet-stream",
          maxBytes: 100,
        }),
        "too_large",
        "bytes",
      );
      assert.deepEqual(await storage.list(p), []);
      // exactly at the limit is fine
      const ok = await storage.write(`${p}ok.bin`, new Uint8Array(100), {
        contentType: "application/octet-stream",
        maxBytes: 100,
      });
      assert.equal(ok.size, 100);
    });

    void it("leaves nothing behind when the source stream fails", async () => {
      const p = prefix();
      await assert.rejects(storage.write(`${p}broken.txt`, failingStream(), { contentType: "text/plain" }));
      assert.equal(await storage.exists(`${p}broken.txt`), false);
      assert.deepEqual(await storage.list(p), []);
      // a failed replacement keeps the previous version
      await storage.write(`${p}keep.txt`, Buffer.from("old"), { contentType: "text/plain" });
      await assert.rejects(storage.write(`${p}keep.txt`, failingStream(), { contentType: "text/plain" }));
      assert.equal(await readText(storage, `${p}keep.txt`), "old");
    });

    void it("aborts a write through its signal and stores nothing", async () => {
      const p = prefix();
      const controller = new AbortController();
      let sent = 0;
      const slow = new ReadableStream<Uint8Array>({
        async pull(c) {
          if (sent === 3) controller.abort(new Error("request cancelled"));
          if (sent > 50) {
            c.close();
            return;
          }
          sent++;
          await new Promise((r) => setTimeout(r, 1));
          c.enqueue(new Uint8Array(1024));
        },
      });
      await rejectsWith(
        storage.write(`${p}aborted.bin`, slow, {
          contentType: "application/octet-stream",
          signal: controller.signal,
        }),
        "aborted",
        "mid-stream",
      );
      await rejectsWith(
        storage.write(`${p}aborted2.bin`, Buffer.from("x"), {
          contentType: "text/plain",
          signal: AbortSignal.abort(),
        }),
        "aborted",
        "before start",
      );
      assert.deepEqual(await storage.list(p), []);
    });
  });
}
