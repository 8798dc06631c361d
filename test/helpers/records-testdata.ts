/**
 * Records API tests on PocketBase's own test data folder: a server per scenario on a fresh copy
 * of the folder, the tokens PocketBase's API tests send (HS256, valid until 2050), multipart
 * bodies as raw bytes, and a scenario runner that accepts them.
 */
import assert from "node:assert/strict";
import type { TestContext } from "node:test";
import PocketBase from "pocketbase";
import { App } from "../../src/core/app.ts";
import { startServer } from "../../src/api/server.ts";
import { saveCollection } from "../../src/core/collections/collection-save.ts";
import { cloneCollection, type Collection } from "../../src/core/collections/collection-model.ts";
import { runScenario, type Scenario } from "./scenario.ts";
import { countByScript, countingScript, startOnTestdataWithScripts } from "./script-counts.ts";
import type { TestServer } from "./server.ts";
import { PB_TOKENS, copyTestdata } from "./testdata.ts";

/** Tokens of the test data's accounts (PocketBase's apis tests use the same ones). */
export const TOKENS = {
  /** _superusers test@example.com (sywbhecnh46rhm0). */
  superuser: PB_TOKENS.superuser,
  /** users test@example.com (4q1xlclmfloku33). */
  user: PB_TOKENS.user,
  /** users test2@example.com (oap640cot4yru2s). */
  user2:
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6Im9hcDY0MGNvdDR5cnUycyIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoiX3BiX3VzZXJzX2F1dGhfIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0.GfJo6EHIobgas_AXt-M-tj5IoQendPnrkMSe9ExuSEY",
  /** clients test@example.com (gk390qegs4y47wn). */
  client:
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6ImdrMzkwcWVnczR5NDd3biIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoidjg1MXE0cjc5MHJoa25sIiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0.0ONnm_BsvPRZyDNT31GN1CKUB6uQRxvVvQ-Wc9AZfG0",
  /** nologin test@example.com (dc49k6jgejn40h3). */
  nologin:
    "eyJhbGciOiJIUzI1NiJ9.eyJpZCI6ImRjNDlrNmpnZWpuNDBoMyIsInR5cGUiOiJhdXRoIiwiY29sbGVjdGlvbklkIjoia3B2NzA5c2sybHFicWs4IiwiZXhwIjoyNTI0NjA0NDYxLCJyZWZyZXNoYWJsZSI6dHJ1ZX0.fdUPFLDx5b6RM_XFqnqsyiyNieyKA2HIIkRmUh9kIoY",
} as const;

/** Who sends a scenario request. */
export type Who = keyof typeof TOKENS | "guest";

/** `auth` of a Scenario for an account of the test data. */
export const as = (who: Who): Scenario["auth"] => (who === "guest" ? "guest" : { token: TOKENS[who] });

/** A server on a fresh copy of the test data folder (null after t.skip when it is missing). */
export async function startOnTestdata(t: TestContext): Promise<TestServer | null> {
  const dir = copyTestdata(t);
  if (!dir) return null;
  const app = new App({ dataDir: dir });
  await app.bootstrap();
  const server = await startServer(app, "127.0.0.1:0");
  t.after(() => server.close());
  const client = () => {
    const pb = new PocketBase(server.url);
    pb.autoCancellation(false);
    return pb;
  };
  const pb = client();
  pb.authStore.save(TOKENS.superuser, null);
  return {
    app,
    url: server.url,
    dir,
    server,
    token: TOKENS.superuser,
    userToken: TOKENS.user,
    pb,
    client,
    close: () => server.close(),
  };
}

/** A multipart body as raw bytes plus its Content-Type header (with the boundary). */
export async function multipart(
  form: FormData,
): Promise<{ body: Uint8Array; headers: { "content-type": string } }> {
  const req = new Request("http://multipart.invalid/", { method: "POST", body: form });
  const body = new Uint8Array(await req.arrayBuffer());
  return { body, headers: { "content-type": req.headers.get("content-type") ?? "" } };
}

/** A small text file for multipart uploads. */
export const textFile = (name = "test.txt", text = "test") => new File([text], name, { type: "text/plain" });

/** Changes a stored collection through the collections layer (`edit` mutates a clone). */
export async function editCollection(app: App, name: string, edit: (c: Collection) => void): Promise<void> {
  const old = app.findCollectionByNameOrId(name);
  if (!old) throw new Error(`no collection ${name}`);
  const next = cloneCollection(old);
  edit(next);
  await saveCollection(app, next, old);
}

/** A scenario whose body may be multipart (built right before sending). */
export interface RecordScenario extends Omit<Scenario, "body"> {
  body?: unknown;
  /** A multipart form, sent as raw bytes with its own Content-Type. */
  form?: () => FormData;
}

/**
 * Runs each row on its own server on a fresh copy of the test data. `viaScripts` counts the hooks
 * with a pb_hooks script (as an outside harness does) instead of in-process handlers;
 * SATCHEL_SCRIPT_COUNTS=1 turns it on for every table.
 */
export async function runTestdataScenarios(
  t: TestContext,
  rows: RecordScenario[],
  viaScripts = process.env.SATCHEL_SCRIPT_COUNTS === "1",
): Promise<void> {
  const names = new Set<string>();
  for (const row of rows) {
    assert.ok(!names.has(row.name), `duplicate scenario name ${row.name}`);
    names.add(row.name);
    await t.test(row.name, { timeout: 30_000 }, async (t) => {
      const s = viaScripts
        ? await startOnTestdataWithScripts(t, { "counts.pb.js": countingScript() })
        : await startOnTestdata(t);
      if (!s) return;
      let scenario: Scenario = row;
      if (row.form) {
        const mp = await multipart(row.form());
        scenario = { ...row, body: mp.body, headers: { ...row.headers, ...mp.headers } };
      }
      await runScenario(s, scenario, viaScripts ? countByScript : undefined);
    });
  }
}
