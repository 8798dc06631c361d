/**
 * The collections of the benchmarks, as sent to `POST /api/collections`: PocketBase's benchmark
 * schema (pocketbase/benchmarks `benchmarks/schema.go`: organizations, permissions, users with
 * relations to both, posts10k…100k) and the TrailBase-style chat schema. The chat test has its
 * own auth collection (`chat_users`) so that user deletes in the PocketBase workload do not
 * also scan the chat tables.
 */

/** Collection ids (PocketBase's benchmark uses fixed ids too; relations point at them). */
export const IDS = {
  organizations: "mfslsmb563utlfe",
  permissions: "mum324voxqe7tp4",
  users: "_pb_users_auth_",
  posts10k: "fzbkdgh2fr7ak3z",
  posts25k: "8tdh70gfoplhw4i",
  posts50k: "3wb14jxop88yw2j",
  posts100k: "n1ai0r1nhwpcup3",
  chat_users: "pbc_chatusers01",
  room: "pbc_1435645483",
  room_members: "pbc_roommembers",
  message: "pbc_669929365",
} as const;

/** The posts collections of PocketBase's benchmark. */
export const POSTS = ["posts10k", "posts25k", "posts50k", "posts100k"] as const;
export type PostsName = (typeof POSTS)[number];

/** The rule PocketBase's benchmark puts on the second half of the creates. */
export const CREATE_AUTH_RULE = "@request.auth.id != '' && @request.body.public:isset = true";

/** The chat test's create rule (TrailBase's PocketBase setup). */
export const CHAT_CREATE_RULE =
  "room = @collection.room_members.room && @request.auth.id = @collection.room_members.user";

type Json = { [key: string]: unknown };

const AUTODATES: Json[] = [
  { name: "created", type: "autodate", onCreate: true, onUpdate: false },
  { name: "updated", type: "autodate", onCreate: true, onUpdate: true },
];

const OPEN_RULES = { listRule: "", viewRule: "", createRule: "", updateRule: "", deleteRule: "" };

function relation(name: string, collectionId: string, opts: Json = {}): Json {
  return { name, type: "relation", collectionId, maxSelect: 1, cascadeDelete: true, ...opts };
}

/** Bodies of `POST /api/collections`, in creation order (targets of relations first). */
export function baseCollections(): Json[] {
  const posts = POSTS.map((name) => ({
    id: IDS[name],
    name,
    type: "base",
    ...OPEN_RULES,
    fields: [
      { name: "title", type: "text" },
      { name: "description", type: "editor", convertURLs: false },
      { name: "public", type: "bool" },
      { name: "type", type: "select", maxSelect: 3, values: ["a", "b", "c", "d"] },
      relation("author", IDS.users),
      ...AUTODATES,
    ],
  }));
  return [
    {
      id: IDS.organizations,
      name: "organizations",
      type: "base",
      ...OPEN_RULES,
      fields: [{ name: "name", type: "text" }, ...AUTODATES],
    },
    {
      id: IDS.permissions,
      name: "permissions",
      type: "base",
      ...OPEN_RULES,
      fields: [{ name: "name", type: "text" }, { name: "active", type: "bool" }, ...AUTODATES],
    },
    ...posts,
  ];
}

/** The fields added to the default `users` collection (PATCHed after reading it). */
export const USERS_EXTRA_FIELDS: Json[] = [
  { name: "username", type: "text", max: 150 },
  relation("organization", IDS.organizations, { required: true }),
  relation("permissions", IDS.permissions, { maxSelect: 2147483647 }),
];

/** What else changes on `users`: open rules and no login alerts, as in PocketBase's schema. */
export const USERS_PATCH: Json = {
  ...OPEN_RULES,
  authAlert: { enabled: false },
  passwordAuth: { enabled: true, identityFields: ["email", "username"] },
};

/** The chat test's collections, in creation order. */
export function chatCollections(): Json[] {
  return [
    {
      id: IDS.chat_users,
      name: "chat_users",
      type: "auth",
      ...OPEN_RULES,
      authAlert: { enabled: false },
      fields: [...AUTODATES],
    },
    {
      id: IDS.room,
      name: "room",
      type: "base",
      ...OPEN_RULES,
      fields: [{ name: "name", type: "text" }, ...AUTODATES],
    },
    {
      id: IDS.room_members,
      name: "room_members",
      type: "base",
      ...OPEN_RULES,
      fields: [relation("user", IDS.chat_users), relation("room", IDS.room), ...AUTODATES],
    },
    {
      id: IDS.message,
      name: "message",
      type: "base",
      listRule: "",
      viewRule: "",
      createRule: CHAT_CREATE_RULE,
      updateRule: null,
      deleteRule: null,
      fields: [
        relation("owner", IDS.chat_users, { cascadeDelete: false }),
        relation("room", IDS.room, { cascadeDelete: false }),
        { name: "data", type: "text" },
        ...AUTODATES,
      ],
    },
  ];
}
