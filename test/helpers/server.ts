/**
 * The test harness: a fresh data folder per server, the real HTTP server on 127.0.0.1 with a
 * random port, a superuser and an SDK client authenticated as that superuser.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, type TestContext } from "node:test";
import PocketBase from "pocketbase";
import { App, type AppConfig } from "../../src/core/app.ts";
import { startServer, type RunningServer } from "../../src/api/server.ts";
import { findSuperuser, upsertSuperuser } from "../../src/core/records/superusers.ts";
import { Record } from "../../src/core/records/record.ts";
import { saveRecord } from "../../src/core/records/record-save.ts";
import { findAuthRecordByEmail } from "../../src/core/records/record-query.ts";
import { newAuthToken } from "../../src/core/records/record-tokens.ts";

/** The superuser every test server gets (unless told otherwise). */
export const SUPERUSER = { email: "admin@example.com", password: "1234567890" } as const;

/** A regular `users` account, created on request. */
export const USER = { email: "user@example.com", password: "1234567890" } as const;

type Hookable = Pick<TestContext, "after">;

/**
 * Cleanup for a whole `describe` block: call it synchronously in the block's body and pass the
 * result where a test context's `after` is expected (e.g. to `buildTemplate` in a `before`).
 */
export function suiteCleanup(): Hookable {
  const fns: (() => unknown)[] = [];
  after(async () => {
    for (const fn of fns.reverse()) await fn();
  });
  return { after: (fn: () => unknown) => void fns.push(fn) };
}

/** A new empty temp folder, removed after the test (or suite) ends. */
export function tempDir(t: Hookable, prefix = "satchel-test-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Builds a template data folder once (superuser, user, whatever `seed` adds) and closes it, so
 * tests can start servers on cheap copies of it (`startTestServer(t, {template})`).
 */
export async function buildTemplate(t: Hookable, seed?: (app: App) => Promise<void>): Promise<string> {
  const dir = tempDir(t, "satchel-template-");
  const app = new App({ dataDir: dir });
  await app.bootstrap();
  await upsertSuperuser(app, SUPERUSER.email, SUPERUSER.password);
  await createUser(app);
  await seed?.(app);
  await app.terminate();
  return dir;
}

async function createUser(app: App): Promise<void> {
  const users = app.findCollectionByNameOrId("users");
  if (!users) throw new Error("the users collection is missing");
  const record = new Record(users);
  record.set("email", USER.email);
  await record.setPassword(USER.password);
  await saveRecord(app, record);
}

/** Options of `startTestServer`. */
export interface TestServerOptions {
  /** An existing data folder (a temp folder is created otherwise). */
  dataDir?: string;
  /** A template folder from `buildTemplate` to copy (its superuser and user are used). */
  template?: string;
  /** Create `SUPERUSER` (default true). */
  superuser?: boolean;
  /** Create `USER` in `users` (default false). */
  user?: boolean;
  /** CORS origins. */
  origins?: string[];
  /** Extra App config. */
  config?: Partial<AppConfig>;
}

/** A running test server. */
export interface TestServer {
  app: App;
  url: string;
  dir: string;
  server: RunningServer;
  /** A superuser token ("" when no superuser was created). */
  token: string;
  /** A regular user token ("" unless `user: true`). */
  userToken: string;
  /** An SDK client authenticated as the superuser. */
  pb: PocketBase;
  /** A new unauthenticated SDK client. */
  client(): PocketBase;
  /** Stops the server and closes the databases (idempotent). */
  close(): Promise<void>;
}

/** Starts a bootstrapped app on 127.0.0.1:0; everything is torn down after the test. */
export async function startTestServer(t: Hookable, options: TestServerOptions = {}): Promise<TestServer> {
  const dir = options.dataDir ?? tempDir(t);
  if (options.template) cpSync(options.template, dir, { recursive: true });
  const app = new App({ dataDir: dir, ...options.config });
  await app.bootstrap();
  const fromTemplate = options.template !== undefined;
  const wantSuperuser = options.superuser ?? true;
  const wantUser = options.user ?? fromTemplate;
  if (wantSuperuser && !fromTemplate) await upsertSuperuser(app, SUPERUSER.email, SUPERUSER.password);
  if (wantUser && !fromTemplate) await createUser(app);
  const server = await startServer(app, "127.0.0.1:0", options.origins ? { origins: options.origins } : {});
  t.after(() => server.close());
  const client = () => {
    const pb = new PocketBase(server.url);
    pb.autoCancellation(false);
    return pb;
  };
  // Tokens are minted directly (as auth-with-password would) to keep bcrypt out of every setup.
  const pb = client();
  let token = "";
  const su = wantSuperuser ? await findSuperuser(app, SUPERUSER.email) : null;
  if (su) {
    token = newAuthToken(su);
    pb.authStore.save(token, su.toPublicJson({ showHidden: false }) as never);
  }
  let userToken = "";
  const users = app.findCollectionByNameOrId("users");
  const user = wantUser && users ? await findAuthRecordByEmail(app, users, USER.email) : null;
  if (user) userToken = newAuthToken(user);
  return { app, url: server.url, dir, server, token, userToken, pb, client, close: () => server.close() };
}
