/**
 * Image thumbnails, as PocketBase makes them (tools/filesystem `CreateThumb`, apis/file.go):
 *
 * - sizes `WxH` (crop-fill from the centre), `WxHt` (from the top), `WxHb` (from the bottom),
 *   `WxHf` (fit inside, never enlarged), `0xH` / `Wx0` (resize keeping the aspect ratio); never `0x0`;
 * - stored beside the original as `<dir>/thumbs_<file>/<size>_<file>` and reused;
 * - only for png, jpg/jpeg, gif (first frame) and webp originals; EXIF orientation applied;
 * - encoded by the thumb name's extension: jpeg for .jpg/.jpeg, gif, tiff, else PNG (so webp → PNG
 *   bytes under a `.webp` name, stored with the original's Content-Type, exactly as PocketBase does);
 * - generated once for concurrent requests (single flight per thumb), at most CPU+2 at a time
 *   (`PB_THUMBS_MAX_WORKERS`), waiting at most 60 s for a slot (`PB_THUMBS_MAX_WAIT`, seconds).
 *
 * Generation uses sharp (libvips): bytes differ from PocketBase's Go encoder, dimensions do not.
 */
import { availableParallelism } from "node:os";
import type { default as Sharp } from "sharp";

// sharp maps libvips (tens of MB) into memory: loaded on the first thumb, not at startup.
let sharpModule: Promise<typeof Sharp> | undefined;
const loadSharp = (): Promise<typeof Sharp> => (sharpModule ??= import("sharp").then((m) => m.default));
import type { Storage } from "./storage.ts";

/** `WxH`, `WxHt`, `WxHb` or `WxHf` (W or H may be 0, not both). */
export const THUMB_SIZE_PATTERN = /^(\d+)x(\d+)(t|b|f)?$/;

/** The size every image field allows, listed or not. */
export const DEFAULT_THUMB_SIZES: readonly string[] = ["100x100"];

/** Original content types that get thumbs (others are served as they are). */
export const THUMBABLE_CONTENT_TYPES: readonly string[] = [
  "image/png",
  "image/jpg",
  "image/jpeg",
  "image/gif",
  "image/webp",
];

/** How a thumb is cut out of the original. */
export type ThumbMode = "center" | "top" | "bottom" | "fit" | "keep-aspect";

export interface ThumbSize {
  /** The size as written (`100x50t`). */
  raw: string;
  width: number;
  height: number;
  mode: ThumbMode;
}

/** Largest accepted dimension (libvips' own limit is far above; this just rejects nonsense). */
const MAX_DIMENSION = 100_000;

/** Parses a thumb size; null when it is not one (bad syntax, `0x0…`, absurd dimensions). */
export function parseThumbSize(size: string): ThumbSize | null {
  const m = THUMB_SIZE_PATTERN.exec(size);
  if (!m) return null;
  const width = Number(m[1]);
  const height = Number(m[2]);
  if (width === 0 && height === 0) return null;
  if (width > MAX_DIMENSION || height > MAX_DIMENSION) return null;
  let mode: ThumbMode;
  if (width === 0 || height === 0) mode = "keep-aspect";
  else if (m[3] === "t") mode = "top";
  else if (m[3] === "b") mode = "bottom";
  else if (m[3] === "f") mode = "fit";
  else mode = "center";
  return { raw: size, width, height, mode };
}

/** Whether a string is acceptable in a file field's `thumbs` option. */
export function isValidThumbSize(size: string): boolean {
  return parseThumbSize(size) !== null;
}

/** Whether `?thumb=size` may be generated for a field: the default size or one it lists. */
export function thumbAllowed(size: string, fieldThumbs: readonly string[]): boolean {
  return DEFAULT_THUMB_SIZES.includes(size) || fieldThumbs.includes(size);
}

/** Whether an original with this stored content type gets thumbs (exact match, as PocketBase). */
export function canThumb(contentType: string): boolean {
  return THUMBABLE_CONTENT_TYPES.includes(contentType);
}

function splitKey(originalKey: string): { dir: string; file: string } {
  const slash = originalKey.lastIndexOf("/");
  return slash < 0
    ? { dir: "", file: originalKey }
    : { dir: originalKey.slice(0, slash + 1), file: originalKey.slice(slash + 1) };
}

/** `<dir>/thumbs_<file>/`: the folder of an original's thumbs (deleted with the original). */
export function thumbsPrefix(originalKey: string): string {
  const { dir, file } = splitKey(originalKey);
  return `${dir}thumbs_${file}/`;
}

/** `<dir>/thumbs_<file>/<size>_<file>`: where the thumb of an original is stored. */
export function thumbKey(originalKey: string, size: string): string {
  const { file } = splitKey(originalKey);
  return `${thumbsPrefix(originalKey)}${size}_${file}`;
}

/** The name a thumb is served under: `<size>_<file>`. */
export function thumbServedName(filename: string, size: string): string {
  return `${size}_${filename}`;
}

export type ThumbFormat = "jpeg" | "png" | "gif" | "tiff";

/** Encoding for a thumb, chosen by its name's extension (PocketBase: imaging.FormatFromFilename). */
export function thumbFormatFor(name: string): ThumbFormat {
  const dot = name.lastIndexOf(".");
  const ext = dot < 0 ? "" : name.slice(dot + 1).toLowerCase();
  switch (ext) {
    case "jpg":
    case "jpeg":
      return "jpeg";
    case "gif":
      return "gif";
    case "tif":
    case "tiff":
      return "tiff";
    default:
      return "png";
  }
}

/**
 * Renders a thumb from an original image's bytes (first frame only, EXIF orientation applied).
 * Rejects content that is not a decodable image.
 */
export async function renderThumb(
  input: Uint8Array,
  size: ThumbSize | string,
  format: ThumbFormat,
): Promise<Buffer> {
  const spec = typeof size === "string" ? parseThumbSize(size) : size;
  if (!spec) throw new Error(`Invalid thumb size ${JSON.stringify(size)}.`);
  const sharp = await loadSharp();
  let image = sharp(input, { animated: false, pages: 1, failOn: "error" }).rotate();
  const kernel = "linear";
  switch (spec.mode) {
    case "keep-aspect":
      image = image.resize({
        ...(spec.width > 0 ? { width: spec.width } : {}),
        ...(spec.height > 0 ? { height: spec.height } : {}),
        kernel,
      });
      break;
    case "fit":
      image = image.resize(spec.width, spec.height, { fit: "inside", withoutEnlargement: true, kernel });
      break;
    case "top":
    case "bottom":
    case "center":
      image = image.resize(spec.width, spec.height, {
        fit: "cover",
        position: spec.mode === "center" ? "centre" : spec.mode,
        kernel,
      });
      break;
  }
  switch (format) {
    case "jpeg":
      return image.jpeg({ quality: 95 }).toBuffer();
    case "gif":
      return image.gif().toBuffer();
    case "tiff":
      return image.tiff().toBuffer();
    case "png":
      return image.png().toBuffer();
  }
}

// ---------------------------------------------------------------------------------------------

/** A counting semaphore whose waiters give up after a while. */
class Semaphore {
  #free: number;
  readonly #waiters: (() => void)[] = [];

  constructor(size: number) {
    this.#free = size;
  }

  /** Takes a slot, or throws after `timeoutMs`. */
  async acquire(timeoutMs: number): Promise<void> {
    if (this.#free > 0) {
      this.#free--;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const waiter = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        reject(new Error(`No thumb worker became free within ${timeoutMs} ms.`));
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#free++;
  }
}

function positiveIntFromEnv(name: string): number | undefined {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

export interface ThumbGeneratorOptions {
  /** Concurrent generations (default: env `PB_THUMBS_MAX_WORKERS`, else CPU count + 2). */
  maxWorkers?: number;
  /** How long a request waits for a free worker (default: env `PB_THUMBS_MAX_WAIT` s, else 60 s). */
  maxWaitMs?: number;
  /** Originals larger than this are not thumbed (default 64 MiB). */
  maxInputBytes?: number;
}

/** Generates thumbs on demand into a storage, once per thumb however many ask at the same time. */
export class ThumbGenerator {
  readonly storage: Storage;
  readonly maxWorkers: number;
  readonly maxWaitMs: number;
  readonly maxInputBytes: number;
  /** How many thumbs this generator has rendered (for tests and metrics). */
  generated = 0;
  readonly #pending = new Map<string, Promise<string>>();
  readonly #slots: Semaphore;

  constructor(storage: Storage, options: ThumbGeneratorOptions = {}) {
    this.storage = storage;
    this.maxWorkers =
      options.maxWorkers ?? positiveIntFromEnv("PB_THUMBS_MAX_WORKERS") ?? availableParallelism() + 2;
    this.maxWaitMs = options.maxWaitMs ?? (positiveIntFromEnv("PB_THUMBS_MAX_WAIT") ?? 60) * 1000;
    this.maxInputBytes = options.maxInputBytes ?? 64 * 1024 * 1024;
    this.#slots = new Semaphore(this.maxWorkers);
  }

  /**
   * Returns the key of the thumb of `originalKey` at `size`, generating it first when it does not
   * exist yet. Throws when it cannot be made (invalid size, not an image, original missing,
   * decoding failure, no free worker in time): PocketBase then serves the original.
   */
  async ensure(originalKey: string, size: string): Promise<string> {
    const spec = parseThumbSize(size);
    if (!spec) throw new Error(`Invalid thumb size ${JSON.stringify(size)}.`);
    const key = thumbKey(originalKey, size);
    const inFlight = this.#pending.get(key);
    if (inFlight) return inFlight;
    if (await this.storage.exists(key)) return key;
    const again = this.#pending.get(key); // someone started while we looked
    if (again) return again;
    const job = this.#generate(originalKey, key, spec).finally(() => this.#pending.delete(key));
    this.#pending.set(key, job);
    return job;
  }

  /** Thumbs being generated right now. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  async #generate(originalKey: string, key: string, spec: ThumbSize): Promise<string> {
    await this.#slots.acquire(this.maxWaitMs);
    try {
      if (await this.storage.exists(key)) return key; // made meanwhile (e.g. by another process)
      const original = await this.storage.read(originalKey);
      const { contentType, size } = original.attributes;
      if (!canThumb(contentType)) {
        await original.body.cancel();
        throw new Error(`Cannot make thumbs of ${contentType} files.`);
      }
      if (size > this.maxInputBytes) {
        await original.body.cancel();
        throw new Error(`The original is too large for a thumb (${size} bytes).`);
      }
      const input = new Uint8Array(await new Response(original.body).arrayBuffer());
      const output = await renderThumb(input, spec, thumbFormatFor(key));
      // PocketBase stores the thumb with the original's content type
      await this.storage.write(key, output, { contentType });
      this.generated++;
      return key;
    } finally {
      this.#slots.release();
    }
  }
}
