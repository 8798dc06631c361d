/**
 * Builds the benchmark data folder: the collections are created through Satchel's own API (so
 * the schema is Satchel's), then the large tables are filled directly with node:sqlite in one
 * transaction, with PocketBase-shaped ids, dates and JSON, from a seeded PRNG.
 *
 * Every user shares one bcrypt hash (cost 10) of the benchmark password, computed once per run:
 * hashing 500 passwords would cost ~30 s of CPU and measure nothing.
 */
import bcrypt from "bcrypt";
import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import { join } from "node:path";
import { signJwt } from "./jwt.ts";
import { pbDate, loremDescription, Prng, recordId, tokenKey } from "./prng.ts";
import { runSatchelCli, startSatchel } from "./procs.ts";
import {
  baseCollections,
  chatCollections,
  IDS,
  POSTS,
  USERS_EXTRA_FIELDS,
  USERS_PATCH,
  type PostsName,
} from "./schema.ts";

/** Sizes of a seeded dataset. */
export interface DatasetConfig {
  seed: number;
  organizations: number;
  permissions: number;
  users: number;
  /** Rows written directly per posts collection (its nominal size minus the creates planned). */
  posts: { [K in PostsName]?: number };
  chat: { users: number; rooms: number; messages: number };
}

/** A seeded user (what the runner needs to authenticate as it and to delete it). */
export interface SeededUser {
  id: string;
  email: string;
  tokenKey: string;
  organization: string;
}

/** What the runner needs to know about the seeded data. */
export interface Manifest {
  password: string;
  superuser: { email: string; token: string };
  users: SeededUser[];
  usersAuth: { collectionId: string; secret: string; duration: number };
  organizations: string[];
  permissions: string[];
  posts: { [K in PostsName]?: string[] };
  chat: {
    poster: SeededUser;
    auth: { collectionId: string; secret: string; duration: number };
    room: string;
    messages: string[];
  };
}

export const BENCH_PASSWORD = "1234567890";
const SUPERUSER_EMAIL = "bench@example.com";
const BASE_TIME = Date.UTC(2025, 0, 1);

/** A refreshable auth token for a seeded user (signed as Satchel/PocketBase sign them). */
export function userToken(user: SeededUser, auth: Manifest["usersAuth"]): string {
  return signJwt(
    { collectionId: auth.collectionId, id: user.id, refreshable: true, type: "auth" },
    user.tokenKey + auth.secret,
    auth.duration,
  );
}

interface AuthOptions {
  authToken?: { secret?: string; duration?: number };
}

function authConfig(
  db: DatabaseSync,
  collection: string,
): { collectionId: string; secret: string; duration: number } {
  const row = db.prepare("SELECT id, options FROM _collections WHERE name = ?").get(collection);
  if (!row) throw new Error(`collection ${collection} is missing`);
  const options = JSON.parse(String(row.options)) as AuthOptions;
  const secret = options.authToken?.secret;
  if (!secret) throw new Error(`collection ${collection} has no authToken secret`);
  return { collectionId: String(row.id), secret, duration: options.authToken?.duration ?? 1209600 };
}

async function api(
  url: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<unknown> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: token, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 500)}`);
  return text ? JSON.parse(text) : null;
}

/** Creates the collections through a running Satchel. */
async function createCollections(url: string, token: string): Promise<void> {
  const [orgs, perms, ...posts] = baseCollections();
  await api(url, token, "POST", "/api/collections", orgs);
  await api(url, token, "POST", "/api/collections", perms);
  const users = (await api(url, token, "GET", "/api/collections/users")) as {
    fields: unknown[];
    indexes: string[];
  };
  await api(url, token, "PATCH", "/api/collections/users", {
    ...USERS_PATCH,
    fields: [...users.fields, ...USERS_EXTRA_FIELDS],
    indexes: [
      ...users.indexes,
      "CREATE UNIQUE INDEX `idx_username_users` ON `users` (username COLLATE NOCASE) WHERE username != ''",
    ],
  });
  for (const c of posts) await api(url, token, "POST", "/api/collections", c);
  for (const c of chatCollections()) await api(url, token, "POST", "/api/collections", c);
}

/** An INSERT for a table that leaves unlisted columns to their defaults. */
function inserter(db: DatabaseSync, table: string, columns: string[]): (values: SQLInputValue[]) => void {
  const existing = new Set(
    db
      .prepare(`PRAGMA table_info(\`${table}\`)`)
      .all()
      .map((r) => String(r.name)),
  );
  for (const c of columns) if (!existing.has(c)) throw new Error(`${table} has no column ${c}`);
  const stmt = db.prepare(
    `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
  );
  return (values) => void stmt.run(...values);
}

function distinctPicks<T>(rng: Prng, list: readonly T[], n: number): T[] {
  const out = new Set<T>();
  while (out.size < Math.min(n, list.length)) out.add(rng.pick(list));
  return [...out];
}

/** Fills the tables of a stopped Satchel's data folder. */
function fillTables(
  dir: string,
  config: DatasetConfig,
  passwordHash: string,
): Omit<Manifest, "superuser" | "password"> {
  const db = new DatabaseSync(join(dir, "data.db"));
  db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA foreign_keys = OFF;");
  const rng = new Prng(config.seed);
  let clock = BASE_TIME;
  const stamp = (): string => pbDate((clock += 1000));

  db.exec("BEGIN");
  const orgs: string[] = [];
  const insOrg = inserter(db, "organizations", ["id", "name", "created", "updated"]);
  for (let i = 0; i < config.organizations; i++) {
    const id = recordId(rng);
    const t = stamp();
    insOrg([id, `organizations${i}`, t, t]);
    orgs.push(id);
  }
  const perms: string[] = [];
  const insPerm = inserter(db, "permissions", ["id", "name", "active", "created", "updated"]);
  for (let i = 0; i < config.permissions; i++) {
    const id = recordId(rng);
    const t = stamp();
    insPerm([id, `permissions${i}`, i % 2 === 0 ? 1 : 0, t, t]);
    perms.push(id);
  }
  const users: SeededUser[] = [];
  const userCols = ["id", "email", "emailVisibility", "verified", "password", "tokenKey", "username"];
  const insUser = inserter(db, "users", [...userCols, "organization", "permissions", "created", "updated"]);
  for (let i = 0; i < config.users; i++) {
    const user: SeededUser = {
      id: recordId(rng),
      email: `users${i}@example.com`,
      tokenKey: tokenKey(rng),
      organization: rng.pick(orgs),
    };
    const t = stamp();
    const permissions = JSON.stringify(distinctPicks(rng, perms, 3));
    insUser([
      user.id,
      user.email,
      0,
      1,
      passwordHash,
      user.tokenKey,
      `users${i}`,
      user.organization,
      permissions,
      t,
      t,
    ]);
    users.push(user);
  }
  const posts: Manifest["posts"] = {};
  const types = ["a", "b", "c", "d"];
  for (const name of POSTS) {
    const n = config.posts[name] ?? 0;
    const ids: string[] = [];
    const ins = inserter(db, name, [
      "id",
      "title",
      "description",
      "public",
      "type",
      "author",
      "created",
      "updated",
    ]);
    for (let i = 0; i < n; i++) {
      const id = recordId(rng);
      const t = stamp();
      const type = JSON.stringify([...new Set([rng.pick(types), rng.pick(types)])]);
      ins([id, `${name}${i}`, loremDescription(rng), i % 2 === 0 ? 0 : 1, type, rng.pick(users).id, t, t]);
      ids.push(id);
    }
    posts[name] = ids;
  }

  // The chat test: users, rooms, memberships, and messages to read back.
  const chatUsers: SeededUser[] = [];
  const insChatUser = inserter(db, "chat_users", userCols.slice(0, 6).concat(["created", "updated"]));
  for (let i = 0; i < config.chat.users; i++) {
    const u: SeededUser = {
      id: recordId(rng),
      email: `chat${i}@example.com`,
      tokenKey: tokenKey(rng),
      organization: "",
    };
    const t = stamp();
    insChatUser([u.id, u.email, 0, 1, passwordHash, u.tokenKey, t, t]);
    chatUsers.push(u);
  }
  const rooms: string[] = [];
  const insRoom = inserter(db, "room", ["id", "name", "created", "updated"]);
  for (let i = 0; i < config.chat.rooms; i++) {
    const id = recordId(rng);
    const t = stamp();
    insRoom([id, `room${i}`, t, t]);
    rooms.push(id);
  }
  // One membership, the poster's in room0, as in TrailBase's PocketBase setup: under PocketBase's
  // semantics `@collection.x.y` compared with `=` must hold for every row of x ("match-all"), so
  // the benchmark's rule admits the poster only while room_members holds just that membership.
  const insMember = inserter(db, "room_members", ["id", "user", "room", "created", "updated"]);
  const t0 = stamp();
  insMember([recordId(rng), chatUsers[0]!.id, rooms[0]!, t0, t0]);
  const messages: string[] = [];
  const insMessage = inserter(db, "message", ["id", "owner", "room", "data", "created", "updated"]);
  for (let i = 0; i < config.chat.messages; i++) {
    const id = recordId(rng);
    const t = stamp();
    insMessage([id, chatUsers[0]!.id, rooms[0]!, `a message ${i}`, t, t]);
    messages.push(id);
  }
  db.exec("COMMIT");

  const manifest = {
    users,
    usersAuth: authConfig(db, "users"),
    organizations: orgs,
    permissions: perms,
    posts,
    chat: { poster: chatUsers[0]!, auth: authConfig(db, "chat_users"), room: rooms[0]!, messages },
  };
  db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  db.close();
  return manifest;
}

/** Creates and fills a data folder; returns what the scenarios need to know about it. */
export async function seedDataFolder(dir: string, config: DatasetConfig): Promise<Manifest> {
  const cli = await runSatchelCli(["superuser", "upsert", SUPERUSER_EMAIL, BENCH_PASSWORD, "--dir", dir]);
  if (cli.code !== 0) throw new Error(`satchel superuser upsert failed:\n${cli.output}`);

  const db = new DatabaseSync(join(dir, "data.db"), { readOnly: true });
  const su = db.prepare("SELECT id, tokenKey FROM _superusers WHERE email = ?").get(SUPERUSER_EMAIL);
  const suAuth = authConfig(db, "_superusers");
  db.close();
  if (!su) throw new Error("the bench superuser was not created");
  const superToken = signJwt(
    { collectionId: suAuth.collectionId, id: String(su.id), refreshable: true, type: "auth" },
    String(su.tokenKey) + suAuth.secret,
    suAuth.duration,
  );

  const satchel = await startSatchel(dir);
  try {
    await createCollections(satchel.url, superToken);
  } finally {
    await satchel.stop();
  }
  const passwordHash = await bcrypt.hash(BENCH_PASSWORD, 10);
  const filled = fillTables(dir, config, passwordHash);
  if (filled.usersAuth.collectionId !== IDS.users) throw new Error("unexpected users collection id");
  return { password: BENCH_PASSWORD, superuser: { email: SUPERUSER_EMAIL, token: superToken }, ...filled };
}
