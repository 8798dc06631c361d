/**
 * The LIMIT server: the least a Node program must do to answer the benchmark's requests over the
 * same data folder — node:http + node:sqlite, no framework, no rules engine, no hooks. It reads
 * the collections from `_collections` (same tables, same result shapes: sorted keys, hidden
 * fields out, bools and JSON decoded, email only when visible) and answers the routes the
 * benchmarks use with hand-written SQL. API rules and filters are not interpreted: each rule
 * string a scenario sets, and the one filter shape it sends (`field = 'value'`), has a
 * hand-written SQL equivalent below; anything else is refused.
 *
 *   node bench/limit-server.ts --dir DATA_DIR --port PORT
 *
 * Password checks use the same bcrypt binding as Satchel (the `bcrypt` package, on the libuv
 * thread pool); tokens are PocketBase's HS256 tokens (bench/lib/jwt.ts).
 */
import { listenBacklog } from "../src/api/listen-backlog.ts";
import bcrypt from "bcrypt";
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { DatabaseSync, type SQLInputValue, type SQLOutputValue, type StatementSync } from "node:sqlite";
import { parseArgs } from "node:util";
import { decodeJwt, signJwt, verifyJwt } from "./lib/jwt.ts";

type Row = { [key: string]: SQLOutputValue };
type Json = { [key: string]: unknown };

/** How a column is turned into JSON. */
type Kind = "bool" | "json" | "number" | "string";

interface FieldDef {
  name: string;
  type: string;
  hidden: boolean;
  maxSelect: number;
  values: string[];
  collectionId: string;
  cascadeDelete: boolean;
  onCreate: boolean;
}

interface CollectionDef {
  id: string;
  name: string;
  type: string;
  fields: FieldDef[];
  byName: Map<string, FieldDef>;
  /** Output keys in sorted order, with how to convert each ("expand" marks where it goes). */
  outKeys: [string, Kind | "meta" | "expand"][];
  rules: {
    listRule: string | null;
    viewRule: string | null;
    createRule: string | null;
    deleteRule: string | null;
  };
  auth: { secret: string; duration: number } | null;
}

// ---- data --------------------------------------------------------------------------------

const { values: args } = parseArgs({
  options: {
    dir: { type: "string" },
    port: { type: "string", default: "0" },
    host: { type: "string", default: "127.0.0.1" },
  },
});
if (!args.dir) throw new Error("usage: node bench/limit-server.ts --dir DATA_DIR --port PORT");

const db = new DatabaseSync(join(args.dir, "data.db"), {
  timeout: 10_000,
  enableForeignKeyConstraints: true,
});
// The same pragmas as Satchel (and PocketBase).
db.exec(
  "PRAGMA journal_mode = WAL; PRAGMA journal_size_limit = 200000000; PRAGMA synchronous = NORMAL; " +
    "PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32000;",
);

const statements = new Map<string, StatementSync>();
function stmt(sql: string): StatementSync {
  let s = statements.get(sql);
  if (!s) {
    s = db.prepare(sql);
    statements.set(sql, s);
  }
  return s;
}
const all = (sql: string, params: SQLInputValue[] = []): Row[] => stmt(sql).all(...params);
const get = (sql: string, params: SQLInputValue[] = []): Row | undefined => stmt(sql).get(...params);
const run = (sql: string, params: SQLInputValue[] = []): void => void stmt(sql).run(...params);

function kindOf(f: FieldDef): Kind {
  switch (f.type) {
    case "bool":
      return "bool";
    case "number":
      return "number";
    case "json":
      return "json";
    case "select":
    case "relation":
    case "file":
      return f.maxSelect > 1 ? "json" : "string";
    default:
      return "string";
  }
}

function loadCollections(): Map<string, CollectionDef> {
  const out = new Map<string, CollectionDef>();
  for (const row of all("SELECT * FROM _collections")) {
    const rawFields = JSON.parse(String(row.fields)) as Json[];
    const options = JSON.parse(String(row.options ?? "{}")) as {
      authToken?: { secret?: string; duration?: number };
    };
    const fields: FieldDef[] = rawFields.map((f) => ({
      name: String(f.name),
      type: String(f.type),
      hidden: f.hidden === true,
      maxSelect: typeof f.maxSelect === "number" ? f.maxSelect : 1,
      values: Array.isArray(f.values) ? (f.values as string[]) : [],
      collectionId: typeof f.collectionId === "string" ? f.collectionId : "",
      cascadeDelete: f.cascadeDelete === true,
      onCreate: f.onCreate === true,
    }));
    const type = String(row.type);
    const visible = fields.filter(
      (f) =>
        !f.hidden &&
        f.type !== "password" &&
        !(type === "auth" && (f.name === "password" || f.name === "tokenKey")),
    );
    const outKeys: CollectionDef["outKeys"] = [
      ["collectionId", "meta"],
      ["collectionName", "meta"],
      ["expand", "expand"],
      ...visible.map((f): [string, Kind] => [f.name, kindOf(f)]),
    ];
    outKeys.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const str = (v: SQLOutputValue | undefined): string | null =>
      v === null || v === undefined ? null : String(v);
    const def: CollectionDef = {
      id: String(row.id),
      name: String(row.name),
      type,
      fields,
      byName: new Map(fields.map((f) => [f.name, f])),
      outKeys,
      rules: {
        listRule: str(row.listRule),
        viewRule: str(row.viewRule),
        createRule: str(row.createRule),
        deleteRule: str(row.deleteRule),
      },
      auth:
        type === "auth" && options.authToken?.secret
          ? { secret: options.authToken.secret, duration: options.authToken.duration ?? 1209600 }
          : null,
    };
    out.set(def.name, def);
    out.set(def.id, def);
  }
  return out;
}

const collections = loadCollections();

// ---- hand-written rules --------------------------------------------------------------------

interface Auth {
  collection: CollectionDef;
  row: Row;
}

/** A list/view/delete rule as SQL on the main table `t`, or null when it refuses the request. */
type WhereRule = (auth: Auth | null) => { sql: string; params: SQLInputValue[] } | null;
/** A create rule, given the submitted body. */
type CreateRule = (auth: Auth | null, body: Json) => boolean;

const NONE = { sql: "", params: [] };

const WHERE_RULES: { [rule: string]: WhereRule } = {
  "": () => NONE,
  "@request.auth.id != ''": (auth) => (auth ? NONE : null),
  "author = @request.auth.id": (auth) =>
    auth ? { sql: "t.author = ?", params: [String(auth.row.id)] } : null,
  "description ~ 'ipsum dolor'": () => ({
    sql: "t.description LIKE ? ESCAPE '\\'",
    params: ["%ipsum dolor%"],
  }),
  // Every permission of the author is active (and it has at least one): PocketBase's "match-all".
  "author.permissions.active = true": () => ({
    sql:
      "EXISTS (SELECT 1 FROM users u WHERE u.id = t.author" +
      " AND EXISTS (SELECT 1 FROM json_each(u.permissions) j JOIN permissions p ON p.id = j.value)" +
      " AND NOT EXISTS (SELECT 1 FROM json_each(u.permissions) j LEFT JOIN permissions p ON p.id = j.value" +
      " WHERE p.active IS NOT 1))",
    params: [],
  }),
};

const CREATE_RULES: { [rule: string]: CreateRule } = {
  "": () => true,
  "@request.auth.id != '' && @request.body.public:isset = true": (auth, body) =>
    auth !== null && "public" in body,
  // PocketBase's "match-all" for @collection with `=`: every room_members row has this room and
  // this user (and there is at least one row).
  "room = @collection.room_members.room && @request.auth.id = @collection.room_members.user": (
    auth,
    body,
  ) => {
    if (auth === null) return false;
    const r = get("SELECT COUNT(*) AS n, SUM(room = ?) AS r, SUM(user = ?) AS u FROM room_members", [
      typeof body.room === "string" ? body.room : "",
      String(auth.row.id),
    ]);
    const n = Number(r?.n ?? 0);
    return n > 0 && Number(r?.r) === n && Number(r?.u) === n;
  },
};

// ---- HTTP helpers --------------------------------------------------------------------------

class HttpError extends Error {
  readonly status: number;
  readonly data: Json;
  constructor(status: number, message: string, data: Json = {}) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<Json> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return {};
  try {
    const value: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    if (value !== null && typeof value === "object" && !Array.isArray(value)) return value as Json;
  } catch {
    // fall through
  }
  throw new HttpError(400, "Failed to load the submitted data due to invalid formatting.");
}

function findCollection(name: string): CollectionDef {
  const c = collections.get(name);
  if (!c) throw new HttpError(404, "Missing collection context.");
  return c;
}

/** The requester, from `Authorization` (invalid tokens are ignored, as in PocketBase). */
function loadAuth(req: IncomingMessage): Auth | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const token = header.startsWith("Bearer ") ? header.slice(7) : header;
  const claims = decodeJwt(token);
  if (!claims || claims.type !== "auth" || typeof claims.id !== "string") return null;
  const collection = collections.get(String(claims.collectionId));
  if (!collection?.auth || collection.id !== claims.collectionId) return null;
  const row = get(`SELECT * FROM \`${collection.name}\` WHERE id = ? LIMIT 1`, [claims.id]);
  if (!row || !verifyJwt(token, String(row.tokenKey) + collection.auth.secret)) return null;
  return { collection, row };
}

function isSuperuser(auth: Auth | null): boolean {
  return auth?.collection.name === "_superusers";
}

/** A row as API JSON: sorted keys, hidden fields out, bool/JSON decoded, email when visible. */
function toJson(c: CollectionDef, row: Row, auth: Auth | null, expand?: Json): Json {
  const out: Json = {};
  const showEmail =
    c.type !== "auth" ||
    row.emailVisibility === 1 ||
    isSuperuser(auth) ||
    (auth !== null && auth.collection.id === c.id && auth.row.id === row.id);
  for (const [key, kind] of c.outKeys) {
    const v = row[key];
    switch (kind) {
      case "meta":
        out[key] = key === "collectionId" ? c.id : c.name;
        break;
      case "expand":
        if (expand) out[key] = expand;
        break;
      case "bool":
        out[key] = v === 1 || v === 1n;
        break;
      case "number":
        out[key] = Number(v ?? 0);
        break;
      case "json":
        out[key] = typeof v === "string" && v !== "" ? JSON.parse(v) : [];
        break;
      case "string":
        if (key === "email" && !showEmail) break;
        out[key] = v === null || v === undefined ? "" : String(v);
        break;
    }
  }
  return out;
}

function placeholders(n: number): string {
  return new Array<string>(n).fill("?").join(",");
}

/** Resolves `expand=a,b` (one level of relation fields) for a page of rows. */
function expandRows(c: CollectionDef, rows: Row[], expand: string, auth: Auth | null): (Json | undefined)[] {
  const result: (Json | undefined)[] = rows.map(() => undefined);
  if (!expand) return result;
  for (const name of expand.split(",").map((s) => s.trim())) {
    const field = c.byName.get(name);
    if (field?.type !== "relation") continue;
    const target = collections.get(field.collectionId);
    if (!target || target.rules.viewRule === null) continue;
    const idsPer = rows.map((r) => {
      const v = r[name];
      if (typeof v !== "string" || v === "") return [];
      return field.maxSelect > 1 ? (JSON.parse(v) as string[]) : [v];
    });
    const ids = [...new Set(idsPer.flat())];
    if (ids.length === 0) continue;
    const found = new Map<string, Json>();
    for (const r of all(`SELECT * FROM \`${target.name}\` WHERE id IN (${placeholders(ids.length)})`, ids)) {
      found.set(String(r.id), toJson(target, r, auth));
    }
    idsPer.forEach((ids, i) => {
      const records = ids.map((id) => found.get(id)).filter((r) => r !== undefined);
      if (records.length === 0) return;
      const e = (result[i] ??= {});
      e[name] = field.maxSelect > 1 ? records : records[0];
    });
  }
  return result;
}

function ruleFor(rule: string | null, auth: Auth | null): { sql: string; params: SQLInputValue[] } | null {
  if (isSuperuser(auth)) return NONE;
  if (rule === null) return null;
  const fn = WHERE_RULES[rule];
  if (!fn) throw new HttpError(500, `limit server: no hand-written SQL for rule ${JSON.stringify(rule)}`);
  return fn(auth);
}

// ---- routes --------------------------------------------------------------------------------

/** The client filters the benchmarks send, by hand: `field = 'value'` on a plain column. */
function clientFilter(filter: string): { sql: string; params: SQLInputValue[] } | null {
  if (!filter.trim()) return null;
  const m = /^\s*(\w+)\s*=\s*'([^'\\]*)'\s*$/.exec(filter);
  if (!m) throw new HttpError(400, `limit server: no hand-written SQL for filter ${JSON.stringify(filter)}`);
  return { sql: `t.\`${m[1]}\` = ?`, params: [m[2]!] };
}

function list(c: CollectionDef, url: URL, auth: Auth | null): Json {
  const q = url.searchParams;
  if (q.get("sort")) throw new HttpError(400, "limit server: sort is not implemented");
  const page = Math.max(1, Number(q.get("page") ?? 1) || 1);
  const perPage = Math.min(1000, Math.max(1, Number(q.get("perPage") ?? 30) || 30));
  const skipTotal = q.get("skipTotal") === "1" || q.get("skipTotal") === "true";
  const rule = ruleFor(c.rules.listRule, auth);
  if (rule === null && c.rules.listRule === null)
    throw new HttpError(403, "Only superusers can perform this action.");
  const conditions: string[] = [];
  const params: SQLInputValue[] = [];
  if (rule === null) conditions.push("0");
  else if (rule.sql) {
    conditions.push(rule.sql);
    params.push(...rule.params);
  }
  const filter = clientFilter(q.get("filter") ?? "");
  if (filter) {
    conditions.push(filter.sql);
    params.push(...filter.params);
  }
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(" AND ")}` : "";
  const rows = all(`SELECT t.* FROM \`${c.name}\` t${where} LIMIT ? OFFSET ?`, [
    ...params,
    perPage,
    (page - 1) * perPage,
  ]);
  let totalItems = -1;
  let totalPages = -1;
  if (!skipTotal) {
    totalItems = Number(get(`SELECT COUNT(*) AS n FROM \`${c.name}\` t${where}`, params)?.n ?? 0);
    totalPages = Math.ceil(totalItems / perPage);
  }
  const expands = expandRows(c, rows, q.get("expand") ?? "", auth);
  return { items: rows.map((r, i) => toJson(c, r, auth, expands[i])), page, perPage, totalItems, totalPages };
}

function view(c: CollectionDef, id: string, url: URL, auth: Auth | null): Json {
  const rule = ruleFor(c.rules.viewRule, auth);
  if (rule === null)
    throw new HttpError(c.rules.viewRule === null ? 403 : 404, "The requested resource wasn't found.");
  const row = get(
    `SELECT t.* FROM \`${c.name}\` t WHERE t.id = ?${rule.sql ? ` AND ${rule.sql}` : ""} LIMIT 1`,
    [id, ...rule.params],
  );
  if (!row) throw new HttpError(404, "The requested resource wasn't found.");
  return toJson(c, row, auth, expandRows(c, [row], url.searchParams.get("expand") ?? "", auth)[0]);
}

function newId(): string {
  const bytes = randomBytes(15);
  let id = "";
  for (const b of bytes) id += "abcdefghijklmnopqrstuvwxyz0123456789"[b % 36];
  return id;
}

function nowDate(): string {
  return new Date().toISOString().replace("T", " ");
}

/** A text field's value: strings as they are, numbers and bools printed, anything else as JSON. */
function scalarText(v: unknown): string {
  if (v === undefined || v === null) return "";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return JSON.stringify(v);
}

function toList(v: unknown): string[] {
  if (Array.isArray(v)) return v.map(String).filter((s) => s !== "");
  if (typeof v === "string" && v !== "") return [v];
  return [];
}

function create(c: CollectionDef, body: Json, auth: Auth | null): Json {
  if (c.type === "auth") throw new HttpError(400, "limit server: auth record creation is not implemented");
  if (!isSuperuser(auth)) {
    if (c.rules.createRule === null) throw new HttpError(403, "Only superusers can perform this action.");
    const rule = CREATE_RULES[c.rules.createRule];
    if (!rule)
      throw new HttpError(
        500,
        `limit server: no hand-written check for rule ${JSON.stringify(c.rules.createRule)}`,
      );
    if (!rule(auth, body)) throw new HttpError(400, "Failed to create record.");
  }
  const row: Row = {};
  const errors: Json = {};
  const now = nowDate();
  for (const f of c.fields) {
    const v = body[f.name];
    switch (f.type) {
      case "bool":
        row[f.name] = v === true || v === "true" || v === 1 || v === "1" ? 1 : 0;
        break;
      case "number":
        row[f.name] = Number(v ?? 0) || 0;
        break;
      case "autodate":
        row[f.name] = now;
        break;
      case "select": {
        const picked = [...new Set(toList(v))];
        if (picked.some((p) => !f.values.includes(p)) || picked.length > f.maxSelect)
          errors[f.name] = { code: "validation_invalid_value", message: "Invalid value." };
        row[f.name] = f.maxSelect > 1 ? JSON.stringify(picked) : (picked[0] ?? "");
        break;
      }
      case "relation": {
        const ids = [...new Set(toList(v))];
        const target = collections.get(f.collectionId);
        if (ids.length > f.maxSelect || !target) {
          errors[f.name] = { code: "validation_invalid_value", message: "Invalid value." };
        } else if (ids.length > 0) {
          const n = get(
            `SELECT COUNT(*) AS n FROM \`${target.name}\` WHERE id IN (${placeholders(ids.length)})`,
            ids,
          )?.n;
          if (Number(n) !== ids.length)
            errors[f.name] = {
              code: "validation_missing_rel_records",
              message: "Failed to find all relation records.",
            };
        }
        row[f.name] = f.maxSelect > 1 ? JSON.stringify(ids) : (ids[0] ?? "");
        break;
      }
      case "text":
        if (f.name === "id") {
          const id = typeof v === "string" && v !== "" ? v : newId();
          if (!/^[a-z0-9]{15}$/.test(id))
            errors.id = { code: "validation_invalid_value", message: "Invalid value." };
          row.id = id;
        } else row[f.name] = scalarText(v);
        break;
      default:
        row[f.name] = scalarText(v);
    }
  }
  if (Object.keys(errors).length > 0) throw new HttpError(400, "Failed to create record.", errors);
  const cols = Object.keys(row);
  run(
    `INSERT INTO \`${c.name}\` (${cols.map((k) => `\`${k}\``).join(",")}) VALUES (${placeholders(cols.length)})`,
    cols.map((k) => row[k] as SQLInputValue),
  );
  return toJson(c, row, auth);
}

/** Collections with a relation field pointing at each collection id. */
function referencesTo(targetId: string): { c: CollectionDef; f: FieldDef }[] {
  const out: { c: CollectionDef; f: FieldDef }[] = [];
  for (const [key, c] of collections) {
    if (key !== c.name) continue;
    for (const f of c.fields) if (f.type === "relation" && f.collectionId === targetId) out.push({ c, f });
  }
  return out;
}

/** Deletes rows and, first, what references them: cascade deletes, or unset references. */
function deleteIds(c: CollectionDef, ids: string[]): void {
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const ph = placeholders(chunk.length);
    for (const { c: child, f } of referencesTo(c.id)) {
      const t = `\`${child.name}\``;
      const col = `\`${f.name}\``;
      if (f.maxSelect > 1) {
        const rows = all(
          `SELECT id, ${col} AS v FROM ${t} WHERE EXISTS (SELECT 1 FROM json_each(${t}.${col}) WHERE value IN (${ph}))`,
          chunk,
        );
        const gone = new Set(chunk);
        for (const r of rows) {
          const kept = (JSON.parse(String(r.v)) as string[]).filter((x) => !gone.has(x));
          run(`UPDATE ${t} SET ${col} = ? WHERE id = ?`, [JSON.stringify(kept), String(r.id)]);
        }
      } else if (f.cascadeDelete) {
        const childIds = all(`SELECT id FROM ${t} WHERE ${col} IN (${ph})`, chunk).map((r) => String(r.id));
        if (childIds.length > 0) deleteIds(child, childIds);
      } else {
        run(`UPDATE ${t} SET ${col} = '' WHERE ${col} IN (${ph})`, chunk);
      }
    }
    run(`DELETE FROM \`${c.name}\` WHERE id IN (${ph})`, chunk);
  }
}

function remove(c: CollectionDef, id: string, auth: Auth | null): void {
  const rule = ruleFor(c.rules.deleteRule, auth);
  if (rule === null)
    throw new HttpError(c.rules.deleteRule === null ? 403 : 404, "The requested resource wasn't found.");
  const row = get(
    `SELECT t.id FROM \`${c.name}\` t WHERE t.id = ?${rule.sql ? ` AND ${rule.sql}` : ""} LIMIT 1`,
    [id, ...rule.params],
  );
  if (!row) throw new HttpError(404, "The requested resource wasn't found.");
  db.exec("BEGIN IMMEDIATE");
  try {
    deleteIds(c, [id]);
    db.exec("COMMIT");
  } catch (err) {
    db.exec("ROLLBACK");
    throw err;
  }
}

function authResponse(c: CollectionDef, row: Row): Json {
  const token = signJwt(
    { collectionId: c.id, id: String(row.id), refreshable: true, type: "auth" },
    String(row.tokenKey) + c.auth!.secret,
    c.auth!.duration,
  );
  return { record: toJson(c, row, { collection: c, row }), token };
}

async function authWithPassword(c: CollectionDef, body: Json): Promise<Json> {
  if (!c.auth) throw new HttpError(404, "Missing auth collection context.");
  const identity = typeof body.identity === "string" ? body.identity : "";
  const password = typeof body.password === "string" ? body.password : "";
  if (!identity || !password)
    throw new HttpError(400, "An error occurred while validating the submitted data.");
  const row = /^[^@\s]+@[^@\s]+$/.test(identity)
    ? get(`SELECT * FROM \`${c.name}\` WHERE email = ? COLLATE NOCASE LIMIT 1`, [identity])
    : c.byName.has("username")
      ? get(`SELECT * FROM \`${c.name}\` WHERE username = ? COLLATE NOCASE LIMIT 1`, [identity])
      : undefined;
  if (!row || !(await bcrypt.compare(password, String(row.password))))
    throw new HttpError(400, "Failed to authenticate.");
  return authResponse(c, row);
}

function authRefresh(c: CollectionDef, auth: Auth | null): Json {
  if (!auth) throw new HttpError(401, "The request requires valid record authorization token.");
  if (auth.collection.id !== c.id)
    throw new HttpError(403, "The request requires valid record authorization token.");
  return authResponse(c, auth.row);
}

/** The benchmark's rule switch (PocketBase's harness updates the collection per scenario). */
function updateRules(c: CollectionDef, body: Json): Json {
  for (const key of ["listRule", "viewRule", "createRule", "deleteRule"] as const) {
    if (!(key in body)) continue;
    const rule = body[key];
    if (rule !== null && typeof rule !== "string")
      throw new HttpError(400, `${key} must be a string or null`);
    const known = key === "createRule" ? CREATE_RULES : WHERE_RULES;
    if (rule !== null && !(rule in known))
      throw new HttpError(400, `limit server: no hand-written SQL for ${key} ${JSON.stringify(rule)}`);
    c.rules[key] = rule;
  }
  if ("indexes" in body) syncIndexes(c, body.indexes);
  return { id: c.id, name: c.name, ...c.rules };
}

/** Indexes created through PATCH, per collection (the originals from the seed are left alone). */
const createdIndexes = new Map<string, Set<string>>();

/** Applies a PATCH's `indexes`: creates the listed `CREATE INDEX` statements, drops the ones gone. */
function syncIndexes(c: CollectionDef, indexes: unknown): void {
  if (!Array.isArray(indexes)) throw new HttpError(400, "indexes must be an array");
  const wanted = new Map<string, string>();
  for (const sql of indexes) {
    const m = typeof sql === "string" ? /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+`?(\w+)`?/i.exec(sql) : null;
    if (!m) throw new HttpError(400, `limit server: unsupported index ${JSON.stringify(sql)}`);
    wanted.set(m[1]!, sql as string);
  }
  const mine = createdIndexes.get(c.name) ?? new Set<string>();
  for (const name of mine) {
    if (!wanted.has(name)) {
      db.exec(`DROP INDEX IF EXISTS \`${name}\``);
      mine.delete(name);
    }
  }
  for (const [name, sql] of wanted) {
    const exists = get("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?", [name]) !== undefined;
    if (!exists) {
      db.exec(sql);
      mine.add(name);
    }
  }
  createdIndexes.set(c.name, mine);
  statements.clear();
}

const RECORDS = /^\/api\/collections\/([^/]+)\/records(?:\/([^/]+))?$/;
const AUTH = /^\/api\/collections\/([^/]+)\/(auth-with-password|auth-refresh)$/;
const COLLECTION = /^\/api\/collections\/([^/]+)$/;

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://limit");
  const method = req.method ?? "GET";
  const path = url.pathname;
  if (path === "/api/health") return send(res, 200, { message: "API is healthy.", code: 200, data: {} });
  let m = RECORDS.exec(path);
  if (m) {
    const c = findCollection(decodeURIComponent(m[1]!));
    const id = m[2] === undefined ? undefined : decodeURIComponent(m[2]);
    const auth = loadAuth(req);
    if (id === undefined && method === "GET") return send(res, 200, list(c, url, auth));
    if (id === undefined && method === "POST") return send(res, 200, create(c, await readJson(req), auth));
    if (id !== undefined && method === "GET") return send(res, 200, view(c, id, url, auth));
    if (id !== undefined && method === "DELETE") {
      remove(c, id, auth);
      return send(res, 204);
    }
  }
  m = AUTH.exec(path);
  if (m && method === "POST") {
    const c = findCollection(decodeURIComponent(m[1]!));
    if (m[2] === "auth-refresh") return send(res, 200, authRefresh(c, loadAuth(req)));
    return send(res, 200, await authWithPassword(c, await readJson(req)));
  }
  m = COLLECTION.exec(path);
  if (m && method === "PATCH")
    return send(res, 200, updateRules(findCollection(decodeURIComponent(m[1]!)), await readJson(req)));
  throw new HttpError(404, "The requested resource wasn't found.");
}

const server = createServer((req, res) => {
  handle(req, res).catch((err: unknown) => {
    const e =
      err instanceof HttpError ? err : new HttpError(500, err instanceof Error ? err.message : String(err));
    if (e.status >= 500) console.error(err);
    if (!res.headersSent) send(res, e.status, { data: e.data, message: e.message, status: e.status });
    else res.destroy();
  });
});

// The same accept queue as Satchel's (src/api/listen-backlog.ts): a setting, not work.
server.listen(Number(args.port), args.host, listenBacklog(), () => {
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  console.log(`limit server listening on http://${args.host}:${port}`);
});

function shutdown(): void {
  server.close(() => {
    db.close();
    process.exit(0);
  });
  server.closeAllConnections();
}
process.once("SIGTERM", shutdown);
process.once("SIGINT", shutdown);
