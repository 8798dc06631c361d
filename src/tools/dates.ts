/**
 * PocketBase date values. Canonical form is the UTC string `2006-01-02 15:04:05.000Z`
 * (millisecond precision, space separator) and `""` stands for the zero date.
 *
 * Parsing accepts what PocketBase's `types.ParseDateTime` accepts in practice: the canonical
 * layout, RFC 3339 with or without fraction/offset (`T` or space separator, `+07:00` or
 * `+0700`), date-only `2006-01-02`, Go's `Time.String()` form, RFC 1123 (`Mon, 02 Jan 2006
 * 15:04:05 MST` / `-0700`), `02 Jan 2006`, and integers as Unix seconds. Anything else is the
 * zero date (PocketBase never reports a parse error; it silently stores `""`).
 */

/** Milliseconds of Go's zero time (`0001-01-01 00:00:00 UTC`), which PocketBase treats as empty. */
const GO_ZERO_TIME_MS = -62135596800000;

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// Date and time with optional fraction (dot or comma) and an optional zone. The separator and
// zone combinations Go accepts are checked in `parseIsoLike`.
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:([T ])(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2}| [+-]\d{2}:?\d{2}(?: [A-Za-z]{1,5})?)?)?$/;
const RFC1123_RE =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-]\d{4}|[A-Z]{3,4})$/;
const DAY_MONTH_YEAR_RE = /^(\d{2}) ([A-Z][a-z]{2}) (\d{4})$/;

/**
 * Parses anything PocketBase accepts as a date into epoch milliseconds (fractions below a
 * millisecond are truncated). Returns null for empty, zero or unparsable values.
 */
export function parseDate(value: unknown): number | null {
  let ms: number | null = null;
  if (value instanceof Date) {
    ms = value.getTime();
  } else if (typeof value === "number") {
    // Integers are Unix seconds (SQLite INTEGER columns, hooks); fractional numbers are not
    // dates for PocketBase (a float64 is stringified and fails every layout).
    ms = Number.isSafeInteger(value) ? value * 1000 : null;
  } else if (typeof value === "bigint") {
    ms = Number(value) * 1000;
  } else if (typeof value === "string") {
    ms = parseDateString(value);
  } else if (value instanceof Uint8Array) {
    ms = parseDateString(new TextDecoder().decode(value));
  }
  if (ms === null || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15 || ms === GO_ZERO_TIME_MS) return null;
  return ms;
}

// The `YYYY-MM-DD HH:MM:SS.` of the last second formatted: every request logs `Date.now()` and
// most writes stamp it, so consecutive calls mostly fall in the same second.
let cachedSecond = -1;
let cachedPrefix = "";

/** Formats epoch milliseconds in PocketBase's layout; null (the zero date) becomes `""`. */
export function formatDate(ms: number | null): string {
  if (ms === null) return "";
  if (Number.isInteger(ms) && ms >= 0 && ms <= 8.64e15) {
    const second = Math.floor(ms / 1000);
    if (second !== cachedSecond) {
      const full = formatFull(ms);
      cachedSecond = second;
      cachedPrefix = full.slice(0, -4);
      return full;
    }
    return `${cachedPrefix}${pad(ms - second * 1000, 3)}Z`;
  }
  return formatFull(ms);
}

function formatFull(ms: number): string {
  const d = new Date(ms);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.` +
    `${pad(d.getUTCMilliseconds(), 3)}Z`
  );
}

/** Casts any value to the canonical PocketBase date string (`""` when empty or unparsable). */
export function toDateString(value: unknown): string {
  // Stored dates are already canonical: every record read casts its autodate columns, and a
  // string that formatting would give back unchanged needs no parse and format.
  if (typeof value === "string" && isCanonicalDate(value)) return value;
  return formatDate(parseDate(value));
}

/** The digit at `i` of `s` (0–9), or -1. */
function digitAt(s: string, i: number): number {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1;
}

/** The number written by the two digits at `i`, or -1. */
function twoDigits(s: string, i: number): number {
  const a = digitAt(s, i);
  const b = digitAt(s, i + 1);
  return a < 0 || b < 0 ? -1 : a * 10 + b;
}

/**
 * Whether `value` is a valid date in the canonical layout `YYYY-MM-DD hh:mm:ss.mmmZ` that
 * round-trips unchanged (years from 1000 on, so Go's zero time and the years Date treats
 * specially are left to the full path). Read character by character: every date of every
 * record read passes here.
 */
function isCanonicalDate(value: string): boolean {
  if (value.length !== 24) return false;
  const c = (i: number) => value.charCodeAt(i);
  // - - space : : . Z
  if (
    c(4) !== 45 ||
    c(7) !== 45 ||
    c(10) !== 32 ||
    c(13) !== 58 ||
    c(16) !== 58 ||
    c(19) !== 46 ||
    c(23) !== 90
  )
    return false;
  const hi = twoDigits(value, 0);
  const lo = twoDigits(value, 2);
  const month = twoDigits(value, 5);
  const day = twoDigits(value, 8);
  const hour = twoDigits(value, 11);
  const minute = twoDigits(value, 14);
  const second = twoDigits(value, 17);
  if (hi < 0 || lo < 0 || digitAt(value, 20) < 0 || digitAt(value, 21) < 0 || digitAt(value, 22) < 0)
    return false;
  const year = hi * 100 + lo;
  return (
    year >= 1000 &&
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    (day <= 28 || day <= daysInMonth(year, month)) &&
    hour >= 0 &&
    hour <= 23 &&
    minute >= 0 &&
    minute <= 59 &&
    second >= 0 &&
    second <= 59
  );
}

/** The current time as a canonical PocketBase date string. */
export function nowDateString(): string {
  return formatDate(Date.now());
}

/**
 * Go's `time.Time.String()` of a UTC time, e.g. `2020-01-01 00:00:00.5 +0000 UTC`; PocketBase's
 * date min/max validation messages embed it.
 */
export function formatGoTime(ms: number): string {
  const base = formatDate(ms).slice(0, 19);
  return `${base}${trimmedFraction(ms)} +0000 UTC`;
}

/** Go's JSON form of a UTC time (RFC 3339 with trailing fraction zeros trimmed), e.g. `2020-01-01T00:00:00Z`. */
export function formatRfc3339(ms: number): string {
  const base = formatDate(ms).slice(0, 19).replace(" ", "T");
  return `${base}${trimmedFraction(ms)}Z`;
}

function trimmedFraction(ms: number): string {
  const millis = ((ms % 1000) + 1000) % 1000;
  if (millis === 0) return "";
  return `.${pad(millis, 3).replace(/0+$/, "")}`;
}

function parseDateString(input: string): number | null {
  if (input === "") return null;
  return parseIsoLike(input) ?? parseRfc1123(input) ?? parseDayMonthYear(input);
}

function parseIsoLike(input: string): number | null {
  const m = ISO_RE.exec(input);
  if (!m) return null;
  const [, y, mo, d, sep, h, mi, s, frac, zone] = m;
  if (sep === undefined) return utc(y, mo, d, "0", "0", "0", undefined, 0);
  let offsetMinutes = 0;
  if (zone !== undefined && zone !== "Z") {
    const spaced = zone.startsWith(" ");
    // Go accepts " -07:00" / " -0700" (and Time.String's " -0700 MST") only after a space
    // separator; RFC 3339 with "T" takes the zone glued to the seconds.
    if (spaced && sep === "T") return null;
    const parts = /^ ?([+-])(\d{2}):?(\d{2})/.exec(zone);
    if (!parts) return null;
    const [, sign, oh, om] = parts;
    if (Number(oh) > 23 || Number(om) > 59) return null;
    offsetMinutes = (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om));
  }
  return utc(y, mo, d, h, mi, s, frac, offsetMinutes);
}

function parseRfc1123(input: string): number | null {
  const m = RFC1123_RE.exec(input);
  if (!m) return null;
  const [, d, mon, y, h, mi, s, zone = ""] = m;
  const month = MONTHS.indexOf(mon ?? "");
  if (month < 0) return null;
  // Zone abbreviations other than numeric offsets are unknown to a UTC location: Go treats
  // them as offset 0, like UTC and GMT.
  let offsetMinutes = 0;
  if (zone.startsWith("+") || zone.startsWith("-")) {
    const sign = zone.startsWith("-") ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5)));
  }
  return utc(y, String(month + 1), d, h, mi, s, undefined, offsetMinutes);
}

function parseDayMonthYear(input: string): number | null {
  const m = DAY_MONTH_YEAR_RE.exec(input);
  if (!m) return null;
  const [, d, mon, y] = m;
  const month = MONTHS.indexOf(mon ?? "");
  if (month < 0) return null;
  return utc(y, String(month + 1), d, "0", "0", "0", undefined, 0);
}

function utc(
  y: string | undefined,
  mo: string | undefined,
  d: string | undefined,
  h: string | undefined,
  mi: string | undefined,
  s: string | undefined,
  frac: string | undefined,
  offsetMinutes: number,
): number | null {
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const millis = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, "0"));
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millis);
  return date.getTime() - offsetMinutes * 60_000;
}

function daysInMonth(year: number, month: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, 0);
  return date.getUTCDate();
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}
