/**
 * The official JS SDK (pocketbase 0.28) end to end against the records API: getList,
 * getFullList, getFirstListItem, getOne, create (JSON and FormData), update (modifiers) and
 * delete, with filter/sort/expand/fields and the errors it parses.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { ClientResponseError } from "pocketbase";
import type PocketBase from "pocketbase";
import { seedFixture, USER1, type Fixture } from "./helpers/records-fixture.ts";
import { TOKENS, startOnTestdata } from "./helpers/records-testdata.ts";
import { suiteCleanup, type TestServer } from "./helpers/server.ts";

describe("the JS SDK", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  let fx: Fixture;
  let guest: PocketBase;
  let user: PocketBase;

  before(async () => {
    const started = await startOnTestdata(cleanup as never);
    if (!started) throw new Error("PocketBase test data folder missing");
    s = started;
    fx = await seedFixture(s.pb);
    guest = s.client();
    user = s.client();
    user.authStore.save(TOKENS.user, null);
  });

  test("getList pages with filter, sort, expand and fields", async () => {
    const page = await guest.collection("posts").getList(1, 2, {
      filter: guest.filter("views >= {:min} && tags.name ?= {:tag}", { min: 0, tag: "green" }),
      sort: "-views",
      expand: "tags",
      fields: "id,title,views,expand.tags.name",
    });
    assert.equal(page.page, 1);
    assert.equal(page.perPage, 2);
    assert.equal(page.totalItems, 2);
    assert.equal(page.totalPages, 1);
    assert.deepEqual(
      page.items.map((r) => [r.title, r.views]),
      [
        ["delta 100%", 20],
        ["Alpha", 10],
      ],
    );
    assert.deepEqual(Object.keys(page.items[0]!).sort(), ["expand", "id", "title", "views"]);
    assert.deepEqual(
      (page.items[1]!.expand!.tags as { name: string }[]).map((t) => t.name),
      ["red", "green"],
    );
  });

  test("getList with skipTotal", async () => {
    const page = await guest.collection("posts").getList(2, 2, { sort: "@rowid", skipTotal: true });
    assert.equal(page.totalItems, -1);
    assert.equal(page.totalPages, -1);
    assert.deepEqual(
      page.items.map((r) => r.title),
      ["Gamma", "delta 100%"],
    );
  });

  test("getFullList walks every page", async () => {
    const all = await guest.collection("posts").getFullList({ batch: 2, sort: "title" });
    assert.deepEqual(
      all.map((r) => r.title),
      ["Alpha", "Gamma", "beta", "delta 100%", "epsilon_x"],
    );
  });

  test("getFirstListItem finds one or fails with 404", async () => {
    const first = await guest
      .collection("posts")
      .getFirstListItem('title = "beta"', { expand: "comments_via_post" });
    assert.equal(first.id, fx.postIds.beta);
    assert.equal((first.expand!.comments_via_post as { text: string }[])[0]!.text, "nice too");
    await assert.rejects(
      guest.collection("posts").getFirstListItem('title = "none"'),
      (err: ClientResponseError) => err.status === 404,
    );
  });

  test("getOne with expand and fields; rules hide records with 404", async () => {
    const one = await user
      .collection("posts")
      .getOne(fx.postIds.Alpha!, { expand: "owner", fields: "*,expand.owner.email" });
    assert.equal(one.title, "Alpha");
    assert.deepEqual(one.expand, { owner: { email: "test@example.com" } });
    await assert.rejects(
      guest.collection("users").getOne(USER1),
      (err: ClientResponseError) => err.status === 404,
    );
    await assert.rejects(guest.collection("demo1").getOne("imy661ixudk5izi"), (err: ClientResponseError) => {
      return err.status === 403 && err.response.message === "Only superusers can perform this action.";
    });
  });

  test("create (JSON and FormData), update with modifiers, delete", async () => {
    const created = await guest
      .collection("posts")
      .create(
        { title: "sdk", views: 1, labels: ["a"], tags: [fx.tagIds.red] },
        { expand: "tags", fields: "id,title,views,labels,expand" },
      );
    assert.equal(created.title, "sdk");
    assert.equal((created.expand!.tags as { name: string }[])[0]!.name, "red");

    const form = new FormData();
    form.append("title", "sdk form");
    form.append("views", "3");
    const fromForm = await guest.collection("posts").create(form);
    assert.equal(fromForm.views, 3);

    const updated = await guest.collection("posts").update(created.id, {
      "views+": 4,
      "labels+": "b",
      "tags-": fx.tagIds.red,
    });
    assert.equal(updated.views, 5);
    assert.deepEqual(updated.labels, ["a", "b"]);
    assert.deepEqual(updated.tags, []);

    assert.equal(await guest.collection("posts").delete(created.id), true);
    await assert.rejects(
      guest.collection("posts").getOne(created.id),
      (err: ClientResponseError) => err.status === 404,
    );
  });

  test("validation errors reach the SDK as data", async () => {
    await assert.rejects(
      guest.collection("posts").create({ labels: ["nope"] }),
      (err: ClientResponseError) => {
        assert.equal(err.status, 400);
        assert.equal(err.response.message, "Failed to create record.");
        assert.equal(err.response.data.labels.code, "validation_invalid_value");
        return true;
      },
    );
  });

  test("superuser SDK sees hidden fields and filters by them", async () => {
    const list = await s.pb.collection("posts").getFullList({ filter: "secret != ''", sort: "secret" });
    assert.deepEqual(
      list.map((r) => r.secret),
      ["s1", "s2"],
    );
    await assert.rejects(
      guest.collection("posts").getFullList({ filter: "secret != ''" }),
      (err: ClientResponseError) => err.status === 400,
    );
  });
});
