/**
 * Optional encryption of the stored settings (`--encryptionEnv NAME`). The format is
 * PocketBase's: base64 (standard alphabet, padded) of a 12-byte random nonce followed by the
 * AES-256-GCM ciphertext and its 16-byte tag, which is what Go's `gcm.Seal(nonce, nonce, …)`
 * produces. The key is the environment variable's value taken as UTF-8 bytes.
 *
 * Security note: this only keeps secrets out of a copied `data.db`; the key lives in the
 * process environment, and backups hold the ciphertext next to nothing else that protects it.
 */

import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { normalizeSettings, settingsToStoredJson } from "./settings-model.ts";
import type { Settings } from "./settings-model.ts";

const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const KEY_SIZE = 32;

/** Why stored settings could not be read or written (bad key, wrong key, corrupt value). */
export class SettingsEncryptionError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SettingsEncryptionError";
  }
}

/** Encrypts data with a 32-byte key into `base64(nonce || ciphertext || tag)`. */
export function encryptValue(data: string | Uint8Array, key: string): string {
  const nonce = randomBytes(NONCE_SIZE);
  const cipher = createCipheriv("aes-256-gcm", keyBytes(key), nonce);
  const body = Buffer.concat([cipher.update(data), cipher.final(), cipher.getAuthTag()]);
  return Buffer.concat([nonce, body]).toString("base64");
}

/** Decrypts `base64(nonce || ciphertext || tag)`; throws `SettingsEncryptionError` on any failure. */
export function decryptValue(cipherText: string, key: string): Buffer {
  const secret = keyBytes(key);
  const compact = cipherText.replace(/[\r\n]/g, "");
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) {
    throw new SettingsEncryptionError("The encrypted settings value is not valid base64.");
  }
  const bytes = Buffer.from(compact, "base64");
  if (bytes.length < NONCE_SIZE + TAG_SIZE) {
    throw new SettingsEncryptionError("The encrypted settings value is too short to hold a nonce and a tag.");
  }
  const decipher = createDecipheriv("aes-256-gcm", secret, bytes.subarray(0, NONCE_SIZE));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_SIZE));
  try {
    return Buffer.concat([
      decipher.update(bytes.subarray(NONCE_SIZE, bytes.length - TAG_SIZE)),
      decipher.final(),
    ]);
  } catch (cause) {
    throw new SettingsEncryptionError(
      "Failed to decrypt the stored settings: the encryption key is wrong or the value is corrupted.",
      { cause },
    );
  }
}

/**
 * Reads a stored `_params.value` (text or the BLOB PocketBase writes): JSON first, else
 * decrypted with `encryptionKey`. The JSON is read leniently (see `normalizeSettings`), so a
 * stored value with missing or odd keys still loads, completed from the defaults.
 */
export function readStoredSettings(raw: string | Uint8Array, encryptionKey?: string): Settings {
  const text = typeof raw === "string" ? raw : Buffer.from(raw).toString("utf8");
  const plain = parseObject(text);
  if (plain !== undefined) return normalizeSettings(plain);

  if (encryptionKey === undefined || encryptionKey === "") {
    throw new SettingsEncryptionError(
      "The stored settings are not valid JSON and no encryption key is set to decrypt them " +
        "(start with the same --encryptionEnv variable that encrypted them).",
    );
  }
  const decrypted = parseObject(decryptValue(text.trim(), encryptionKey).toString("utf8"));
  if (decrypted === undefined) {
    throw new SettingsEncryptionError("The decrypted settings are not a JSON object.");
  }
  return normalizeSettings(decrypted);
}

/** The `_params.value` to store: the settings JSON, encrypted when a key is given. */
export function encodeStoredSettings(s: Settings, encryptionKey?: string): string {
  const json = settingsToStoredJson(s);
  return encryptionKey === undefined || encryptionKey === "" ? json : encryptValue(json, encryptionKey);
}

function keyBytes(key: string): Buffer {
  const bytes = Buffer.from(key, "utf8");
  if (bytes.length !== KEY_SIZE) {
    throw new SettingsEncryptionError(
      `The settings encryption key must be exactly ${KEY_SIZE} bytes long (AES-256), got ${bytes.length}.`,
    );
  }
  return bytes;
}

// Like PocketBase, a value counts as plain JSON only when it decodes into the settings object
// (an object, or `null`, which changes nothing).
function parseObject(text: string): object | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (value === null) return {};
  return typeof value === "object" && !Array.isArray(value) ? value : undefined;
}
