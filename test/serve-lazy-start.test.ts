/**
 * What a start loads (docs/performance.md, "Cold start"): the route families other than the hot
 * paths bind lazily (src/api/lazy-routes.ts) with exactly the routes their binders register, the
 * OAuth2 provider modules load on first use, and a `serve` answering its first request has
 * loaded none of them; the first request to a lazy route loads its module and answers as before.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import * as families from "../src/api/route-families.ts";
import { RouteRecorder, type LazyRouteFamily } from "../src/api/lazy-routes.ts";
import { PROVIDERS } from "../src/auth/oauth2/registry.ts";
import { isKnownProvider, providerNames } from "../src/auth/oauth2/provider-names.ts";
import { request } from "./helpers/http.ts";
import { tempDir } from "./helpers/server.ts";
import { waitFor } from "./helpers/wait.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MAIN = join(ROOT, "bin", "satchel.js");
const TRACE = join(ROOT, "test", "helpers", "module-trace.ts");

describe("lazy route families", () => {
  for (const [name, family] of Object.entries<LazyRouteFamily>(families)) {
    test(`${name} lists the routes its binder registers, in its order`, async () => {
      const recorder = new RouteRecorder();
      (await family.load())(recorder);
      assert.deepEqual([...recorder.handlers.keys()], family.routes);
    });
  }

  test("the provider names are the registry's", () => {
    assert.deepEqual(providerNames().sort(), PROVIDERS.map((p) => p.name).sort());
    assert.equal(isKnownProvider("github"), true);
    assert.equal(isKnownProvider("nope"), false);
  });
});

describe("serve's start", () => {
  test("loads no lazy route module nor OAuth2 provider until a request needs it", async (t) => {
    const dir = tempDir(t);
    const out = join(dir, "modules.txt");
    const child = spawn(
      process.execPath,
      [
        "--import",
        TRACE,
        MAIN,
        "serve",
        "--http",
        "127.0.0.1:0",
        "--dir",
        join(dir, "pb_data"),
        "--hooksDir",
        join(dir, "pb_hooks"),
        "--migrationsDir",
        join(dir, "pb_migrations"),
        "--publicDir",
        join(dir, "pb_public"),
      ],
      // the sources, not the bundle: the test names the modules a start loads
      { env: { ...process.env, MODULE_TRACE_OUT: out, SATCHEL_BUNDLE: "0" } },
    );
    t.after(() => child.kill("SIGKILL"));
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => /Server started at http:\/\/\S+\n/.test(stdout), `banner (${stderr})`, 30_000);
    const url = /Server started at (http:\/\/\S+)/.exec(stdout)![1]!;
    assert.equal((await request(url, "GET", "/api/health")).status, 200);

    const loaded = async (): Promise<string[]> => {
      const before = existsSync(out) ? readFileSync(out, "utf8") : "";
      child.kill("SIGUSR2");
      await waitFor(() => existsSync(out) && readFileSync(out, "utf8") !== before, "module list", 10_000);
      return readFileSync(out, "utf8").split("\n");
    };
    const atStart = await loaded();
    assert.ok(
      atStart.some((u) => u.endsWith("/src/api/record-crud.ts")),
      "the hot routes are eager",
    );
    for (const lazy of [
      "/src/api/collections.ts",
      "/src/api/settings.ts",
      "/src/api/backups.ts",
      "/src/api/record-auth-flows.ts",
      "/src/api/dashboard.ts",
      "/src/auth/oauth2/registry.ts",
      "/src/auth/oauth2/providers/github.ts",
      "/src/hooks/migration-loader.ts",
      "/src/cli/superuser.ts",
    ]) {
      assert.ok(!atStart.some((u) => u.endsWith(lazy)), `${lazy} is not loaded at start`);
    }
    // Nor undici (Node's fetch, Request, Response, Headers: the largest single cost of a start),
    // which Node loads on the first read of one of those globals: plain responses and the node
    // request view link to them on first use (src/api/http/delegate-native.ts).
    assert.ok(atStart.includes("node-internal:internal/http"), "Node's internal modules are listed");
    assert.ok(
      !atStart.some((u) => u.startsWith("node-internal:internal/deps/undici")),
      "undici is not loaded by a start and a plain answer",
    );

    // A lazy route answers as before, its module loaded on the way.
    const providers = await request(url, "GET", "/api/collections/meta/oauth2-providers");
    assert.equal(providers.status, 401);
    const list = await request(url, "GET", "/api/collections/users/auth-methods");
    assert.equal(list.status, 200);
    const after = await loaded();
    assert.ok(after.some((u) => u.endsWith("/src/api/collections-oauth2-providers.ts")));
    assert.ok(after.some((u) => u.endsWith("/src/auth/oauth2/providers/github.ts")));
  });
});
