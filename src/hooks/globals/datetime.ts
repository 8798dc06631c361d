/**
 * Time values as scripts see them: PocketBase's `types.DateTime` (`DateTime`), Go's `time.Time`
 * (`GoTime`, what `dt.time()` returns) and `time.Location` (`Timezone`). Times are kept as epoch
 * milliseconds (JS precision); durations are numbers of nanoseconds, as in goja.
 */
import { formatDate, parseDate } from "../../tools/dates.ts";

/** Nanoseconds per millisecond. */
const NS_PER_MS = 1e6;
/** Milliseconds of Go's zero time (0001-01-01 UTC). */
const GO_ZERO_MS = -62135596800000;

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

/** Whether `name` is an IANA zone this runtime knows. */
function isKnownZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The offset in minutes of `zone` at the instant `ms` (UTC → 0). */
function zoneOffsetMinutes(zone: string, ms: number): number {
  if (zone === "UTC") return 0;
  const tz = zone === "Local" ? undefined : zone;
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second"));
  return Math.round((wall - (ms - (((ms % 1000) + 1000) % 1000))) / 60000);
}

/** A time zone (`new Timezone(name)`); unknown names and `""` are UTC. */
export class Timezone {
  readonly #name: string;

  constructor(name?: unknown) {
    const n = typeof name === "string" ? name : "";
    this.#name = n === "" || n === "UTC" || (n !== "Local" && !isKnownZone(n)) ? "UTC" : n;
  }

  /** The zone name (`UTC`, `Local`, `Europe/Berlin`…). */
  string(): string {
    return this.#name;
  }

  toString(): string {
    return this.#name;
  }
}

/** Go's `time.Time`: an instant shown in a zone. */
export class GoTime {
  readonly #ms: number;
  readonly #zone: string;

  constructor(ms: number, zone = "UTC") {
    this.#ms = ms;
    this.#zone = zone;
  }

  /** Seconds since the Unix epoch. */
  unix(): number {
    return Math.floor(this.#ms / 1000);
  }

  /** Milliseconds since the Unix epoch. */
  unixMilli(): number {
    return this.#ms;
  }

  /** Nanoseconds since the Unix epoch (millisecond precision). */
  unixNano(): number {
    return this.#ms * NS_PER_MS;
  }

  /** The same instant in UTC. */
  utc(): GoTime {
    return new GoTime(this.#ms, "UTC");
  }

  /** The same instant in the process's local zone. */
  local(): GoTime {
    return new GoTime(this.#ms, "Local");
  }

  /** The same instant in another zone. */
  in(tz: Timezone): GoTime {
    return new GoTime(this.#ms, tz.string());
  }

  /** Whether this is Go's zero time. */
  isZero(): boolean {
    return this.#ms === GO_ZERO_MS;
  }

  /** This time plus a duration in nanoseconds. */
  add(durationNs: number): GoTime {
    return new GoTime(this.#ms + durationNs / NS_PER_MS, this.#zone);
  }

  /** The duration (ns) from `t` to this time. */
  sub(t: GoTime): number {
    return (this.#ms - t.unixMilli()) * NS_PER_MS;
  }

  /** This time plus years, months and days (normalised like Go). */
  addDate(years: number, months: number, days: number): GoTime {
    const d = new Date(this.#ms);
    d.setUTCFullYear(d.getUTCFullYear() + years, d.getUTCMonth() + months, d.getUTCDate() + days);
    return new GoTime(d.getTime(), this.#zone);
  }

  after(t: GoTime): boolean {
    return this.#ms > t.unixMilli();
  }

  before(t: GoTime): boolean {
    return this.#ms < t.unixMilli();
  }

  equal(t: GoTime): boolean {
    return this.#ms === t.unixMilli();
  }

  compare(t: GoTime): number {
    return Math.sign(this.#ms - t.unixMilli());
  }

  #wall(): Date {
    return new Date(this.#ms + zoneOffsetMinutes(this.#zone, this.#ms) * 60000);
  }

  year(): number {
    return this.#wall().getUTCFullYear();
  }

  /** Month 1–12. */
  month(): number {
    return this.#wall().getUTCMonth() + 1;
  }

  day(): number {
    return this.#wall().getUTCDate();
  }

  hour(): number {
    return this.#wall().getUTCHours();
  }

  minute(): number {
    return this.#wall().getUTCMinutes();
  }

  second(): number {
    return this.#wall().getUTCSeconds();
  }

  /** Nanoseconds within the second. */
  nanosecond(): number {
    return this.#wall().getUTCMilliseconds() * NS_PER_MS;
  }

  /** Day of the week, 0 = Sunday. */
  weekday(): number {
    return this.#wall().getUTCDay();
  }

  /** Day of the year, 1–366. */
  yearDay(): number {
    const wall = this.#wall();
    return Math.floor((wall.getTime() - Date.UTC(wall.getUTCFullYear(), 0, 1)) / 86400000) + 1;
  }

  /** The zone name. */
  location(): Timezone {
    return new Timezone(this.#zone);
  }

  /** Formats with a Go layout (`2006-01-02 15:04:05.000Z07:00`, `time.RFC3339`-style strings). */
  format(layout: string): string {
    return formatGoLayout(this.#ms, this.#zone, layout);
  }

  /** Go's `Time.String()`: `2006-01-02 15:04:05.999999999 -0700 MST`. */
  string(): string {
    return formatGoLayout(this.#ms, this.#zone, "2006-01-02 15:04:05.999999999 -0700 MST");
  }

  toString(): string {
    return this.string();
  }

  /** RFC 3339 with fraction, as Go's JSON encoding of a time. */
  toJSON(): string {
    return formatGoLayout(this.#ms, this.#zone, "2006-01-02T15:04:05.999999999Z07:00");
  }
}

// Go layout tokens, longest first where they share a prefix.
const LAYOUT_TOKENS = [
  "January",
  "Monday",
  "2006",
  "Jan",
  "Mon",
  "MST",
  "Z07:00",
  "-07:00",
  "Z0700",
  "-0700",
  "Z07",
  "-07",
  "002",
  "__2",
  "_2",
  "01",
  "02",
  "03",
  "04",
  "05",
  "06",
  "15",
  "PM",
  "pm",
  "1",
  "2",
  "3",
  "4",
  "5",
];

/** Formats an instant in a zone with a Go reference-time layout. */
export function formatGoLayout(ms: number, zone: string, layout: string): string {
  const offset = zoneOffsetMinutes(zone, ms);
  const d = new Date(ms + offset * 60000);
  const p2 = (n: number) => String(n).padStart(2, "0");
  const hour = d.getUTCHours();
  const millis = d.getUTCMilliseconds();
  const zoneText = (colon: boolean, z: boolean, short = false) => {
    if (z && offset === 0) return "Z";
    const sign = offset < 0 ? "-" : "+";
    const abs = Math.abs(offset);
    const hh = p2(Math.floor(abs / 60));
    if (short) return sign + hh;
    return sign + hh + (colon ? ":" : "") + p2(abs % 60);
  };
  let out = "";
  let i = 0;
  while (i < layout.length) {
    // Fractional seconds: ".000" (fixed) or ".999" (trimmed), any length.
    const frac = /^[.,](0+|9+)(?![0-9])/.exec(layout.slice(i));
    if (frac && frac[1]) {
      const digits = frac[1].length;
      const text = String(millis).padStart(3, "0").padEnd(digits, "0").slice(0, digits);
      if (frac[1][0] === "0") out += `.${text}`;
      else {
        const trimmed = text.replace(/0+$/, "");
        if (trimmed !== "") out += `.${trimmed}`;
      }
      i += frac[0].length;
      continue;
    }
    const token = LAYOUT_TOKENS.find((t) => layout.startsWith(t, i));
    if (!token) {
      out += layout[i];
      i++;
      continue;
    }
    i += token.length;
    switch (token) {
      case "January":
        out += MONTHS[d.getUTCMonth()];
        break;
      case "Jan":
        out += (MONTHS[d.getUTCMonth()] ?? "").slice(0, 3);
        break;
      case "Monday":
        out += DAYS[d.getUTCDay()];
        break;
      case "Mon":
        out += (DAYS[d.getUTCDay()] ?? "").slice(0, 3);
        break;
      case "2006":
        out += String(d.getUTCFullYear()).padStart(4, "0");
        break;
      case "06":
        out += p2(d.getUTCFullYear() % 100);
        break;
      case "01":
        out += p2(d.getUTCMonth() + 1);
        break;
      case "1":
        out += String(d.getUTCMonth() + 1);
        break;
      case "02":
        out += p2(d.getUTCDate());
        break;
      case "2":
        out += String(d.getUTCDate());
        break;
      case "_2":
        out += String(d.getUTCDate()).padStart(2, " ");
        break;
      case "002":
      case "__2": {
        const yd = Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000) + 1;
        out += String(yd).padStart(3, token === "002" ? "0" : " ");
        break;
      }
      case "15":
        out += p2(hour);
        break;
      case "03":
        out += p2(hour % 12 === 0 ? 12 : hour % 12);
        break;
      case "3":
        out += String(hour % 12 === 0 ? 12 : hour % 12);
        break;
      case "04":
        out += p2(d.getUTCMinutes());
        break;
      case "4":
        out += String(d.getUTCMinutes());
        break;
      case "05":
        out += p2(d.getUTCSeconds());
        break;
      case "5":
        out += String(d.getUTCSeconds());
        break;
      case "PM":
        out += hour >= 12 ? "PM" : "AM";
        break;
      case "pm":
        out += hour >= 12 ? "pm" : "am";
        break;
      case "MST":
        out += zone === "UTC" ? "UTC" : zoneText(false, false);
        break;
      case "Z07:00":
        out += zoneText(true, true);
        break;
      case "-07:00":
        out += zoneText(true, false);
        break;
      case "Z0700":
        out += zoneText(false, true);
        break;
      case "-0700":
        out += zoneText(false, false);
        break;
      case "Z07":
        out += zoneText(false, true, true);
        break;
      case "-07":
        out += zoneText(false, false, true);
        break;
    }
  }
  return out;
}

/** Interprets a zone-less wall-clock time in `zone` (DST aware). */
function wallTimeIn(wallMs: number, zone: string): number {
  // Two passes settle on the right side of a DST change, as Go's time.Date does.
  let guess = wallMs - zoneOffsetMinutes(zone, wallMs) * 60000;
  guess = wallMs - zoneOffsetMinutes(zone, guess) * 60000;
  return guess;
}

const HAS_ZONE_RE = /(Z|[+-]\d{2}:?\d{2}|[A-Z]{3,4})$/;

/**
 * PocketBase's `types.DateTime`: a UTC instant or the zero value. `new DateTime()` is now;
 * `new DateTime(str)` parses like PocketBase (invalid → zero, no throw); a second argument
 * interprets zone-less strings in that IANA zone.
 */
export class DateTime {
  /** Epoch ms, or null for the zero value. */
  #ms: number | null;

  constructor(date?: unknown, defaultTz?: unknown) {
    if (date === undefined || date === null || date === "") {
      this.#ms = Date.now();
      return;
    }
    if (date instanceof DateTime) {
      this.#ms = date.#ms;
      return;
    }
    if (date instanceof GoTime) {
      this.#ms = date.unixMilli();
      return;
    }
    let ms = parseDate(date);
    const tz = typeof defaultTz === "string" ? new Timezone(defaultTz).string() : "UTC";
    if (ms !== null && tz !== "UTC" && typeof date === "string" && !HAS_ZONE_RE.test(date.trim())) {
      ms = wallTimeIn(ms, tz);
    }
    this.#ms = ms;
  }

  /** A DateTime from a stored value (`""` → zero), without the "now" default. */
  static from(value: unknown): DateTime {
    const dt = new DateTime(0);
    if (value instanceof DateTime) dt.#ms = value.#ms;
    else if (value instanceof GoTime) dt.#ms = value.isZero() ? null : value.unixMilli();
    else dt.#ms = parseDate(value);
    return dt;
  }

  /** `2006-01-02 15:04:05.000Z`, or `""` for the zero value. */
  string(): string {
    return formatDate(this.#ms);
  }

  /** The instant as a Go time (zero time for the zero value). */
  time(): GoTime {
    return new GoTime(this.#ms ?? GO_ZERO_MS);
  }

  /** Seconds since the epoch (Go's zero time for the zero value). */
  unix(): number {
    return Math.floor((this.#ms ?? GO_ZERO_MS) / 1000);
  }

  isZero(): boolean {
    return this.#ms === null;
  }

  /** A new DateTime plus a duration in nanoseconds. */
  add(durationNs: number): DateTime {
    return DateTime.from(this.time().add(durationNs));
  }

  /** The duration (ns) between this and `u`. */
  sub(u: DateTime): number {
    return this.time().sub(u.time());
  }

  addDate(years: number, months: number, days: number): DateTime {
    return DateTime.from(this.time().addDate(years, months, days));
  }

  after(u: DateTime): boolean {
    return this.time().after(u.time());
  }

  before(u: DateTime): boolean {
    return this.time().before(u.time());
  }

  equal(u: DateTime): boolean {
    return this.time().equal(u.time());
  }

  compare(u: DateTime): number {
    return this.time().compare(u.time());
  }

  toString(): string {
    return this.string();
  }

  /** JSON: the PocketBase date string. */
  toJSON(): string {
    return this.string();
  }

  marshalJSON(): string {
    return JSON.stringify(this.string());
  }
}
