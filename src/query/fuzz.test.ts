import assert from "node:assert/strict";
import { test } from "node:test";
import { FilterError } from "./errors.ts";
import { buildFilter } from "./filter-compiler.ts";
import { DEFAULT_FILTER_LIMITS } from "./limits.ts";
import { ItemsResolver, createFixtureDb, itemsQuery } from "./query-fixtures.ts";
import { buildSort } from "./sort.ts";

// Reproduce a failure with FUZZ_SEED=<seed> node --test src/query/fuzz.test.ts
const SEED = Number(process.env.FUZZ_SEED ?? 20240210);
const ITERATIONS = 100_000;
const NOW = new Date("2024-02-10T12:00:00Z");
const db = createFixtureDb();

function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCABULARY = [
  "t",
  "n",
  "j",
  "id",
  "j.a",
  "j.arr.1.c",
  "j.0",
  "tags",
  "tags:each",
  "tags:length",
  "rel.name",
  "rel.age",
  "rel.id",
  "@now",
  "@todayStart",
  "@year",
  "@weekday",
  "@request.method",
  "@request.auth.id",
  "@request.auth.verified",
  "null",
  "NULL",
  "true",
  "False",
  "secret",
  "unknown",
  "_",
  "#x",
  "@",
  "a.",
  "x:",
  ":each",
  "..",
  "=",
  "!=",
  ">",
  ">=",
  "<",
  "<=",
  "~",
  "!~",
  "?=",
  "?!=",
  "?>",
  "?>=",
  "?<",
  "?<=",
  "?~",
  "?!~",
  "=!=",
  "!",
  "?",
  "&&",
  "||",
  "&",
  "|",
  "&&||",
  "(",
  ")",
  "((",
  "))",
  ",",
  "'x'",
  '"y"',
  "''",
  '""',
  "'%'",
  "'_'",
  "'\\''",
  "'a\\'",
  "1",
  "0",
  "-2.5",
  "-",
  "1.",
  "007",
  "99999999999999999999999",
  "geoDistance(",
  "strftime(",
  "'%Y'",
  "'+1 day'",
  "unknownFn(",
  "constructor(",
  "//c\n",
  "// x",
  "/",
  " ",
  "\t",
  "\n",
  "\r",
  "'",
  '"',
  "\\",
  "%",
  "`",
  ";",
  "--",
  "/*",
  "*/",
  "\u0000",
  "\u0007",
  "é",
  "🙂",
  "\ud800",
  "’",
  "DROP TABLE items",
  "SELECT",
  "ORDER BY",
];

const SEEDS = [
  "t = 'alpha' && n > 1",
  "(t ~ 'a%' || n <= -1.5) && j.a != null",
  "tags:each ?= 'a' && rel.name = 'Ann' || rel.age > 35",
  "geoDistance(n, 0, 1, 2) < 100 && strftime('%Y', @now, '+1 day') = '2024'",
  "@request.auth.id != '' && @request.method = \"GET\" // comment\n || tags:length >= 2",
  't !~ "x\\"y" && (n ?> 1 || (n ?< 0 && t = null))',
];

const CHARS = "abcnt_@#.:0123456789-=!<>~?&|()',\" \t\n\\%/`;\u0000é🙂\r*";

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function tokenSoup(random: () => number): string {
  const count = 1 + Math.floor(random() * 25);
  let text = "";
  for (let i = 0; i < count; i++) text += pick(random, VOCABULARY) + (random() < 0.6 ? " " : "");
  return text;
}

function mutate(random: () => number): string {
  let text = pick(random, SEEDS);
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (text.length + 1));
    const kind = random();
    if (kind < 0.3) text = text.slice(0, at) + pick(random, [...CHARS]) + text.slice(at);
    else if (kind < 0.55) text = text.slice(0, at) + text.slice(at + 1 + Math.floor(random() * 3));
    else if (kind < 0.8) text = text.slice(0, at) + pick(random, VOCABULARY) + text.slice(at);
    else text = text.slice(0, at) + text.slice(Math.floor(random() * text.length));
  }
  return text;
}

function randomChars(random: () => number): string {
  const length = Math.floor(random() * 40);
  let text = "";
  for (let i = 0; i < length; i++) {
    text += random() < 0.05 ? String.fromCharCode(Math.floor(random() * 0x3000)) : pick(random, [...CHARS]);
  }
  return text;
}

/** Syntactically valid filters over the fixture's fields, so compile + execute is exercised too. */
function validFilter(random: () => number, depth = 0): string {
  if (depth < 3 && random() < 0.35) {
    const parts = [validFilter(random, depth + 1), validFilter(random, depth + 1)];
    return `(${parts.join(random() < 0.5 ? " && " : " || ")})`;
  }
  const operands = VOCABULARY.slice(0, 26).concat([
    "'x'",
    "'%a\\'_'",
    "1",
    "-2.5",
    "''",
    "strftime('%Y', t)",
  ]);
  const operators = [
    "=",
    "!=",
    ">",
    ">=",
    "<",
    "<=",
    "~",
    "!~",
    "?=",
    "?!=",
    "?>",
    "?>=",
    "?<",
    "?<=",
    "?~",
    "?!~",
  ];
  return `${pick(random, operands)} ${pick(random, operators)} ${pick(random, operands)}`;
}

const HUGE = [
  "(".repeat(100_000),
  ")".repeat(100_000),
  "(".repeat(1_000) + "t=1" + ")".repeat(1_000),
  "(".repeat(99) + "t=1" + ")".repeat(99),
  "strftime(".repeat(50_000),
  "t = strftime('%Y', strftime('%Y', strftime('%Y', t)))",
  "t".repeat(4_000) + " = 1",
  "t = '" + "x".repeat(3_490) + "'",
  "t = '" + "\\'".repeat(1_740) + "'",
  Array.from({ length: 1_000 }, () => "t=1").join("&&"),
  Array.from({ length: 200 }, () => "rel.name = tags:each").join(" || "),
  "'".repeat(100_000),
  "/".repeat(100_000),
  "\u0000".repeat(100_000),
  "🙂".repeat(50_000),
  "t = 1 //" + "x".repeat(100_000),
];

function check(input: string, failures: string[]): "compiled" | "rejected" {
  let query: ReturnType<typeof itemsQuery>;
  try {
    const resolver = new ItemsResolver();
    query = itemsQuery(resolver, buildFilter(input, { resolver, now: NOW }));
  } catch (error) {
    if (error instanceof FilterError) return "rejected";
    failures.push(`non-FilterError ${String(error)} for ${JSON.stringify(input.slice(0, 200))}`);
    return "rejected";
  }
  try {
    db.prepare(query.sql).all(...query.params);
  } catch (error) {
    failures.push(`SQL error ${String(error)} for ${JSON.stringify(input.slice(0, 200))}`);
  }
  return "compiled";
}

test(
  `${ITERATIONS} random filters either compile to runnable SQL or raise FilterError (seed ${SEED})`,
  { timeout: 120_000 },
  () => {
    const random = prng(SEED);
    const failures: string[] = [];
    const outcomes = { compiled: 0, rejected: 0 };
    const generators = [tokenSoup, mutate, randomChars, validFilter];
    for (let i = 0; i < ITERATIONS; i++) {
      outcomes[check(pick(random, generators)(random), failures)]++;
      if (failures.length > 5) break;
    }
    assert.deepEqual(failures, [], `seed ${SEED}`);
    // both paths must actually be exercised
    assert.ok(outcomes.compiled > ITERATIONS / 10, JSON.stringify(outcomes));
    assert.ok(outcomes.rejected > ITERATIONS / 10, JSON.stringify(outcomes));
  },
);

test("huge and deeply nested inputs fail fast with FilterError", () => {
  const failures: string[] = [];
  for (const input of HUGE) check(input, failures);
  // the same inputs under roomy rule limits still cannot overflow the stack
  const roomy = { ...DEFAULT_FILTER_LIMITS, maxLength: 10_000_000, maxExpressions: 100_000 };
  for (const input of HUGE) {
    try {
      const resolver = new ItemsResolver();
      buildFilter(input, { resolver, limits: roomy, now: NOW });
    } catch (error) {
      if (!(error instanceof FilterError))
        failures.push(`${String(error)} for ${JSON.stringify(input.slice(0, 50))}`);
    }
  }
  assert.deepEqual(failures, []);
});

test("random sort strings either compile or raise FilterError", () => {
  const random = prng(SEED + 1);
  const failures: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const count = Math.floor(random() * 10);
    const input = Array.from(
      { length: count },
      () =>
        (random() < 0.3 ? pick(random, ["-", "+", " ", "--"]) : "") +
        (random() < 0.8 ? pick(random, VOCABULARY) : randomChars(random)),
    ).join(random() < 0.9 ? "," : ";");
    try {
      const resolver = new ItemsResolver();
      const orderBy = buildSort(input, { resolver });
      const query = itemsQuery(resolver, { sql: "1", params: [] }, orderBy);
      db.prepare(query.sql).all(...query.params);
    } catch (error) {
      if (!(error instanceof FilterError)) failures.push(`${String(error)} for ${JSON.stringify(input)}`);
    }
    if (failures.length > 5) break;
  }
  assert.deepEqual(failures, [], `seed ${SEED}`);
});
