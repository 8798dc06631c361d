/**
 * Values at the edges of what the record pipeline walks: JSON bodies nested deeper than its
 * recursion can follow (refused with a 400), and number fields beyond JavaScript's safe
 * integers (SQLite stores 2^53 in a NUMERIC column as an INTEGER, which node:sqlite refuses to
 * read as a number; the record must still read back as the nearest double, like PocketBase's
 * float64), never as a 500.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { request } from "./helpers/http.ts";
import { startTestServer } from "./helpers/server.ts";

describe("deeply nested JSON bodies", () => {
  it("are refused past 1000 levels with PocketBase's invalid-format error, and kept below", async (t) => {
    const srv = await startTestServer(t);
    const created = await request(srv.url, "POST", "/api/collections", {
      token: srv.token,
      body: { name: "docs", type: "base", createRule: "", fields: [{ name: "j", type: "json" }] },
    });
    assert.equal(created.status, 200, created.text);
    const nested = (depth: number): string => `{"j":${"[".repeat(depth)}${"]".repeat(depth)}}`;
    const deep = await request(srv.url, "POST", "/api/collections/docs/records", {
      body: nested(20_000),
      headers: { "content-type": "application/json" },
    });
    assert.equal(deep.status, 400, deep.text);
    assert.equal(deep.json.message, "Failed to load the submitted data due to invalid formatting.");
    const form = new FormData();
    form.set("@jsonPayload", nested(20_000));
    const deepForm = await fetch(`${srv.url}/api/collections/docs/records`, { method: "POST", body: form });
    assert.equal(deepForm.status, 400);
    const fine = await request(srv.url, "POST", "/api/collections/docs/records", {
      body: nested(900),
      headers: { "content-type": "application/json" },
    });
    assert.equal(fine.status, 200, fine.text);
  });
});

describe("password fields other than an auth collection's own", () => {
  it("check the plain value's min, max and pattern before hashing it", async (t) => {
    const srv = await startTestServer(t);
    const created = await request(srv.url, "POST", "/api/collections", {
      token: srv.token,
      body: {
        name: "secrets",
        type: "base",
        createRule: "",
        fields: [{ name: "pw", type: "password", min: 3, pattern: "^[a-z]+$" }],
      },
    });
    assert.equal(created.status, 200, created.text);
    const create = (pw: string) =>
      request(srv.url, "POST", "/api/collections/secrets/records", { body: { pw } });
    const short = await create("ab");
    assert.equal(short.status, 400);
    assert.equal(short.json.data.pw.code, "validation_min_text_constraint");
    const long = await create("a".repeat(100));
    assert.equal(long.status, 400);
    assert.equal(long.json.data.pw.code, "validation_max_text_constraint");
    const pattern = await create("abc1");
    assert.equal(pattern.status, 400);
    assert.equal(pattern.json.data.pw.code, "validation_invalid_format");
    const ok = await create("abcd");
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.pw, undefined, "a password field is never output");
  });
});

describe("concurrent updates of one record", () => {
  it("each see the previous one's result: parallel file appends all land", async (t) => {
    const srv = await startTestServer(t);
    const created = await request(srv.url, "POST", "/api/collections", {
      token: srv.token,
      body: {
        name: "albums",
        type: "base",
        createRule: "",
        updateRule: "",
        viewRule: "",
        fields: [
          { name: "photos", type: "file", maxSelect: 20, maxSize: 1000 },
          { name: "n", type: "number" },
        ],
      },
    });
    assert.equal(created.status, 200, created.text);
    const album = await request(srv.url, "POST", "/api/collections/albums/records", { body: {} });
    const id = album.json.id as string;
    const appends = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const form = new FormData();
        form.append("photos+", new Blob([`photo ${i}`], { type: "text/plain" }), `p${i}.txt`);
        form.append("n+", "1");
        return (
          await fetch(`${srv.url}/api/collections/albums/records/${id}`, { method: "PATCH", body: form })
        ).status;
      }),
    );
    assert.deepEqual(appends, Array(10).fill(200));
    const view = await request(srv.url, "GET", `/api/collections/albums/records/${id}`);
    assert.equal(view.json.photos.length, 10, JSON.stringify(view.json.photos));
    assert.equal(view.json.n, 10);
  });
});

describe("number fields beyond 2^53", () => {
  it("are stored and read back through every read path", async (t) => {
    const srv = await startTestServer(t);
    const created = await request(srv.url, "POST", "/api/collections", {
      token: srv.token,
      body: {
        name: "big",
        type: "base",
        listRule: "",
        viewRule: "",
        updateRule: "n > 0",
        fields: [{ name: "n", type: "number" }],
      },
    });
    assert.equal(created.status, 200, created.text);

    const values = [2 ** 53, 2 ** 63, -(2 ** 60), 1e300, 12.5];
    const ids: string[] = [];
    for (const n of values) {
      const res = await request(srv.url, "POST", "/api/collections/big/records", {
        token: srv.token,
        body: { n },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.n, n);
      ids.push(res.json.id as string);
    }
    for (const [i, id] of ids.entries()) {
      const view = await request(srv.url, "GET", `/api/collections/big/records/${id}`);
      assert.equal(view.status, 200, view.text);
      assert.equal(view.json.n, values[i]);
    }
    const list = await request(
      srv.url,
      "GET",
      `/api/collections/big/records?sort=n&filter=${encodeURIComponent("n != 0")}`,
    );
    assert.equal(list.status, 200, list.text);
    assert.deepEqual(
      list.json.items.map((r: { n: number }) => r.n),
      [...values].sort((a, b) => a - b),
    );
    // An update checks its rule against the stored row.
    const update = await request(srv.url, "PATCH", `/api/collections/big/records/${ids[0]}`, {
      body: { n: 2 ** 54 },
    });
    assert.equal(update.status, 200, update.text);
    assert.equal(update.json.n, 2 ** 54);
  });
});
