/**
 * `satchel typegen`: the generated module type-checks with `tsc` against the official SDK, types a
 * real SDK call (and rejects a wrong one), and the typed client works at runtime against a server.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { generateCollectionTypes } from "../src/core/collections/collection-typegen.ts";
import { startTestServer } from "./helpers/server.ts";
import { copyTestdata } from "./helpers/testdata.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const MAIN = join(ROOT, "src/main.ts");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");

/** A scratch folder inside the project, so that `pocketbase` resolves from its node_modules. */
function scratch(t: { after: (fn: () => void) => void }): string {
  mkdirSync(join(ROOT, ".tmp"), { recursive: true });
  const dir = mkdtempSync(join(ROOT, ".tmp", "typegen-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Type-checks `files` (strict, as an ES module client would); returns tsc's output and status. */
function tsc(dir: string, files: string[]): { status: number | null; output: string } {
  const result = spawnSync(
    process.execPath,
    [
      TSC,
      "--noEmit",
      "--strict",
      "--skipLibCheck",
      "--target",
      "es2022",
      "--module",
      "nodenext",
      "--moduleResolution",
      "nodenext",
      "--allowImportingTsExtensions",
      ...files.map((f) => join(dir, f)),
    ],
    { encoding: "utf8" },
  );
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const CLIENT = `import PocketBase from "pocketbase";
import type { Collections, PostsCreate, PostsResponse, TypedPocketBase, UsersResponse } from "./types.ts";

export async function roundTrip(url: string, token: string, authorId: string) {
  const pb = new PocketBase(url) as TypedPocketBase;
  pb.autoCancellation(false);
  pb.authStore.save(token, null);
  const body: PostsCreate = { title: "Hello", tags: ["news", "tech"], author: authorId, views: 3 };
  const created: PostsResponse = await pb.collection("posts").create(body);
  const got = await pb.collection("posts").getOne<PostsResponse<{ author: UsersResponse }>>(created.id, {
    expand: "author",
  });
  const title: string = got.title;
  const tags: Array<"news" | "tech" | "life"> = got.tags;
  const status: "draft" | "live" | "" = got.status;
  const authorEmail: string | undefined = got.expand?.author.email;
  const name: Collections = got.collectionName;
  return { title, tags, status, authorEmail, name, views: got.views };
}
`;

describe("typegen", () => {
  test("a client compiled against the generated types makes real SDK calls", async (t) => {
    const ts = await startTestServer(t, { user: true });
    await ts.pb.collections.create({
      name: "posts",
      type: "base",
      listRule: "",
      viewRule: "",
      createRule: "",
      fields: [
        { name: "title", type: "text", required: true },
        { name: "tags", type: "select", values: ["news", "tech", "life"], maxSelect: 3 },
        { name: "status", type: "select", values: ["draft", "live"], maxSelect: 1 },
        { name: "author", type: "relation", collectionId: "_pb_users_auth_", maxSelect: 1 },
        { name: "views", type: "number" },
        { name: "cover", type: "file", maxSelect: 1 },
        { name: "meta", type: "json" },
      ],
    });
    const dir = scratch(t);
    writeFileSync(join(dir, "types.ts"), generateCollectionTypes(ts.app.findAllCollections()));
    writeFileSync(join(dir, "client.ts"), CLIENT);

    const ok = tsc(dir, ["client.ts"]);
    assert.equal(ok.status, 0, ok.output);

    // The same client with a wrong type on a field must not compile.
    writeFileSync(
      join(dir, "wrong.ts"),
      `${CLIENT}\nexport const bad = (r: PostsResponse): number => r.title;\n`,
    );
    writeFileSync(
      join(dir, "missing.ts"),
      `${CLIENT}\nexport const missing: PostsCreate = { tags: ["news"] };\n` +
        `export const option: PostsCreate = { title: "x", status: "archived" };\n`,
    );
    const wrong = tsc(dir, ["wrong.ts", "missing.ts"]);
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.output, /wrong\.ts.*error TS2322/);
    assert.match(wrong.output, /missing\.ts.*error TS2741.*'title'/);
    assert.match(wrong.output, /missing\.ts.*error TS2322.*"archived"/);

    // And the typed client runs against the server as typed (type stripping, real HTTP).
    const users = await ts.pb.collection("users").getFullList();
    const { roundTrip } = (await import(join(dir, "client.ts"))) as {
      roundTrip: (url: string, token: string, authorId: string) => Promise<Record<string, unknown>>;
    };
    const result = await roundTrip(ts.url, ts.token, users[0]!.id);
    assert.deepEqual(result, {
      title: "Hello",
      tags: ["news", "tech"],
      status: "",
      authorEmail: "user@example.com",
      name: "posts",
      views: 3,
    });
  });

  test("`satchel typegen` writes the types of PocketBase's test data folder, which compile", (t) => {
    const data = copyTestdata(t);
    if (!data) return;
    const dir = scratch(t);
    const out = join(dir, "types.ts");
    const run = spawnSync(process.execPath, [MAIN, "typegen", "--dir", data, "--out", out], {
      encoding: "utf8",
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /Wrote the types of 16 collections to .*types\.ts/);
    const types = readFileSync(out, "utf8");
    // Select options as unions, relations typed for expand, view collections without inputs.
    assert.match(types, /select_many: Array<"optionA" \| "optionB" \| "optionC">;/);
    assert.match(types, /rel_many\?: UsersResponse\[\];/);
    assert.doesNotMatch(types, /View1Create/);
    writeFileSync(
      join(dir, "use.ts"),
      `import type { Demo1Response, TypedPocketBase } from "./types.ts";\n` +
        `export async function f(pb: TypedPocketBase): Promise<string> {\n` +
        `  const r: Demo1Response = await pb.collection("demo1").getOne("x");\n` +
        `  return r.select_one + r.rel_one + String(r.point.lon);\n}\n`,
    );
    const checked = tsc(dir, ["use.ts"]);
    assert.equal(checked.status, 0, checked.output);
  });

  test("typegen refuses stray arguments", () => {
    const run = spawnSync(process.execPath, [MAIN, "typegen", "extra"], { encoding: "utf8" });
    assert.notEqual(run.status, 0);
    assert.match(run.stderr, /unexpected argument "extra"/);
  });
});
