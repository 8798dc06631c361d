import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { hasAssets, readAsset, registerEmbeddedAssets } from "./assets.ts";
import { workerEntry } from "./workers.ts";

test("embedded assets are read by relative path; nothing outside the set", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "satchel-assets-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "index"), "<html>");
  writeFileSync(join(dir, "app"), "js");
  registerEmbeddedAssets("dashboard", {
    "index.html": join(dir, "index"),
    "assets/app.js": join(dir, "app"),
  });
  assert.equal(await hasAssets("dashboard"), true);
  assert.equal(Buffer.from((await readAsset("dashboard", "index.html"))!).toString(), "<html>");
  assert.equal(Buffer.from((await readAsset("dashboard", "/assets/app.js"))!).toString(), "js");
  assert.equal(Buffer.from((await readAsset("dashboard", "assets/../index.html"))!).toString(), "<html>");
  assert.equal(await readAsset("dashboard", "../package.json"), null);
  assert.equal(await readAsset("dashboard", "missing.js"), null);
  await assert.rejects(readAsset("nope", "x"), /unknown asset set/);
});

test("a worker entry must be listed", () => {
  assert.throws(() => workerEntry("hooks/not-listed.ts"), /not listed in WORKER_ENTRIES/);
});
