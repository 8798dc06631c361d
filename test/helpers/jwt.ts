/**
 * HS256 tokens built the way PocketBase builds them (tools/security/jwt.go): header
 * `{"alg":"HS256","typ":"JWT"}`, claims in Go map order (sorted keys), signed with the
 * record's `tokenKey` followed by the collection's `<type>Token.secret`.
 */
import { createHmac } from "node:crypto";
import { query } from "./sqlite.ts";

const b64 = (value: string | Buffer) => Buffer.from(value).toString("base64url");

/** Signs claims (keys sorted) with a key. */
export function signJwt(
  claims: Record<string, unknown>,
  key: string,
  header = { alg: "HS256", typ: "JWT" },
): string {
  const sorted: Record<string, unknown> = {};
  for (const k of Object.keys(claims).sort()) sorted[k] = claims[k];
  const body = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(sorted))}`;
  return `${body}.${createHmac("sha256", key).update(body).digest("base64url")}`;
}

/** The signing key of an auth record for a token type, read from a data folder. */
export function signingKey(
  dir: string,
  collection: string,
  recordId: string,
  tokenOption = "authToken",
): string {
  const row = query(dir, "SELECT options FROM _collections WHERE name = ?", collection)[0];
  if (!row) throw new Error(`no collection ${collection}`);
  const options = JSON.parse(String(row.options)) as Record<string, { secret: string }>;
  const record = query(dir, `SELECT tokenKey FROM \`${collection}\` WHERE id = ?`, recordId)[0];
  if (!record) throw new Error(`no record ${recordId} in ${collection}`);
  return String(record.tokenKey) + options[tokenOption]!.secret;
}

/** An auth token for a record, as PocketBase mints it (`exp` = now + seconds). */
export function authToken(
  dir: string,
  collection: string,
  recordId: string,
  opts: { seconds?: number; refreshable?: boolean; type?: string } = {},
): string {
  const collectionId = String(query(dir, "SELECT id FROM _collections WHERE name = ?", collection)[0]!.id);
  return signJwt(
    {
      collectionId,
      exp: Math.floor(Date.now() / 1000) + (opts.seconds ?? 3600),
      id: recordId,
      refreshable: opts.refreshable ?? true,
      type: opts.type ?? "auth",
    },
    signingKey(dir, collection, recordId),
  );
}

/** The decoded parts of a token. */
export function decodeJwt(token: string): {
  header: unknown;
  claims: Record<string, unknown>;
  raw: string[];
} {
  const raw = token.split(".");
  return {
    header: JSON.parse(Buffer.from(raw[0]!, "base64url").toString()),
    claims: JSON.parse(Buffer.from(raw[1]!, "base64url").toString()) as Record<string, unknown>,
    raw,
  };
}
