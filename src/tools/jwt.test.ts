import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createJwt, parseUnverifiedJwt, verifyJwt } from "./jwt.ts";

test("a created token verifies with the same key and carries sorted claims without iat", () => {
  const token = createJwt({ type: "auth", id: "abc", collectionId: "c1", refreshable: true }, "k1", 60);
  const claims = verifyJwt(token, "k1");
  assert.ok(claims);
  assert.deepEqual(Object.keys(claims), ["collectionId", "exp", "id", "refreshable", "type"]);
  assert.equal(verifyJwt(token, "k2"), null);
});

test("expired, unsigned, tampered and malformed tokens are rejected", () => {
  assert.equal(verifyJwt(createJwt({ id: "a" }, "k", -1), "k"), null);
  const token = createJwt({ id: "a" }, "k", 60);
  const [h, p] = token.split(".");
  const tampered = `${h}.${Buffer.from('{"exp":9999999999,"id":"b"}').toString("base64url")}.${token.split(".")[2]}`;
  assert.equal(verifyJwt(tampered, "k"), null);
  const none = `${Buffer.from('{"alg":"none"}').toString("base64url")}.${p}.`;
  assert.equal(verifyJwt(none, "k"), null);
  for (const bad of ["", "a.b", "a.b.c.d", "!!.??.**"]) assert.equal(verifyJwt(bad, "k"), null);
  assert.equal(parseUnverifiedJwt("x.bm90IGpzb24.y"), null);
});

test("a token signed elsewhere with the same key and layout verifies", () => {
  const b64 = (s: string) => Buffer.from(s).toString("base64url");
  const body = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64('{"exp":4102444800,"id":"x","type":"auth"}')}`;
  const token = `${body}.${createHmac("sha256", "secret").update(body).digest("base64url")}`;
  assert.equal(verifyJwt(token, "secret")?.id, "x");
});

test("a token verified before is still checked against the key in use and its expiry", async () => {
  const token = createJwt({ id: "a" }, "old-key", 1);
  assert.ok(verifyJwt(token, "old-key"));
  assert.ok(verifyJwt(token, "old-key"), "verified again from the cache");
  // the record's tokenKey rotated: the same token no longer verifies
  assert.equal(verifyJwt(token, "new-key"), null);
  assert.ok(verifyJwt(token, "old-key"));
  // the cache never outlives `exp`
  const deadline = Date.now() + 5000;
  while (verifyJwt(token, "old-key") !== null && Date.now() < deadline) {
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.equal(verifyJwt(token, "old-key"), null);
});

test("decoded claims are shared between calls and frozen", () => {
  const token = createJwt({ id: "a", email: "x@example.com" }, "k", 60);
  const first = parseUnverifiedJwt(token)!;
  assert.equal(parseUnverifiedJwt(token), first);
  assert.ok(Object.isFrozen(first));
  assert.throws(() => {
    (first as { id: unknown }).id = "b";
  });
  assert.equal(verifyJwt(token, "k")?.id, "a");
});
