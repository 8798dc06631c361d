/**
 * JSON output byte-compatible with PocketBase (Go's `encoding/json` encoder): compact, HTML
 * characters escaped as `\u003c`-style sequences everywhere (also inside stored JSON values),
 * U+2028/U+2029 escaped, and one trailing newline on response bodies.
 */

const RAW_MARK = "\u0000raw:";

/** The raw texts of the encodeJson call in progress (null outside one). */
let collecting: string[] | null = null;

/** A JSON text to embed verbatim (compacted) instead of re-encoding it, like Go's RawMessage. */
export class RawJson {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toJSON(): unknown {
    // Inside encodeJson: a placeholder, swapped for the compacted text afterwards.
    if (collecting) {
      collecting.push(compactJson(this.text));
      return RAW_MARK + String(collecting.length - 1);
    }
    return JSON.parse(this.text);
  }
}

const HTML_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};
const HTML_CHARS = /[<>&\u2028\u2029]/g;

/** Escapes HTML-sensitive characters of an already encoded JSON text, as Go does. */
export function escapeHtmlInJson(json: string): string {
  return json.replace(HTML_CHARS, (c) => HTML_ESCAPES[c] ?? c);
}

/** Removes insignificant whitespace from a JSON text (Go's json.Compact). */
export function compactJson(text: string): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      out += c;
      if (c === "\\") out += text[++i] ?? "";
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c !== " " && c !== "\n" && c !== "\r" && c !== "\t") {
      out += c;
    }
  }
  return out;
}

/**
 * Encodes a value as PocketBase would, without the trailing newline. `RawJson` values are
 * spliced in verbatim (compacted): JSON.stringify does the heavy lifting, raw values travel as
 * placeholder strings (their `toJSON` during the call) that are swapped back afterwards. No
 * replacer function: with one, V8 calls back into JS for every key of every record.
 */
export function encodeJson(value: unknown): string {
  const outer = collecting;
  const raws: string[] = [];
  collecting = raws;
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } finally {
    collecting = outer;
  }
  if (json === undefined) return "null";
  const spliced =
    raws.length === 0
      ? json
      : json.replace(/"\\u0000raw:(\d+)"/g, (_m, index: string) => raws[Number(index)] ?? "null");
  return escapeHtmlInJson(spliced);
}

/** Encodes a response body: `encodeJson` plus Go's trailing newline. */
export function encodeJsonBody(value: unknown): string {
  return encodeJson(value) + "\n";
}

/** Parses JSON, returning `fallback` instead of throwing on invalid input. */
export function parseJsonOr<T>(text: string | null | undefined, fallback: T): unknown {
  if (text === null || text === undefined || text === "") return fallback;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return fallback;
  }
}

/** Returns a copy of a plain object with its keys sorted (Go map encoding order). */
export function sortKeys<T extends Record<string, unknown>>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(obj).sort()) out[key] = obj[key];
  return out as T;
}

/** A copy of a JSON-like value with object keys sorted at every level (Go's map encoding). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value === null || typeof value !== "object") return value;
  const out: { [key: string]: unknown } = {};
  for (const key of Object.keys(value).sort())
    out[key] = sortKeysDeep((value as { [key: string]: unknown })[key]);
  return out;
}

/**
 * The deepest nesting request bodies may have. Go's decoder stops at 10,000; values are walked
 * recursively here (validation, encoding), which a stack of ordinary size can't do that deep,
 * and no real document nests past a few dozen levels.
 */
export const MAX_JSON_DEPTH = 1000;

/** Whether a JSON text nests arrays and objects deeper than `max` (brackets in strings don't count). */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}
