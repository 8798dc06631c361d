/**
 * The fast record export (a precompiled plan per collection, `Record.toPublicJson`), the rows
 * exported without records (`rowExporter`, the list route without hooks) and the replacer-free
 * `encodeJson` against their reference forms, byte for byte, over every record of PocketBase's
 * test data folder (every field type, auth and view collections):
 * - the reference export is the general path, which a record with per-instance visibility
 *   takes (`hide` of a name no record has changes nothing else);
 * - the rows' reference is `Record.fromRow` + `toPublicJson`, and over HTTP the list route with a
 *   pass-through `onRecordsListRequest` hook (which takes the `Record` path);
 * - the reference encoder is the former implementation (a JSON.stringify replacer).
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { App } from "../src/core/app.ts";
import { quoteIdent } from "../src/core/db/database.ts";
import { Record, rowExporter, type ExportOptions } from "../src/core/records/record.ts";
import { compactJson, encodeJson, escapeHtmlInJson, RawJson } from "../src/tools/json.ts";
import { copyTestdata, PB_TOKENS } from "./helpers/testdata.ts";
import { startTestdataServer } from "./helpers/pb-testdata-server.ts";

/** The encoder as it was: RawJson values found by a replacer and spliced back. */
function referenceEncodeJson(value: unknown): string {
  const raws: string[] = [];
  const json = JSON.stringify(value, function (this: { [key: string]: unknown }, key, v: unknown) {
    const original = this[key];
    if (original instanceof RawJson) {
      raws.push(compactJson(original.text));
      return "\u0000raw:" + String(raws.length - 1);
    }
    return v;
  });
  if (json === undefined) return "null";
  const spliced =
    raws.length === 0
      ? json
      : json.replace(/"\\u0000raw:(\d+)"/g, (_m, index: string) => raws[Number(index)] ?? "null");
  return escapeHtmlInJson(spliced);
}

/** The export through the general path (the state before the precompiled plans). */
function referenceExport(record: Record, options: ExportOptions): { [key: string]: unknown } {
  record.hide("\u0000not-a-field");
  return record.toPublicJson(options);
}

test("encodeJson matches the replacer-based encoder", () => {
  const values: unknown[] = [
    null,
    undefined,
    "a<b>&c\u2028\u2029",
    new RawJson('{ "b": [1, 2, {"x": "<tag> & \\u0026"}], "a": "s p a c e" }'),
    { list: [new RawJson("[ 1 , 2 ]"), new RawJson("null"), "plain"], nested: { raw: new RawJson('"x"') } },
    { emoji: "😀", ctrl: "\u0000\u001f", quote: '"', slash: "/\\" },
    [1.5, -0, 1e21, 0.1 + 0.2, true, false, {}],
    { toJSON: () => ({ inner: new RawJson("[3]") }) },
  ];
  for (const value of values) assert.equal(encodeJson(value), referenceEncodeJson(value));
  // outside encodeJson a RawJson still stringifies as its parsed value
  assert.equal(JSON.stringify({ a: new RawJson(' { "k" : 1 } ') }), '{"a":{"k":1}}');
});

test("the precompiled record export is byte-identical to the general one on the test data", async (t) => {
  const dir = copyTestdata(t);
  if (!dir) return;
  const app = new App({ dataDir: dir });
  await app.bootstrap();
  t.after(() => app.terminate());

  const optionsList: ExportOptions[] = [
    {},
    { showHidden: true },
    { showEmail: true },
    { showHidden: true, showEmail: true },
  ];
  let compared = 0;
  for (const collection of app.findAllCollections()) {
    const rows = await app.db.all(`SELECT * FROM ${quoteIdent(collection.name)} LIMIT 50`);
    const load = () => rows.map((row) => Record.fromRow(collection, row));
    for (const options of optionsList) {
      const fast = load();
      const reference = load();
      // an expand on some records: the `expand` key takes its sorted place in both
      for (const [i, r] of [fast, reference].entries()) {
        const others = i === 0 ? fast : reference;
        if (others.length > 1) {
          r[0]!.expand = { zeta: others[1]!, alpha: [others[1]!] };
          r[0]!.hasExpand = true;
        }
        if (others.length > 2) r[1]!.hasExpand = true;
      }
      for (let i = 0; i < fast.length; i++) {
        const got = encodeJson(fast[i]!.toPublicJson(options));
        const want = referenceEncodeJson(referenceExport(reference[i]!, options));
        assert.equal(got, want, `${collection.name} ${fast[i]!.id} ${JSON.stringify(options)}`);
        compared++;
      }
    }
  }
  assert.ok(compared > 100, `compared ${compared} exports`);

  // ignoreEmailVisibility still applies on the fast path: false = emailVisibility decides
  const users = app.findCollectionByNameOrId("users")!;
  for (const row of await app.db.all(`SELECT * FROM users`)) {
    const visible = row.emailVisibility === 1;
    const off = Record.fromRow(users, row).ignoreEmailVisibility(false);
    assert.equal("email" in off.toPublicJson({ showEmail: true }), visible);
    const on = Record.fromRow(users, row).ignoreEmailVisibility(true);
    assert.equal(on.toPublicJson().email, on.email);
    assert.equal("email" in Record.fromRow(users, row).toPublicJson(), visible);
  }
});

test("rows exported without records match Record.fromRow + toPublicJson on the test data", async (t) => {
  const dir = copyTestdata(t);
  if (!dir) return;
  const app = new App({ dataDir: dir });
  await app.bootstrap();
  t.after(() => app.terminate());

  let compared = 0;
  for (const collection of app.findAllCollections()) {
    const rows = await app.db.all(`SELECT * FROM ${quoteIdent(collection.name)} LIMIT 50`);
    // the requester's own record: the first row (its email shows whatever emailVisibility says)
    const owner = typeof rows[0]?.id === "string" ? rows[0].id : null;
    for (const showHidden of [false, true]) {
      for (const showEmail of [false, true]) {
        for (const ownerId of [null, owner]) {
          const exportRow = rowExporter(collection, { showHidden, showEmail, ownerId });
          assert.ok(exportRow, collection.name);
          for (const row of rows) {
            const record = Record.fromRow(collection, row);
            const want = encodeJson(
              record.toPublicJson({ showHidden, showEmail: showEmail || record.id === ownerId }),
            );
            const what = `${collection.name} ${String(row.id)} ${showHidden} ${showEmail} ${ownerId}`;
            assert.equal(encodeJson(exportRow(row)), want, what);
            compared++;
          }
        }
      }
    }
  }
  assert.ok(compared > 300, `compared ${compared} rows`);
});

/** Each path's status, Content-Length and body, as a guest, a user and a superuser. */
async function answersOf(url: string, paths: string[]): Promise<string[]> {
  const requesters: { [name: string]: string }[] = [
    {},
    { authorization: PB_TOKENS.user },
    { authorization: PB_TOKENS.superuser },
  ];
  const out: string[] = [];
  for (const path of paths) {
    for (const headers of requesters) {
      const res = await fetch(url + path, { headers });
      out.push(
        `${path} ${JSON.stringify(headers)} ${res.status} ${res.headers.get("content-length")}\n${await res.text()}`,
      );
    }
  }
  return out;
}

/**
 * `fn` run with pass-through list and view request hooks bound: the records API then takes its
 * `Record` path instead of exporting rows directly.
 */
async function withRequestHooks<T>(app: App, fn: () => Promise<T>): Promise<T> {
  const listHook = app.hooks.onRecordsListRequest.bindFunc((e) => e.next());
  const viewHook = app.hooks.onRecordViewRequest.bindFunc((e) => e.next());
  try {
    return await fn();
  } finally {
    app.hooks.onRecordsListRequest.unbind(listHook);
    app.hooks.onRecordViewRequest.unbind(viewHook);
  }
}

/** The test-data server with demo3's `title` hidden (null when the test data is missing). */
async function serverWithHiddenTitle(t: TestContext) {
  const server = await startTestdataServer(t);
  if (!server) return null;
  const demo3 = server.app.findCollectionByNameOrId("demo3")!;
  demo3.fields.find((f) => f.name === "title")!.hidden = true;
  await server.app.save(demo3);
  return server;
}

test("list and view answer the same bytes with and without their request hooks", async (t) => {
  // a hidden field, so that superusers and others differ
  const server = await serverWithHiddenTitle(t);
  if (!server) return;
  const { app, url } = server;

  const paths: string[] = [];
  for (const collection of app.findAllCollections()) {
    const base = `/api/collections/${collection.name}/records`;
    paths.push(`${base}?perPage=50`, `${base}?perPage=3&page=2&skipTotal=1&sort=-created`);
    for (const row of await app.db.all(`SELECT id FROM ${quoteIdent(collection.name)} LIMIT 3`)) {
      paths.push(`${base}/${String(row.id)}`, `${base}/${String(row.id)}?fields=id,created`);
    }
    paths.push(`${base}/missing`);
  }
  paths.push(
    "/api/collections/demo1/records?filter=" + encodeURIComponent("text != ''") + "&fields=id,text,json",
    "/api/collections/demo3/records?filter=" + encodeURIComponent("title ~ 'test'"),
  );
  const fetchAll = () => answersOf(url, paths);
  const direct = await fetchAll();
  const throughRecords = await withRequestHooks(app, fetchAll);
  assert.ok(direct.filter((r) => r.includes(" 200 ")).length > 60);
  assert.ok(direct.filter((r) => r.includes(" 404 ")).length > 20);
  assert.deepEqual(direct, throughRecords);
});

test("expanded lists and views answer the same bytes with and without their request hooks", async (t) => {
  // a hidden field in a related collection, so that superusers and others differ in the expand too
  const server = await serverWithHiddenTitle(t);
  if (!server) return;
  const { app, url } = server;
  // users visible to everyone, with a manageRule matching some of them, whose emails the user
  // then sees (a query per batch)
  const users = app.findCollectionByNameOrId("users")!;
  users.viewRule = "";
  users.listRule = "";
  users.auth!.manageRule = '@request.auth.id != "" && verified = true';
  await app.save(users);

  const collections = app.findAllCollections();
  const expandsOf = (collection: (typeof collections)[number]): string[] => {
    const out: string[] = [];
    for (const field of collection.fields) {
      if (field.type !== "relation") continue;
      out.push(field.name);
      const target = collections.find((c) => c.id === field.collectionId);
      for (const next of target?.fields ?? [])
        if (next.type === "relation") out.push(`${field.name}.${next.name}`);
    }
    // back-relations: every relation field pointing at this collection
    for (const source of collections) {
      for (const field of source.fields) {
        if (field.type === "relation" && field.collectionId === collection.id) {
          out.push(`${source.name}_via_${field.name}`);
        }
      }
    }
    return out;
  };
  const paths: string[] = [];
  let expands = 0;
  for (const collection of collections) {
    const list = expandsOf(collection);
    if (list.length === 0) continue;
    const base = `/api/collections/${collection.name}/records`;
    const all = list.join(",");
    expands += list.length;
    // the plain read too: with the manageRule, users' own export leaves the Record path as well
    paths.push(
      `${base}?perPage=50`,
      `${base}?perPage=50&expand=${encodeURIComponent(all)}`,
      `${base}?perPage=5&expand=missing,${list[0]}`,
    );
    for (const one of list) paths.push(`${base}?perPage=20&skipTotal=1&expand=${encodeURIComponent(one)}`);
    for (const row of await app.db.all(`SELECT id FROM ${quoteIdent(collection.name)} LIMIT 3`)) {
      paths.push(
        `${base}/${String(row.id)}`,
        `${base}/${String(row.id)}?expand=${encodeURIComponent(all)}`,
        `${base}/${String(row.id)}?expand=${encodeURIComponent(list[0]!)}&fields=${encodeURIComponent(`id,expand.${list[0]!.split(".")[0]}.id`)}`,
      );
    }
  }
  const fetchAll = () => answersOf(url, paths);
  const direct = await fetchAll();
  const throughRecords = await withRequestHooks(app, fetchAll);
  // and with an enrich handler (the rows path's other guard), which changes nothing here
  const enrichHook = app.hooks.onRecordEnrich.bindFunc((e) => e.next());
  const throughEnrich = await fetchAll();
  app.hooks.onRecordEnrich.unbind(enrichHook);
  assert.ok(expands > 10, `${expands} expand paths`);
  assert.ok(direct.filter((r) => r.includes('"expand":{"')).length > 100);
  assert.deepEqual(direct, throughRecords);
  assert.deepEqual(direct, throughEnrich);
});
