import assert from "node:assert/strict";
import { describe, it, test } from "node:test";
import { formatDate, formatGoTime, formatRfc3339, nowDateString, parseDate, toDateString } from "./dates.ts";

describe("PocketBase dates", () => {
  const cases: [unknown, string][] = [
    ["2024-01-01 10:00:00.123Z", "2024-01-01 10:00:00.123Z"],
    ["2024-01-01 10:00:00Z", "2024-01-01 10:00:00.000Z"],
    ["2024-01-01 10:00:00", "2024-01-01 10:00:00.000Z"],
    ["2024-01-01 10:00:00.1234567Z", "2024-01-01 10:00:00.123Z"],
    ["2024-01-01 10:00:00,5Z", "2024-01-01 10:00:00.500Z"],
    ["2024-05-05", "2024-05-05 00:00:00.000Z"],
    ["2024-05-05T12:30:00Z", "2024-05-05 12:30:00.000Z"],
    ["2024-05-05T12:30:00.999999999+02:00", "2024-05-05 10:30:00.999Z"],
    ["2024-05-05T12:30:00-0130", "2024-05-05 14:00:00.000Z"],
    ["2024-05-05 12:30:00 +02:00", "2024-05-05 10:30:00.000Z"],
    ["2024-05-05T12:30:00 +02:00", ""],
    ["2020-01-01 00:00:00 +0000 UTC", "2020-01-01 00:00:00.000Z"],
    ["Mon, 02 Jan 2006 15:04:05 MST", "2006-01-02 15:04:05.000Z"],
    ["Mon, 02 Jan 2006 15:04:05 -0700", "2006-01-02 22:04:05.000Z"],
    ["02 Jan 2006", "2006-01-02 00:00:00.000Z"],
    ["0001-01-01 00:00:00.000Z", ""],
    ["2024-02-30", ""],
    ["2024-13-01", ""],
    ["2024-01-01 24:00:00", ""],
    ["not a date", ""],
    ["", ""],
    [null, ""],
    [1700000000, "2023-11-14 22:13:20.000Z"],
    [1700000000n, "2023-11-14 22:13:20.000Z"],
    [1.5, ""],
    [new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 6)), "2024-01-02 03:04:05.006Z"],
    [{}, ""],
  ];
  for (const [input, expected] of cases) {
    it(`reads ${JSON.stringify(input, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))} as ${JSON.stringify(expected)}`, () => {
      assert.equal(toDateString(input), expected);
    });
  }

  it("formats the zero date as an empty string", () => {
    assert.equal(formatDate(null), "");
    assert.equal(parseDate(""), null);
  });

  it("formats years below 1000 with four digits", () => {
    assert.equal(toDateString("0999-01-01"), "0999-01-01 00:00:00.000Z");
  });

  it("renders Go's time.String and JSON forms", () => {
    const ms = Date.UTC(2020, 0, 1, 0, 0, 0, 500);
    assert.equal(formatGoTime(ms), "2020-01-01 00:00:00.5 +0000 UTC");
    assert.equal(formatRfc3339(ms), "2020-01-01T00:00:00.5Z");
    assert.equal(formatRfc3339(Date.UTC(2020, 0, 1)), "2020-01-01T00:00:00Z");
  });

  it("gives the current time in the canonical layout", () => {
    assert.match(nowDateString(), /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});

describe("toDateString's canonical fast path", () => {
  it("gives exactly what parsing and formatting give, for valid and invalid canonical-looking strings", () => {
    const edges = [
      "2024-02-29 10:00:00.123Z",
      "2023-02-29 10:00:00.123Z",
      "0001-01-01 00:00:00.000Z",
      "0999-01-01 00:00:00.000Z",
      "2024-13-01 00:00:00.000Z",
      "2024-04-31 00:00:00.000Z",
      "2024-12-31 24:00:00.000Z",
      "2024-01-01 00:00:60.000Z",
      "9999-12-31 23:59:59.999Z",
    ];
    // Deterministic pseudo-random strings in the canonical shape, many out of range.
    let seed = 42;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const pad = (n: number, w: number) => String(n).padStart(w, "0");
    const random = Array.from(
      { length: 20_000 },
      () =>
        `${pad(next(10000), 4)}-${pad(next(14), 2)}-${pad(next(33), 2)} ` +
        `${pad(next(26), 2)}:${pad(next(61), 2)}:${pad(next(61), 2)}.${pad(next(1000), 3)}Z`,
    );
    for (const value of [...edges, ...random]) {
      assert.equal(toDateString(value), formatDate(parseDate(value)), value);
    }
  });
});

test("toDateString's canonical shortcut gives what parsing and formatting give", () => {
  const base = "2024-02-29 23:59:59.123Z";
  const samples = new Set<string>([
    base,
    "2023-02-29 10:00:00.000Z",
    "2024-13-01 00:00:00.000Z",
    "2024-00-10 00:00:00.000Z",
    "2024-04-31 00:00:00.000Z",
    "2024-01-01 24:00:00.000Z",
    "2024-01-01 00:60:00.000Z",
    "2024-01-01 00:00:60.000Z",
    "0999-01-01 00:00:00.000Z",
    "0001-01-01 00:00:00.000Z",
    "2024-01-01T00:00:00.000Z",
    "2024-01-01 00:00:00.000",
    "2024-01-01 00:00:00Z",
  ]);
  // every single-character change of a canonical date: digits, separators, other characters
  for (let i = 0; i < base.length; i++) {
    for (const ch of ["0", "1", "3", "9", "-", " ", ":", ".", "Z", "T", "a", "٣"]) {
      samples.add(base.slice(0, i) + ch + base.slice(i + 1));
    }
  }
  for (const s of samples) assert.equal(toDateString(s), formatDate(parseDate(s)), s);
});

it("formatDate gives the same text from its per-second cache as from a full format", () => {
  const iso = (ms: number) => new Date(ms).toISOString().replace("T", " ");
  const base = Date.UTC(2024, 1, 29, 23, 59, 58, 990);
  // within a second, across second/minute/day boundaries, back in time, and far apart
  for (const ms of [
    base,
    base + 1,
    base + 9,
    base + 10,
    base + 1009,
    base + 1010,
    base + 5,
    0,
    999,
    1000,
    253402300799999,
  ]) {
    assert.equal(formatDate(ms), iso(ms));
    assert.equal(formatDate(ms), iso(ms)); // cached
  }
  assert.equal(formatDate(1.5), "1970-01-01 00:00:00.001Z");
  assert.equal(formatDate(-1), "1969-12-31 23:59:59.999Z");
});
