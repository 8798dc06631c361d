/**
 * Loose value casting with the semantics PocketBase gets from Go's `spf13/cast` and its
 * `list.ToUniqueStringSlice`: request bodies, hook values and (legacy) DB columns all go
 * through these before a field stores them. Also Go's number formatting and `encoding/json`
 * output rules where field values are written as JSON text.
 */
import { formatFloatF } from "../../tools/go-format.ts";
import { escapeHtmlInJson } from "../../tools/json.ts";

/**
 * `cast.ToString`: strings as-is, numbers without exponent (`1e21` → `"1000000000000000000000"`),
 * booleans as `true`/`false`, bytes decoded as UTF-8; null, objects and arrays → `""`.
 */
export function toGoString(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      return formatFloatF(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "object":
      return value instanceof Uint8Array ? new TextDecoder().decode(value) : "";
    case "undefined":
    case "function":
    case "symbol":
      return "";
  }
}

/**
 * `cast.ToFloat64`: numbers as-is, booleans 1/0, strings parsed with Go's `strconv.ParseFloat`
 * syntax (`"12"`, `"-1.5e3"`, `".5"`, `"inf"`, `"NaN"`); anything invalid or out of range → 0.
 */
export function toGoFloat(value: unknown): number {
  switch (typeof value) {
    case "number":
      return value;
    case "bigint":
      return Number(value);
    case "boolean":
      return value ? 1 : 0;
    case "string":
      return parseGoFloat(value) ?? 0;
    case "object":
      return value instanceof Uint8Array ? (parseGoFloat(new TextDecoder().decode(value)) ?? 0) : 0;
    case "undefined":
    case "function":
    case "symbol":
      return 0;
  }
}

const GO_FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const GO_SPECIAL_FLOAT_RE = /^([+-]?)(inf|infinity|nan)$/i;

/** Go's `strconv.ParseFloat(s, 64)`; null on a syntax or range error. */
export function parseGoFloat(input: string): number | null {
  const special = GO_SPECIAL_FLOAT_RE.exec(input);
  if (special) {
    if (special[2]?.toLowerCase() === "nan") return NaN;
    return special[1] === "-" ? -Infinity : Infinity;
  }
  if (!GO_FLOAT_RE.test(input)) return null;
  const n = Number(input);
  return Number.isFinite(n) ? n : null;
}

/**
 * `cast.ToBool`: booleans as-is, numbers non-zero, strings by `strconv.ParseBool`
 * (`1 t T TRUE true True` → true); anything else → false.
 */
export function toGoBool(value: unknown): boolean {
  switch (typeof value) {
    case "boolean":
      return value;
    case "number":
      return value !== 0 && !Number.isNaN(value);
    case "bigint":
      return value !== 0n;
    case "string":
      return (
        value === "1" ||
        value === "t" ||
        value === "T" ||
        value === "TRUE" ||
        value === "true" ||
        value === "True"
      );
    case "object":
      return value instanceof Uint8Array && toGoBool(new TextDecoder().decode(value));
    case "undefined":
    case "function":
    case "symbol":
      return false;
  }
}

/**
 * `list.ToUniqueStringSlice`: a string containing `[` that parses as a JSON array of strings is
 * that array, any other non-empty string is one value; arrays have each item cast with
 * `toGoString`; a number or boolean is one value. Empty strings and duplicates are dropped
 * (first occurrence kept).
 */
export function toUniqueStrings(value: unknown): string[] {
  let items: string[];
  if (value === null || value === undefined) {
    items = [];
  } else if (typeof value === "string") {
    if (value === "") return [];
    const parsed = parseStringArray(value);
    // One non-empty string is a list of one as it is.
    if (parsed === null) return [value];
    items = parsed;
  } else if (value instanceof Uint8Array) {
    return toUniqueStrings(new TextDecoder().decode(value));
  } else if (Array.isArray(value)) {
    items = value.map(toGoString);
  } else if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
    items = [toGoString(value)];
  } else {
    items = [];
  }
  return uniqueNonEmpty(items);
}

/**
 * The items without empty strings and repeats, first occurrences kept in order. `items` is a
 * fresh array (parsed or mapped by the caller): when it has nothing to drop, as a stored list
 * never has, it is returned as it is.
 */
function uniqueNonEmpty(items: string[]): string[] {
  // Lists read from rows are short: a scan is cheaper than building a Set.
  if (items.length > 16) return [...new Set(items)].filter((item) => item !== "");
  let clean = true;
  for (let i = 0; i < items.length && clean; i++) {
    const item = items[i]!;
    if (item === "" || items.indexOf(item) !== i) clean = false;
  }
  if (clean) return items;
  const out: string[] = [];
  for (const item of items) if (item !== "" && !out.includes(item)) out.push(item);
  return out;
}

function parseStringArray(input: string): string[] | null {
  if (!input.includes("[")) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(input);
  } catch {
    return null;
  }
  // Go's json.Unmarshal into []string: null → empty; any non-string item fails the whole parse.
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) return null;
  // The usual stored list is all strings: the parsed array itself.
  if (parsed.every((item): item is string => typeof item === "string")) return parsed;
  const out: string[] = [];
  for (const item of parsed) {
    if (item === null) out.push("");
    else if (typeof item === "string") out.push(item);
    else return null;
  }
  return out;
}

/**
 * Go's `%v` of a float64 (`strconv 'g'` with shortest digits): exponent form when the decimal
 * exponent is below -4 or at least 6, e.g. `1e+06`, `1.5e-05`, `123456`.
 */
export function formatFloatG(x: number): string {
  if (!Number.isFinite(x) || x === 0) return formatFloatF(x);
  const [mantissa = "", exp = "0"] = x.toExponential().split("e");
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= 6) {
    const sign = exponent < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return formatFloatF(x);
}

/** Go's `fmt.Sprintf("%f", x)`: six decimals, no exponent. */
export function formatFloatFixed6(x: number): string {
  if (!Number.isFinite(x)) return formatFloatF(x);
  if (Math.abs(x) < 1e21) return x.toFixed(6);
  return `${formatFloatF(x)}.000000`;
}

/**
 * Go's `json.Marshal` of a decoded JSON value: object keys sorted bytewise (Go maps, also for
 * integer-like keys, which a JS object would reorder), `<`, `>`, `&`, U+2028 and U+2029 escaped
 * as `\u003c`…, non-finite numbers and `undefined` as `null`.
 */
export function goJsonMarshal(value: unknown): string {
  return escapeHtmlInJson(writeJson(value));
}

function writeJson(value: unknown): string {
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "number":
      return Number.isFinite(value) ? JSON.stringify(value) : "null";
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    case "object":
      if (value === null) return "null";
      if (Array.isArray(value)) return `[${value.map(writeJson).join(",")}]`;
      if ("toJSON" in value && typeof value.toJSON === "function") return writeJson(value.toJSON());
      return `{${Object.entries(value)
        .filter(([, item]) => item !== undefined && typeof item !== "function")
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, item]) => `${JSON.stringify(key)}:${writeJson(item)}`)
        .join(",")}}`;
    case "undefined":
    case "function":
    case "symbol":
      return "null";
  }
}

/**
 * Go's `strconv.Quote`: a double-quoted string with Go escapes. Printable characters (letters,
 * marks, numbers, punctuation, symbols, ASCII space) stay as they are; control characters use
 * `\n`-style or `\x00` escapes (the latter are not valid JSON, as in PocketBase).
 */
export function goQuote(value: string): string {
  let out = '"';
  for (const ch of value) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === "\\") out += `\\${ch}`;
    else if (GO_PRINTABLE.test(ch)) out += ch;
    else if (GO_CONTROL_ESCAPES[ch] !== undefined) out += GO_CONTROL_ESCAPES[ch];
    else if (cp < 0x20 || cp === 0x7f) out += `\\x${cp.toString(16).padStart(2, "0")}`;
    else if (cp < 0x10000) out += `\\u${cp.toString(16).padStart(4, "0")}`;
    else out += `\\U${cp.toString(16).padStart(8, "0")}`;
  }
  return `${out}"`;
}

const GO_PRINTABLE = /^(?:[\p{L}\p{M}\p{N}\p{P}\p{S}]| )$/u;
const GO_CONTROL_ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
};

export { formatFloatF };
