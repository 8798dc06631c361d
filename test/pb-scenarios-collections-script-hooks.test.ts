/**
 * Collection writes with pb_hooks script handlers on every link of the chain (as PocketBase's
 * scenario tables count them): a request hook that continues with `e.next()` while the model,
 * collection and after-success hooks of the same save are script handlers too. Each hook fires
 * once, in order, and the request answers at once (no handler left waiting on another).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { request } from "./helpers/http.ts";
import { buildTemplate, suiteCleanup } from "./helpers/server.ts";
import { startHooksServer, type HooksServer } from "./helpers/hooks.ts";
import { waitFor } from "./helpers/wait.ts";

const CREATE_CHAIN = [
  "onCollectionCreateRequest",
  "onModelCreate",
  "onCollectionCreate",
  "onModelValidate",
  "onCollectionValidate",
  "onModelCreateExecute",
  "onCollectionCreateExecute",
  "onModelAfterCreateSuccess",
  "onCollectionAfterCreateSuccess",
];
const DELETE_CHAIN = [
  "onCollectionDeleteRequest",
  "onModelDelete",
  "onCollectionDelete",
  "onModelDeleteExecute",
  "onCollectionDeleteExecute",
  "onModelAfterDeleteSuccess",
  "onCollectionAfterDeleteSuccess",
];

/** One handler per hook, printing its name when it runs for a collection named `scripted*`. */
const SCRIPT = [...CREATE_CHAIN, ...DELETE_CHAIN, "onCollectionsImportRequest"]
  .map(
    (hook) => `${hook}((e) => {
  const c = e.collection || e.model;
  if (!c || String(c.name || "").startsWith("scripted") || ${JSON.stringify(hook)} === "onCollectionsImportRequest") console.log("EVT ${hook}");
  e.next();
});`,
  )
  .join("\n");

describe("collection saves with script handlers on every hook", () => {
  const cleanup = suiteCleanup();
  let s: HooksServer;

  const fired = () =>
    s.output
      .join("")
      .split("\n")
      .filter((l) => l.startsWith("EVT "))
      .map((l) => l.slice(4));

  it("create: every link fires once, in order, and the request answers", async () => {
    const template = await buildTemplate(cleanup);
    s = await startHooksServer(cleanup, { "chain.pb.js": SCRIPT }, { template, timeoutMs: 10_000 });
    const started = Date.now();
    const res = await request(s.url, "POST", "/api/collections", {
      token: s.token,
      body: { name: "scripted1", type: "base", fields: [{ name: "title", type: "text" }] },
    });
    assert.equal(res.status, 200, res.text);
    assert.ok(Date.now() - started < 5_000, "no handler waited for a timeout");
    await waitFor(() => fired().length >= CREATE_CHAIN.length, "the create chain's output");
    assert.deepEqual(fired(), CREATE_CHAIN);
  });

  it("delete: every link fires once, in order", async () => {
    s.output.length = 0;
    const res = await request(s.url, "DELETE", "/api/collections/scripted1", { token: s.token });
    assert.equal(res.status, 204, res.text);
    await waitFor(() => fired().length >= DELETE_CHAIN.length, "the delete chain's output");
    assert.deepEqual(fired(), DELETE_CHAIN);
  });

  it("import: the after-success hooks of each collection wait for the commit", async () => {
    s.output.length = 0;
    const res = await request(s.url, "PUT", "/api/collections/import", {
      token: s.token,
      body: { collections: [{ name: "scripted2" }, { name: "scripted3" }] },
    });
    assert.equal(res.status, 204, res.text);
    const success = ["onModelAfterCreateSuccess", "onCollectionAfterCreateSuccess"];
    await waitFor(
      () => fired().filter((h) => success.includes(h)).length >= 4,
      "the success hooks of both collections",
    );
    const out = fired();
    assert.equal(out[0], "onCollectionsImportRequest");
    assert.equal(out.filter((h) => h === "onModelCreateExecute").length, 2);
    assert.ok(!out.includes("onModelValidate"), "imports save without the validate hooks");
    assert.ok(out.lastIndexOf("onCollectionCreateExecute") < out.indexOf("onModelAfterCreateSuccess"));
  });
});
