/**
 * The framework example (examples/app/): a Node program importing "satchel" (from the checkout,
 * through the package's `satchel-source` export condition), spawned as its users run it: `serve`
 * with its own hooks and routes over real HTTP with the official SDK, then its own `stats`
 * command on the same data folder. And the framework entry's exports are the public API only.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import PocketBase from "pocketbase";
import { tempDir } from "./helpers/server.ts";
import { startServing, stopGracefully } from "./helpers/smoke.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ENV = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" };
const MAIN = ["--conditions=satchel-source", join(ROOT, "examples/app/main.ts")];

test(
  "the example app serves its hooks and routes and runs its own command",
  { timeout: 180_000 },
  async (t) => {
    const dir = join(tempDir(t, "satchel-example-"), "pb_data");
    const served = await startServing(
      process.execPath,
      [...MAIN, "serve", "--http=127.0.0.1:0", `--dir=${dir}`],
      ROOT,
      ENV,
    );
    try {
      const pb = new PocketBase(served.url);
      const note = await pb.collection("notes").create({ title: "Hello, Satchel!", body: "one two  three" });
      assert.equal(note.slug, "hello-satchel");
      assert.equal(note.words, 3);

      const bySlug = await fetch(`${served.url}/api/notes/by-slug/hello-satchel`);
      assert.equal(bySlug.status, 200);
      assert.equal(((await bySlug.json()) as { id: string }).id, note.id);
      assert.equal((await fetch(`${served.url}/api/notes/by-slug/nope`)).status, 404);

      const spam = await fetch(`${served.url}/api/collections/notes/records`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: "cheap spam" }),
      });
      assert.equal(spam.status, 400);
      assert.deepEqual(await spam.json(), {
        data: { title: { code: "spam", message: "No spam, please." } },
        message: "Invalid note.",
        status: 400,
      });

      const stats = await (await fetch(`${served.url}/api/notes/stats`)).json();
      assert.deepEqual(stats, { notes: 1, words: 3 });
    } finally {
      await stopGracefully(served);
    }

    const cli = spawnSync(process.execPath, [...MAIN, "stats", "--json", `--dir=${dir}`], {
      cwd: ROOT,
      env: ENV,
      encoding: "utf8",
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout), { notes: 1, words: 3 });
    const help = spawnSync(process.execPath, [...MAIN, "--help"], { cwd: ROOT, env: ENV, encoding: "utf8" });
    assert.match(help.stdout, /Commands of this program:\n {2}stats \[--json\]/);
  },
);

test("'satchel' exports the framework API and the event classes, nothing else", async () => {
  const names = Object.keys(await import("../src/index.ts")).sort();
  assert.deepEqual(
    names.filter((n) => !n.endsWith("Event")),
    [
      "ApiError",
      "App",
      "BadRequestError",
      "ForbiddenError",
      "HooksRuntime",
      "HttpError",
      "InternalServerError",
      "NoRowsError",
      "NotFoundError",
      "Record",
      "TooManyRequestsError",
      "UnauthorizedError",
      "ValidationError",
      "ValidationErrors",
      "registerHooks",
      "runCli",
      "startServer",
    ],
  );
  assert.ok(names.includes("RecordEvent") && names.includes("RequestEvent"));
});
