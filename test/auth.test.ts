import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import type { ClientResponseError } from "pocketbase";
import { request } from "./helpers/http.ts";
import { authToken, decodeJwt, signJwt, signingKey } from "./helpers/jwt.ts";
import {
  SUPERUSER,
  USER,
  buildTemplate,
  startTestServer,
  suiteCleanup,
  type TestServer,
} from "./helpers/server.ts";
import { query } from "./helpers/sqlite.ts";

describe("superuser password auth and refresh", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  let superuserId = "";
  before(async () => {
    s = await startTestServer(cleanup, { template: await buildTemplate(cleanup) });
    superuserId = String(query(s.dir, "SELECT id FROM _superusers WHERE email = ?", SUPERUSER.email)[0]!.id);
  });

  test("the right password answers a token and the record, PocketBase's shape", async () => {
    const res = await request(s.url, "POST", "/api/collections/_superusers/auth-with-password", {
      body: { identity: SUPERUSER.email, password: SUPERUSER.password },
    });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.json), ["record", "token"]);
    assert.deepEqual(Object.keys(res.json.record), [
      "collectionId",
      "collectionName",
      "created",
      "email",
      "emailVisibility",
      "id",
      "updated",
      "verified",
    ]);
    assert.equal(res.json.record.collectionName, "_superusers");
    assert.equal(res.json.record.email, SUPERUSER.email);
    assert.ok(!("password" in res.json.record) && !("tokenKey" in res.json.record));
    const { header, claims, raw } = decodeJwt(res.json.token);
    assert.deepEqual(header, { alg: "HS256", typ: "JWT" });
    assert.deepEqual(Object.keys(claims), ["collectionId", "exp", "id", "refreshable", "type"]);
    assert.equal(claims.type, "auth");
    assert.equal(claims.id, superuserId);
    assert.equal(claims.refreshable, true);
    const remaining = Number(claims.exp) - Date.now() / 1000;
    assert.ok(remaining > 86000 && remaining <= 86400, "superuser tokens last a day");
    const expected = signJwt(claims, signingKey(s.dir, "_superusers", superuserId));
    assert.equal(raw[2], expected.split(".")[2], "signed with tokenKey + authToken.secret");
  });

  test("the SDK authenticates and keeps the token in its store", async () => {
    const pb = s.client();
    const auth = await pb.collection("_superusers").authWithPassword(SUPERUSER.email, SUPERUSER.password);
    assert.ok(pb.authStore.isValid);
    assert.ok(pb.authStore.isSuperuser);
    assert.equal(auth.record.email, SUPERUSER.email);
    const list = await pb.collections.getList(1, 1);
    assert.equal(list.page, 1);
  });

  const failures: [string, unknown, number, string][] = [
    [
      "a wrong password",
      { identity: SUPERUSER.email, password: "wrong-password" },
      400,
      "Failed to authenticate.",
    ],
    [
      "an unknown email",
      { identity: "nobody@example.com", password: SUPERUSER.password },
      400,
      "Failed to authenticate.",
    ],
    [
      "a user's credentials on _superusers",
      { identity: USER.email, password: USER.password },
      400,
      "Failed to authenticate.",
    ],
  ];
  for (const [name, body, status, message] of failures) {
    test(`${name} fails with PocketBase's generic message`, async () => {
      const res = await request(s.url, "POST", "/api/collections/_superusers/auth-with-password", { body });
      assert.equal(res.status, status);
      assert.equal(res.text, `{"data":{},"message":"${message}","status":${status}}\n`);
    });
  }

  test("missing credentials are a 400 with per-field errors", async () => {
    const res = await request(s.url, "POST", "/api/collections/_superusers/auth-with-password", { body: {} });
    assert.equal(res.status, 400);
    assert.equal(res.json.data.identity.code, "validation_required");
    assert.equal(res.json.data.password.code, "validation_required");
  });

  test("the SDK surfaces the failure as a ClientResponseError", async () => {
    await assert.rejects(
      () => s.client().collection("_superusers").authWithPassword(SUPERUSER.email, "nope-nope-nope"),
      (err: ClientResponseError) => err.status === 400 && err.message === "Failed to authenticate.",
    );
  });

  test("auth-refresh answers a new token for the same record", async () => {
    const res = await request(s.url, "POST", "/api/collections/_superusers/auth-refresh", { token: s.token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.record.id, superuserId);
    assert.equal(decodeJwt(res.json.token).claims.id, superuserId);
    const pb = s.client();
    pb.authStore.save(s.token, null);
    const refreshed = await pb.collection("_superusers").authRefresh();
    assert.equal(refreshed.record.email, SUPERUSER.email);
  });

  test("auth-refresh needs a token", async () => {
    const res = await request(s.url, "POST", "/api/collections/_superusers/auth-refresh");
    assert.equal(res.status, 401);
  });

  test("a 'Bearer ' prefix is accepted", async () => {
    const res = await request(s.url, "GET", "/api/settings", {
      headers: { authorization: `Bearer ${s.token}` },
    });
    assert.equal(res.status, 200);
  });

  test("a token minted outside the server with the record's keys is accepted", async () => {
    const token = authToken(s.dir, "_superusers", superuserId);
    const res = await request(s.url, "GET", "/api/settings", { token });
    assert.equal(res.status, 200);
  });

  test("a user token on superuser routes is a 403, not a 401", async () => {
    const res = await request(s.url, "GET", "/api/settings", { token: s.userToken });
    assert.equal(res.status, 403);
  });
});

describe("invalid tokens make the request a guest's", () => {
  const cleanup = suiteCleanup();
  let s: TestServer;
  let superuserId = "";
  before(async () => {
    s = await startTestServer(cleanup, { template: await buildTemplate(cleanup) });
    superuserId = String(query(s.dir, "SELECT id FROM _superusers WHERE email = ?", SUPERUSER.email)[0]!.id);
  });

  const tokens: [string, () => string][] = [
    ["an expired token", () => authToken(s.dir, "_superusers", superuserId, { seconds: -10 })],
    [
      "a token with a flipped signature",
      () => {
        const parts = s.token.split(".");
        const sig = parts[2]!;
        parts[2] = (sig[0] === "A" ? "B" : "A") + sig.slice(1);
        return parts.join(".");
      },
    ],
    [
      "a token whose claims were edited",
      () => {
        const parts = s.token.split(".");
        const claims = decodeJwt(s.token).claims;
        parts[1] = Buffer.from(JSON.stringify({ ...claims, exp: Number(claims.exp) + 1000 })).toString(
          "base64url",
        );
        return parts.join(".");
      },
    ],
    ["a token signed with the wrong key", () => signJwt(decodeJwt(s.token).claims, "not-the-key")],
    [
      "an alg none token",
      () => {
        const claims = decodeJwt(s.token).claims;
        const h = Buffer.from('{"alg":"none","typ":"JWT"}').toString("base64url");
        return `${h}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.`;
      },
    ],
    ["a file token", () => authToken(s.dir, "_superusers", superuserId, { type: "file" })],
    [
      "a token of a missing record",
      () => signJwt({ ...decodeJwt(s.token).claims, id: "missingmissing1" }, "x"),
    ],
    [
      "a token of a missing collection",
      () => signJwt({ ...decodeJwt(s.token).claims, collectionId: "nope" }, "x"),
    ],
    ["garbage", () => "not-a-token"],
    ["three dots of garbage", () => "a.b.c"],
    ["a JSON array payload", () => `e30.${Buffer.from("[1]").toString("base64url")}.sig`],
    ["an enormous header value", () => "x".repeat(6000)],
  ];
  for (const [name, make] of tokens) {
    test(`${name} gets 401 on superuser routes and a guest's health`, async () => {
      const token = make();
      const settings = await request(s.url, "GET", "/api/settings", { token });
      assert.equal(settings.status, 401, settings.text);
      const health = await request(s.url, "GET", "/api/health", { token });
      assert.equal(health.status, 200);
      assert.deepEqual(health.json.data, {});
      const refresh = await request(s.url, "POST", "/api/collections/_superusers/auth-refresh", { token });
      assert.equal(refresh.status, 401);
    });
  }

  test("tokens stop working once the record's tokenKey changes", async () => {
    const token = authToken(s.dir, "_superusers", superuserId);
    assert.equal((await request(s.url, "GET", "/api/settings", { token })).status, 200);
    await s.app.db.run("UPDATE _superusers SET tokenKey = ? WHERE id = ?", [
      "rotated".padEnd(50, "x"),
      superuserId,
    ]);
    assert.equal((await request(s.url, "GET", "/api/settings", { token })).status, 401);
  });

  test("a non-refreshable token is returned unchanged by auth-refresh", async () => {
    const s2 = await startTestServer(cleanup, { template: await buildTemplate(cleanup) });
    const id = String(query(s2.dir, "SELECT id FROM _superusers LIMIT 1")[0]!.id);
    const token = authToken(s2.dir, "_superusers", id, { refreshable: false });
    const res = await request(s2.url, "POST", "/api/collections/_superusers/auth-refresh", { token });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.token, token);
  });
});
