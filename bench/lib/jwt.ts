/**
 * HS256 tokens as PocketBase mints them (claims with sorted keys, `exp`, no `iat`), signed with
 * `record.tokenKey + collection.authToken.secret`. Used by the runner to mint user tokens and by
 * the limit server to verify and refresh them; kept apart from src/ on purpose.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

const HEADER = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url");

/** Claims of a record auth token. */
export interface AuthClaims {
  id: string;
  collectionId: string;
  type: string;
  refreshable?: boolean;
  exp?: number;
  [key: string]: unknown;
}

function sign(input: string, key: string): string {
  return createHmac("sha256", key).update(input).digest("base64url");
}

/** Signs claims (keys sorted, `exp` = now + duration). */
export function signJwt(claims: Omit<AuthClaims, "exp">, key: string, durationSeconds: number): string {
  const all: { [key: string]: unknown } = { ...claims, exp: Math.floor(Date.now() / 1000) + durationSeconds };
  const sorted: { [key: string]: unknown } = {};
  for (const k of Object.keys(all).sort()) sorted[k] = all[k];
  const body = `${HEADER}.${Buffer.from(JSON.stringify(sorted)).toString("base64url")}`;
  return `${body}.${sign(body, key)}`;
}

/** The claims without checking the signature (to find the record whose key signs it). */
export function decodeJwt(token: string): AuthClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3 || !parts[1]) return null;
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    if (claims === null || typeof claims !== "object" || Array.isArray(claims)) return null;
    return claims as AuthClaims;
  } catch {
    return null;
  }
}

/** Whether the token is signed with `key` and not expired. */
export function verifyJwt(token: string, key: string): boolean {
  const dot = token.lastIndexOf(".");
  if (dot < 0) return false;
  const expected = Buffer.from(sign(token.slice(0, dot), key));
  const actual = Buffer.from(token.slice(dot + 1));
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return false;
  const claims = decodeJwt(token);
  return claims !== null && typeof claims.exp === "number" && claims.exp > Date.now() / 1000;
}
