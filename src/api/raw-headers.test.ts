import { test } from "node:test";
import assert from "node:assert/strict";
import { headerEntriesFromRaw, headersFromRaw } from "./raw-headers.ts";

/** What the platform's Headers make of a raw list: the reference for the shortcut. */
const reference = (raw: string[]): [string, string][] => [...headersFromRaw(raw)];

test("header entries from a raw list match the platform's Headers", () => {
  const cases: string[][] = [
    [],
    ["Host", "a", "User-Agent", "x", "Accept", "*/*"],
    ["X-B", "1", "x-a", "2", "X-B", "3", "x-b", " 4 "],
    ["Set-Cookie", "a=1", "Cookie", "c=1", "set-cookie", "b=2", "Accept", "x", "Cookie", "d=2"],
    ["Authorization", "Bearer abc", "Content-Length", "0", "content-type", "application/json"],
    ["Bad Name", "v", "Host", "h"],
    ["X-Tab", "\tvalue\t"],
    ["X", ""],
  ];
  for (const raw of cases) assert.deepEqual(headerEntriesFromRaw(raw), reference(raw), JSON.stringify(raw));
});

test("header entries match the platform's Headers on random lists", () => {
  const names = ["a", "B", "set-cookie", "Set-Cookie", "x-y", "X-Y", "cookie", "Z", "é", "a b", "k:"];
  const values = ["1", " 2", "3 ", "", "a, b", "v\u00e9", "x\u0001y", "tab\there"];
  let seed = 7;
  const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let round = 0; round < 2000; round++) {
    const raw: string[] = [];
    for (let i = next(8); i > 0; i--) raw.push(names[next(names.length)]!, values[next(values.length)]!);
    assert.deepEqual(headerEntriesFromRaw(raw), reference(raw), JSON.stringify(raw));
  }
});
