import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import { deflateRawSync } from "node:zlib";
import sharp from "sharp";
import {
  SNIFF_BYTES,
  baseMediaType,
  detectMime,
  detectStreamMime,
  isInlineContentType,
  lastExtension,
  mimeTypeAllowed,
  servedContentType,
} from "./mime.ts";

/** PocketBase's own data folder (read-only; see test/helpers/testdata.ts). */
const TESTDATA_DIR = resolve(
  process.env["SATCHEL_PB_TESTDATA"] ??
    new URL("../../../shared/pocketbase-testdata", import.meta.url).pathname,
);

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A minimal zip with one stored file. */
function zipWith(name: string, content: string): Buffer {
  const data = Buffer.from(content);
  const compressed = deflateRawSync(data);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(8, 8);
  header.writeUInt32LE(compressed.byteLength, 18);
  header.writeUInt32LE(data.byteLength, 22);
  header.writeUInt16LE(Buffer.byteLength(name), 26);
  return Buffer.concat([header, Buffer.from(name), compressed]);
}

void describe("detectMime", () => {
  void it("names images, documents and archives as PocketBase's mimetype library does", async () => {
    const img = sharp({ create: { width: 4, height: 4, channels: 3, background: "red" } });
    const cases: [Uint8Array, string, string][] = [
      [await img.clone().png().toBuffer(), "image/png", ".png"],
      [await img.clone().jpeg().toBuffer(), "image/jpeg", ".jpg"],
      [await img.clone().gif().toBuffer(), "image/gif", ".gif"],
      [await img.clone().webp().toBuffer(), "image/webp", ".webp"],
      [text("%PDF-1.4\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n"), "application/pdf", ".pdf"],
      [zipWith("hello.txt", "hello"), "application/zip", ".zip"],
      [Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3]), "application/gzip", ".gz"],
    ];
    for (const [bytes, mime, ext] of cases) assert.deepEqual(await detectMime(bytes), { mime, ext }, mime);
  });

  void it("recognises text, HTML, SVG, XML and JSON", async () => {
    const cases: [string, string, string][] = [
      ["test\n", "text/plain; charset=utf-8", ".txt"],
      ["héllo wörld", "text/plain; charset=utf-8", ".txt"],
      ["<!DOCTYPE html><html><body>hi</body></html>", "text/html; charset=utf-8", ".html"],
      ["  <html>\n<p>x</p>", "text/html; charset=utf-8", ".html"],
      ['<svg xmlns="http://www.w3.org/2000/svg"></svg>', "image/svg+xml", ".svg"],
      ['<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml", ".svg"],
      ['<?xml version="1.0"?><note><to>x</to></note>', "text/xml; charset=utf-8", ".xml"],
      ['{"a": [1, 2, {"b": null}]}', "application/json", ".json"],
      ["[1,2,3]", "application/json", ".json"],
      ["{not json", "text/plain; charset=utf-8", ".txt"],
      ["", "text/plain", ".txt"],
    ];
    for (const [content, mime, ext] of cases) {
      assert.deepEqual(await detectMime(text(content)), { mime, ext }, JSON.stringify(content));
    }
  });

  void it("detects the test data's SVG and text files as PocketBase stored them", async (t) => {
    const folder = join(TESTDATA_DIR, "storage", "wsmn24bux7wo113", "84nmscqy84lsi1t");
    if (!existsSync(folder)) {
      t.skip("PocketBase test data missing");
      return;
    }
    for (const file of ["logo_vcfJJG5TAh.svg", "test_QZFjKjXchk.txt", "300_WlbFWSGmW9.png"]) {
      const attrs = JSON.parse(readFileSync(join(folder, `${file}.attrs`), "utf8")) as Record<string, string>;
      assert.equal(
        (await detectMime(readFileSync(join(folder, file)))).mime,
        attrs["user.content_type"],
        file,
      );
    }
  });

  void it("treats binary data as application/octet-stream", async () => {
    assert.deepEqual(await detectMime(Uint8Array.from([0, 1, 2, 3, 250, 251, 252])), {
      mime: "application/octet-stream",
      ext: "",
    });
  });

  void it("keeps long UTF-8 text cut inside a character at the sniff limit as text", async () => {
    const long = text("é".repeat(SNIFF_BYTES)); // the limit falls between the two bytes of an é
    assert.equal((await detectMime(long.subarray(0, SNIFF_BYTES + 1))).mime, "text/plain; charset=utf-8");
    const json = text(`[${'"abc",'.repeat(1000)}"end"]`);
    assert.equal((await detectMime(json)).mime, "application/json", "a long JSON document cut at the limit");
  });

  void it("sniffs a stream without losing any of its bytes", async () => {
    const png = await sharp({ create: { width: 64, height: 64, channels: 4, background: "blue" } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    assert.ok(png.byteLength > SNIFF_BYTES);
    const chunks = [png.subarray(0, 10), png.subarray(10, 5000), png.subarray(5000)];
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        const next = chunks.shift();
        if (next) c.enqueue(next);
        else c.close();
      },
    });
    const sniffed = await detectStreamMime(stream);
    assert.equal(sniffed.type.mime, "image/png");
    const back = Buffer.from(await new Response(sniffed.stream).arrayBuffer());
    assert.ok(back.equals(png));
  });
});

void describe("mimeTypes field option", () => {
  void it("matches like mimetype's Is: parameters ignored, aliases accepted", () => {
    assert.equal(mimeTypeAllowed("image/png", ["image/jpeg", "image/png"]), true);
    assert.equal(mimeTypeAllowed("text/plain; charset=utf-8", ["text/plain"]), true);
    assert.equal(mimeTypeAllowed("text/plain", ["text/plain; charset=utf-8"]), true);
    assert.equal(mimeTypeAllowed("application/zip", ["application/x-zip-compressed"]), true);
    assert.equal(mimeTypeAllowed("text/xml; charset=utf-8", ["application/xml"]), true);
    assert.equal(mimeTypeAllowed("IMAGE/PNG", ["image/png"]), true);
    assert.equal(mimeTypeAllowed("image/png", ["image/jpeg"]), false);
    assert.equal(mimeTypeAllowed("image/png", ["image/*"]), false, "no wildcards");
    assert.equal(mimeTypeAllowed("image/png", []), false);
    assert.equal(baseMediaType(" Text/HTML ; charset=utf-8"), "text/html");
  });
});

void describe("serving rules", () => {
  void it("shows only safe types inline", () => {
    for (const t of [
      "image/png",
      "image/jpeg",
      "image/gif",
      "image/webp",
      "video/mp4",
      "audio/mpeg",
      "application/pdf",
    ]) {
      assert.equal(isInlineContentType(t), true, t);
    }
    for (const t of [
      "image/svg+xml",
      "text/html; charset=utf-8",
      "text/html",
      "text/plain; charset=utf-8",
      "application/javascript",
      "application/octet-stream",
      "text/xml; charset=utf-8",
    ]) {
      assert.equal(isInlineContentType(t), false, t);
    }
  });

  void it("forces some content types by extension", () => {
    assert.equal(servedContentType("text/plain; charset=utf-8", "logo.svg"), "image/svg+xml");
    assert.equal(servedContentType("text/plain; charset=utf-8", "style_abc.css"), "text/css");
    assert.equal(servedContentType("text/plain; charset=utf-8", "app_abc.js"), "text/javascript");
    assert.equal(servedContentType("text/plain; charset=utf-8", "mod_abc.mjs"), "text/javascript");
    assert.equal(
      servedContentType("application/zip", "sheet_abc.xlsx"),
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    );
    assert.equal(servedContentType("image/png", "photo_abc.png"), "image/png");
    assert.equal(
      servedContentType("text/plain", "LOGO.SVG"),
      "text/plain",
      "case-sensitive, as Go's filepath.Ext",
    );
    assert.equal(servedContentType("", "x.bin"), "application/octet-stream");
    assert.equal(lastExtension("a.tar.gz"), ".gz");
    assert.equal(lastExtension("noext"), "");
  });
});
