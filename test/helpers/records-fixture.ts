/**
 * A small fixture of our own on top of the test data folder (created through the API as the
 * test data's superuser): `tags`, `posts` (every filterable field type, relations to `tags`
 * and `users`), `comments` (a back-relation to `posts`) and `private` (null rules). Query
 * feature tests compare filter results against the expectations spelled out here.
 */
import type PocketBase from "pocketbase";

/** One seeded post (what the query tests reason about). */
export interface SeedPost {
  title: string;
  body: string;
  views: number;
  published: boolean;
  labels: string[];
  kind: string;
  tags: string[];
  owner: string;
  meta: unknown;
  pubdate: string;
  loc: { lon: number; lat: number };
  secret: string;
}

/** users of the test data (ids). */
export const USER1 = "4q1xlclmfloku33"; // name test1
export const USER2 = "oap640cot4yru2s"; // name ""
export const USER3 = "bgs820n361vj1qd"; // name test3

export const TAGS = ["red", "green", "blue", "Yellow"] as const;

export const POSTS: SeedPost[] = [
  {
    title: "Alpha",
    body: "<p>Hello <b>world</b>,   one two three</p><script>x()</script>",
    views: 10,
    published: true,
    labels: ["a", "b"],
    kind: "news",
    tags: ["red", "green"],
    owner: USER1,
    meta: { a: 1, tags: ["x"], z: 1, b: "<i>" },
    pubdate: "2024-01-15 10:00:00.000Z",
    loc: { lon: 23.33, lat: 42.65 },
    secret: "s1",
  },
  {
    title: "beta",
    body: "",
    views: 5,
    published: false,
    labels: ["a"],
    kind: "blog",
    tags: ["red"],
    owner: USER2,
    meta: { a: 2 },
    pubdate: "2023-06-01 00:00:00.000Z",
    loc: { lon: -74.0, lat: 40.7 },
    secret: "s2",
  },
  {
    title: "Gamma",
    body: "",
    views: 0,
    published: true,
    labels: [],
    kind: "",
    tags: [],
    owner: "",
    meta: null,
    pubdate: "",
    loc: { lon: 0, lat: 0 },
    secret: "",
  },
  {
    title: "delta 100%",
    body: "",
    views: 20,
    published: false,
    labels: ["c"],
    kind: "news",
    tags: ["blue", "green", "Yellow"],
    owner: USER1,
    meta: { a: 3, b: "x" },
    pubdate: "2025-12-31 23:59:59.000Z",
    loc: { lon: 2.35, lat: 48.85 },
    secret: "",
  },
  {
    title: "epsilon_x",
    body: "",
    views: -3.5,
    published: true,
    labels: ["a", "b", "c"],
    kind: "blog",
    tags: ["green"],
    owner: USER3,
    meta: [1, 2],
    pubdate: "2024-07-04 12:00:00.000Z",
    loc: { lon: 13.4, lat: 52.52 },
    secret: "",
  },
];

/** comments: [post title, text]. */
export const COMMENTS: [string, string][] = [
  ["Alpha", "nice"],
  ["Alpha", "meh"],
  ["beta", "nice too"],
  ["delta 100%", "x"],
];

/** Ids of what was seeded. */
export interface Fixture {
  tagIds: { [name: string]: string };
  postIds: { [title: string]: string };
  titleOf: { [id: string]: string };
  commentIds: string[];
  privateId: string;
}

/** Creates the fixture collections and records through the API (`pb` is a superuser client). */
export async function seedFixture(pb: PocketBase): Promise<Fixture> {
  const tags = await pb.collections.create({
    name: "tags",
    type: "base",
    listRule: "",
    viewRule: "",
    createRule: "",
    fields: [{ name: "name", type: "text" }],
  });
  const posts = await pb.collections.create({
    name: "posts",
    type: "base",
    listRule: "",
    viewRule: "",
    createRule: "",
    updateRule: "",
    deleteRule: "",
    fields: [
      { name: "title", type: "text" },
      { name: "body", type: "editor" },
      { name: "views", type: "number" },
      { name: "published", type: "bool" },
      { name: "labels", type: "select", values: ["a", "b", "c"], maxSelect: 3 },
      { name: "kind", type: "select", values: ["news", "blog"], maxSelect: 1 },
      { name: "tags", type: "relation", collectionId: tags.id, maxSelect: 5 },
      { name: "owner", type: "relation", collectionId: "_pb_users_auth_", maxSelect: 1 },
      { name: "meta", type: "json" },
      { name: "pubdate", type: "date" },
      { name: "loc", type: "geoPoint" },
      { name: "secret", type: "text", hidden: true },
      { name: "slug", type: "text", autogeneratePattern: "[a-z0-9]{8}" },
      { name: "created", type: "autodate", onCreate: true },
      { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
    ],
  });
  const comments = await pb.collections.create({
    name: "comments",
    type: "base",
    listRule: "",
    viewRule: "",
    fields: [
      { name: "post", type: "relation", collectionId: posts.id, maxSelect: 1, cascadeDelete: true },
      { name: "text", type: "text" },
    ],
  });
  const priv = await pb.collections.create({
    name: "private",
    type: "base",
    listRule: null,
    viewRule: null,
    fields: [
      { name: "post", type: "relation", collectionId: posts.id, maxSelect: 1 },
      { name: "note", type: "text" },
    ],
  });
  const tagIds: Fixture["tagIds"] = {};
  for (const name of TAGS) tagIds[name] = (await pb.collection(tags.id).create({ name })).id;
  const postIds: Fixture["postIds"] = {};
  const titleOf: Fixture["titleOf"] = {};
  for (const p of POSTS) {
    const created = await pb.collection(posts.id).create({ ...p, tags: p.tags.map((t) => tagIds[t]) });
    postIds[p.title] = created.id;
    titleOf[created.id] = p.title;
  }
  const commentIds: string[] = [];
  for (const [title, text] of COMMENTS) {
    commentIds.push((await pb.collection(comments.id).create({ post: postIds[title], text })).id);
  }
  const privateId = (await pb.collection(priv.id).create({ post: postIds.Alpha, note: "hidden" })).id;
  return { tagIds, postIds, titleOf, commentIds, privateId };
}
