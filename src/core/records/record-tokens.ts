/**
 * Record tokens (§4.2): HS256 JWTs signed with `record.tokenKey + collection.<type>.secret`,
 * so rotating either invalidates every outstanding token. Verification decodes the claims
 * unverified only to find the record, then checks the signature with that record's key.
 */
import { createJwt, parseUnverifiedJwt, verifyJwt } from "../../tools/jwt.ts";
import type { App } from "../app.ts";
import type { TokenConfigKey } from "../collections/collection-model.ts";
import type { Record } from "./record.ts";
import { findAuthRecordById } from "./record-auth-cache.ts";

/** The token types and the collection option holding each one's secret and duration. */
export const TOKEN_TYPES = {
  auth: "authToken",
  file: "fileToken",
  verification: "verificationToken",
  passwordReset: "passwordResetToken",
  emailChange: "emailChangeToken",
} as const satisfies { [type: string]: TokenConfigKey };

/** A token type. */
export type TokenType = keyof typeof TOKEN_TYPES;

function config(record: Record, type: TokenType): { secret: string; duration: number } {
  const auth = record.collection.auth;
  if (!auth) throw new Error(`Collection ${record.collection.name} is not an auth collection.`);
  return auth[TOKEN_TYPES[type]];
}

/** Signs a token of a type for an auth record with extra claims. */
export function newRecordToken(
  record: Record,
  type: TokenType,
  claims: { [key: string]: unknown } = {},
  durationSeconds?: number,
): string {
  const { secret, duration } = config(record, type);
  return createJwt(
    { ...claims, type, id: record.id, collectionId: record.collection.id },
    record.tokenKey + secret,
    durationSeconds && durationSeconds > 0 ? durationSeconds : duration,
  );
}

/** A refreshable auth token. */
export function newAuthToken(record: Record): string {
  return newRecordToken(record, "auth", { refreshable: true });
}

/** A non-refreshable auth token with its own duration (impersonation, installer). */
export function newStaticAuthToken(record: Record, durationSeconds: number): string {
  return newRecordToken(record, "auth", { refreshable: false }, durationSeconds);
}

/**
 * Finds the auth record a token belongs to and verifies it for the given type; null when the
 * token is malformed, expired, of another type, or signed with a stale key.
 */
export async function findAuthRecordByToken(
  app: App,
  token: string,
  type: TokenType,
): Promise<{ record: Record; claims: { [key: string]: unknown } } | null> {
  const unverified = parseUnverifiedJwt(token);
  if (!unverified) return null;
  const { id, collectionId, type: claimType } = unverified;
  if (
    typeof id !== "string" ||
    !id ||
    typeof collectionId !== "string" ||
    !collectionId ||
    claimType !== type
  ) {
    return null;
  }
  const collection = app.findCollectionByNameOrId(collectionId);
  if (!collection || collection.type !== "auth" || collection.id !== collectionId) return null;
  const record = await findAuthRecordById(app, collection, id);
  if (!record) return null;
  const claims = verifyJwt(token, record.tokenKey + config(record, type).secret);
  return claims ? { record, claims } : null;
}
