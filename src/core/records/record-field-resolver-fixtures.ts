/**
 * Test support for the record resolver and rule tests (not used by production code): four
 * collections on an in-memory node:sqlite database, with empty values, NULLs and JSON lists.
 *
 * - users (auth): name, secret (hidden), favorite → posts, roles (multi select), prefs (json);
 *   listRule `verified = true || id = @request.auth.id`
 * - posts: title, tags (multi select), status, author → users, editors → users (multiple),
 *   meta (json), geo, views, published, parent → posts, reviewer → users (hidden);
 *   listRule `published = true`
 * - comments: post → posts, user → users, text; listRule null
 * - stats: post → posts with a unique index, likes; listRule ""
 */
import { DatabaseSync } from "node:sqlite";
import type { SQLInputValue } from "node:sqlite";
import { makeField, newCollection, newCollectionId } from "../collections/collection-defaults.ts";
import type { Collection } from "../collections/collection-model.ts";
import { createTableDdl } from "../collections/collection-schema-sync.ts";
import { getFieldType } from "../fields/registry.ts";
import type { RequestInfo } from "../hook-events.ts";
import { Record } from "./record.ts";

const USERS_ID = newCollectionId("auth", "users");
const POSTS_ID = newCollectionId("base", "posts");

function base(name: string): Collection {
  const c = newCollection("base", name);
  c.id = newCollectionId("base", name);
  c.listRule = "";
  return c;
}

function relation(name: string, collectionId: string, maxSelect = 1, hidden = false) {
  return makeField("relation", name, { collectionId, maxSelect, hidden });
}

/** Builds the four collections. */
export function fixtureCollections(): {
  users: Collection;
  posts: Collection;
  comments: Collection;
  stats: Collection;
} {
  const users = newCollection("auth", "users");
  users.id = USERS_ID;
  users.listRule = "verified = true || id = @request.auth.id";
  users.fields.push(
    makeField("text", "name"),
    makeField("text", "secret", { hidden: true }),
    relation("favorite", POSTS_ID),
    makeField("select", "roles", { values: ["admin", "staff"], maxSelect: 2 }),
    makeField("json", "prefs"),
  );

  const posts = base("posts");
  posts.listRule = "published = true";
  posts.fields.push(
    makeField("text", "title"),
    makeField("select", "tags", { values: ["a", "b", "c"], maxSelect: 3 }),
    makeField("select", "status", { values: ["draft", "live"], maxSelect: 1 }),
    relation("author", USERS_ID),
    relation("editors", USERS_ID, 5),
    makeField("json", "meta"),
    makeField("geoPoint", "geo"),
    makeField("number", "views"),
    makeField("bool", "published"),
    relation("parent", POSTS_ID),
    relation("reviewer", USERS_ID, 1, true),
  );

  const comments = base("comments");
  comments.listRule = null;
  comments.fields.push(relation("post", POSTS_ID), relation("user", USERS_ID), makeField("text", "text"));

  const stats = base("stats");
  stats.fields.push(relation("post", POSTS_ID), makeField("number", "likes"));
  stats.indexes = ["CREATE UNIQUE INDEX `idx_stats_post` ON `stats` (`post`)"];
  return { users, posts, comments, stats };
}

type Row = { readonly [name: string]: SQLInputValue };

const USERS: readonly Row[] = [
  {
    id: "u1",
    name: "Ann",
    email: "a@x.com",
    emailVisibility: 1,
    verified: 1,
    secret: "s1",
    favorite: "p3",
    roles: '["admin","staff"]',
    prefs: '{"theme":"dark"}',
  },
  { id: "u2", name: "Bob", email: "b@x.com", verified: 1, secret: "s2", roles: '["staff"]', prefs: null },
  { id: "u3", name: "Cid", email: "c@x.com", emailVisibility: 1, favorite: "p1", prefs: "5" },
];

const POSTS: readonly Row[] = [
  {
    id: "p1",
    title: "Hello",
    tags: '["a","b"]',
    status: "draft",
    author: "u1",
    editors: '["u1","u2"]',
    meta: '{"a":{"b":[1,{"c":"deep"}]},"n":5}',
    geo: '{"lon":10,"lat":20}',
    views: 10,
    published: 1,
    reviewer: "u2",
  },
  { id: "p2", parent: "p1", meta: null },
  {
    id: "p3",
    title: "World",
    tags: '["b"]',
    status: "live",
    author: "u2",
    editors: '["u2"]',
    meta: '{"a":null,"n":"5"}',
    views: 3,
    published: 1,
    parent: "p1",
  },
  {
    id: "p4",
    title: "hello again",
    tags: '["a"]',
    status: "live",
    author: "u3",
    editors: '["u3","u1"]',
    meta: '"str"',
    views: 7,
    published: 1,
    parent: "p2",
    reviewer: "u1",
  },
];

const COMMENTS: readonly Row[] = [
  { id: "c1", post: "p1", user: "u1", text: "nice" },
  { id: "c2", post: "p1", user: "u2", text: "meh" },
  { id: "c3", post: "p3", user: "u2", text: "ok" },
  { id: "c4", post: "", user: "u3", text: "orphan" },
];

const STATS: readonly Row[] = [
  { id: "s1", post: "p1", likes: 5 },
  { id: "s3", post: "p3", likes: 0 },
];

function insert(db: DatabaseSync, c: Collection, rows: readonly Row[]): void {
  const names = c.fields.map((f) => f.name);
  const statement = db.prepare(
    `INSERT INTO \`${c.name}\` (${names.map((n) => `\`${n}\``).join(", ")}) VALUES (${names.map(() => "?").join(", ")})`,
  );
  for (const row of rows) {
    const values = c.fields.map((f) => {
      if (Object.hasOwn(row, f.name)) return row[f.name] ?? null;
      const type = getFieldType(f.type);
      return type.toDbValue(f, type.prepareValue(f, undefined));
    });
    statement.run(...values);
  }
}

/** The fixture: collections, database and request helpers. */
export interface Fixture {
  readonly db: DatabaseSync;
  readonly users: Collection;
  readonly posts: Collection;
  readonly comments: Collection;
  readonly stats: Collection;
  readonly findCollection: (nameOrId: string) => Collection | null;
  /** A stored user as a Record (for `requestInfo.auth`). */
  user(id: string): Record;
  /** A RequestInfo with defaults (GET, "default" context, guest). */
  request(info?: Partial<RequestInfo>): RequestInfo;
  /** Ids of `SELECT …id FROM <sql>` in result order. */
  ids(sql: string, params: readonly SQLInputValue[]): string[];
}

/** Creates the fixture database. */
export function createFixture(): Fixture {
  const collections = fixtureCollections();
  const { users, posts, comments, stats } = collections;
  const all = [users, posts, comments, stats];
  const db = new DatabaseSync(":memory:");
  for (const c of all) {
    db.exec(createTableDdl(c));
    for (const index of c.indexes) db.exec(index);
  }
  insert(db, users, USERS);
  insert(db, posts, POSTS);
  insert(db, comments, COMMENTS);
  insert(db, stats, STATS);
  return {
    db,
    ...collections,
    findCollection: (nameOrId) =>
      all.find((c) => c.id === nameOrId || c.name.toLowerCase() === nameOrId.toLowerCase()) ?? null,
    user(id) {
      const row = db.prepare("SELECT * FROM `users` WHERE `id` = ?").get(id);
      if (row === undefined) throw new Error(`no user ${id}`);
      return Record.fromRow(users, row);
    },
    request: (info = {}) => ({
      query: {},
      headers: {},
      body: {},
      auth: null,
      method: "GET",
      context: "default",
      ...info,
    }),
    ids: (sql, params) =>
      db
        .prepare(sql)
        .all(...params)
        .map((row) => String(row.id)),
  };
}
