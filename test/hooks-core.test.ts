/**
 * The core behaviour pb_hooks rely on, end to end on a real server: handlers written in
 * PocketBase's synchronous style (`e.next()` not awaited), writes from inside hooks, and the
 * App methods hooks call.
 */
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import { TransactionRequiredError } from "../src/core/db/database.ts";
import { Record } from "../src/core/records/record.ts";
import { file } from "./helpers/files.ts";
import { startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";
import { waitFor } from "./helpers/wait.ts";

/** A promise and the function that resolves it. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Tracks whether a promise has settled. */
function track<T>(promise: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let settled = false;
  const tracked = promise.finally(() => (settled = true));
  return { promise: tracked, settled: () => settled };
}

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
        { name: "doc", type: "file", maxSelect: 1, maxSize: 1000000 },
      ],
    });
    await s.pb.collections.create({
      name: "audit",
      type: "base",
      fields: [{ name: "what", type: "text" }],
    });
  });

  /** Binds handlers for one test (unbound after it). */
  function bindFor(t: { after: (fn: () => void) => void }, unbind: () => void): void {
    t.after(unbind);
  }

  const auditRecord = (what: string) => {
    const r = new Record(s.app.findCollectionByNameOrId("audit")!);
    r.set("what", what);
    return r;
  };

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

  test("a hook may write through the outer app: no lock is held while record hooks run", async (t) => {
    const id = s.app.onRecordCreate("notes").bindFunc(async (e) => {
      // `s.app`, not `e.app`: PocketBase scripts often use $app here
      await s.app.save(auditRecord(`before ${e.record.getString("title")}`));
      await e.next();
      await s.app.save(auditRecord(`after ${e.record.id}`));
    });
    bindFor(t, () => s.app.hooks.onRecordCreate.unbind(id));
    const created = await s
      .client()
      .collection("notes")
      .create({ title: "outer" }, { signal: AbortSignal.timeout(10_000) });
    assert.equal(await s.app.countRecords("audit", "what = {:w}", { w: "before outer" }), 1);
    assert.equal(await s.app.countRecords("audit", "what = {:w}", { w: `after ${created.id}` }), 1);
  });

  test("inside a transaction, a write through the outer app fails at once with a clear error", async () => {
    const started = Date.now();
    await assert.rejects(
      s.app.runInTransaction(async () => {
        await s.app.save(auditRecord("wrong connection"));
      }),
      (err: unknown) =>
        err instanceof TransactionRequiredError &&
        /use|txApp|e\.app/.test(err.message) &&
        /\$app/.test(err.message),
    );
    assert.ok(Date.now() - started < 5000);
    // a nested runInTransaction on the outer app would wait for itself too
    await assert.rejects(
      s.app.runInTransaction(() => s.app.runInTransaction(async () => {})),
      TransactionRequiredError,
    );
    assert.equal(await s.app.countRecords("audit", "what = 'wrong connection'"), 0);
  });

  test("a hook of a save made in a transaction that writes through the outer app gets the error, not a hang", async (t) => {
    const hook = s.app.onRecordCreate("notes").bindFunc(async (e) => {
      if (e.record.getString("title") === "in tx") await s.app.save(auditRecord("outer in tx"));
      await e.next();
    });
    const request = s.app.onRecordCreateRequest("notes").bindFunc((e) =>
      e.app.runInTransaction(async (txApp) => {
        await txApp.save(e.record);
        e.json(200, { id: e.record.id });
      }),
    );
    bindFor(t, () => {
      s.app.hooks.onRecordCreate.unbind(hook);
      s.app.hooks.onRecordCreateRequest.unbind(request);
    });
    const res = await fetch(`${s.url}/api/collections/notes/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "in tx" }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res.status, 400);
    assert.equal(await s.app.countRecords("notes", "title = 'in tx'"), 0);
    // the same write through the transaction's app works
    const ok = s.app.onRecordCreate("notes").bindFunc(async (e) => {
      if (e.record.getString("title") === "in tx via e.app") await e.app.save(auditRecord("via e.app"));
      await e.next();
    });
    bindFor(t, () => s.app.hooks.onRecordCreate.unbind(ok));
    const res2 = await fetch(`${s.url}/api/collections/notes/records`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "in tx via e.app" }),
      signal: AbortSignal.timeout(10_000),
    });
    assert.equal(res2.status, 200);
    assert.equal(await s.app.countRecords("audit", "what = 'via e.app'"), 1);
  });

  test("another request's write waits for a transaction to end, then succeeds", async () => {
    const release = gate();
    const holding = gate();
    const tx = s.app.runInTransaction(async (txApp) => {
      await txApp.save(auditRecord("held"));
      holding.open();
      await release.promise;
    });
    await holding.promise;
    const reached = { execute: false };
    const id = s.app.onRecordCreateExecute("notes").bindFunc(async (e) => {
      reached.execute = true;
      await e.next();
    });
    try {
      const create = track(s.client().collection("notes").create({ title: "waits" }));
      await waitFor(() => reached.execute, "the create to reach its write");
      assert.equal(create.settled(), false, "the write must wait for the transaction's lock");
      release.open();
      await tx;
      const created = await create.promise;
      assert.equal(created.title, "waits");
    } finally {
      s.app.hooks.onRecordCreateExecute.unbind(id);
    }
  });

  test("a slow upload does not hold the write lock: other requests write meanwhile", async (t) => {
    const storage = s.app.storage();
    const upload = gate();
    const uploading = gate();
    const write = storage.write.bind(storage);
    storage.write = async (...args: Parameters<typeof storage.write>) => {
      uploading.open();
      await upload.promise;
      return write(...args);
    };
    bindFor(t, () => {
      storage.write = write;
    });
    const slow = track(
      s
        .client()
        .collection("notes")
        .create({ title: "with file", doc: file("hello", "hello.txt") }),
    );
    await uploading.promise;
    const other = await s
      .client()
      .collection("notes")
      .create({ title: "meanwhile" }, { signal: AbortSignal.timeout(10_000) });
    assert.equal(other.title, "meanwhile");
    assert.equal(slow.settled(), false);
    upload.open();
    const created = await slow.promise;
    assert.match(created.doc, /^hello_\w+\.txt$/);
  });
});
