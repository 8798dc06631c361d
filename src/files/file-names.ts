/**
 * Stored file names, as PocketBase derives them from an upload's original name
 * (tools/filesystem `normalizeName`, tools/inflector `Snakecase`):
 *
 *   snake_case(base name)[≤100, +10 random chars when shorter than 3] + "_" + 10 random [a-z0-9]
 *   + cleaned extension (double extensions such as `.tar.gz` kept, invalid characters removed,
 *   ≤20 characters, sniffed from the content when there is none)
 *
 * e.g. `My Photo.PNG` → `my_photo_k3j9x0a1b2.PNG`, `archive.tar.gz` → `archive_0a9s8d7f6g.tar.gz`.
 */
import { LOWER_ALPHANUMERIC, randomString } from "../tools/random.ts";
import { errors, type ValidationError } from "../tools/validation.ts";

/** Length of the random suffix (and of the filler for too-short names). */
export const RANDOM_PART_LENGTH = 10;
/** Longest kept snake-cased base name. */
export const MAX_BASE_NAME_LENGTH = 100;
/** Longest kept extension (after the dot). */
export const MAX_EXTENSION_LENGTH = 20;
/** Names longer than this (in UTF-8 bytes) keep only their last bytes before normalising. */
export const MAX_RAW_NAME_BYTES = 300;
/** Original names stored in metadata are cut to this many UTF-8 bytes. */
export const MAX_METADATA_NAME_BYTES = 255;

/** Stored file names must match this (no leading dot, slash or backslash; no slash at all). */
export const FILE_NAME_PATTERN = /^[^./\\][^/\\]+$/;
export const MIN_FILE_NAME_LENGTH = 1;
export const MAX_FILE_NAME_LENGTH = 150;

const encoder = new TextEncoder();
const decoder = new TextDecoder(); // replaces broken sequences with U+FFFD, a non-word character

/**
 * Go's inflector.Snakecase: splits at every non-ASCII-word character and underscore, adds `_`
 * before an upper-case letter that follows a non-upper-case one, lower-cases
 * (`HelloWorld1HelloWorld2` → `hello_world1_hello_world2`, `testABR` → `test_abr`).
 */
export function snakeCase(str: string): string {
  let result = "";
  for (const word of str.split(/[\W_]+/)) {
    if (word === "") continue;
    if (result.length > 0) result += "_";
    for (let i = 0; i < word.length; i++) {
      const c = word.charAt(i);
      if (i > 0 && isUpper(c) && !isUpper(word.charAt(i - 1))) result += "_";
      result += c;
    }
  }
  return result.toLowerCase();
}

function isUpper(c: string): boolean {
  return c >= "A" && c <= "Z";
}

/**
 * The extension with its leading dot, double extensions included (`a.tar.gz` → `.tar.gz`,
 * `a.b.c.txt` → `.c.txt`, `a` → ""), like PocketBase's `extractExtension`.
 */
export function extractExtension(name: string): string {
  const primary = name.lastIndexOf(".");
  if (primary < 0) return "";
  const secondary = name.lastIndexOf(".", primary - 1);
  return secondary >= 0 && primary > 0 ? name.slice(secondary) : name.slice(primary);
}

/** Everything but `[A-Za-z0-9_.*+=#-]` is dropped from extensions. */
const EXTENSION_INVALID_CHARS = /[^\w.*\-+=#]+/g;

function trimDots(s: string): string {
  return s.replace(/^\.+|\.+$/g, "");
}

/** Keeps the last `maxBytes` UTF-8 bytes of a string (may split a character, as Go does). */
function keepLastBytes(str: string, maxBytes: number): string {
  const bytes = encoder.encode(str);
  if (bytes.byteLength <= maxBytes) return str;
  return decoder.decode(bytes.subarray(bytes.byteLength - maxBytes));
}

/** Keeps the first `maxBytes` UTF-8 bytes of a string, never splitting a character. */
export function keepFirstBytes(str: string, maxBytes: number): string {
  const bytes = encoder.encode(str);
  if (bytes.byteLength <= maxBytes) return str;
  let end = maxBytes;
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--; // don't cut inside a sequence
  return decoder.decode(bytes.subarray(0, end));
}

/**
 * The stored name for an upload. `sniffedExt` (with its dot, e.g. `.png` from `detectMime`) is
 * used only when the original name has no usable extension.
 */
export function normalizeFileName(originalName: string, sniffedExt = ""): string {
  const name = keepLastBytes(originalName, MAX_RAW_NAME_BYTES);

  const originalExt = extractExtension(name);
  let ext = "." + trimDots(originalExt.replace(EXTENSION_INVALID_CHARS, ""));
  if (ext === ".") ext = sniffedExt;
  if (ext.length > MAX_EXTENSION_LENGTH) {
    ext = "." + trimDots(ext.slice(ext.length - MAX_EXTENSION_LENGTH));
  }

  const withoutExt = originalExt === "" ? name : name.slice(0, name.length - originalExt.length);
  let base = snakeCase(trimDots(withoutExt));
  if (base.length < 3) base += randomPart();
  else if (base.length > MAX_BASE_NAME_LENGTH) base = base.slice(0, MAX_BASE_NAME_LENGTH);

  return `${base}_${randomPart()}${ext}`;
}

/** Whether `normalizeFileName` will need a sniffed extension for this original name. */
export function needsSniffedExtension(originalName: string): boolean {
  const ext = extractExtension(keepLastBytes(originalName, MAX_RAW_NAME_BYTES));
  return trimDots(ext.replace(EXTENSION_INVALID_CHARS, "")) === "";
}

function randomPart(): string {
  return randomString(RANDOM_PART_LENGTH, LOWER_ALPHANUMERIC);
}

/**
 * The file name a multipart part declares, reduced as Go's `multipart.Part.FileName` does
 * (`filepath.Base` on Unix): the part after the last `/` (`../x` → `x`, `a/b/` → `b`); "" stays "".
 */
export function uploadBaseName(filename: string): string {
  if (filename === "") return "";
  const trimmed = filename.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** The original name as stored in `original-filename` metadata (cut to 255 bytes). */
export function metadataOriginalName(originalName: string): string {
  return keepFirstBytes(originalName, MAX_METADATA_NAME_BYTES);
}

/**
 * PocketBase's loose check of an upload's (normalised) file name: 1–150 characters matching
 * `^[^\./\\][^/\\]+$`. Returns null when fine, else the validation error PocketBase reports
 * (`validation_length_out_of_range` or `validation_match_invalid`). Also usable on original names.
 */
export function checkFileName(name: string): ValidationError | null {
  const length = [...name].length;
  if (length < MIN_FILE_NAME_LENGTH || length > MAX_FILE_NAME_LENGTH) {
    return errors.lengthOutOfRange(MIN_FILE_NAME_LENGTH, MAX_FILE_NAME_LENGTH);
  }
  if (!FILE_NAME_PATTERN.test(name) || name.includes("\u0000")) return errors.matchInvalid();
  return null;
}
