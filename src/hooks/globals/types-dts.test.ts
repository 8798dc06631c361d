import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hookCatalogue } from "../../core/hooks.ts";
import { libraryGlobals } from "./index.ts";
import { generateTypesDts } from "./types-dts.ts";

const tscPath = createRequire(import.meta.url).resolve("typescript/bin/tsc");

function typeCheck(dir: string, file: string): { status: number | null; output: string } {
  const r = spawnSync(
    process.execPath,
    [tscPath, "--noEmit", "--allowJs", "--checkJs", "--target", "es2022", "--lib", "es2022", file],
    { cwd: dir, encoding: "utf8" },
  );
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const GOOD_SCRIPT = `/// <reference path="../pb_data/types.d.ts" />
routerAdd("GET", "/hello/{name}", (e) => e.json(200, { msg: "hi" }));
onRecordCreate((e) => {
  if (!e.record.getString("title")) e.record.set("title", "Untitled");
  e.next();
}, "posts");
onBootstrap((e) => { e.next(); });
routerAdd("GET", "/x", (e) => e.string(200, "x"));
onRecordViewRequest((e) => { e.html(200, "<p>x</p>"); }, "posts");
$app.logger().info("x");
$app.recordQuery("posts").limit(1);
const name = nullString();
onRecordEnrich((e) => { e.record.hide("views"); e.record.withCustomData(true); e.next(); }, "posts");
const c = new Collection({ type: "base", name: "notes", fields: [{ name: "body", type: "text" }] });
c.fields.add(new TextField({ name: "title" }));
const r = new Record(c, { body: "x" });
r.set("views+", 2);
const json = JSON.stringify(r);
const t = $security.createJWT({ sub: "u1" }, "k", 60);
$security.parseJWT(t, "k");
const exp = $dbx.in("a", 1, 2, 3);
const rows = arrayOf(new DynamicModel({ id: "", total: 0 }));
const html = $template.loadString("<p>{{.name}}</p>").render({ name: "x" });
const p = $filepath.join(__hooks, "views", "a.html");
const dt = new DateTime().add(1e9).string();
sleep(1);
cronAdd("job", "*/5 * * * *", () => {});
try { $app.findCollectionByNameOrId("posts"); } catch (err) { toString(err); }
throw new BadRequestError("invalid", { title: new ValidationError("too_short", "title is too short") });
`;

const BAD_SCRIPT = `/// <reference path="../pb_data/types.d.ts" />
$security.nope();
onRecordCreate((e) => { e.record.nonexistentMethod(); }, "posts");
onRecordCreat(() => {});
`;

test("types.d.ts declares every library global and hook, with doc comments", () => {
  const dts = generateTypesDts();
  const lib = libraryGlobals(null);
  for (const name of Object.keys(lib.functions)) assert.match(dts, new RegExp(`declare function ${name}\\(`));
  for (const name of Object.keys(lib.classes))
    assert.match(dts, new RegExp(`declare var ${name}: typeof models\\.${name};`));
  for (const name of Object.keys(lib.namespaces)) assert.ok(dts.includes(`declare var ${name}: {`), name);
  for (const hook of Object.keys(hookCatalogue))
    assert.match(dts, new RegExp(`declare function ${hook}\\(handler`));
  assert.match(
    dts,
    / {2}\/\*\*\n {3}\* A cryptographically random `\[A-Za-z0-9\]` string\.\n {3}\*\/\n {2}randomString\(/,
  );
  assert.match(dts, /Sets a field through its setter/);
  assert.match(dts, /A nullable text column of a DynamicModel/);
  assert.match(dts, /declare var \$app: \{/);
  const app = dts.slice(dts.indexOf("declare var $app: {"));
  assert.match(app.slice(0, app.indexOf("\n};")), /\n {2}recordQuery\(collection\?: any\): any;/);
  assert.match(dts, /declare var __hooks: string;/);
});

test("the runtime's own globals replace the loose fallbacks", () => {
  const dts = generateTypesDts({
    functions: {
      routerAdd: function routerAdd(method: string, path: string) {
        return [method, path];
      },
    },
    namespaces: { $http: { send: (config: unknown) => config } },
  });
  assert.match(dts, /declare function routerAdd\(method\?: any, path\?: any\): any;/);
  assert.match(dts, /declare var \$http: \{\n {2}send\(config\?: any\): any;/);
  assert.doesNotMatch(dts, /declare var \$http: any;/);
});

test("tsc type-checks a pb_hooks script against the generated file, and catches mistakes", () => {
  const dir = mkdtempSync(join(tmpdir(), "satchel-types-"));
  try {
    mkdirSync(join(dir, "pb_data"));
    mkdirSync(join(dir, "pb_hooks"));
    writeFileSync(join(dir, "pb_data", "types.d.ts"), generateTypesDts());
    writeFileSync(join(dir, "pb_hooks", "main.pb.js"), GOOD_SCRIPT);
    writeFileSync(join(dir, "pb_hooks", "bad.pb.js"), BAD_SCRIPT);
    const good = typeCheck(dir, "pb_hooks/main.pb.js");
    assert.equal(good.status, 0, good.output);
    const bad = typeCheck(dir, "pb_hooks/bad.pb.js");
    assert.notEqual(bad.status, 0);
    assert.match(bad.output, /Property 'nope' does not exist/);
    assert.match(bad.output, /Property 'nonexistentMethod' does not exist on type 'Record'/);
    assert.match(bad.output, /Cannot find name 'onRecordCreat'/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
