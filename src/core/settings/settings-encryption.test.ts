import { test } from "node:test";
import assert from "node:assert/strict";
import { webcrypto } from "node:crypto";
import {
  SettingsEncryptionError,
  decryptValue,
  encodeStoredSettings,
  encryptValue,
  readStoredSettings,
} from "./settings-encryption.ts";
import { defaultSettings, mergeSettings, settingsToStoredJson } from "./settings-model.ts";

const KEY = "abcdefghijklmnopqrstuvwxyz012345"; // 32 bytes

// Produced by Python's `cryptography` AESGCM (the same layout as Go's gcm.Seal after the nonce)
// with KEY and the nonce 00 01 … 0b.
const PYTHON_VECTOR =
  "AAECAwQFBgcICQoLDkvVDUNy+nHE/zgtm/4iy7W8ypnw7kRzJl862G26/DcZj1F64nxKcVlqYH/yknmsH13592j9v5qad7WRU7tKXtvb2DqR5CmcM8ykuzF0xMi4TZx35VDucynmRWIv";

const isEncryptionError = (pattern: RegExp) => (err: unknown) =>
  err instanceof SettingsEncryptionError && pattern.test(err.message);

test("encrypt and decrypt round-trip with a fresh nonce each time", () => {
  const a = encryptValue("hello", KEY);
  const b = encryptValue("hello", KEY);
  assert.notEqual(a, b);
  assert.equal(Buffer.from(a, "base64").length, 12 + 5 + 16);
  assert.equal(decryptValue(a, KEY).toString("utf8"), "hello");
  assert.equal(decryptValue(b, KEY).toString("utf8"), "hello");
});

test("a value sealed by an independent AES-GCM implementation decrypts", async () => {
  const nonce = webcrypto.getRandomValues(new Uint8Array(12));
  const key = await webcrypto.subtle.importKey("raw", Buffer.from(KEY), "AES-GCM", false, ["encrypt"]);
  const sealed = await webcrypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, key, Buffer.from('{"x":1}'));
  const value = Buffer.concat([nonce, Buffer.from(sealed)]).toString("base64");
  assert.equal(decryptValue(value, KEY).toString("utf8"), '{"x":1}');
});

test("our ciphertext opens with an independent AES-GCM implementation", async () => {
  const bytes = Buffer.from(encryptValue("secret text", KEY), "base64");
  const key = await webcrypto.subtle.importKey("raw", Buffer.from(KEY), "AES-GCM", false, ["decrypt"]);
  const opened = await webcrypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.subarray(0, 12) },
    key,
    bytes.subarray(12),
  );
  assert.equal(Buffer.from(opened).toString("utf8"), "secret text");
});

test("a fixed vector from another language decrypts into settings", () => {
  const s = readStoredSettings(PYTHON_VECTOR, KEY);
  assert.equal(s.meta.appName, "Encrypted <App>");
  assert.equal(s.smtp.password, "s3cr3t");
  assert.equal(s.meta.appURL, "http://localhost:8090");
});

test("the wrong key is reported clearly", () => {
  const other = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
  assert.throws(() => decryptValue(PYTHON_VECTOR, other), isEncryptionError(/encryption key is wrong/));
  assert.throws(() => readStoredSettings(PYTHON_VECTOR, other), isEncryptionError(/encryption key is wrong/));
});

test("keys that are not exactly 32 bytes are rejected", () => {
  for (const key of [KEY.slice(0, 31), KEY + "x", "", "é".repeat(16) + "x"]) {
    assert.throws(() => encryptValue("x", key), isEncryptionError(/exactly 32 bytes long/));
    assert.throws(() => decryptValue(PYTHON_VECTOR, key), isEncryptionError(/exactly 32 bytes long/));
  }
  assert.throws(() => encryptValue("x", KEY.slice(0, 31)), isEncryptionError(/got 31/));
  assert.equal(decryptValue(encryptValue("x", "é".repeat(16)), "é".repeat(16)).toString(), "x");
});

test("corrupted ciphertexts are rejected", () => {
  const bytes = Buffer.from(PYTHON_VECTOR, "base64");
  bytes[20]! ^= 1;
  assert.throws(() => decryptValue(bytes.toString("base64"), KEY), isEncryptionError(/corrupted/));
  assert.throws(() => decryptValue("not base64!", KEY), isEncryptionError(/not valid base64/));
  assert.throws(() => decryptValue("AAAA", KEY), isEncryptionError(/too short/));
});

test("stored settings are read as JSON first, as text or as a BLOB", () => {
  const json = settingsToStoredJson(mergeSettings(defaultSettings(), { meta: { appName: "Plain" } }));
  assert.equal(readStoredSettings(json).meta.appName, "Plain");
  assert.equal(readStoredSettings(json, KEY).meta.appName, "Plain");
  assert.equal(readStoredSettings(new TextEncoder().encode(json)).meta.appName, "Plain");
  assert.deepEqual(readStoredSettings("null"), defaultSettings());
});

test("encrypted settings without a key fail with a clear error", () => {
  assert.throws(() => readStoredSettings(PYTHON_VECTOR), isEncryptionError(/no encryption key is set/));
  assert.throws(() => readStoredSettings(PYTHON_VECTOR, ""), isEncryptionError(/no encryption key is set/));
});

test("encodeStoredSettings stores JSON without a key and ciphertext with one", () => {
  const s = mergeSettings(defaultSettings(), { smtp: { password: "plain-text-password" } });
  assert.equal(encodeStoredSettings(s), settingsToStoredJson(s));
  const encrypted = encodeStoredSettings(s, KEY);
  assert.doesNotMatch(encrypted, /plain-text-password/);
  assert.equal(decryptValue(encrypted, KEY).toString("utf8"), settingsToStoredJson(s));
  assert.deepEqual(readStoredSettings(encrypted, KEY), s);
});

test("a decrypted value that is not a settings object is rejected", () => {
  assert.throws(
    () => readStoredSettings(encryptValue("[1,2]", KEY), KEY),
    isEncryptionError(/not a JSON object/),
  );
});
