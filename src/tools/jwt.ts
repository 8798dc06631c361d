/**
 * HS256 JSON Web Tokens, the only algorithm PocketBase issues. Claims are encoded with sorted
 * keys (Go's map encoding) and no `iat`, so tokens look like PocketBase's byte for byte.
 * node:crypto's HMAC is enough here; a general JOSE library would add surface we never use.
 */
import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";
import { sortKeys } from "./json.ts";

/** Decoded JWT claims, untrusted until verified. */
export type JwtClaims = Record<string, unknown>;

const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url");

// HMAC keys imported once per secret: createHmac with a string key re-validates and copies it
// into a new KeyObject on every call. A record's key (tokenKey + secret) repeats on every request
// of its owner; the cache is bounded and simply starts over when full.
const MAX_KEYS = 1024;
const keys = new Map<string, KeyObject>();

function hmacKey(key: string): KeyObject {
  let object = keys.get(key);
  if (!object) {
    if (keys.size >= MAX_KEYS) keys.clear();
    object = createSecretKey(Buffer.from(key, "utf8"));
    keys.set(key, object);
  }
  return object;
}

function sign(input: string, key: string): string {
  return createHmac("sha256", hmacKey(key)).update(input).digest("base64url");
}

/** Creates an HS256 token with `exp` = now + `durationSeconds`. */
export function createJwt(claims: JwtClaims, key: string, durationSeconds: number): string {
  const payload = sortKeys({ ...claims, exp: Math.floor(Date.now() / 1000) + Math.trunc(durationSeconds) });
  const body = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${body}.${sign(body, key)}`;
}

// The last token decoded: one request decodes its token up to three times (the auth middleware,
// the signature check, the handler). Frozen, so no caller can change what the next one reads.
let lastToken = "";
let lastClaims: Readonly<JwtClaims> | null = null;

/** Decodes the claims without checking the signature; null when the token is malformed. */
export function parseUnverifiedJwt(token: string): Readonly<JwtClaims> | null {
  if (token === lastToken) return lastClaims;
  const parts = token.split(".");
  let claims: Readonly<JwtClaims> | null = null;
  if (parts.length === 3 && parts[1]) {
    try {
      const parsed: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        claims = Object.freeze(parsed as JwtClaims);
      }
    } catch {
      claims = null;
    }
  }
  lastToken = token;
  lastClaims = claims;
  return claims;
}

/**
 * Tokens whose signature was checked, with the key it was checked against: a client sends the
 * same token on every request, and the HMAC is the largest part of verifying it. Only a token
 * verified with the very key in use is spared the check; the time claims are read every time.
 * Bounded; starts over when full.
 */
const verified = new Map<string, string>();
const MAX_VERIFIED = 1024;

/**
 * Verifies an HS256 token's signature (constant time) and time claims; returns the claims or
 * null. A token without `exp` is rejected: every token Satchel and PocketBase mint has one.
 */
export function verifyJwt(token: string, key: string): JwtClaims | null {
  if (verified.get(token) !== key && !signatureValid(token, key)) return null;
  const claims = parseUnverifiedJwt(token);
  if (!claims) return null;
  const now = Date.now() / 1000;
  if (typeof claims.exp !== "number" || claims.exp <= now) return null;
  if (typeof claims.nbf === "number" && claims.nbf > now) return null;
  return claims;
}

/** Whether the token's header is HS256 and its signature matches `key` (constant time). */
function signatureValid(token: string, key: string): boolean {
  const parts = token.split(".");
  if (parts.length !== 3) return false;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  if (headerPart !== HEADER) {
    // another encoding of an HS256 header (key order, spaces) is still accepted
    let header: unknown;
    try {
      header = JSON.parse(Buffer.from(headerPart, "base64url").toString("utf8"));
    } catch {
      return false;
    }
    if (header === null || typeof header !== "object" || (header as { alg?: unknown }).alg !== "HS256")
      return false;
  }
  const expected = Buffer.from(sign(`${headerPart}.${payloadPart}`, key));
  const actual = Buffer.from(signaturePart);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return false;
  if (verified.size >= MAX_VERIFIED) verified.clear();
  verified.set(token, key);
  return true;
}
