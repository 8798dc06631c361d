/**
 * `$security` (jsvm-surface §3.4): random strings, hashes, HMACs, constant-time compare, HS256
 * JWTs and AES-256-GCM, with PocketBase's output formats (lowercase hex, std base64 with the
 * 12-byte nonce first, JWT claims in Go's sorted-key encoding). Everything runs in the worker.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from "node:crypto";
import { goJsonMarshal, toGoString } from "../../core/fields/cast.ts";
import { ALPHANUMERIC, randomString, randomStringByRegex } from "../../tools/random.ts";
import { bytesOf } from "./bytes.ts";
import { GoError } from "./errors.ts";

type Claims = { [key: string]: unknown };

const text = (v: unknown): string => toGoString(v);

function dataBytes(v: unknown): Buffer {
  return bytesOf(v) ?? (Array.isArray(v) ? Buffer.from(v.map(Number)) : Buffer.from(text(v), "utf8"));
}

function pseudorandom(length: number, alphabet: string): string {
  const chars = [...alphabet];
  if (chars.length === 0) throw new GoError("empty alphabet");
  let out = "";
  for (let i = 0; i < length; i++) out += chars[Math.floor(Math.random() * chars.length)];
  return out;
}

const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url");

function sign(input: string, key: string): string {
  return createHmac("sha256", key).update(input).digest("base64url");
}

function decodePart(part: string): unknown {
  return JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
}

/** Decodes a token's claims and checks its time claims (exp, nbf), as golang-jwt does. */
function claimsOf(token: string): Claims {
  const parts = text(token).split(".");
  if (parts.length !== 3)
    throw new GoError("token is malformed: token contains an invalid number of segments");
  let claims: unknown;
  try {
    claims = decodePart(parts[1] ?? "");
  } catch {
    throw new GoError("token is malformed: could not JSON decode claim");
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
    throw new GoError("token is malformed: could not JSON decode claim");
  }
  const c = claims as Claims;
  const now = Date.now() / 1000;
  if (typeof c.exp === "number" && now >= c.exp)
    throw new GoError("token has invalid claims: token is expired");
  if (typeof c.nbf === "number" && now < c.nbf) {
    throw new GoError("token has invalid claims: token is not valid yet");
  }
  return c;
}

/** The `$security` namespace. */
export const security = {
  /** A cryptographically random `[A-Za-z0-9]` string. */
  randomString: (length: number): string => randomString(Math.max(0, Math.trunc(length)), ALPHANUMERIC),
  /** A cryptographically random string from `alphabet`. */
  randomStringWithAlphabet: (length: number, alphabet: string): string =>
    randomString(Math.max(0, Math.trunc(length)), text(alphabet)),
  /** A random string matching a Go regex, e.g. `[a-z0-9]{15}` (flags are accepted and ignored). */
  randomStringByRegex: (pattern: string, ..._flags: number[]): string => {
    try {
      return randomStringByRegex(text(pattern));
    } catch (err) {
      throw new GoError(err instanceof Error ? err.message : String(err));
    }
  },
  /** A fast non-cryptographic random `[A-Za-z0-9]` string. */
  pseudorandomString: (length: number): string => pseudorandom(Math.max(0, Math.trunc(length)), ALPHANUMERIC),
  /** A fast non-cryptographic random string from `alphabet`. */
  pseudorandomStringWithAlphabet: (length: number, alphabet: string): string =>
    pseudorandom(Math.max(0, Math.trunc(length)), text(alphabet)),
  /** Lowercase hex MD5. */
  md5: (s: string): string => createHash("md5").update(text(s)).digest("hex"),
  /** Lowercase hex SHA-256. */
  sha256: (s: string): string => createHash("sha256").update(text(s)).digest("hex"),
  /** Lowercase hex SHA-512. */
  sha512: (s: string): string => createHash("sha512").update(text(s)).digest("hex"),
  /** Lowercase hex HMAC-SHA256. */
  hs256: (s: string, secret: string): string =>
    createHmac("sha256", text(secret)).update(text(s)).digest("hex"),
  /** Lowercase hex HMAC-SHA512. */
  hs512: (s: string, secret: string): string =>
    createHmac("sha512", text(secret)).update(text(s)).digest("hex"),
  /** Constant-time string comparison. */
  equal: (a: string, b: string): boolean => {
    const x = Buffer.from(text(a));
    const y = Buffer.from(text(b));
    return x.length === y.length && timingSafeEqual(x, y);
  },
  /** An HS256 JWT; `exp` = now + `secDuration` unless the payload sets it. */
  createJWT: (payload: unknown, signingKey: string, secDuration: number): string => {
    const claims: Claims = { exp: Math.floor(Date.now() / 1000) + Math.trunc(Number(secDuration) || 0) };
    if (typeof payload === "object" && payload !== null) Object.assign(claims, payload);
    const body = `${HEADER}.${Buffer.from(goJsonMarshal(claims)).toString("base64url")}`;
    return `${body}.${sign(body, text(signingKey))}`;
  },
  /** The claims of a token, without checking its signature (time claims are still checked). */
  parseUnverifiedJWT: (token: string): Claims => claimsOf(token),
  /** The claims of an HS256 token after checking its signature and time claims. */
  parseJWT: (token: string, verificationKey: string): Claims => {
    const parts = text(token).split(".");
    if (parts.length !== 3)
      throw new GoError("token is malformed: token contains an invalid number of segments");
    const [headerPart = "", payloadPart = "", signaturePart = ""] = parts;
    let header: unknown;
    try {
      header = decodePart(headerPart);
    } catch {
      throw new GoError("token is malformed: could not JSON decode header");
    }
    if (typeof header !== "object" || header === null || (header as { alg?: unknown }).alg !== "HS256") {
      throw new GoError("token is unverifiable: error while executing keyfunc: unexpected signing method");
    }
    const expected = Buffer.from(sign(`${headerPart}.${payloadPart}`, text(verificationKey)));
    const actual = Buffer.from(signaturePart);
    if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
      throw new GoError("token signature is invalid: signature is invalid");
    }
    return claimsOf(text(token));
  },
  /** AES-256-GCM: std base64 of nonce (12 bytes) + ciphertext + tag. The key must be 32 bytes. */
  encrypt: (data: unknown, key: string): string => {
    const k = Buffer.from(text(key));
    if (k.length !== 32) throw new GoError(`crypto/aes: invalid key size ${k.length}`);
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", k, nonce);
    const sealed = Buffer.concat([cipher.update(dataBytes(data)), cipher.final(), cipher.getAuthTag()]);
    return Buffer.concat([nonce, sealed]).toString("base64");
  },
  /** Decrypts what `encrypt` produced. */
  decrypt: (cipherText: string, key: string): string => {
    const k = Buffer.from(text(key));
    if (k.length !== 32) throw new GoError(`crypto/aes: invalid key size ${k.length}`);
    const raw = Buffer.from(text(cipherText), "base64");
    if (raw.length < 12 + 16) throw new GoError("cipher: message authentication failed");
    const decipher = createDecipheriv("aes-256-gcm", k, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    try {
      return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
        "utf8",
      );
    } catch {
      throw new GoError("cipher: message authentication failed");
    }
  },
};
