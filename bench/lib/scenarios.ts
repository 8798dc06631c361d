/**
 * The scenario catalogue: PocketBase's published workloads (pocketbase/benchmarks @ e9cd790,
 * PocketBase v0.36.0 on a Hetzner CAX11) and the TrailBase-style chat test, in a quick and a
 * full variant. Every scenario is a fixed number of requests at a fixed concurrency, bounded by
 * `maxSeconds`; requests are built from a seeded PRNG, so both targets get the same sequence.
 */
import type { LoadStats, RequestSpec } from "./load.ts";
import { Prng } from "./prng.ts";
import { CREATE_AUTH_RULE, type PostsName } from "./schema.ts";
import type { DatasetConfig, Manifest } from "./seed.ts";

/** The bench modes. */
export type BenchMode = "quick" | "full";

/** What a scenario can use on the target it runs against. */
export interface TargetContext {
  target: "satchel" | "limit";
  url: string;
  manifest: Manifest;
  /** A token of `manifest.users[0]`, the user PocketBase's harness sends with most requests. */
  userToken: string;
  /** A token of the chat poster (`manifest.chat.poster`). */
  chatToken: string;
}

/** A published figure to quote beside ours (measured on other hardware). */
export interface Reference {
  /** Requests per second, when the source gives enough to derive it. */
  rps?: number;
  /** What the source says, e.g. "5,000 @ 500 in 2.63 s". */
  text: string;
  /** Where it comes from. */
  source: "pocketbase-cax11" | "trailbase-7840u";
}

/** A `PATCH /api/collections/{collection}` body. */
export interface CollectionPatch {
  collection: string;
  patch: { [key: string]: unknown };
}

/** One benchmark scenario. */
export interface Scenario {
  /** Stable key (results.json, `--only`). */
  id: string;
  group: "create" | "auth" | "read" | "list" | "rules" | "delete" | "chat" | "realtime";
  title: string;
  requests: number;
  concurrency: number;
  mode: "keepalive" | "newconn";
  maxSeconds: number;
  /** Collection changes made before the run, as PocketBase's harness does (same PATCH on both targets). */
  setup?: CollectionPatch;
  /** Collection changes made after the run (e.g. dropping an index the scenario added). */
  teardown?: CollectionPatch;
  /**
   * The request builder for a target. `round` counts the runs of the scenario on that target
   * (0: the first, the warm-up when it runs in rounds): a write run in rounds (`writeRounds`)
   * gives each its own data.
   */
  build?: (ctx: TargetContext, round: number) => (i: number) => RequestSpec;
  /**
   * A write that may run in rounds like the reads (a warm-up, then measured rounds): at most
   * this many runs in all, each on data of its own (`build`'s `round`).
   */
  writeRounds?: number;
  /**
   * A scenario that is not "N requests at concurrency C" (e.g. the realtime fan-out test: many
   * SSE clients, one write, time until the last event) measures itself and returns the same
   * figures; the runner still does the setup, RSS sampling and reporting around it.
   */
  custom?: (ctx: TargetContext & { pid: number }) => Promise<LoadStats>;
  /** Whether the first request may be sent once before the load to compare both targets' answers. */
  idempotent?: boolean;
  reference?: Reference;
  /** Shown in the report's Notes column (what Satchel does differently from the limit server). */
  note?: string;
  /** When set, the scenario is listed but not run. */
  skip?: string;
}

/** PocketBase's benchmark description text (benchmarks/test_create.go). */
export const PB_DESCRIPTION =
  "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Donec sit amet sodales nisl, quis pretium nunc. " +
  "Suspendisse vel auctor velit, sed luctus lectus. Phasellus rhoncus imperdiet feugiat. Duis et laoreet felis, " +
  "ut facilisis enim. Quisque aliquet aliquam magna eget eleifend. Duis sed tellus nibh. Nunc ac lacus auctor, " +
  "scelerisque magna congue, euismod purus. Fusce sollicitudin pharetra egestas. Quisque pulvinar augue nec " +
  "aliquam placerat. Suspendisse dapibus ornare sodales.";

function pb(requests: number, concurrency: number, seconds: number, extra = ""): Reference {
  const fmt = (n: number): string => n.toLocaleString("en-US");
  const s = seconds >= 60 ? `${Math.floor(seconds / 60)} m ${(seconds % 60).toFixed(0)} s` : `${seconds} s`;
  return {
    rps: requests / seconds,
    text: `${fmt(requests)} @ ${concurrency} in ${s}${extra}`,
    source: "pocketbase-cax11",
  };
}

/** A stable 32-bit hash of a string (per-scenario PRNG seeds). */
function hash32(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const auth = (token: string): { authorization: string } => ({ authorization: token });

function createPosts(
  collection: PostsName,
  requests: number,
  mode: Scenario["mode"],
  withRule: boolean,
  maxSeconds: number,
  reference?: Reference,
): Scenario {
  const id = `create-${collection}-${withRule ? "rule" : "norule"}${mode === "newconn" ? "-newconn" : ""}`;
  return {
    id,
    group: "create",
    title: `create ${collection}, ${withRule ? "auth + body rule" : "no rule"}${mode === "newconn" ? ", new conn/req" : ""}`,
    requests,
    concurrency: 500,
    mode,
    maxSeconds,
    setup: { collection, patch: { createRule: withRule ? CREATE_AUTH_RULE : "" } },
    build: (ctx) => {
      const rng = new Prng(hash32(id));
      const users = ctx.manifest.users;
      const types = ["a", "b", "c", "d"];
      return (i) => ({
        method: "POST",
        path: `/api/collections/${collection}/records`,
        headers: withRule ? auth(ctx.userToken) : {},
        body: JSON.stringify({
          title: `${collection}-${id}-${i}`,
          description: PB_DESCRIPTION,
          public: i % 2 !== 0,
          type: [rng.pick(types), rng.pick(types)],
          author: rng.pick(users).id,
        }),
      });
    },
    reference,
  };
}

/**
 * Lists with a total: Satchel counts once and reuses the total until a write may change it
 * (src/core/records/record-count-cache.ts); the limit server counts on every request. No write
 * happens during these scenarios, so from the second request on Satchel's totals are reused.
 */
const TOTAL_NOTE = "Satchel reuses the total while nothing is written (count cache); limit counts every time";

function listPosts(
  collection: PostsName,
  requests: number,
  concurrency: number,
  opts: { skipTotal?: boolean; expand?: boolean; mode?: Scenario["mode"]; maxSeconds: number },
  reference?: Reference,
): Scenario {
  const mode = opts.mode ?? "keepalive";
  const query = `?perPage=20${opts.skipTotal ? "&skipTotal=1" : ""}${opts.expand ? "&expand=author" : ""}`;
  const what = opts.expand ? "expand=author" : opts.skipTotal ? "skipTotal" : "with total";
  return {
    id: `list-${collection}-${opts.expand ? "expand" : opts.skipTotal ? "skiptotal" : "total"}-c${concurrency}${mode === "newconn" ? "-newconn" : ""}`,
    group: "list",
    title: `list 20 ${collection}, ${what}${mode === "newconn" ? ", new conn/req" : ""}`,
    requests,
    concurrency,
    mode,
    maxSeconds: opts.maxSeconds,
    setup: { collection, patch: { listRule: "" } },
    idempotent: true,
    build: (ctx) => () => ({
      method: "GET",
      path: `/api/collections/${collection}/records${query}`,
      headers: auth(ctx.userToken),
    }),
    reference,
    ...(opts.skipTotal ? {} : { note: TOTAL_NOTE }),
  };
}

function ruleList(
  collection: PostsName,
  rule: string,
  short: string,
  skipTotal: boolean,
  requests: number,
  maxSeconds: number,
  reference?: Reference,
): Scenario {
  return {
    id: `rule-${collection}-${short}-${skipTotal ? "skiptotal" : "total"}`,
    group: "rules",
    title: `list 20 ${collection}, rule \`${rule}\`${skipTotal ? ", skipTotal" : ""}`,
    requests,
    concurrency: 10,
    mode: "keepalive",
    maxSeconds,
    setup: { collection, patch: { listRule: rule } },
    idempotent: true,
    build: (ctx) => () => ({
      method: "GET",
      path: `/api/collections/${collection}/records?perPage=20${skipTotal ? "&skipTotal=1" : ""}`,
      headers: auth(ctx.userToken),
    }),
    reference,
    ...(skipTotal ? {} : { note: TOTAL_NOTE }),
  };
}

/**
 * List 20 with skipTotal on an indexed `author` (an index the scenario adds and drops again):
 * either a client filter `author = '<id>'` (the records issue asks that this answers from the
 * index) or PocketBase's rule `author = @request.auth.id`.
 */
function indexedAuthor(
  collection: PostsName,
  kind: "filter" | "rule",
  requests: number,
  maxSeconds: number,
  reference?: Reference,
): Scenario {
  const index = `CREATE INDEX \`idx_author_${collection}\` ON \`${collection}\` (\`author\`)`;
  return {
    id: `${kind}-${collection}-author-indexed-skiptotal`,
    group: "rules",
    title:
      kind === "filter"
        ? `list 20 ${collection}, filter \`author = '…'\` on an index, skipTotal`
        : `list 20 ${collection}, rule \`author = @request.auth.id\` on an index, skipTotal`,
    requests,
    concurrency: 10,
    mode: "keepalive",
    maxSeconds,
    setup: {
      collection,
      patch: { listRule: kind === "rule" ? "author = @request.auth.id" : "", indexes: [index] },
    },
    teardown: { collection, patch: { listRule: "", indexes: [] } },
    idempotent: true,
    build: (ctx) => {
      const filter =
        kind === "filter" ? `&filter=${encodeURIComponent(`author = '${ctx.manifest.users[0]!.id}'`)}` : "";
      return () => ({
        method: "GET",
        path: `/api/collections/${collection}/records?perPage=20&skipTotal=1${filter}`,
        headers: auth(ctx.userToken),
      });
    },
    reference,
  };
}

/** Distinct deterministic picks from a list, skipping `exclude`. */
function pickIds(
  seed: string,
  list: readonly string[],
  n: number,
  exclude: Set<string> = new Set(),
): string[] {
  const rng = new Prng(hash32(seed));
  const pool = list.filter((x) => !exclude.has(x));
  // Fisher–Yates on a copy, then the first n.
  for (let i = pool.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [pool[i], pool[j]] = [pool[j]!, pool[i]!];
  }
  return pool.slice(0, n);
}

function deleteScenario(
  id: string,
  title: string,
  collection: string,
  requests: number,
  maxSeconds: number,
  ids: (m: Manifest, round: number) => string[],
  reference?: Reference,
): Scenario {
  return {
    id,
    group: "delete",
    title,
    requests,
    concurrency: 10,
    mode: "keepalive",
    maxSeconds,
    setup: { collection, patch: { deleteRule: "" } },
    build: (ctx, round) => {
      const list = ids(ctx.manifest, round);
      return (i) => ({
        method: "DELETE",
        path: `/api/collections/${collection}/records/${list[i % Math.max(1, list.length)] ?? "missing"}`,
        headers: auth(ctx.userToken),
      });
    },
    reference,
  };
}

/** Runs of the posts delete: a warm-up and up to 7 measured rounds, each deleting its own rows. */
const DELETE_ROUNDS = 8;

function deletePosts(collection: PostsName, n: number, maxSeconds: number, reference?: Reference): Scenario {
  return {
    ...deleteScenario(
      `delete-${collection}`,
      `delete ${collection} (no cascade)`,
      collection,
      n,
      maxSeconds,
      (m, round) =>
        pickIds(`delete-${collection}`, m.posts[collection] ?? [], n * DELETE_ROUNDS).slice(
          round * n,
          (round + 1) * n,
        ),
      reference,
    ),
    writeRounds: DELETE_ROUNDS,
  };
}

function deleteUsers(n: number, maxSeconds: number): Scenario {
  return deleteScenario(
    "delete-users-cascade",
    "delete users, cascading to their posts",
    "users",
    n,
    maxSeconds,
    (m) =>
      pickIds(
        "delete-users",
        m.users.map((u) => u.id),
        n,
        new Set([m.users[0]!.id]),
      ),
    pb(100, 10, 14.9),
  );
}

function deleteOrganizations(n: number, maxSeconds: number): Scenario {
  return deleteScenario(
    "delete-organizations-cascade",
    "delete organizations, cascading to users and posts",
    "organizations",
    n,
    maxSeconds,
    (m) => pickIds("delete-organizations", m.organizations, n, new Set([m.users[0]!.organization])),
    pb(100, 10, 34.98),
  );
}

function chatInsert(requests: number, maxSeconds: number): Scenario {
  return {
    id: "chat-insert",
    group: "chat",
    title: "chat: insert message (membership rule via @collection)",
    requests,
    concurrency: 64,
    mode: "keepalive",
    maxSeconds,
    build: (ctx, round) => (i) => ({
      method: "POST",
      path: "/api/collections/message/records",
      headers: auth(ctx.chatToken),
      body: JSON.stringify({
        owner: ctx.manifest.chat.poster.id,
        room: ctx.manifest.chat.room,
        data: `a message ${round}-${i}`,
      }),
    }),
    // new messages in every run: only the chat read comes after, by id
    writeRounds: 4,
    reference: {
      rps: 100000 / 45.4,
      text: "PB v0.25: 100k @ 64 in 45.4 s (JS client); p50/p95 22.4/61.5 ms (Dart, 10k)",
      source: "trailbase-7840u",
    },
  };
}

function chatRead(requests: number, maxSeconds: number): Scenario {
  return {
    id: "chat-read",
    group: "chat",
    title: "chat: read message by id",
    requests,
    concurrency: 64,
    mode: "keepalive",
    maxSeconds,
    idempotent: true,
    build: (ctx) => {
      const ids = ctx.manifest.chat.messages;
      return (i) => ({
        method: "GET",
        path: `/api/collections/message/records/${ids[i % ids.length]}`,
        headers: auth(ctx.chatToken),
      });
    },
    reference: {
      rps: 100000 / 26.6,
      text: "PB v0.25: 100k @ 64 in 26.6 s; p50/p95 16.7/20.5 ms (Dart)",
      source: "trailbase-7840u",
    },
  };
}

const LIKE = "description ~ 'ipsum dolor'";
const PERMS = "author.permissions.active = true";

/** PocketBase's CAX11 list figures per collection (simpleA @1, simpleC skipTotal @1000, simpleB total @1000, expand @10). */
const PB_LIST: { [K in PostsName]: { seq: number; skip: number; total: number; expand: number } } = {
  posts10k: { seq: 3.145, skip: 0.76, total: 1.476, expand: 0.216 },
  posts25k: { seq: 5.087, skip: 0.846, total: 2.349, expand: 0.296 },
  posts50k: { seq: 8.014, skip: 0.841, total: 3.965, expand: 0.44 },
  posts100k: { seq: 13.317, skip: 0.888, total: 6.866, expand: 0.737 },
};
const PB_RULES: { [K in PostsName]: { like: number; likeSkip: number; perms: number; permsSkip: number } } = {
  posts10k: { like: 0.482, likeSkip: 0.113, perms: 19.18, permsSkip: 0.384 },
  posts25k: { like: 1.164, likeSkip: 0.137, perms: 49.32, permsSkip: 0.536 },
  posts50k: { like: 2.253, likeSkip: 0.208, perms: 102.04, permsSkip: 0.698 },
  posts100k: { like: 4.876, likeSkip: 0.236, perms: 208.65, permsSkip: 0.775 },
};
const PB_DELETE: { [K in PostsName]: number } = {
  posts10k: 0.053,
  posts25k: 0.047,
  posts50k: 0.07,
  posts100k: 0.082,
};
const LIKE_NOTE = " (PB run with an index on description)";

function listSet(c: PostsName, seqRequests: number, concRequests: number, maxSeconds: number): Scenario[] {
  const ref = PB_LIST[c];
  return [
    listPosts(c, seqRequests, 1, { maxSeconds }, pb(1000, 1, ref.seq)),
    listPosts(c, concRequests, 1000, { skipTotal: true, maxSeconds }, pb(1000, 1000, ref.skip)),
    listPosts(c, concRequests, 1000, { maxSeconds }, pb(1000, 1000, ref.total)),
  ];
}

function ruleSet(c: PostsName, requests: number, permsRequests: number, maxSeconds: number): Scenario[] {
  const ref = PB_RULES[c];
  return [
    ruleList(c, LIKE, "like", false, requests, maxSeconds, pb(100, 10, ref.like)),
    ruleList(c, LIKE, "like", true, requests, maxSeconds, pb(100, 10, ref.likeSkip, LIKE_NOTE)),
    ruleList(c, PERMS, "perms", false, permsRequests, maxSeconds, pb(100, 10, ref.perms)),
    ruleList(c, PERMS, "perms", true, requests, maxSeconds, pb(100, 10, ref.permsSkip)),
  ];
}

function realtimePlaceholder(): Scenario {
  return {
    id: "realtime-sse-10k",
    group: "realtime",
    title: "realtime: 10k SSE clients, one write → last event (p50/p99), RSS",
    requests: 10000,
    concurrency: 10000,
    mode: "keepalive",
    maxSeconds: 0,
    skip: "not landed: the realtime issue (7) adds this scenario",
  };
}

/** The data set and scenarios of a mode. */
export function plan(mode: BenchMode, seed: number): { dataset: DatasetConfig; scenarios: Scenario[] } {
  if (mode === "quick") {
    const creates = [
      createPosts("posts10k", 2000, "keepalive", false, 20, pb(5000, 500, 2.631)),
      createPosts("posts10k", 2000, "keepalive", true, 20, pb(5000, 500, 3.7)),
      createPosts("posts10k", 1000, "newconn", false, 20, pb(5000, 500, 2.631)),
    ];
    const planned = creates.reduce((n, s) => n + s.requests, 0);
    return {
      dataset: {
        seed,
        organizations: 100,
        permissions: 50,
        users: 500,
        posts: { posts10k: 10000 - planned, posts50k: 50000 },
        chat: { users: 100, rooms: 10, messages: 10000 },
      },
      scenarios: [
        ...creates,
        authPassword(50, 10, 20),
        authRefresh(1000, 100, 10),
        authRefresh(1000, 1000, 10),
        getOne(1000, 100, 10),
        listPosts("posts10k", 200, 1, { maxSeconds: 10 }, pb(1000, 1, PB_LIST.posts10k.seq)),
        listPosts(
          "posts10k",
          1000,
          1000,
          { skipTotal: true, maxSeconds: 10 },
          pb(1000, 1000, PB_LIST.posts10k.skip),
        ),
        listPosts(
          "posts10k",
          1000,
          100,
          { skipTotal: true, mode: "newconn", maxSeconds: 10 },
          pb(1000, 1000, PB_LIST.posts10k.skip),
        ),
        listPosts("posts50k", 100, 1, { maxSeconds: 10 }, pb(1000, 1, PB_LIST.posts50k.seq)),
        listPosts(
          "posts50k",
          1000,
          1000,
          { skipTotal: true, maxSeconds: 10 },
          pb(1000, 1000, PB_LIST.posts50k.skip),
        ),
        listPosts(
          "posts10k",
          100,
          10,
          { expand: true, maxSeconds: 10 },
          pb(100, 10, PB_LIST.posts10k.expand),
        ),
        ruleList("posts10k", LIKE, "like", false, 100, 10, pb(100, 10, PB_RULES.posts10k.like)),
        ruleList("posts10k", LIKE, "like", true, 100, 10, pb(100, 10, PB_RULES.posts10k.likeSkip, LIKE_NOTE)),
        ruleList("posts10k", PERMS, "perms", false, 30, 10, pb(100, 10, PB_RULES.posts10k.perms)),
        ruleList("posts10k", PERMS, "perms", true, 100, 10, pb(100, 10, PB_RULES.posts10k.permsSkip)),
        indexedAuthor("posts50k", "filter", 500, 10),
        indexedAuthor("posts50k", "rule", 100, 10, pb(100, 10, 0.0931)),
        deletePosts("posts10k", 100, 10, pb(100, 10, PB_DELETE.posts10k)),
        deleteUsers(20, 20),
        deleteOrganizations(10, 20),
        chatInsert(5000, 30),
        chatRead(10000, 20),
        realtimePlaceholder(),
      ],
    };
  }
  const creates = [
    createPosts("posts10k", 5000, "keepalive", false, 60, pb(5000, 500, 2.631)),
    createPosts("posts10k", 5000, "keepalive", true, 60, pb(5000, 500, 3.7)),
    createPosts("posts25k", 12500, "newconn", false, 60, pb(12500, 500, 6.067)),
    createPosts("posts25k", 12500, "newconn", true, 60, pb(12500, 500, 9.061)),
    createPosts("posts50k", 25000, "keepalive", false, 90, pb(25000, 500, 11.886)),
    createPosts("posts50k", 25000, "keepalive", true, 90, pb(25000, 500, 18.306)),
  ];
  const plannedFor = (c: PostsName): number =>
    creates.filter((s) => s.setup?.collection === c).reduce((n, s) => n + s.requests, 0);
  return {
    dataset: {
      seed,
      organizations: 100,
      permissions: 50,
      users: 500,
      posts: {
        posts10k: Math.max(0, 10000 - plannedFor("posts10k")),
        posts25k: Math.max(0, 25000 - plannedFor("posts25k")),
        posts50k: Math.max(0, 50000 - plannedFor("posts50k")),
        posts100k: 100000,
      },
      chat: { users: 100, rooms: 10, messages: 10000 },
    },
    scenarios: [
      ...creates,
      authPassword(250, 10, 60),
      authRefresh(1000, 100, 20),
      authRefresh(1000, 1000, 20),
      getOne(1000, 100, 20),
      getOne(1000, 1000, 20),
      ...listSet("posts10k", 1000, 1000, 40),
      ...listSet("posts50k", 1000, 1000, 40),
      ...listSet("posts100k", 1000, 1000, 40),
      listPosts(
        "posts100k",
        1000,
        100,
        { skipTotal: true, mode: "newconn", maxSeconds: 30 },
        pb(1000, 1000, PB_LIST.posts100k.skip),
      ),
      listPosts("posts10k", 100, 10, { expand: true, maxSeconds: 20 }, pb(100, 10, PB_LIST.posts10k.expand)),
      listPosts(
        "posts100k",
        100,
        10,
        { expand: true, maxSeconds: 20 },
        pb(100, 10, PB_LIST.posts100k.expand),
      ),
      ...ruleSet("posts10k", 100, 100, 30),
      ...ruleSet("posts100k", 100, 20, 30),
      indexedAuthor("posts100k", "filter", 1000, 20),
      indexedAuthor("posts100k", "rule", 100, 20, pb(100, 10, 0.0872)),
      // Deletes pick seeded rows: posts10k…50k are filled by the creates in full mode.
      deletePosts("posts100k", 100, 20, pb(100, 10, PB_DELETE.posts100k)),
      deleteUsers(100, 60),
      // 99: the first user's organization is kept (its token signs the other requests).
      deleteOrganizations(99, 90),
      chatInsert(100000, 180),
      chatRead(100000, 60),
      realtimePlaceholder(),
    ],
  };
}

function authPassword(requests: number, concurrency: number, maxSeconds: number): Scenario {
  return {
    id: `auth-password-c${concurrency}`,
    group: "auth",
    title: "auth with password (bcrypt cost 10)",
    requests,
    concurrency,
    mode: "keepalive",
    maxSeconds,
    build: (ctx) => {
      const body = JSON.stringify({
        identity: ctx.manifest.users[0]!.email,
        password: ctx.manifest.password,
      });
      return () => ({ method: "POST", path: "/api/collections/users/auth-with-password", body });
    },
    reference: pb(250, 10, 8.379),
  };
}

function authRefresh(requests: number, concurrency: number, maxSeconds: number): Scenario {
  return {
    id: `auth-refresh-c${concurrency}`,
    group: "auth",
    title: "auth refresh",
    requests,
    concurrency,
    mode: "keepalive",
    maxSeconds,
    build: (ctx) => () => ({
      method: "POST",
      path: "/api/collections/users/auth-refresh",
      headers: auth(ctx.userToken),
    }),
    reference: concurrency >= 1000 ? pb(1000, 1000, 0.362) : pb(1000, 100, 0.312),
  };
}

function getOne(requests: number, concurrency: number, maxSeconds: number): Scenario {
  return {
    id: `getone-c${concurrency}`,
    group: "read",
    title: "getOne user",
    requests,
    concurrency,
    mode: "keepalive",
    maxSeconds,
    setup: { collection: "users", patch: { viewRule: "" } },
    idempotent: true,
    build: (ctx) => () => ({
      method: "GET",
      path: `/api/collections/users/records/${ctx.manifest.users[0]!.id}`,
      headers: auth(ctx.userToken),
    }),
    reference: concurrency >= 1000 ? pb(1000, 1000, 0.462) : pb(1000, 100, 0.379),
  };
}
