import { test } from "node:test";
import assert from "node:assert/strict";
import { DateTime, Timezone, formatGoLayout } from "./datetime.ts";

test("DateTime parses like PocketBase and keeps UTC", () => {
  const dt = new DateTime("2024-01-02 03:04:05.123Z");
  assert.equal(dt.string(), "2024-01-02 03:04:05.123Z");
  assert.equal(dt.unix(), 1704164645);
  assert.equal(JSON.stringify({ dt }), '{"dt":"2024-01-02 03:04:05.123Z"}');
  assert.equal(new DateTime("2024-01-02T03:04:05+02:00").string(), "2024-01-02 01:04:05.000Z");
  const invalid = new DateTime("not a date");
  assert.ok(invalid.isZero());
  assert.equal(invalid.string(), "");
  assert.ok(Math.abs(new DateTime().time().unixMilli() - Date.now()) < 1000);
  assert.equal(new DateTime("2024-07-01 12:00:00", "Europe/Berlin").string(), "2024-07-01 10:00:00.000Z");
  assert.equal(new DateTime("2024-01-01 12:00:00", "Europe/Berlin").string(), "2024-01-01 11:00:00.000Z");
  assert.equal(new DateTime("2024-01-01 12:00:00Z", "Europe/Berlin").string(), "2024-01-01 12:00:00.000Z");
  assert.equal(new DateTime("2024-01-01 12:00:00", "Nowhere/Invalid").string(), "2024-01-01 12:00:00.000Z");
});

test("DateTime arithmetic and comparisons (durations in nanoseconds)", () => {
  const a = new DateTime("2024-01-31 00:00:00Z");
  const b = a.add(3600 * 1e9);
  assert.equal(b.string(), "2024-01-31 01:00:00.000Z");
  assert.equal(b.sub(a), 3600 * 1e9);
  assert.equal(a.addDate(0, 1, 0).string(), "2024-03-02 00:00:00.000Z", "Go normalises Feb 31");
  assert.ok(b.after(a) && a.before(b) && !a.equal(b));
  assert.equal(a.compare(b), -1);
  assert.equal(a.time().year(), 2024);
  assert.equal(a.time().month(), 1);
  assert.equal(a.time().weekday(), 3);
});

test("Go layouts and time zones", () => {
  const ms = Date.UTC(2024, 0, 2, 15, 4, 5, 120);
  assert.equal(formatGoLayout(ms, "UTC", "2006-01-02T15:04:05.000Z07:00"), "2024-01-02T15:04:05.120Z");
  assert.equal(formatGoLayout(ms, "UTC", "Mon Jan _2 3:04PM 2006 .999"), "Tue Jan  2 3:04PM 2024 .12");
  assert.equal(formatGoLayout(ms, "Europe/Berlin", "15:04 -07:00 MST"), "16:04 +01:00 +0100");
  assert.equal(new DateTime("2024-01-02 15:04:05Z").time().format("January 2, 2006"), "January 2, 2024");
  assert.equal(new DateTime("2024-01-02 15:04:05Z").time().in(new Timezone("America/New_York")).hour(), 10);
  assert.equal(new Timezone("").string(), "UTC");
  assert.equal(new Timezone("bogus").string(), "UTC");
  assert.equal(new Timezone("Asia/Tokyo").string(), "Asia/Tokyo");
});
