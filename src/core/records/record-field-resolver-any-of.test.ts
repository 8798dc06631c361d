/**
 * Differential test of the any-of operators on plain multi-value fields: every `?` operator over
 * every multi-value field type (multiple select, relation and file), directly and at the end of
 * a relation path, checked against an in-memory evaluator on random rows. The model: `f ?op v`
 * holds when at least one value of `f` satisfies `value op v` (an empty list counts as one
 * missing value), with PocketBase's NULL/'' normalisation of `=`/`!=` and LIKE for `~`.
 */
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { test } from "node:test";
import { buildFilter } from "../../query/filter-compiler.ts";
import { joinSql, sql } from "../../query/sql.ts";
import { makeField, newCollection, newCollectionId } from "../collections/collection-defaults.ts";
import { createTableDdl } from "../collections/collection-schema-sync.ts";
import { RecordFieldResolver } from "./record-field-resolver.ts";

const SEED = Number(process.env.FUZZ_SEED ?? 11);
let state = SEED >>> 0;
function random(): number {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

const ITEMS_ID = newCollectionId("base", "items");
const items = newCollection("base", "items");
items.id = ITEMS_ID;
items.listRule = "";
items.fields.push(
  makeField("select", "tags", { values: ["a", "b", "ab", "c"], maxSelect: 3 }),
  makeField("relation", "refs", { collectionId: ITEMS_ID, maxSelect: 3 }),
  makeField("file", "docs", { maxSelect: 3 }),
  makeField("relation", "parent", { collectionId: ITEMS_ID, maxSelect: 1 }),
);

const VALUES = ["a", "b", "ab", "c", "A", "i1", "i2", "x_1.txt", "y.png"];
const FIELDS = ["tags", "refs", "docs"] as const;
type Lists = { readonly [K in (typeof FIELDS)[number]]: string[] };
interface Row extends Lists {
  readonly id: string;
  readonly parent: string;
}

const list = (): string[] => Array.from({ length: Math.floor(random() * 4) }, () => pick(VALUES));
const rows: Row[] = Array.from({ length: 30 }, (_, i) => ({
  id: `i${i}`,
  tags: list(),
  refs: list(),
  docs: list(),
  parent: random() < 0.3 ? "" : `i${Math.floor(random() * 30)}`,
}));

const db = new DatabaseSync(":memory:");
db.exec(createTableDdl(items));
const insert = db.prepare("INSERT INTO items (id, tags, refs, docs, parent) VALUES (?, ?, ?, ?, ?)");
for (const row of rows) {
  insert.run(
    row.id,
    JSON.stringify(row.tags),
    JSON.stringify(row.refs),
    JSON.stringify(row.docs),
    row.parent,
  );
}

const OPERATORS = ["?=", "?!=", "?>", "?>=", "?<", "?<=", "?~", "?!~"] as const;
type Operator = (typeof OPERATORS)[number];

/** SQL's three-valued answer of `value op constant` for one list value (null: missing). */
function holds(op: Operator, value: string | null, constant: string): boolean {
  switch (op) {
    case "?=":
      return constant === "" ? value === null || value === "" : value === constant;
    case "?!=":
      return constant === "" ? value !== null && value !== "" : value !== constant;
    case "?~":
    case "?!~": {
      if (value === null) return false;
      const found = value.toLowerCase().includes(constant.toLowerCase());
      return op === "?~" ? found : !found;
    }
    case "?>":
    case "?>=":
    case "?<":
    case "?<=": {
      if (value === null) return false;
      const cmp = value < constant ? -1 : value > constant ? 1 : 0;
      return op === "?>" ? cmp > 0 : op === "?>=" ? cmp >= 0 : op === "?<" ? cmp < 0 : cmp <= 0;
    }
  }
}

function anyHolds(op: Operator, values: readonly string[], constant: string): boolean {
  return (values.length === 0 ? [null] : values).some((value) => holds(op, value, constant));
}

function modelIds(field: (typeof FIELDS)[number], viaParent: boolean, op: Operator, constant: string) {
  const byId = new Map(rows.map((row) => [row.id, row]));
  return rows
    .filter((row) => {
      const source = viaParent ? byId.get(row.parent) : row;
      // A missing parent joins as NULLs: one missing value.
      return anyHolds(op, source === undefined ? [] : source[field], constant);
    })
    .map((row) => row.id)
    .sort();
}

function sqlIds(filter: string): string[] {
  const resolver = new RecordFieldResolver({
    findCollection: (nameOrId) => (nameOrId === ITEMS_ID || nameOrId === "items" ? items : null),
    collection: items,
    requestInfo: null,
    allowHiddenFields: true,
    isClientFilter: false,
  });
  const where = buildFilter(filter, { resolver });
  const joins = resolver.joins();
  const statement = sql`SELECT DISTINCT \`items\`.\`id\` AS id FROM \`items\` ${joinSql(joins, " ")} WHERE ${where}`;
  return db
    .prepare(statement.sql)
    .all(...statement.params)
    .map((row) => String(row.id))
    .sort();
}

test("every ? operator over every multi-value field type matches the in-memory model", () => {
  const mismatches: string[] = [];
  for (const field of FIELDS) {
    for (const viaParent of [false, true]) {
      for (const op of OPERATORS) {
        for (const constant of ["", ...VALUES]) {
          const identifier = viaParent ? `parent.${field}` : field;
          const filter = `${identifier} ${op} ${JSON.stringify(constant)}`;
          const expected = modelIds(field, viaParent, op, constant);
          const actual = sqlIds(filter);
          if (actual.join() !== expected.join()) {
            mismatches.push(`${filter}\n  sql:   ${actual.join(",")}\n  model: ${expected.join(",")}`);
          }
          // The operands may also be swapped: `"b" ?= tags` is the same test.
          const mirrored = {
            "?=": "?=",
            "?!=": "?!=",
            "?>": "?<",
            "?>=": "?<=",
            "?<": "?>",
            "?<=": "?>=",
          } as const;
          if (op in mirrored && constant !== "") {
            const swapped = `${JSON.stringify(constant)} ${mirrored[op as keyof typeof mirrored]} ${identifier}`;
            const swappedIds = sqlIds(swapped);
            if (swappedIds.join() !== expected.join()) {
              mismatches.push(`${swapped}\n  sql:   ${swappedIds.join(",")}\n  model: ${expected.join(",")}`);
            }
          }
        }
      }
    }
  }
  assert.deepEqual(mismatches.slice(0, 5), [], `${mismatches.length} mismatches (seed ${SEED})`);
});

test("plain operators on a multi-value field still compare the stored list", () => {
  assert.deepEqual(
    sqlIds(`tags = '[]'`),
    modelIdsWhere((row) => row.tags.length === 0),
  );
  assert.deepEqual(
    sqlIds(`tags:length > 1`),
    modelIdsWhere((row) => row.tags.length > 1),
  );
});

function modelIdsWhere(predicate: (row: Row) => boolean): string[] {
  return rows
    .filter(predicate)
    .map((row) => row.id)
    .sort();
}
