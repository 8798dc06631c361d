/**
 * Test support for the query tests (not used by production code): a node:sqlite fixture with
 * an `items` table and a `users` table, and `ItemsResolver`, a miniature records resolver that
 * exercises every resolver feature the compiler supports (JSON paths, `:each` and a multiple
 * relation with `multiMatch`, `:length`, constants, forbidden names, joins, rowid).
 */
import { DatabaseSync } from "node:sqlite";
import { sqliteDialect } from "./dialect.ts";
import { FilterError } from "./errors.ts";
import type { FieldResolution, FieldResolver } from "./field-resolver.ts";
import type { SqlFragment, SqlValue } from "./sql.ts";
import { raw, sql } from "./sql.ts";

/** One `items` row; undefined columns are NULL. */
export interface ItemRow {
  readonly id: string;
  readonly t?: SqlValue;
  readonly n?: SqlValue;
  readonly j?: SqlValue;
  readonly tags?: SqlValue;
  readonly rel?: SqlValue;
}

/** One `users` row (targets of the `rel` relation). */
export interface UserRow {
  readonly id: string;
  readonly name: SqlValue;
  readonly age: SqlValue;
}

/** The users every fixture has. */
export const FIXTURE_USERS: readonly UserRow[] = [
  { id: "u1", name: "Ann", age: 30n },
  { id: "u2", name: "Bob", age: 40n },
  { id: "u3", name: "", age: null },
];

/** The hand-written items used by the table tests (see the compile test for the expectations). */
export const FIXTURE_ITEMS: readonly ItemRow[] = [
  {
    id: "i1",
    t: "alpha",
    n: 1n,
    j: '{"a":1,"b":"x","arr":[10,{"c":"deep"}]}',
    tags: '["a","b"]',
    rel: '["u1","u2"]',
  },
  { id: "i2", t: "", n: 0n, j: "not json", tags: "[]", rel: "[]" },
  { id: "i3" },
  { id: "i4", t: "50% off_now", n: -1.5, j: '{"a":null}', tags: '["b"]', rel: '["u2"]' },
  { id: "i5", t: "back\\slash", n: 2n, j: '{"a":"1"}', tags: '["a"]', rel: '["u1","missing"]' },
  { id: "i6", t: "ALPHA beta", n: 10n, j: "[1,2]", tags: "a", rel: "u1" },
];

/** An in-memory database with untyped columns (no affinity), so values compare by storage class. */
export function createFixtureDb(
  items: readonly ItemRow[] = FIXTURE_ITEMS,
  users: readonly UserRow[] = FIXTURE_USERS,
): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  db.exec(
    "CREATE TABLE items (id TEXT PRIMARY KEY, t, n, j, tags, rel); CREATE TABLE users (id TEXT PRIMARY KEY, name, age);",
  );
  const insertItem = db.prepare("INSERT INTO items (id, t, n, j, tags, rel) VALUES (?, ?, ?, ?, ?, ?)");
  for (const row of items) {
    insertItem.run(row.id, row.t ?? null, row.n ?? null, row.j ?? null, row.tags ?? null, row.rel ?? null);
  }
  const insertUser = db.prepare("INSERT INTO users (id, name, age) VALUES (?, ?, ?)");
  for (const user of users) insertUser.run(user.id, user.name, user.age);
  return db;
}

const d = sqliteDialect;
const ITEMS = "items";

/** Static `@request.*` values of the test resolver. */
export interface RequestInfo {
  readonly method: string;
  readonly authId: string;
}

/**
 * Resolves `id t n j tags rel`, `j.<path>`, `tags:each`, `tags:length`, `rel.<id|name|age>`,
 * `@request.method`, `@request.auth.id` and `@request.auth.verified`; `secret` is forbidden.
 */
export class ItemsResolver implements FieldResolver {
  private readonly joinList = new Map<string, SqlFragment[]>();
  private readonly request: RequestInfo;

  constructor(request: RequestInfo = { method: "GET", authId: "" }) {
    this.request = request;
  }

  resolve(identifier: string): FieldResolution | undefined {
    switch (identifier) {
      case "id":
      case "t":
      case "n":
      case "j":
      case "tags":
      case "rel":
        return { sql: d.column(ITEMS, identifier).sql };
      case "@request.method":
        return { value: this.request.method };
      case "@request.auth.id":
        return { value: this.request.authId };
      case "@request.auth.verified":
        return { value: true };
      case "secret":
        throw new FilterError("forbidden", "Only superusers can filter by secret.");
      case "tags:length":
        return { sql: d.jsonArrayLength(d.jsonArray(d.column(ITEMS, "tags"))).sql };
      case "tags:each":
        return this.tagsEach();
    }
    if (identifier.startsWith("j.")) {
      const segments = identifier.slice(2).split(".");
      if (!segments.every((segment) => /^\w+$/.test(segment))) return undefined;
      const extract = d.jsonExtract(d.column(ITEMS, "j"), segments);
      return { sql: extract.sql, params: extract.params, noCoalesce: true };
    }
    const relField = /^rel\.(id|name|age)$/.exec(identifier)?.[1];
    if (relField !== undefined) return this.relation(relField);
    return undefined;
  }

  private addJoin(key: string, joins: SqlFragment[]): void {
    if (!this.joinList.has(key)) this.joinList.set(key, joins);
  }

  private tagsEach(): FieldResolution {
    const source = d.jsonEach(d.jsonArray(d.column(ITEMS, "tags")));
    this.addJoin("tags", [sql`LEFT JOIN ${source} ${raw(d.quoteIdentifier("__tags_each"))}`]);
    return {
      sql: d.jsonEachValue("__tags_each").sql,
      multiMatch: {
        value: d.jsonEachValue("__mm_tags"),
        // correlated directly to the outer `items` row: no self-join needed
        from: sql`${source} ${raw(d.quoteIdentifier("__mm_tags"))}`,
      },
    };
  }

  private relation(field: string): FieldResolution {
    const q = (name: string): SqlFragment => raw(d.quoteIdentifier(name));
    this.addJoin("rel", [
      sql`LEFT JOIN ${d.jsonEach(d.jsonArray(d.column(ITEMS, "rel")))} ${q("__rel_je")}`,
      sql`LEFT JOIN ${q("users")} ${q("__rel")} ON ${d.column("__rel", "id")} = ${d.jsonEachValue("__rel_je")}`,
    ]);
    return {
      sql: d.column("__rel", field).sql,
      multiMatch: {
        value: d.column("__mm_rel", field),
        from: sql`${q(ITEMS)} ${q("__mm_items")}`,
        joins: [
          sql`LEFT JOIN ${d.jsonEach(d.jsonArray(d.column("__mm_items", "rel")))} ${q("__mm_rel_je")}`,
          sql`LEFT JOIN ${q("users")} ${q("__mm_rel")} ON ${d.column("__mm_rel", "id")} = ${d.jsonEachValue("__mm_rel_je")}`,
        ],
        where: sql`${d.column("__mm_items", "id")} = ${d.column(ITEMS, "id")}`,
      },
    };
  }

  joins(): readonly SqlFragment[] {
    return [...this.joinList.values()].flat();
  }

  rowid(): SqlFragment {
    return d.rowid(ITEMS);
  }
}

/** The full SELECT for a compiled filter (and optional ORDER BY) over `items`. */
export function itemsQuery(
  resolver: FieldResolver,
  where: SqlFragment,
  orderBy?: SqlFragment,
): { sql: string; params: SqlValue[] } {
  const joins = resolver.joins();
  const params: SqlValue[] = [];
  let text = `SELECT ${joins.length > 0 ? "DISTINCT " : ""}\`items\`.\`id\` AS id FROM \`items\``;
  for (const join of joins) {
    text += " " + join.sql;
    params.push(...join.params);
  }
  text += " WHERE " + where.sql;
  params.push(...where.params);
  if (orderBy !== undefined && orderBy.sql !== "") {
    text += " ORDER BY " + orderBy.sql;
    params.push(...orderBy.params);
  }
  return { sql: text, params };
}

/** Runs a query and returns the `id` column of every row, in result order. */
export function queryIds(db: DatabaseSync, query: { sql: string; params: SqlValue[] }): string[] {
  return db
    .prepare(query.sql)
    .all(...query.params)
    .map((row) => String(row.id));
}
