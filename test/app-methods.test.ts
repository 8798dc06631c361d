/**
 * The App methods hooks call (`findRecordById`, `findRecordsByFilter`, `save`, …), on a real
 * app over a temp data folder: PocketBase's argument forms, not-found errors (→ 404) and
 * bound `{:name}` params.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { NotFoundError, toApiError } from "../src/api/errors.ts";
import type { Collection } from "../src/core/collections/collection-model.ts";
import { InvalidFilterError } from "../src/core/records/record-access.ts";
import { Record } from "../src/core/records/record.ts";
import { newRecordToken } from "../src/core/records/record-tokens.ts";
import { ValidationErrors } from "../src/tools/validation.ts";
import { startTestServer, suiteCleanup, USER, type TestServer } from "./helpers/server.ts";

describe("App methods", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  let authors: Collection;
  const ids: { [title: string]: string } = {};
  let alice = "";

  before(async () => {
    s = await startTestServer(cleanup, { user: true });
    await s.pb.collections.create({
      name: "authors",
      type: "base",
      fields: [{ name: "name", type: "text", required: true }],
    });
    authors = s.app.findCollectionByNameOrId("authors")!;
    const a = new Record(authors);
    a.set("name", "Alice");
    await s.app.save(a);
    alice = a.id;
    await s.pb.collections.create({
      name: "books",
      type: "base",
      viewRule: "secret = 'open'",
      fields: [
        { name: "title", type: "text" },
        { name: "pages", type: "number" },
        { name: "secret", type: "text", hidden: true },
        { name: "author", type: "relation", collectionId: authors.id, maxSelect: 1 },
      ],
    });
    for (const [title, pages, secret] of [
      ["Dune", 600, "open"],
      ["Emma", 400, "closed"],
      ['Say "hi" {:x}', 100, "open"],
    ] as const) {
      const r = new Record(s.app.findCollectionByNameOrId("books")!);
      r.set("title", title);
      r.set("pages", pages);
      r.set("secret", secret);
      r.set("author", alice);
      await s.app.save(r);
      ids[title] = r.id;
    }
  });

  test("findRecordById takes the collection by name, id or object and throws NotFoundError", async () => {
    const books = s.app.findCollectionByNameOrId("books")!;
    for (const ref of ["books", books.id, books]) {
      const r = await s.app.findRecordById(ref, ids.Dune!);
      assert.equal(r.getString("title"), "Dune");
    }
    await assert.rejects(s.app.findRecordById("books", "missing"), NotFoundError);
    await assert.rejects(s.app.findRecordById("nope", ids.Dune!), NotFoundError);
    assert.equal(toApiError(new NotFoundError()).status, 404);
  });

  test("findRecordsByIds returns the existing ones", async () => {
    const found = await s.app.findRecordsByIds("books", [ids.Dune!, "missing", ids.Emma!]);
    assert.deepEqual(found.map((r) => r.getString("title")).sort(), ["Dune", "Emma"]);
    assert.deepEqual(await s.app.findRecordsByIds("books", []), []);
  });

  test("findRecordsByFilter: placeholders are bound, hidden fields searchable, sort/limit/offset", async () => {
    const open = await s.app.findRecordsByFilter("books", "secret = {:s}", "-pages", 0, 0, { s: "open" });
    assert.deepEqual(
      open.map((r) => r.getString("title")),
      ["Dune", 'Say "hi" {:x}'],
    );
    // a value with quotes and a placeholder-like text is one literal, not filter syntax
    const tricky = await s.app.findRecordsByFilter("books", "title = {:t}", "", 0, 0, {
      t: 'Say "hi" {:x}',
    });
    assert.deepEqual(
      tricky.map((r) => r.id),
      [ids['Say "hi" {:x}']],
    );
    const injected = await s.app.findRecordsByFilter("books", "title = {:t}", "", 0, 0, {
      t: 'x" || id != "',
    });
    assert.deepEqual(injected, []);
    const page = await s.app.findRecordsByFilter("books", "pages > {:min}", "pages", 1, 1, { min: 50 });
    assert.deepEqual(
      page.map((r) => r.getString("title")),
      ["Emma"],
    );
    const offsetOnly = await s.app.findRecordsByFilter("books", "", "pages", 0, 2);
    assert.deepEqual(
      offsetOnly.map((r) => r.getString("title")),
      ["Dune"],
    );
    assert.equal((await s.app.findRecordsByFilter("books", "")).length, 3);
    await assert.rejects(s.app.findRecordsByFilter("books", "pages >"), InvalidFilterError);
    await assert.rejects(s.app.findRecordsByFilter("books", "", "nosuchfield"), InvalidFilterError);
  });

  test("findFirstRecordByFilter, findFirstRecordByData and countRecords", async () => {
    const r = await s.app.findFirstRecordByFilter(
      "books",
      "author.name = {:n} && pages > 300 && pages < 500",
      {
        n: "Alice",
      },
    );
    assert.equal(r.getString("title"), "Emma");
    await assert.rejects(s.app.findFirstRecordByFilter("books", "pages > 1000"), NotFoundError);
    assert.equal((await s.app.findFirstRecordByData("books", "pages", 600)).id, ids.Dune);
    await assert.rejects(s.app.findFirstRecordByData("books", "pages", 1), NotFoundError);
    await assert.rejects(s.app.findFirstRecordByData("books", "nope", 1), /invalid or missing field "nope"/);
    assert.equal(await s.app.countRecords("books"), 3);
    assert.equal(await s.app.countRecords("books", "pages >= {:p}", { p: 400 }), 2);
    assert.equal(await s.app.countRecords("books", { sql: "`pages` < ?", params: [500] }, null), 2);
    const all = await s.app.findAllRecords("books", { sql: "`secret` = ?", params: ["closed"] });
    assert.deepEqual(
      all.map((x) => x.id),
      [ids.Emma],
    );
  });

  test("auth look-ups by email and by token", async () => {
    const user = await s.app.findAuthRecordByEmail("users", USER.email.toUpperCase());
    assert.equal(user.getString("email"), USER.email);
    await assert.rejects(s.app.findAuthRecordByEmail("users", "nobody@example.com"), NotFoundError);
    await assert.rejects(s.app.findAuthRecordByEmail("books", "x@example.com"), /not an auth collection/);
    assert.equal((await s.app.findAuthRecordByToken(s.userToken)).id, user.id);
    assert.equal((await s.app.findAuthRecordByToken(s.userToken, "auth")).id, user.id);
    await assert.rejects(s.app.findAuthRecordByToken(s.userToken, "file"), NotFoundError);
    const file = newRecordToken(user, "file");
    assert.equal((await s.app.findAuthRecordByToken(file, "file", "auth")).id, user.id);
    await assert.rejects(s.app.findAuthRecordByToken("garbage"), NotFoundError);
  });

  test("canAccessRecord: superuser, null, empty and matching rules", async () => {
    const dune = await s.app.findRecordById("books", ids.Dune!);
    const emma = await s.app.findRecordById("books", ids.Emma!);
    const info = { query: {}, headers: {}, body: {}, auth: null, method: "GET", context: "default" };
    const superuser = await s.app.findAuthRecordByToken(s.token);
    assert.equal(await s.app.canAccessRecord(emma, { ...info, auth: superuser }, null), true);
    assert.equal(await s.app.canAccessRecord(emma, info, null), false);
    assert.equal(await s.app.canAccessRecord(emma, info, ""), true);
    assert.equal(await s.app.canAccessRecord(dune, info, "secret = 'open'"), true);
    assert.equal(await s.app.canAccessRecord(emma, info, "secret = 'open'"), false);
    assert.equal(await s.app.canAccessRecord(dune, info, "@request.auth.id != ''"), false);
  });

  test("expandRecord(s) populate expand without rules and report failed paths", async () => {
    const dune = await s.app.findRecordById("books", ids.Dune!);
    const failed = await s.app.expandRecord(dune, ["author", "nope"]);
    assert.deepEqual(Object.keys(failed), ["nope"]);
    assert.equal((dune.expand.author as Record).getString("name"), "Alice");
    const author = await s.app.findRecordById("authors", alice);
    const seen: string[][] = [];
    const none = await s.app.expandRecords([author], ["books_via_author"], async (c, relIds) => {
      seen.push(relIds);
      return s.app.findRecordsByIds(c, relIds);
    });
    assert.deepEqual(none, {});
    assert.equal(seen.length, 1);
    assert.equal((author.expand.books_via_author as Record[]).length, 3);
  });

  test("save, validate, saveNoValidate and delete take records and collections", async () => {
    const empty = new Record(authors);
    await assert.rejects(s.app.validate(empty), ValidationErrors);
    // a new record validates without an id: it gets its generated one, as in PocketBase
    const named = new Record(authors);
    named.set("name", "Named");
    assert.equal(named.id, "");
    await s.app.validate(named);
    assert.match(named.id, /^[a-z0-9]{15}$/);
    await assert.rejects(s.app.save(empty), ValidationErrors);
    await s.app.saveNoValidate(empty);
    assert.equal((await s.app.findRecordById("authors", empty.id)).getString("name"), "");
    await s.app.delete(empty);
    await assert.rejects(s.app.findRecordById("authors", empty.id), NotFoundError);

    await s.pb.collections.create({ name: "scratch", type: "base", fields: [{ name: "a", type: "text" }] });
    const scratch = structuredClone(s.app.findCollectionByNameOrId("scratch")!);
    scratch.listRule = "";
    await s.app.save(scratch);
    assert.equal(s.app.findCollectionByNameOrId("scratch")?.listRule, "");
    const bad = { ...scratch, name: "" };
    await assert.rejects(s.app.validate(bad), ValidationErrors);
    const row = new Record(scratch);
    row.set("a", "x");
    await s.app.save(row);
    await s.app.truncateCollection("scratch");
    assert.equal(await s.app.countRecords("scratch"), 0);
    await s.app.delete(scratch);
    assert.equal(s.app.findCollectionByNameOrId("scratch"), null);
    await assert.rejects(s.app.save({} as never), /expected a Record, a Collection or the Settings/);
  });

  test("save(settings) persists the settings through the model hooks", async () => {
    const settings = structuredClone(s.app.settings());
    settings.meta.appName = "Renamed";
    await s.app.save(settings);
    assert.equal(s.app.settings().meta.appName, "Renamed");
  });
});
