/**
 * Fixtures for the files tests: a collection with every kind of file field, generated images,
 * and looks into the app's storage.
 */
import sharp from "sharp";
import type PocketBase from "pocketbase";
import type { App } from "../../src/core/app.ts";

/** The `docs` collection: public rules, one field per file-field feature. */
export const DOCS_FIELDS = [
  { name: "title", type: "text" },
  { name: "one", type: "file", maxSelect: 1, maxSize: 1 << 20 },
  {
    name: "many",
    type: "file",
    maxSelect: 3,
    maxSize: 1 << 20,
    thumbs: ["50x50", "60x40t", "60x40b", "60x40f", "0x30", "30x0"],
  },
  { name: "images", type: "file", maxSelect: 2, mimeTypes: ["image/png", "image/jpeg"] },
  { name: "small", type: "file", maxSelect: 1, maxSize: 10 },
  { name: "secret", type: "file", maxSelect: 1, protected: true },
  { name: "hiddenfile", type: "file", maxSelect: 1, hidden: true },
] as const;

/** Creates `docs` (public rules; `title` unique when set) and returns its id. */
export async function createDocs(pb: PocketBase, overrides: Record<string, unknown> = {}): Promise<string> {
  const collection = await pb.collections.create({
    name: "docs",
    type: "base",
    listRule: "",
    viewRule: "",
    createRule: "",
    updateRule: "",
    deleteRule: "",
    fields: DOCS_FIELDS,
    indexes: ["CREATE UNIQUE INDEX `idx_docs_title` ON `docs` (`title`) WHERE `title` != ''"],
    ...overrides,
  });
  return collection.id;
}

/** A solid-colour PNG of a size. */
export function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 200, g: 30, b: 60, alpha: 1 } } })
    .png()
    .toBuffer();
}

/** An image of a size in another format. */
export function image(format: "jpeg" | "gif" | "webp", width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 20, g: 120, b: 200 } } })
    .toFormat(format)
    .toBuffer();
}

/** The width and height of an image. */
export async function dimensions(bytes: Uint8Array): Promise<{ width: number; height: number }> {
  const meta = await sharp(bytes).metadata();
  return { width: meta.width, height: meta.height };
}

/** A File for FormData. */
export function file(content: string | Uint8Array, name: string, type = ""): File {
  const part = typeof content === "string" ? content : new Uint8Array(content); // an ArrayBuffer-backed copy
  return new File([part], name, type ? { type } : {});
}

/** Every key stored under a prefix. */
export async function storedKeys(app: App, prefix = ""): Promise<string[]> {
  return (await app.storage().list(prefix)).map((e) => e.key);
}

/** Polls until `check` passes (after-commit deletions are asynchronous). */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (err) {
      if (Date.now() > until) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** The response body as bytes. */
export async function bytesOf(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}
