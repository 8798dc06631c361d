/**
 * TypeScript/ES module hooks: a `.pb.ts` with a default export runs on the main thread with the
 * async app (await e.next(), async handlers), imports "satchel", Node built-ins and an npm package
 * installed into the hooks folder, reloads on change, and type-checks with tsc. A `.pb.ts` without
 * a default export keeps running as a PocketBase script.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { buildTemplate, suiteCleanup } from "./helpers/server.ts";
import { seedPosts, startHooksServer, type HooksServer } from "./helpers/hooks.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

const MAIN = `import { createHash } from "node:crypto";
import pc from "picocolors";
import { BadRequestError, ValidationError, type HooksModule } from "satchel";

const setup: HooksModule = (app) => {
  app.onRecordCreate(async (e) => {
    if (!e.record.getString("title")) e.record.set("title", "Untitled");
    await e.next();
    // after next(): the record is stored and has its id
    e.record.set("views", e.record.id.length);
  }, "posts");

  app.routerAdd("GET", "/ts/hello/{name}", async (e) => {
    const total = await e.app.countRecords("posts");
    e.json(200, {
      hello: e.request.pathValue("name"),
      posts: total,
      colors: typeof pc.red === "function",
      sha: createHash("sha1").update("x").digest("hex").slice(0, 8),
    });
  });

  app.routerAdd("GET", "/ts/query", async (e) => {
    const q = e.app.recordQuery("posts").where({ sql: "title LIKE ?", params: ["q%"] });
    const records = await q.orderBy("title DESC").limit(2).all();
    const first = await e.app.recordQuery("posts").orWhere({ sql: "title = ?", params: ["q1"] }).one();
    let missing = "";
    try {
      await e.app.recordQuery("posts").where({ sql: "title = ?", params: ["none"] }).one();
    } catch (err) {
      missing = (err as Error).message;
    }
    e.json(200, { titles: records.map((r) => r.getString("title")), first: first.getString("title"), missing });
  });

  app.routerAdd("POST", "/ts/invalid", () => {
    throw new BadRequestError("invalid data", { title: new ValidationError("too_short", "title is too short") });
  });

  app.routerAdd("GET", "/ts/rejects", async () => {
    await Promise.resolve();
    throw new Error("boom");
  });

  app.routerAdd("GET", "/ts/me", (e) => e.json(200, e.auth), app.apis.requireAuth("users"));

  app.onRecordEnrich(async (e) => {
    if (e.record.getString("title") === "enriched") {
      e.record.hide("views").withCustomData(true);
      e.record.set("shout", e.record.getString("title").toUpperCase());
    }
    await e.next();
  }, "posts");

  app.onRecordDeleteRequest(async () => {
    throw new BadRequestError("posts are kept");
  }, "posts");
};

export default setup;
`;

const LEGACY = `// a .pb.ts without a default export is a PocketBase script, as in PocketBase
routerAdd("GET", "/legacy", (e) => e.string(200, "legacy " + typeof $app.findRecordById));
`;

describe("TypeScript hooks modules", () => {
  const cleanup = suiteCleanup();
  let template = "";
  let s: HooksServer;

  before(async () => {
    template = await buildTemplate(cleanup, seedPosts);
    s = await startHooksServer(
      cleanup,
      { "legacy.pb.ts": LEGACY, "package.json": JSON.stringify({ private: true, type: "module" }) },
      { template, watch: true },
    );
    // an npm package, installed by npm into a node_modules beside the hooks (from the local cache)
    execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "picocolors@1"], {
      cwd: s.hooksDir,
      stdio: "pipe",
    });
    writeFileSync(join(s.hooksDir, "main.pb.ts"), MAIN);
    await s.runtime.reload();
  });

  const get = (path: string, init?: RequestInit) => fetch(`${s.url}${path}`, init);

  test("a route with async app calls, an npm package and node built-ins", async () => {
    await s.pb.collection("posts").create({ title: "one" });
    const res = await get("/ts/hello/ann");
    assert.equal(res.status, 200, s.logs.join("\n"));
    assert.deepEqual(await res.json(), { hello: "ann", posts: 1, colors: true, sha: "11f6ad8e" });
  });

  test("await e.next() in a record hook: code after it sees the stored record", async () => {
    const created = await s.pb.collection("posts").create({});
    assert.equal(created.title, "Untitled");
    // the change after next() is not stored (the write is done), as in PocketBase
    const stored = await s.pb.collection("posts").getOne(created.id);
    assert.equal(stored.views, 0);
  });

  test("app.recordQuery: a record select builder", async () => {
    for (const title of ["q1", "q2", "q3", "other"]) await s.pb.collection("posts").create({ title });
    const res = await get("/ts/query");
    assert.equal(res.status, 200, s.logs.join("\n"));
    assert.deepEqual(await res.json(), {
      titles: ["q3", "q2"],
      first: "q1",
      missing: "sql: no rows in result set",
    });
  });

  test("thrown errors: ApiError classes from 'satchel' keep their status, a rejection is a 400", async () => {
    const invalid = await get("/ts/invalid", { method: "POST" });
    assert.equal(invalid.status, 400);
    assert.deepEqual(await invalid.json(), {
      data: { title: { code: "too_short", message: "Title is too short." } },
      message: "Invalid data.",
      status: 400,
    });
    const rejected = await get("/ts/rejects");
    assert.equal(rejected.status, 400);
    assert.deepEqual(await rejected.json(), {
      data: {},
      message: "Something went wrong while processing your request.",
      status: 400,
    });
    const post = await s.pb.collection("posts").create({ title: "kept" });
    await assert.rejects(s.pb.collection("posts").delete(post.id), /Posts are kept\./);
    assert.equal((await s.pb.collection("posts").getOne(post.id)).id, post.id);
  });

  test("onRecordEnrich: hide() and custom data shape the record's JSON", async () => {
    const created = await s.pb.collection("posts").create({ title: "enriched" });
    const viewed = await s.pb.collection("posts").getOne(created.id);
    assert.equal(viewed.shout, "ENRICHED");
    assert.equal("views" in viewed, false);
    const plain = await s.pb.collection("posts").create({ title: "plain" });
    assert.equal(typeof plain.views, "number");
    assert.equal("shout" in plain, false);
  });

  test("built-in middlewares and scripts beside modules", async () => {
    assert.equal((await get("/ts/me")).status, 401);
    const me = await get("/ts/me", { headers: { Authorization: s.userToken } });
    assert.equal(me.status, 200);
    assert.equal(((await me.json()) as { collectionName: string }).collectionName, "users");
    const legacy = await get("/legacy");
    assert.equal(await legacy.text(), "legacy function");
  });

  test("a changed module is loaded again", async () => {
    writeFileSync(
      join(s.hooksDir, "main.pb.ts"),
      `export default (app: import("satchel").ModuleApp) => {\n  app.routerAdd("GET", "/ts/v2", (e) => e.string(200, "v2"));\n};\n`,
    );
    // the watcher reloads the hooks; poll until the new route answers
    const deadline = Date.now() + 30_000;
    while ((await get("/ts/v2")).status !== 200) {
      assert.ok(Date.now() < deadline, `the module was not reloaded: ${s.logs.join("\n")}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(await (await get("/ts/v2")).text(), "v2");
    assert.equal((await get("/ts/hello/ann")).status, 404, "the old module's routes are gone");
    // and the old module's hooks too
    const created = await s.pb.collection("posts").create({ title: "x" });
    assert.equal(created.views, 0);
  });

  test("tsc type-checks a hooks module against the framework types", () => {
    const dir = s.hooksDir;
    writeFileSync(join(dir, "main.pb.ts"), MAIN);
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          allowImportingTsExtensions: true,
          types: ["node"],
          typeRoots: [join(ROOT, "node_modules/@types")],
          paths: { satchel: [join(ROOT, "src/index.ts")] },
        },
        files: ["main.pb.ts"],
      }),
    );
    const tsc = join(ROOT, "node_modules/typescript/bin/tsc");
    const ok = spawnSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    writeFileSync(
      join(dir, "main.pb.ts"),
      MAIN.replace('e.record.set("views", e.record.id.length);', "const n: number = e.record.id;"),
    );
    const bad = spawnSync(process.execPath, [tsc, "-p", dir], { encoding: "utf8" });
    assert.notEqual(bad.status, 0);
    assert.match(bad.stdout, /main\.pb\.ts.*error TS2322/);
  });
});
