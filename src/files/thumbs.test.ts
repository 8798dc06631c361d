import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, it } from "node:test";
import sharp from "sharp";
import { LocalStorage } from "./local-storage.ts";
import type { ByteRange, ReadResult } from "./storage.ts";
import {
  ThumbGenerator,
  canThumb,
  isValidThumbSize,
  parseThumbSize,
  renderThumb,
  thumbAllowed,
  thumbFormatFor,
  thumbKey,
  thumbServedName,
  thumbsPrefix,
} from "./thumbs.ts";

/** PocketBase's own data folder (read-only; see test/helpers/testdata.ts). */
const TESTDATA_DIR = resolve(
  process.env["SATCHEL_PB_TESTDATA"] ??
    new URL("../../../shared/pocketbase-testdata", import.meta.url).pathname,
);

function tempRoot(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "satchel-thumbs-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A width×height image: the top half red, the bottom half blue. */
function twoTone(width: number, height: number): ReturnType<typeof sharp> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (y < height / 2) raw[i] = 255;
      else raw[i + 2] = 255;
    }
  }
  return sharp(raw, { raw: { width, height, channels: 3 } });
}

async function size(buf: Buffer): Promise<[number, number, string]> {
  const meta = await sharp(buf).metadata();
  return [meta.width, meta.height, meta.format];
}

/** The colour at the centre of an image: "red", "blue" or "mixed". */
async function centreColour(buf: Buffer): Promise<string> {
  const { data, info } = await sharp(buf).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const i = (Math.floor(info.height / 2) * info.width + Math.floor(info.width / 2)) * info.channels;
  const [r, , b] = [data[i] ?? 0, data[i + 1] ?? 0, data[i + 2] ?? 0];
  if (r > 200 && b < 55) return "red";
  if (b > 200 && r < 55) return "blue";
  return "mixed";
}

void describe("thumb sizes", () => {
  void it("parses every PocketBase size form", () => {
    assert.deepEqual(parseThumbSize("100x50"), { raw: "100x50", width: 100, height: 50, mode: "center" });
    assert.deepEqual(parseThumbSize("100x50t"), { raw: "100x50t", width: 100, height: 50, mode: "top" });
    assert.deepEqual(parseThumbSize("100x50b"), { raw: "100x50b", width: 100, height: 50, mode: "bottom" });
    assert.deepEqual(parseThumbSize("100x50f"), { raw: "100x50f", width: 100, height: 50, mode: "fit" });
    assert.deepEqual(parseThumbSize("0x50"), { raw: "0x50", width: 0, height: 50, mode: "keep-aspect" });
    assert.deepEqual(parseThumbSize("70x0"), { raw: "70x0", width: 70, height: 0, mode: "keep-aspect" });
    assert.deepEqual(parseThumbSize("70x0t"), { raw: "70x0t", width: 70, height: 0, mode: "keep-aspect" });
  });

  void it("rejects invalid sizes, 0x0 in every form included", () => {
    for (const bad of [
      "0x0",
      "0x0t",
      "0x0b",
      "0x0f",
      "",
      "100",
      "100x",
      "x100",
      "-1x5",
      "100x100z",
      "100X100",
      " 100x100",
      "100x100 ",
      "1.5x2",
      "100x100tt",
      "999999x1",
    ]) {
      assert.equal(parseThumbSize(bad), null, JSON.stringify(bad));
      assert.equal(isValidThumbSize(bad), false, JSON.stringify(bad));
    }
  });

  void it("allows the default 100x100 and the field's listed sizes only", () => {
    assert.equal(thumbAllowed("100x100", []), true);
    assert.equal(thumbAllowed("50x50", ["50x50", "0x20"]), true);
    assert.equal(thumbAllowed("50x50t", ["50x50"]), false);
    assert.equal(thumbAllowed("200x200", []), false);
  });

  void it("stores thumbs beside the original, as PocketBase names them", () => {
    assert.equal(thumbsPrefix("col/rec/photo_abc.png"), "col/rec/thumbs_photo_abc.png/");
    assert.equal(
      thumbKey("col/rec/photo_abc.png", "100x100"),
      "col/rec/thumbs_photo_abc.png/100x100_photo_abc.png",
    );
    assert.equal(thumbKey("photo.png", "0x50"), "thumbs_photo.png/0x50_photo.png");
    assert.equal(thumbServedName("photo_abc.png", "70x50t"), "70x50t_photo_abc.png");
  });

  void it("thumbs png, jpg/jpeg, gif and webp originals only", () => {
    for (const ok of ["image/png", "image/jpg", "image/jpeg", "image/gif", "image/webp"])
      assert.equal(canThumb(ok), true);
    for (const no of [
      "image/svg+xml",
      "image/bmp",
      "image/tiff",
      "application/pdf",
      "text/plain; charset=utf-8",
      "",
    ]) {
      assert.equal(canThumb(no), false, no);
    }
  });

  void it("encodes by the thumb name's extension: jpeg, gif, tiff, else PNG", () => {
    assert.equal(thumbFormatFor("a/b/100x100_x.jpg"), "jpeg");
    assert.equal(thumbFormatFor("x.JPEG"), "jpeg");
    assert.equal(thumbFormatFor("x.gif"), "gif");
    assert.equal(thumbFormatFor("x.tiff"), "tiff");
    assert.equal(thumbFormatFor("x.png"), "png");
    assert.equal(thumbFormatFor("x.webp"), "png");
    assert.equal(thumbFormatFor("noext"), "png");
  });
});

void describe("renderThumb", () => {
  void it("gives each size mode its dimensions (400×300 original)", async () => {
    const png = await twoTone(400, 300).png().toBuffer();
    const expected: [string, number, number][] = [
      ["100x100", 100, 100],
      ["100x100t", 100, 100],
      ["100x100b", 100, 100],
      ["100x100f", 100, 75],
      ["0x50", 67, 50],
      ["80x0", 80, 60],
      ["70x0", 70, 53],
      ["800x600", 800, 600], // crop-fill enlarges, as PocketBase's imaging.Fill
      ["0x600", 800, 600], // so does the aspect-keeping resize
      ["800x600f", 400, 300], // fit never enlarges
    ];
    for (const [spec, w, h] of expected) {
      assert.deepEqual(await size(await renderThumb(png, spec, "png")), [w, h, "png"], spec);
    }
  });

  void it("matches the dimensions of PocketBase's own thumbs in the test data", async (t) => {
    const folder = join(TESTDATA_DIR, "storage", "_pb_users_auth_", "4q1xlclmfloku33");
    if (!existsSync(folder)) {
      t.skip("PocketBase test data missing");
      return;
    }
    const original = readFileSync(join(folder, "300_1SEi6Q6U72.png"));
    const thumbs = readdirSync(join(folder, "thumbs_300_1SEi6Q6U72.png")).filter(
      (f) => !f.endsWith(".attrs"),
    );
    assert.ok(thumbs.length >= 7);
    for (const file of thumbs) {
      const spec = file.split("_")[0] ?? "";
      const theirs = await size(readFileSync(join(folder, "thumbs_300_1SEi6Q6U72.png", file)));
      const ours = await size(await renderThumb(original, spec, thumbFormatFor(file)));
      assert.deepEqual(ours, theirs, spec);
    }
  });

  void it("crops from the centre, the top or the bottom", async () => {
    const tall = await twoTone(100, 400).png().toBuffer(); // red above, blue below
    assert.equal(await centreColour(await renderThumb(tall, "100x100t", "png")), "red");
    assert.equal(await centreColour(await renderThumb(tall, "100x100b", "png")), "blue");
    const centre = await renderThumb(tall, "100x100", "png");
    const { data, info } = await sharp(centre).raw().toBuffer({ resolveWithObject: true });
    const top = data[0] ?? 0;
    const bottom = data[(info.height - 1) * info.width * info.channels] ?? 0;
    assert.ok(top > 200 && bottom < 55, "a centre crop keeps red above and blue below");
  });

  void it("keeps jpeg and gif, takes the first frame of an animated gif", async () => {
    const jpeg = await twoTone(200, 100).jpeg().toBuffer();
    assert.deepEqual(await size(await renderThumb(jpeg, "50x50", thumbFormatFor("x.jpg"))), [50, 50, "jpeg"]);

    // two 60×40 frames: all red, then all blue
    const frames = Buffer.alloc(60 * 80 * 3);
    for (let i = 0; i < 60 * 80; i++) frames[i * 3 + (i < 60 * 40 ? 0 : 2)] = 255;
    const gif = await sharp(frames, { raw: { width: 60, height: 80, channels: 3, pageHeight: 40 } })
      .gif()
      .toBuffer();
    assert.equal((await sharp(gif).metadata()).pages, 2);
    const thumb = await renderThumb(gif, "30x20", thumbFormatFor("x.gif"));
    const meta = await sharp(thumb).metadata();
    assert.deepEqual([meta.width, meta.height, meta.format, meta.pages ?? 1], [30, 20, "gif", 1]);
    assert.equal(await centreColour(thumb), "red");
  });

  void it("applies the EXIF orientation", async () => {
    // stored 200×100 with orientation 6 (rotate 90° clockwise): displayed 100×200
    const rotated = await twoTone(200, 100).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    assert.equal((await sharp(rotated).metadata()).orientation, 6);
    assert.deepEqual(await size(await renderThumb(rotated, "50x0", "png")), [50, 100, "png"]);
  });

  void it("rejects content that is not an image", async () => {
    await assert.rejects(renderThumb(Buffer.from("not an image"), "10x10", "png"));
  });
});

/** A LocalStorage whose reads wait for a gate (to hold a generation in progress). */
class GatedStorage extends LocalStorage {
  gate: Promise<void> = Promise.resolve();
  override async read(key: string, range?: ByteRange): Promise<ReadResult> {
    await this.gate;
    return super.read(key, range);
  }
}

void describe("ThumbGenerator", () => {
  void it("generates a thumb on first use, stores it beside the original and reuses it", async (t) => {
    const storage = new LocalStorage(tempRoot(t));
    const png = await twoTone(300, 200).png().toBuffer();
    await storage.write("col/rec/pic_abc.png", png, { contentType: "image/png" });
    const gen = new ThumbGenerator(storage);
    const key = await gen.ensure("col/rec/pic_abc.png", "50x50");
    assert.equal(key, "col/rec/thumbs_pic_abc.png/50x50_pic_abc.png");
    const attrs = await storage.attributes(key);
    assert.equal(attrs.contentType, "image/png");
    assert.equal(gen.generated, 1);
    assert.equal(await gen.ensure("col/rec/pic_abc.png", "50x50"), key);
    assert.equal(gen.generated, 1, "an existing thumb is reused");
    const bytes = Buffer.from(await new Response((await storage.read(key)).body).arrayBuffer());
    assert.deepEqual(await size(bytes), [50, 50, "png"]);
  });

  void it("turns webp into PNG bytes, stored under the original's name and content type", async (t) => {
    const storage = new LocalStorage(tempRoot(t));
    const webp = await twoTone(120, 80).webp().toBuffer();
    await storage.write("c/r/photo_x.webp", webp, { contentType: "image/webp" });
    const key = await new ThumbGenerator(storage).ensure("c/r/photo_x.webp", "0x40");
    assert.equal(key, "c/r/thumbs_photo_x.webp/0x40_photo_x.webp");
    const bytes = Buffer.from(await new Response((await storage.read(key)).body).arrayBuffer());
    assert.deepEqual(await size(bytes), [60, 40, "png"]);
    assert.equal((await storage.attributes(key)).contentType, "image/webp");
  });

  void it("generates once for many concurrent requests of the same thumb", async (t) => {
    const storage = new LocalStorage(tempRoot(t));
    await storage.write("c/r/p.png", await twoTone(500, 500).png().toBuffer(), { contentType: "image/png" });
    const gen = new ThumbGenerator(storage);
    const keys = await Promise.all(Array.from({ length: 25 }, () => gen.ensure("c/r/p.png", "100x100")));
    assert.equal(new Set(keys).size, 1);
    assert.equal(gen.generated, 1);
    assert.equal(gen.pendingCount, 0);
    // different sizes are different thumbs
    await Promise.all([
      gen.ensure("c/r/p.png", "10x10"),
      gen.ensure("c/r/p.png", "20x20"),
      gen.ensure("c/r/p.png", "10x10"),
    ]);
    assert.equal(gen.generated, 3);
    assert.equal((await storage.list("c/r/thumbs_p.png/")).length, 3);
  });

  void it("limits concurrent generations and gives up waiting after maxWaitMs", async (t) => {
    const storage = new GatedStorage(tempRoot(t));
    await storage.write("c/r/p.png", await twoTone(64, 64).png().toBuffer(), { contentType: "image/png" });
    let open = (): void => undefined;
    storage.gate = new Promise<void>((resolve) => (open = resolve));
    const gen = new ThumbGenerator(storage, { maxWorkers: 1, maxWaitMs: 50 });
    const first = gen.ensure("c/r/p.png", "10x10"); // takes the only worker, blocked in read
    await new Promise((r) => setTimeout(r, 10));
    await assert.rejects(gen.ensure("c/r/p.png", "20x20"), /No thumb worker became free within 50 ms/);
    open();
    assert.equal(await first, "c/r/thumbs_p.png/10x10_p.png");
    assert.equal(await gen.ensure("c/r/p.png", "20x20"), "c/r/thumbs_p.png/20x20_p.png");
  });

  void it("reads its limits from PB_THUMBS_MAX_WORKERS and PB_THUMBS_MAX_WAIT", (t) => {
    const saved = [process.env["PB_THUMBS_MAX_WORKERS"], process.env["PB_THUMBS_MAX_WAIT"]];
    t.after(() => {
      if (saved[0] === undefined) delete process.env["PB_THUMBS_MAX_WORKERS"];
      else process.env["PB_THUMBS_MAX_WORKERS"] = saved[0];
      if (saved[1] === undefined) delete process.env["PB_THUMBS_MAX_WAIT"];
      else process.env["PB_THUMBS_MAX_WAIT"] = saved[1];
    });
    process.env["PB_THUMBS_MAX_WORKERS"] = "3";
    process.env["PB_THUMBS_MAX_WAIT"] = "7";
    const storage = new LocalStorage(tmpdir());
    const gen = new ThumbGenerator(storage);
    assert.equal(gen.maxWorkers, 3);
    assert.equal(gen.maxWaitMs, 7000);
    process.env["PB_THUMBS_MAX_WORKERS"] = "nonsense";
    delete process.env["PB_THUMBS_MAX_WAIT"];
    const defaults = new ThumbGenerator(storage);
    assert.ok(defaults.maxWorkers >= 3, "CPU count + 2");
    assert.equal(defaults.maxWaitMs, 60_000);
  });

  void it("refuses invalid sizes, non-images and missing originals", async (t) => {
    const storage = new LocalStorage(tempRoot(t));
    await storage.write("c/r/a.txt", Buffer.from("text"), { contentType: "text/plain; charset=utf-8" });
    await storage.write("c/r/fake.png", Buffer.from("not really a png"), { contentType: "image/png" });
    const gen = new ThumbGenerator(storage);
    await assert.rejects(gen.ensure("c/r/a.txt", "0x0"), /Invalid thumb size/);
    await assert.rejects(gen.ensure("c/r/a.txt", "100x100"), /Cannot make thumbs of text\/plain/);
    await assert.rejects(gen.ensure("c/r/missing.png", "100x100"), (e: unknown) => {
      return e instanceof Error && "code" in e && e.code === "not_found";
    });
    await assert.rejects(gen.ensure("c/r/fake.png", "100x100"));
    assert.deepEqual(await storage.list("c/r/thumbs_"), [], "no thumb left behind");
    assert.equal(gen.generated, 0);
  });
});
