/**
 * A records query with joins has two forms (src/core/records/record-query-exists.ts):
 * PocketBase's `SELECT DISTINCT … LEFT JOIN …` and the same joins under an EXISTS, and SQLite's
 * plan picks which runs (record-query-cost.ts). Checked on PocketBase's own test data: for every
 * relation and back-relation path of every collection, a set of filters run in both forms (as a
 * superuser's rule, and as a guest's client filter with the targets' listRules) must return the
 * records and totals of the hand-built joined statement, in the same order whenever there is a
 * sort. Without a sort neither form promises an order (SQLite's natural order), so only the sets
 * are compared there. Then the choice, on a plan of each kind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { test } from "node:test";
import { collectionFromRow } from "../src/core/collections/collection-json.ts";
import type { Collection } from "../src/core/collections/collection-model.ts";
import { RecordFieldResolver } from "../src/core/records/record-field-resolver.ts";
import { App } from "../src/core/app.ts";
import { collectionFromCreateBody } from "../src/core/collections/collection-input.ts";
import { saveCollection } from "../src/core/collections/collection-save.ts";
import { existsFormPays } from "../src/core/records/record-query-cost.ts";
import {
  RecordQueryBuilder,
  existsForm,
  recordCountSql,
  recordSelectSql,
} from "../src/core/records/record-rule.ts";
import { sharedFilterCache } from "../src/query/filter-cache.ts";
import { compileFilter } from "../src/query/filter-compiler.ts";
import { FilterError } from "../src/query/errors.ts";
import { buildSort } from "../src/query/sort.ts";
import { type SqlFragment, toStatement } from "../src/query/sql.ts";
import { tempDir } from "./helpers/server.ts";
import { copyTestdata } from "./helpers/testdata.ts";

function openTestdata(dir: string): {
  db: DatabaseSync;
  collections: Collection[];
  find: (n: string) => Collection | null;
} {
  const db = new DatabaseSync(join(dir, "data.db"));
  const byKey = new Map<string, Collection>();
  const collections: Collection[] = [];
  for (const row of db.prepare("SELECT * FROM _collections ORDER BY name").all()) {
    const collection = collectionFromRow(row);
    collections.push(collection);
    byKey.set(collection.name, collection);
    byKey.set(collection.id, collection);
  }
  return { db, collections, find: (n) => byKey.get(n) ?? null };
}

/** Filters over every relation path out of `collection` and every back-relation into it. */
function pathFilters(
  collection: Collection,
  collections: Collection[],
  find: (n: string) => Collection | null,
) {
  const filters: string[] = [];
  for (const field of collection.fields) {
    if (field.type !== "relation") continue;
    const target = find(String((field as { collectionId?: string }).collectionId));
    if (target === null) continue;
    for (const t of target.fields) {
      if (t.type === "password") continue;
      const path = `${field.name}.${t.name}`;
      filters.push(
        `${path} != ''`,
        `${path} ?!= ''`,
        `${path} = ''`,
        `${path} ?~ 'e'`,
        `id != '' && ${path} != 'x'`,
      );
    }
    filters.push(
      `${field.name}.id ?= ${field.name}.id`,
      `created != '' && (${field.name}.id = '' || id ~ 'a')`,
      // Two terms on one joined row: no related id is both, though a record may have one of each.
      `${field.name}.id ?< 'h' && ${field.name}.id ?> 'h'`,
      `${field.name}.id ?< 'p' && ${field.name}.id ?> 'c'`,
    );
  }
  for (const other of collections) {
    if (other.type === "view") continue;
    for (const f of other.fields) {
      if (f.type !== "relation" || (f as { collectionId?: string }).collectionId !== collection.id) continue;
      const path = `${other.name}_via_${f.name}`;
      filters.push(`${path}.id != ''`, `${path}.id ?!= ''`, `${path}.created ?> '2000-01-01'`);
    }
  }
  return filters;
}

const SORTS = ["", "-created", "created", "@rowid", "-@rowid", "id", "-updated,id"];

function all(db: DatabaseSync, statement: SqlFragment): string[] {
  return db
    .prepare(statement.sql)
    .all(...(statement.params as SQLInputValue[]))
    .map((row) => String(row.id));
}

test("relation joins under an EXISTS select the same records as PocketBase's joined DISTINCT form", (t) => {
  const dir = copyTestdata(t);
  if (dir === null) return;
  const { db, collections, find } = openTestdata(dir);
  t.after(() => db.close());
  let compared = 0;
  let ordered = 0;
  let nonEmpty = 0;
  for (const collection of collections) {
    if (collection.type === "view") continue;
    for (const filter of pathFilters(collection, collections, find)) {
      for (const sort of SORTS) {
        for (const superuser of [true, false]) {
          // PocketBase's shape: every join in the FROM clause, DISTINCT rows.
          let expected: string[];
          try {
            const resolver = new RecordFieldResolver({
              findCollection: find,
              collection,
              requestInfo: null,
              allowHiddenFields: superuser,
              isClientFilter: !superuser,
            });
            const where = compileFilter(sharedFilterCache.parse(filter), { resolver });
            const orderBy = sort === "" ? "" : ` ORDER BY ${buildSort(sort, { resolver }).sql}`;
            const joins = resolver.joins();
            const table = `\`${collection.name}\``;
            expected = all(db, {
              sql: `SELECT ${joins.length > 0 ? "DISTINCT " : ""}${table}.* FROM ${table} ${joins.map((j) => j.sql).join(" ")} WHERE ${where.sql}${orderBy}`,
              params: [...joins.flatMap((j) => j.params), ...where.params],
            });
          } catch (error) {
            // Hidden fields and locked collections are refused to guests either way.
            if (error instanceof FilterError && !superuser) continue;
            throw error;
          }
          const builder = new RecordQueryBuilder({
            findCollection: find,
            collection,
            requestInfo: null,
            isSuperuser: superuser,
          });
          // A superuser's filter alone compiles as a rule would (from a template, no sort).
          if (superuser && sort === "") builder.rule(filter);
          else builder.filter(filter);
          if (sort !== "") builder.sort(sort);
          const joined = builder.build();
          const forms = joined.existsWhere === null ? [joined] : [joined, existsForm(joined)];
          for (const query of forms) {
            const got = all(db, recordSelectSql(collection, query));
            const count = recordCountSql(collection, query, undefined, { distinct: query.needsDistinct });
            const total = Number(db.prepare(count.sql).get(...(count.params as SQLInputValue[]))?.total);
            const form = query === joined ? "joined" : "EXISTS";
            const label = `${form} form: ${collection.name} ${JSON.stringify(filter)} sort ${JSON.stringify(sort)} superuser ${superuser}`;
            if (sort === "") assert.deepEqual([...got].sort(), [...expected].sort(), label);
            else {
              assert.deepEqual(got, expected, label);
              if (got.length > 1 && query !== joined) ordered++;
            }
            assert.equal(total, expected.length, `${label}: total`);
            if (query !== joined) {
              if (expected.length > 0) nonEmpty++;
              compared++;
            }
          }
        }
      }
    }
  }
  // The data must exercise it: many EXISTS forms, most with rows, many with several rows in order.
  assert.ok(compared > 3000, `${compared} queries compared`);
  assert.ok(nonEmpty > compared / 2, `${nonEmpty} of ${compared} non-empty`);
  assert.ok(ordered > 500, `${ordered} ordered comparisons with several rows`);
});

test("a query has an EXISTS form unless a sort reads its joins; plain terms stay outside the EXISTS", (t) => {
  const dir = copyTestdata(t);
  if (dir === null) return;
  const { db, find } = openTestdata(dir);
  t.after(() => db.close());
  const demo1 = find("demo1")!;
  const build = (filter: string, sort = "") => {
    const builder = new RecordQueryBuilder({
      findCollection: find,
      collection: demo1,
      requestInfo: null,
      isSuperuser: true,
    });
    builder.filter(filter);
    if (sort !== "") builder.sort(sort);
    return builder.build();
  };

  const underExists = existsForm(build("id = 'al1h9ijdeojtsjy' && rel_many.name != ''"));
  const select = recordSelectSql(demo1, underExists, { limit: 20 });
  assert.equal(underExists.needsDistinct, false);
  assert.deepEqual(underExists.joins, []);
  assert.doesNotMatch(select.sql, /DISTINCT/);
  assert.match(
    select.sql,
    /^SELECT `demo1`\.\* FROM `demo1` WHERE \(`demo1`\.`id` = \?\) AND EXISTS \(SELECT 1 FROM \(SELECT 1\) LEFT JOIN /,
  );
  // The plain term still finds the row by its index instead of scanning the table.
  const plan = db
    .prepare(`EXPLAIN QUERY PLAN ${select.sql}`)
    .all(...(select.params as SQLInputValue[]))
    .map((step) => String(step.detail));
  assert.ok(
    plan.some((step) => /^SEARCH demo1 USING INDEX/.test(step)),
    plan.join("\n"),
  );

  const sortedByJoin = build("rel_many.name != ''", "rel_one.text");
  assert.equal(sortedByJoin.existsWhere, null);
  assert.equal(sortedByJoin.needsDistinct, true);
  assert.ok(sortedByJoin.joins.length > 0);
  assert.match(
    recordSelectSql(demo1, sortedByJoin).sql,
    /^SELECT DISTINCT `demo1`\.\* FROM `demo1` LEFT JOIN /,
  );

  const sortedPlain = existsForm(build("rel_many.name != ''", "-created"));
  assert.equal(sortedPlain.needsDistinct, false);
  assert.deepEqual(sortedPlain.joins, []);
});

test("the EXISTS form is run when SQLite's plan reads every row anyway, the joined form when it starts from a related table", async (t) => {
  const app = new App({ dataDir: tempDir(t) });
  await app.bootstrap();
  t.after(() => app.terminate());
  await saveCollection(
    app,
    collectionFromCreateBody({
      name: "authors",
      type: "base",
      fields: [
        { name: "name", type: "text" },
        { name: "active", type: "bool" },
      ],
      indexes: ["CREATE UNIQUE INDEX idx_authors_name ON authors (name)"],
    }).collection,
  );
  const authors = app.findCollectionByNameOrId("authors")!;
  await saveCollection(
    app,
    collectionFromCreateBody({
      name: "notes",
      type: "base",
      fields: [
        { name: "author", type: "relation", collectionId: authors.id, maxSelect: 1 },
        { name: "reviewers", type: "relation", collectionId: authors.id, maxSelect: 5 },
      ],
      indexes: ["CREATE INDEX idx_notes_author ON notes (author)"],
    }).collection,
  );
  const notes = app.findCollectionByNameOrId("notes")!;
  await app.db.exec(`
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100)
    INSERT INTO authors (id, name, active) SELECT printf('author%09d', x), 'author ' || x, x % 2 FROM c;
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
    INSERT INTO notes (id, author, reviewers)
      SELECT printf('note%011d', x), printf('author%09d', x % 100 + 1), json_array(printf('author%09d', (x * 7) % 100 + 1)) FROM c;
    ANALYZE;`);
  const pick = async (filter: string) => {
    const query = new RecordQueryBuilder({
      findCollection: (n) => app.findCollectionByNameOrId(n),
      collection: notes,
      requestInfo: null,
      isSuperuser: true,
    })
      .filter(filter)
      .build();
    assert.notEqual(query.existsWhere, null);
    return existsFormPays(app, notes, query.alias, toStatement(recordSelectSql(notes, query, { limit: 20 })));
  };
  // One author, found by its unique name, finds its notes through the index on notes.author:
  // the joined form reads 200 of the 20,000 notes.
  assert.equal(await pick("author.name = 'author 7'"), false);
  // Reviewers are a JSON list no index reaches: every note is read either way, and the EXISTS
  // form stops at each note's first match.
  assert.equal(await pick("reviewers.active = true"), true);
});
