import { test } from "node:test";
import assert from "node:assert/strict";
import { security } from "./security.ts";

test("hashes and HMACs give PocketBase's vectors (jsvm-surface §3.4)", () => {
  assert.equal(security.md5("123"), "202cb962ac59075b964b07152d234b70");
  assert.equal(security.sha256("123"), "a665a45920422f9d417e4867efdc4fb8a04a1f3fff1fa07e998e86f7f7a27ae3");
  assert.equal(
    security.sha512("123"),
    "3c9909afec25354d551dae21590bb26e38d53f2173b8d3dc3eee4c047e7ab1c1eb8b85103e3be7ba613b31bb5c9c36214dc9f14a42fd7a2fdb84856bca5c44c2",
  );
  assert.equal(
    security.hs256("hello", "test"),
    "f151ea24bda91a18e89b8bb5793ef324b2a02133cce15a28a719acbd2e58a986",
  );
  assert.equal(security.hs512("hello", "test").length, 128);
  assert.ok(security.equal("abc", "abc"));
  assert.ok(!security.equal("abc", "abd"));
  assert.ok(!security.equal("abc", "abcd"));
});

test("random strings", () => {
  assert.match(security.randomString(20), /^[A-Za-z0-9]{20}$/);
  assert.match(security.randomStringWithAlphabet(10, "ab"), /^[ab]{10}$/);
  assert.match(security.pseudorandomString(7), /^[A-Za-z0-9]{7}$/);
  assert.match(security.pseudorandomStringWithAlphabet(5, "x"), /^x{5}$/);
  assert.match(security.randomStringByRegex("[a-z0-9]{15}"), /^[a-z0-9]{15}$/);
  assert.throws(() => security.randomStringByRegex("^a"), /unsupported pattern operator/);
});

test("JWTs: PocketBase's encoding, payload exp wins, verification (§7.17)", () => {
  assert.equal(
    security.createJWT({ exp: 123 }, "test", 0),
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjEyM30.7gbv7w672gApdBRASI6OniCtKwkKjhieSxsr6vxSrtw",
  );
  const t = security.createJWT({ sub: "u1", b: 1 }, "k", 60);
  assert.equal(security.parseJWT(t, "k").sub, "u1");
  const exp = security.parseUnverifiedJWT(t).exp as number;
  assert.ok(Math.abs(exp - (Date.now() / 1000 + 60)) < 3);
  assert.throws(() => security.parseJWT(t, "wrong"), /signature is invalid/);
  const expired = security.createJWT({ sub: "u1" }, "k", -10);
  assert.throws(() => security.parseJWT(expired, "k"), /token is expired/);
  assert.throws(() => security.parseUnverifiedJWT(expired), /token is expired/);
  assert.throws(() => security.parseUnverifiedJWT("nope"), /malformed/);
});

test("AES-256-GCM encrypt/decrypt round trip with a 12-byte nonce prefix", () => {
  const key = "12345678901234567890123456789012";
  const c = security.encrypt("secret data", key);
  assert.equal(Buffer.from(c, "base64").length, 12 + 11 + 16);
  assert.notEqual(security.encrypt("secret data", key), c);
  assert.equal(security.decrypt(c, key), "secret data");
  assert.throws(() => security.decrypt(c, "x".repeat(32)), /message authentication failed/);
  assert.throws(() => security.encrypt("x", "short"), /invalid key size 5/);
});
