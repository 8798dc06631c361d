/**
 * Concurrent writes through the API, which commit in groups (src/core/db/write-group.ts): each
 * request still gets the answer it would have had alone. Creates racing for one unique value:
 * one wins, every other gets PocketBase's validation_not_unique (a 400, never a 500), and the
 * rows of the valid ones are all stored; updates and deletes sent together all land.
 */
import assert from "node:assert/strict";
import { describe, test, type TestContext } from "node:test";
import { ClientResponseError } from "pocketbase";
import { startTestServer } from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";

/** A test server with a base collection anyone may write, with a number field `n` and `fields`. */
async function openServer(
  t: TestContext,
  name: string,
  fields: { name: string; type: string }[],
  extra: { indexes?: string[] } = {},
) {
  const srv = await startTestServer(t);
  await srv.pb.collections.create({
    name,
    type: "base",
    ...{ viewRule: "", createRule: "", updateRule: "", deleteRule: "" },
    fields: [...fields, { name: "n", type: "number" }],
    ...extra,
  });
  return srv;
}

describe("concurrent writes through the API", () => {
  test("creates racing for a unique value: one wins, the rest are 400 not-unique, the others all stored", async (t) => {
    const srv = await openServer(t, "tickets", [{ name: "code", type: "text" }], {
      indexes: ["CREATE UNIQUE INDEX idx_tickets_code ON tickets (code)"],
    });
    const guest = srv.client();
    // Connections opened first, so that the creates reach the server together and commit in
    // shared groups (a conflicting INSERT then fails inside a group, beside ones that commit).
    await Promise.all(
      Array.from({ length: 100 }, () => fetch(`${srv.url}/api/health`).then((r) => r.text())),
    );
    // 20 creates for one code and 80 with codes of their own, all sent at once
    const outcomes = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) =>
        guest
          .collection("tickets")
          .create({ code: i % 5 === 0 ? "same" : `code-${i}`, n: i }, { requestKey: null }),
      ),
    );
    const won = outcomes.filter((o, i) => i % 5 === 0 && o.status === "fulfilled");
    assert.equal(won.length, 1, "exactly one create of the shared code succeeds");
    outcomes.forEach((o, i) => {
      if (i % 5 !== 0) {
        assert.equal(
          o.status,
          "fulfilled",
          `create ${i}: ${o.status === "rejected" ? String(o.reason) : ""}`,
        );
        return;
      }
      if (o.status === "fulfilled") return;
      const err = o.reason as ClientResponseError;
      assert.ok(err instanceof ClientResponseError, String(err));
      assert.equal(err.status, 400, JSON.stringify(err.response));
      assert.equal((err.response.data as { code?: { code?: string } }).code?.code, "validation_not_unique");
    });
    const rows = query(srv.dir, "SELECT code, n FROM tickets ORDER BY n");
    assert.equal(rows.length, 81);
    assert.equal(rows.filter((r) => r.code === "same").length, 1);
    assert.deepEqual(
      rows.filter((r) => r.code !== "same").map((r) => r.n),
      Array.from({ length: 100 }, (_, i) => i).filter((i) => i % 5 !== 0),
    );
  });

  test("updates and deletes sent together all land, each answered with its own record", async (t) => {
    const srv = await openServer(t, "notes", []);
    const guest = srv.client();
    const created = await Promise.all(
      Array.from({ length: 30 }, (_, i) => guest.collection("notes").create({ n: i }, { requestKey: null })),
    );
    const results = await Promise.all(
      created.map((r, i) =>
        i % 2 === 0
          ? guest.collection("notes").update(r.id, { n: 1000 + i }, { requestKey: null })
          : guest.collection("notes").delete(r.id, { requestKey: null }),
      ),
    );
    results.forEach((r, i) => {
      if (i % 2 === 0) assert.equal(typeof r === "object" ? r.n : r, 1000 + i);
      else assert.equal(r, true);
    });
    const rows = query(srv.dir, "SELECT n FROM notes ORDER BY n");
    assert.deepEqual(
      rows.map((r) => r.n),
      Array.from({ length: 15 }, (_, k) => 1000 + 2 * k),
    );
  });
});
