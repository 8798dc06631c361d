import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ComparisonNode,
  IdentifierNode,
  LogicalNode,
  NumberNode,
  TextNode,
  baseOperator,
  isAnyOfOperator,
} from "./ast.ts";
import type { ExpressionNode, OperandNode } from "./ast.ts";
import { buildFilter } from "./filter-compiler.ts";
import { COMPARISON_OPERATORS } from "./lexer.ts";
import type { ComparisonOperator } from "./lexer.ts";
import { constantText, likePattern } from "./like.ts";
import { parseFilter } from "./parser.ts";
import { printFilter } from "./printer.ts";
import { FIXTURE_USERS, ItemsResolver, createFixtureDb, itemsQuery, queryIds } from "./query-fixtures.ts";
import type { ItemRow, UserRow } from "./query-fixtures.ts";

// An in-memory model of PocketBase's filter semantics over SQLite values, checked against the
// compiled SQL on random data. INTEGER is a bigint, REAL a number, TEXT a string.
type Value = null | bigint | number | string;
type Tri = boolean | null;

const SEED = Number(process.env.FUZZ_SEED ?? 7);
const FILTERS = 3_000;
const NOW = new Date("2024-02-10T12:00:00Z");

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
const random = prng(SEED);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

// ---- SQLite value semantics (columns without affinity) ----

function order(a: Exclude<Value, null>, b: Exclude<Value, null>): number {
  const classA = typeof a === "string" ? 1 : 0;
  const classB = typeof b === "string" ? 1 : 0;
  if (classA !== classB) return classA - classB;
  if (typeof a === "string") return a < b ? -1 : a > b ? 1 : 0;
  return Math.sign(Number(a) - Number(b));
}
const eq = (a: Value, b: Value): Tri => (a === null || b === null ? null : order(a, b) === 0);
const is = (a: Value, b: Value): boolean => (a === null || b === null ? a === b : order(a, b) === 0);
const not = (a: Tri): Tri => (a === null ? null : !a);
function and(items: readonly Tri[]): Tri {
  if (items.includes(false)) return false;
  return items.includes(null) ? null : true;
}
function or(items: readonly Tri[]): Tri {
  if (items.includes(true)) return true;
  return items.includes(null) ? null : false;
}
function toText(value: Exclude<Value, null>): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return Number.isInteger(value) ? `${value}.0` : String(value);
  return value;
}
function like(text: string, pattern: string): boolean {
  const lower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  let source = "";
  const p = lower(pattern);
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "\\") {
      if (i + 1 >= p.length) return false;
      source += p[++i]!.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
    } else if (c === "%") source += "[\\s\\S]*";
    else if (c === "_") source += "[\\s\\S]";
    else source += c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  }
  return new RegExp(`^${source}$`).test(lower(text));
}

function fromJson(value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (typeof value === "boolean") return value ? 1n : 0n;
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}
function parseJson(text: Value): { value: unknown } | undefined {
  if (typeof text !== "string") return undefined;
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}
function jsonExtract(text: Value, path: readonly string[]): Value {
  let current = parseJson(text)?.value;
  for (const segment of path) {
    if (/^\d+$/.test(segment))
      current = Array.isArray(current) ? (current as unknown[])[Number(segment)] : undefined;
    else if (
      current !== null &&
      typeof current === "object" &&
      !Array.isArray(current) &&
      Object.hasOwn(current, segment)
    )
      current = (current as Record<string, unknown>)[segment];
    else current = undefined;
  }
  return fromJson(current);
}
function jsonArray(text: Value): Value[] {
  const parsed = parseJson(text);
  return parsed !== undefined && Array.isArray(parsed.value) ? parsed.value.map(fromJson) : [text];
}

// ---- the model of operands and operators ----

interface Row extends ItemRow {
  readonly t: Value;
  readonly n: Value;
  readonly j: Value;
  readonly tags: Value;
  readonly rel: Value;
}
interface Env {
  readonly tag: Value;
  readonly user: UserRow | undefined;
}
type Model =
  | { readonly kind: "const"; readonly value: Value | boolean; readonly bound: boolean }
  | { readonly kind: "scalar"; readonly noCoalesce: boolean; get(row: Row): Value }
  | { readonly kind: "multi"; get(env: Env): Value; all(row: Row): Value[] };

const users = new Map(FIXTURE_USERS.map((user) => [user.id, user]));
const userOf = (id: Value): UserRow | undefined => (typeof id === "string" ? users.get(id) : undefined);
const userField = (user: UserRow | undefined, field: "id" | "name" | "age"): Value =>
  (user?.[field] ?? null) as Value;

function relation(field: "id" | "name" | "age"): Model {
  return {
    kind: "multi",
    get: (env) => userField(env.user, field),
    all: (row) => {
      const ids = jsonArray(row.rel);
      return ids.length === 0 ? [null] : ids.map((id) => userField(userOf(id), field)); // LEFT JOINs
    },
  };
}

const IDENTIFIERS: ReadonlyMap<string, Model> = new Map<string, Model>([
  ["t", { kind: "scalar", noCoalesce: false, get: (row) => row.t }],
  ["n", { kind: "scalar", noCoalesce: false, get: (row) => row.n }],
  ["j.a", { kind: "scalar", noCoalesce: true, get: (row) => jsonExtract(row.j, ["a"]) }],
  ["j.b", { kind: "scalar", noCoalesce: true, get: (row) => jsonExtract(row.j, ["b"]) }],
  ["j.b.c", { kind: "scalar", noCoalesce: true, get: (row) => jsonExtract(row.j, ["b", "c"]) }],
  ["j.0", { kind: "scalar", noCoalesce: true, get: (row) => jsonExtract(row.j, ["0"]) }],
  ["tags:length", { kind: "scalar", noCoalesce: false, get: (row) => BigInt(jsonArray(row.tags).length) }],
  ["tags:each", { kind: "multi", get: (env) => env.tag, all: (row) => jsonArray(row.tags) }],
  ["rel.id", relation("id")],
  ["rel.name", relation("name")],
  ["rel.age", relation("age")],
  ["@request.method", { kind: "const", value: "GET", bound: true }],
  ["@request.auth.id", { kind: "const", value: "", bound: true }],
  ["@year", { kind: "const", value: 2024, bound: true }],
]);

function model(node: OperandNode): Model {
  switch (node.kind) {
    case "text":
      return { kind: "const", value: node.value, bound: true };
    case "number":
      return { kind: "const", value: node.value, bound: true };
    case "function":
      throw new Error("functions are not generated");
    case "identifier": {
      const known = IDENTIFIERS.get(node.name);
      if (known !== undefined) return known;
      const keyword = node.name.toLowerCase();
      return { kind: "const", value: keyword === "null" ? null : keyword === "true", bound: false };
    }
  }
}

/** The SQL value of a constant: bound numbers/booleans are REALs, inline true/false INTEGERs. */
function constValue(m: Extract<Model, { kind: "const" }>): Value {
  if (typeof m.value === "boolean") return m.bound ? (m.value ? 1 : 0) : m.value ? 1n : 0n;
  return m.value;
}
function valueOf(m: Model, row: Row, env: Env): Value {
  return m.kind === "const" ? constValue(m) : m.kind === "scalar" ? m.get(row) : m.get(env);
}
const isEmpty = (m: Model) => m.kind === "const" && (m.value === null || m.value === "");
const isNonEmpty = (m: Model) => m.kind === "const" && !isEmpty(m);
const noCoalesce = (m: Model) => m.kind === "scalar" && m.noCoalesce;

function equality(equal: boolean, l: Model, r: Model, lv: Value, rv: Value): Tri {
  if (noCoalesce(l) || noCoalesce(r)) return equal ? is(lv, rv) : !is(lv, rv);
  if (isEmpty(l) && isEmpty(r)) return equal;
  if (isNonEmpty(l) || isNonEmpty(r)) {
    const a = isEmpty(l) ? "" : lv;
    const b = isEmpty(r) ? "" : rv;
    return equal ? eq(a, b) : !is(a, b);
  }
  if (isEmpty(l)) return equal ? or([eq("", rv), rv === null]) : !is("", rv) && rv !== null;
  if (isEmpty(r)) return equal ? or([eq(lv, ""), lv === null]) : !is(lv, "") && lv !== null;
  return equal ? eq(lv ?? "", rv ?? "") : !is(lv ?? "", rv ?? "");
}

function contains(negated: boolean, r: Model, lv: Value, rv: Value): Tri {
  let pattern: string | null;
  if (r.kind === "const" && r.bound && r.value !== null) pattern = likePattern(constantText(r.value));
  else pattern = rv === null ? null : `%${toText(rv)}%`;
  if (lv === null || pattern === null) return null;
  return like(toText(lv), pattern) !== negated;
}

function plain(op: ComparisonOperator, l: Model, r: Model, lv: Value, rv: Value): Tri {
  const base = baseOperator(op);
  switch (base) {
    case "=":
    case "!=":
      return equality(base === "=", l, r, lv, rv);
    case "~":
    case "!~":
      return contains(base === "!~", r, lv, rv);
    case "<":
      return lv === null || rv === null ? null : order(lv, rv) < 0;
    case "<=":
      return lv === null || rv === null ? null : order(lv, rv) <= 0;
    case ">":
      return lv === null || rv === null ? null : order(lv, rv) > 0;
    case ">=":
      return lv === null || rv === null ? null : order(lv, rv) >= 0;
  }
}

const column: Model = { kind: "scalar", noCoalesce: false, get: () => null };

/** PocketBase's NOT EXISTS check: no value (pair) for which the condition is not true. */
function allMatch(op: ComparisonOperator, l: Model, r: Model, row: Row): boolean | undefined {
  const counter = (condition: Tri, values: readonly Value[]) =>
    not(condition) === true || (op !== "=" && values.includes(null));
  if (l.kind === "multi" && r.kind === "multi") {
    const rights = r.all(row);
    return !l
      .all(row)
      .some((lv) =>
        (rights.length === 0 ? [null] : rights).some((rv) =>
          counter(plain(op, column, column, lv, rv), [lv, rv]),
        ),
      );
  }
  const env: Env = { tag: null, user: undefined }; // the other side is not multi-valued
  if (l.kind === "multi")
    return !l.all(row).some((v) => counter(plain(op, column, r, v, valueOf(r, row, env)), [v]));
  if (r.kind === "multi")
    return !r.all(row).some((v) => counter(plain(op, l, column, valueOf(l, row, env), v), [v]));
  return undefined;
}

function evaluate(node: ExpressionNode, row: Row, env: Env): Tri {
  if (node.kind === "logical") {
    const items = node.items.map((item) => evaluate(item, row, env));
    return node.operator === "&&" ? and(items) : or(items);
  }
  const l = model(node.left);
  const r = model(node.right);
  const base = plain(node.operator, l, r, valueOf(l, row, env), valueOf(r, row, env));
  if (isAnyOfOperator(node.operator)) return base;
  const all = allMatch(node.operator, l, r, row);
  return all === undefined ? base : and([base, all]);
}

function matches(node: ExpressionNode, row: Row): boolean {
  const tags = jsonArray(row.tags);
  const rel = jsonArray(row.rel).map(userOf);
  for (const tag of tags.length === 0 ? [null] : tags) {
    for (const user of rel.length === 0 ? [undefined] : rel) {
      if (evaluate(node, row, { tag, user }) === true) return true;
    }
  }
  return false;
}

// ---- random data and filters ----

const T_VALUES: Value[] = [null, "", "a", "b", "ab", "A", "Ann", "x%y", "_", "a_b", "1", "GET", "b\\c", "%"];
const N_VALUES: Value[] = [null, 0n, 1n, 2n, -1n, 30n, 40n, 1.5, -0.5, 2024n];
const J_VALUES: Value[] = [
  null,
  "",
  "plain",
  "{",
  '{"a":1,"b":"x"}',
  '{"a":"1"}',
  '{"a":null}',
  '{"a":2.5}',
  "[1,2]",
  '{"b":{"c":"d"}}',
  '{"a":true}',
  '{"a":"Ann","b":""}',
  '["a"]',
];
const TAG_VALUES: Value[] = [
  '["a","b"]',
  '["a"]',
  "[]",
  '["b","c"]',
  "a",
  "",
  null,
  "[null]",
  '["a",null]',
  '[1,"1"]',
  '["A"]',
  '[""]',
];
const REL_VALUES: Value[] = [
  '["u1","u2"]',
  '["u1"]',
  "[]",
  "u2",
  '["u1","x"]',
  null,
  '["u3"]',
  '["u3","u1"]',
  "[1]",
];

const rows: Row[] = Array.from({ length: 40 }, (_, i) => ({
  id: `r${i}`,
  t: pick(T_VALUES),
  n: pick(N_VALUES),
  j: pick(J_VALUES),
  tags: pick(TAG_VALUES),
  rel: pick(REL_VALUES),
}));

const OPERANDS: (() => OperandNode)[] = [
  ...[...IDENTIFIERS.keys(), "null", "TRUE", "false"].map((name) => () => IdentifierNode.create(name)),
  ...["", "a", "b", "A", "Ann", "x%y", "%a%", "_", "a_", "a\\b", "GET", "1", "x", "%", "Bob"].map(
    (value) => () => TextNode.create(value),
  ),
  ...[0, 1, 2, -1, 1.5, 30, 40, 2024, -0.5].map((value) => () => NumberNode.create(value)),
];

function randomFilter(depth = 0): ExpressionNode {
  if (depth < 3 && random() < 0.35) {
    const items = Array.from({ length: 2 + Math.floor(random() * 2) }, () => randomFilter(depth + 1));
    return LogicalNode.create(random() < 0.5 ? "&&" : "||", items);
  }
  // bias towards the interesting operands: fields on the left, mixed on the right
  const left = random() < 0.8 ? pick(OPERANDS.slice(0, 11))() : pick(OPERANDS)();
  return ComparisonNode.create(left, pick(COMPARISON_OPERATORS), pick(OPERANDS)());
}

test(`compiled SQL and an in-memory evaluator agree on ${FILTERS} random filters (seed ${SEED})`, () => {
  const db = createFixtureDb(rows);
  const mismatches: string[] = [];
  let nonTrivial = 0;
  for (let i = 0; i < FILTERS && mismatches.length < 5; i++) {
    const node = randomFilter();
    const filter = printFilter(node);
    assert.equal(printFilter(parseFilter(filter)), filter, "print/parse round trip");

    const resolver = new ItemsResolver();
    const sqlIds = queryIds(db, itemsQuery(resolver, buildFilter(filter, { resolver, now: NOW }))).sort();
    const modelIds = rows
      .filter((row) => matches(node, row))
      .map((row) => row.id)
      .sort();
    if (sqlIds.length > 0 && sqlIds.length < rows.length) nonTrivial++;
    if (sqlIds.join() !== modelIds.join()) {
      mismatches.push(`${filter}\n  sql:   ${sqlIds.join(",")}\n  model: ${modelIds.join(",")}`);
    }
  }
  assert.deepEqual(mismatches, [], `seed ${SEED}`);
  assert.ok(nonTrivial > FILTERS / 4, `only ${nonTrivial} filters selected a proper subset`);
});
