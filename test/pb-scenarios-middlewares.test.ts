/**
 * PocketBase's auth-middleware and panic-recovery scenarios, replayed on its test data folder:
 * each route of theirs is a `routerAdd` in a pb_hooks script here (how a PocketBase user binds
 * the same `$apis` middlewares).
 */
import type { TestContext } from "node:test";
import { test } from "node:test";
import { HooksRuntime } from "../src/hooks/runtime.ts";
import { writeFiles } from "./helpers/hooks.ts";
import { startTestdataServer } from "./helpers/pb-testdata-server.ts";
import { TOKENS } from "./helpers/pb-tokens.ts";
import { runScenarios, type Scenario } from "./helpers/scenario.ts";
import { tempDir } from "./helpers/server.ts";

/** A server whose pb_hooks folder holds `script` as main.pb.js. */
async function withScript(t: TestContext, script: string) {
  const s = await startTestdataServer(t);
  if (!s) return null;
  const hooksDir = tempDir(t, "satchel-hooks-");
  writeFiles(hooksDir, { "main.pb.js": script });
  const runtime = new HooksRuntime(s.app, {
    hooksDir,
    watch: false,
    poolSize: 1,
    timeoutMs: 20_000,
    log: () => undefined,
  });
  await runtime.start();
  t.after(() => runtime.close());
  return s;
}

/** `GET <path>` answering "test123" behind the `$apis` middleware `mw`. */
const route = (mw: string, path = "/my/test") =>
  `routerAdd("GET", ${JSON.stringify(path)}, (e) => e.string(200, "test123"), $apis.${mw});`;

const none = { "*": 0 };
const denied = (name: string, status: number, token?: string, url = "/my/test"): Scenario => ({
  name,
  method: "GET",
  url,
  ...(token ? { auth: { token } } : {}),
  expectedStatus: status,
  expectedContent: ['"data":{}'],
  expectedEvents: none,
});
const allowed = (name: string, token?: string, url = "/my/test"): Scenario => ({
  name,
  method: "GET",
  url,
  ...(token ? { auth: { token } } : {}),
  expectedStatus: 200,
  expectedContent: ["test123"],
  expectedEvents: none,
});

const groups: { name: string; script: string; rows: Scenario[] }[] = [
  {
    name: "panic in a route handler",
    script: `routerAdd("GET", "/my/test", (e) => { throw new InternalServerError("123") });`,
    rows: [denied("a handler failing with a 500", 500)],
  },
  {
    name: "panic in a route middleware",
    script: `routerAdd("GET", "/my/test", (e) => e.string(200, "test"), (e) => { throw new ApiError(500, "123") });`,
    rows: [denied("a middleware failing with a 500", 500)],
  },
  {
    name: "requireGuestOnly",
    script: route("requireGuestOnly()"),
    rows: [
      denied("a user token", 400, TOKENS.user),
      denied("a superuser token", 400, TOKENS.superuser),
      allowed("an expired token counts as a guest", TOKENS.userExpired),
      allowed("a guest"),
    ],
  },
  {
    name: "requireAuth()",
    script: route("requireAuth()"),
    rows: [
      denied("a guest", 401),
      denied("an expired token", 401, TOKENS.userExpired),
      denied("a file token is no auth token", 401, TOKENS.superuserFile),
      { ...allowed("a user token", TOKENS.user), expectedEvents: undefined },
      { ...allowed("a static user token", TOKENS.userStatic), expectedEvents: undefined },
      {
        ...allowed("a case-insensitive Bearer prefix"),
        headers: { authorization: `BeArEr ${TOKENS.user}` },
        expectedEvents: undefined,
      },
    ],
  },
  {
    name: "requireAuth(users, demo1)",
    script: route(`requireAuth("users", "demo1")`),
    rows: [denied("a superuser is outside the list", 403, TOKENS.superuser)],
  },
  {
    name: "requireAuth(users, _superusers)",
    script: route(`requireAuth("users", "_superusers")`),
    rows: [{ ...allowed("a superuser in the list", TOKENS.superuser), expectedEvents: undefined }],
  },
  {
    name: "requireSuperuserAuth",
    script: route("requireSuperuserAuth()"),
    rows: [
      denied("a guest", 401),
      denied("an expired superuser token", 401, TOKENS.superuserExpired),
      denied("a user token", 403, TOKENS.user),
      { ...allowed("a superuser token", TOKENS.superuser), expectedEvents: undefined },
    ],
  },
  {
    name: "requireSuperuserOrOwnerAuth() on {id}",
    script: route(`requireSuperuserOrOwnerAuth("")`, "/my/test/{id}"),
    rows: [
      denied("a guest", 401, undefined, "/my/test/4q1xlclmfloku33"),
      denied("an expired superuser token", 401, TOKENS.superuserExpired, "/my/test/4q1xlclmfloku33"),
      denied("another user", 403, TOKENS.user, "/my/test/oap640cot4yru2s"),
      { ...allowed("the owner", TOKENS.user, "/my/test/4q1xlclmfloku33"), expectedEvents: undefined },
      { ...allowed("a superuser", TOKENS.superuser, "/my/test/4q1xlclmfloku33"), expectedEvents: undefined },
      denied("a collection id is no owner id", 403, TOKENS.user, "/my/test/_pb_users_auth_"),
    ],
  },
  {
    name: "requireSuperuserOrOwnerAuth(test) on {id}",
    script: route(`requireSuperuserOrOwnerAuth("test")`, "/my/test/{id}"),
    rows: [denied("the owner, but the param is missing", 403, TOKENS.user, "/my/test/4q1xlclmfloku33")],
  },
  {
    name: "requireSuperuserOrOwnerAuth(test) on {test}",
    script: route(`requireSuperuserOrOwnerAuth("test")`, "/my/test/{test}"),
    rows: [
      {
        ...allowed("the owner in the custom param", TOKENS.user, "/my/test/4q1xlclmfloku33"),
        expectedEvents: undefined,
      },
      denied("a collection id in the custom param", 403, TOKENS.user, "/my/test/_pb_users_auth_"),
    ],
  },
  {
    name: "requireSameCollectionContextAuth() on {collection}",
    script: route(`requireSameCollectionContextAuth("")`, "/my/test/{collection}"),
    rows: [
      denied("a guest", 401, undefined, "/my/test/_pb_users_auth_"),
      denied("an expired token", 401, TOKENS.userExpired, "/my/test/_pb_users_auth_"),
      denied("another collection", 403, TOKENS.user, "/my/test/clients"),
      {
        ...allowed("the same collection", TOKENS.user, "/my/test/_pb_users_auth_"),
        expectedEvents: undefined,
      },
      denied("a superuser gets no exception", 403, TOKENS.superuser, "/my/test/_pb_users_auth_"),
    ],
  },
];

test("PocketBase middleware scenarios", async (t) => {
  for (const group of groups) {
    await t.test(group.name, async (t) => {
      await runScenarios(t, group.rows, (t) => withScript(t, group.script));
    });
  }
});
