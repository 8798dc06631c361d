/**
 * The core behaviour pb_hooks rely on, end to end on a real server: handlers written in
 * PocketBase's synchronous style (`e.next()` not awaited), writes from inside hooks, and the
 * App methods hooks call.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";

describe("hooks core", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;

  before(async () => {
    s = await startTestServer(cleanup);
    await s.pb.collections.create({
      name: "notes",
      type: "base",
      listRule: "",
      viewRule: "",
      createRule: "",
      updateRule: "",
      deleteRule: "",
      fields: [
        { name: "title", type: "text" },
        { name: "stamp", type: "text" },
      ],
    });
  });

  test("handlers that call e.next() without awaiting it: the create answers 200 with the saved record", async () => {
    const ids = [
      s.app.onRecordCreateRequest("notes").bindFunc((e) => {
        void e.next();
      }),
      s.app.onRecordCreate("notes").bindFunc((e) => {
        e.record.set("stamp", "set before next");
        void e.next();
      }),
      s.app.onRecordCreateExecute("notes").bindFunc((e) => {
        void e.next();
      }),
    ];
    try {
      const created = await s.client().collection("notes").create({ title: "sync style" });
      assert.equal(created.title, "sync style");
      assert.equal(created.stamp, "set before next");
      assert.match(created.id, /^[a-z0-9]{15}$/);
      const rows = query(s.dir, "SELECT title, stamp FROM notes WHERE id = ?", created.id);
      assert.deepEqual(
        rows.map((r) => ({ ...r })),
        [{ title: "sync style", stamp: "set before next" }],
      );
    } finally {
      s.app.hooks.onRecordCreateRequest.unbind(ids[0]!);
      s.app.hooks.onRecordCreate.unbind(ids[1]!);
      s.app.hooks.onRecordCreateExecute.unbind(ids[2]!);
    }
  });
});
