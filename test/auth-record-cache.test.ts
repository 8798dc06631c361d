/**
 * The auth record of a request is kept between requests (src/core/records/record-auth-cache.ts)
 * until anything that may change it commits: every change to the record must take effect on the
 * next request, whoever makes it (the API, a raw SQL write, a trigger fired by a write to
 * another table, another connection to the file); writes of other collections' records keep it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { before, describe, test } from "node:test";
import { EXTERNAL_CHECK_MS, authCacheStats } from "../src/core/records/record-auth-cache.ts";
import { request } from "./helpers/http.ts";
import { buildTemplate, startTestServer, suiteCleanup, type TestServer } from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";

describe("the auth record between requests", () => {
  const cleanup = suiteCleanup();
  let template = "";
  before(async () => {
    template = await buildTemplate(cleanup);
  });

  async function refresh(s: TestServer, token = s.userToken) {
    return request(s.url, "POST", "/api/collections/users/auth-refresh", {
      headers: { Authorization: token },
    });
  }

  test("a repeated token reads its record from the cache while nothing changes", async (t) => {
    const s = await startTestServer(t, { template });
    assert.equal((await refresh(s)).status, 200);
    const { reads, hits } = authCacheStats;
    for (let i = 0; i < 5; i++) assert.equal((await refresh(s)).status, 200);
    // At most one read more: the cache's first check for other processes' writes starts over.
    assert.ok(authCacheStats.reads <= reads + 1, `${authCacheStats.reads - reads} reads`);
    assert.ok(authCacheStats.hits >= hits + 4, `${authCacheStats.hits - hits} hits`);
  });

  test("a field changed through the API shows on the next request", async (t) => {
    const s = await startTestServer(t, { template });
    const first = await refresh(s);
    assert.equal(first.status, 200);
    const id = String(first.json.record.id);
    await s.pb.collection("users").update(id, { name: "renamed" });
    const next = await refresh(s);
    assert.equal(next.status, 200);
    assert.equal(next.json.record.name, "renamed");
  });

  test("a changed password (new tokenKey) rejects the old token on the next request", async (t) => {
    const s = await startTestServer(t, { template });
    const first = await refresh(s);
    assert.equal(first.status, 200);
    await s.pb.collection("users").update(String(first.json.record.id), {
      password: "another-password-1",
      passwordConfirm: "another-password-1",
    });
    assert.equal((await refresh(s)).status, 401);
  });

  test("a deleted record rejects its token on the next request", async (t) => {
    const s = await startTestServer(t, { template });
    const first = await refresh(s);
    assert.equal(first.status, 200);
    await s.pb.collection("users").delete(String(first.json.record.id));
    assert.equal((await refresh(s)).status, 401);
  });

  test("a raw SQL write is seen on the next request, another process's write soon after", async (t) => {
    const s = await startTestServer(t, { template });
    const first = await refresh(s);
    assert.equal(first.status, 200);
    const id = String(first.json.record.id);
    await s.app.db.run("UPDATE `users` SET `name` = 'from sql' WHERE `id` = ?", [id]);
    assert.equal((await refresh(s)).json.record.name, "from sql");
    // Another process (here: another connection to the same file) rotates the tokenKey.
    const other = new DatabaseSync(join(s.dir, "data.db"), { timeout: 5000 });
    try {
      other.prepare("UPDATE `users` SET `tokenKey` = 'rotated' WHERE `id` = ?").run(id);
    } finally {
      other.close();
    }
    assert.equal(query(s.dir, "SELECT tokenKey FROM users WHERE id = ?", id)[0]!.tokenKey, "rotated");
    // Seen within EXTERNAL_CHECK_MS (this process's own writes are seen on the next request).
    const deadline = Date.now() + EXTERNAL_CHECK_MS + 5_000;
    let status = 0;
    while (Date.now() < deadline && (status = (await refresh(s)).status) !== 401) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(status, 401);
  });

  /** A base collection anyone may create in and delete from. */
  async function openNotes(s: TestServer): Promise<void> {
    await s.pb.collections.create({
      name: "notes",
      type: "base",
      createRule: "",
      deleteRule: "",
      fields: [{ name: "text", type: "text" }],
    });
  }

  async function createNote(s: TestServer, token = s.userToken) {
    return request(s.url, "POST", "/api/collections/notes/records", {
      headers: { Authorization: token },
      body: { text: "hello" },
    });
  }

  test("creates and deletes of another collection's records keep the cached record", async (t) => {
    const s = await startTestServer(t, { template });
    await openNotes(s);
    assert.equal((await refresh(s)).status, 200);
    const { reads, hits } = authCacheStats;
    for (let i = 0; i < 3; i++) {
      const created = await createNote(s);
      assert.equal(created.status, 200);
      const deleted = await request(s.url, "DELETE", `/api/collections/notes/records/${created.json.id}`, {
        headers: { Authorization: s.userToken },
      });
      assert.equal(deleted.status, 204);
    }
    // Six authenticated requests; at most one read (the first check for other processes'
    // writes, which this process's own commits move too, may start over).
    assert.ok(authCacheStats.reads <= reads + 1, `${authCacheStats.reads - reads} reads`);
    assert.ok(authCacheStats.hits >= hits + 5, `${authCacheStats.hits - hits} hits`);
  });

  test("a trigger that changes the record from another table's write is seen on the next request", async (t) => {
    const s = await startTestServer(t, { template });
    await openNotes(s);
    assert.equal((await refresh(s)).status, 200);
    assert.equal((await createNote(s)).status, 200);
    // Added by raw SQL (a migration could): every note rotates every user's tokenKey.
    await s.app.db.exec(
      "CREATE TRIGGER rotate_keys AFTER INSERT ON notes BEGIN UPDATE users SET tokenKey = 'rotated-' || NEW.id; END",
    );
    assert.equal((await refresh(s)).status, 200);
    assert.equal((await createNote(s)).status, 200);
    assert.equal((await refresh(s)).status, 401);
  });

  test("a hook's change to its request's record does not leak into the next request", async (t) => {
    const s = await startTestServer(t, { template });
    const seen: unknown[] = [];
    s.app.hooks.onRecordAuthRefreshRequest.bindFunc(async (e) => {
      seen.push(e.record.get("name"));
      e.record.set("name", "changed by a hook");
      await e.next();
    });
    const first = await refresh(s);
    assert.equal(first.json.record.name, "changed by a hook");
    await refresh(s);
    const stored = query(s.dir, "SELECT name FROM users WHERE id = ?", String(first.json.record.id))[0]!.name;
    assert.notEqual(stored, "changed by a hook");
    assert.deepEqual(seen, [stored, stored]);
  });
});
