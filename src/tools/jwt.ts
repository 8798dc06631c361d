/**
 * HS256 JSON Web Tokens, the only algorithm PocketBase issues. Claims are encoded with sorted
 * keys (Go's map encoding) and no `iat`, so tokens look like PocketBase's byte for byte.
 * node:crypto's HMAC is enough here; a general JOSE library would add surface we never use.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { sortKeys } from "./json.ts";

/** Decoded JWT claims, untrusted until verified. */
export type JwtClaims = Record<string, unknown>;

const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url");

function sign(input: string, key: string): string {
  return createHmac("sha256", key).update(input).digest("base64url");
}

/** Creates an HS256 token with `exp` = now + `durationSeconds`. */
export function createJwt(claims: JwtClaims, key: string, durationSeconds: number): string {
  const payload = sortKeys({ ...claims, exp: Math.floor(Date.now() / 1000) + Math.trunc(durationSeconds) });
  const body = `${HEADER}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}`;
  return `${body}.${sign(body, key)}`;
}

/** Decodes the claims without checking the signature; null when the token is malformed. */
export function parseUnverifiedJwt(token: string): JwtClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    return claims !== null && typeof claims === "object" && !Array.isArray(claims)
      ? (claims as JwtClaims)
      : null;
  } catch {
    return null;
  }
}

/**
 * Verifies an HS256 token's signature (constant time) and time claims; returns the claims or
 * null. A token without `exp` is rejected: every token Satchel and PocketBase mint has one.
 */
export function verifyJwt(token: string, key: string): JwtClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(headerPart, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (header === null || typeof header !== "object" || (header as { alg?: unknown }).alg !== "HS256")
    return null;
  const expected = Buffer.from(sign(`${headerPart}.${payloadPart}`, key));
  const actual = Buffer.from(signaturePart);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  const claims = parseUnverifiedJwt(token);
  if (!claims) return null;
  const now = Date.now() / 1000;
  if (typeof claims.exp !== "number" || claims.exp <= now) return null;
  if (typeof claims.nbf === "number" && claims.nbf > now) return null;
  return claims;
}
