/**
 * OAuth2 accounts in the domain (§4.5, §7.3): `_externalAuths` rows linking an auth record to a
 * provider identity, how an OAuth2 login finds its record, the sign-up payload built from the
 * provider's user, and the rules that keep a provider login from taking over, or being taken
 * over by, an account whose email nobody proved:
 *
 * - CVE-2024-38351: someone registers (unverified) with a victim's email, the victim later
 *   signs in with OAuth2 and lands in that account. Linking an unverified record therefore
 *   resets its password (and so its tokenKey: every token of the squatter dies) and drops every
 *   link it already had.
 * - CVE-2026-44166: a sign-up's `createData` claims the victim's email while the link points at
 *   the attacker's provider identity. Such a record stays unverified (its email differs from
 *   the provider's), and the moment its email is verified by any means (OAuth2 with the real
 *   owner, email verification, password reset, OTP) `bindExternalAuthSystemHooks` removes every
 *   link made before that and rotates the tokenKey, so the owner ends up alone in the account.
 */
import { downloadAvatar } from "./record-oauth2-avatar.ts";
import { randomString, ALPHANUMERIC } from "../../tools/random.ts";
import type { App } from "../app.ts";
import type { Collection } from "../collections/collection-model.ts";
import { quoteIdent } from "../db/database.ts";
import type { RecordEvent } from "../hook-events.ts";
import { validatePlainText } from "../fields/text.ts";
import { findAuthRecordByEmail, findRecordById } from "./record-query.ts";
import { findSingleColumnUniqueIndex } from "./record-auth-identity.ts";
import { deleteRecord, saveRecord } from "./record-save.ts";
import { newSystemRecord, systemCollection } from "./record-auth-system.ts";
import { Record, type AuthRecord } from "./record.ts";

/** The system collection of OAuth2 links. */
export const EXTERNAL_AUTHS = "_externalAuths";

/** The provider identity an OAuth2 login presents (a subset of the provider's AuthUser). */
export interface OAuth2Identity {
  id: string;
  name: string;
  username: string;
  /** Set only when the provider vouches for the address. */
  email: string;
  avatarURL: string;
}

/** The link of a provider identity in an auth collection, or null. */
export async function findExternalAuth(
  app: App,
  collection: Collection,
  provider: string,
  providerId: string,
): Promise<Record | null> {
  if (!providerId) return null;
  const table = systemCollection(app, EXTERNAL_AUTHS);
  const row = await app.db.get(
    `SELECT * FROM ${quoteIdent(table.name)} WHERE \`collectionRef\` = ? AND \`provider\` = ? AND \`providerId\` = ? LIMIT 1`,
    [collection.id, provider, providerId],
  );
  return row ? Record.fromRow(table, row) : null;
}

/** Every link of an auth record, oldest first. */
export async function findExternalAuthsByRecord(app: App, record: AuthRecord): Promise<Record[]> {
  const table = systemCollection(app, EXTERNAL_AUTHS);
  const rows = await app.db.all(
    `SELECT * FROM ${quoteIdent(table.name)} WHERE \`collectionRef\` = ? AND \`recordRef\` = ? ORDER BY \`created\`, \`rowid\``,
    [record.collection.id, record.id],
  );
  return rows.map((row) => Record.fromRow(table, row));
}

/** Deletes every link of an auth record (through the delete hooks); returns how many went. */
export async function deleteExternalAuthsByRecord(app: App, record: AuthRecord): Promise<number> {
  const links = await findExternalAuthsByRecord(app, record);
  for (const link of links) await deleteRecord(app, link);
  return links.length;
}

/** Links a provider identity to an auth record. */
export async function createExternalAuth(
  app: App,
  record: AuthRecord,
  provider: string,
  providerId: string,
): Promise<Record> {
  const link = newSystemRecord(app, EXTERNAL_AUTHS, record);
  link.set("provider", provider);
  link.set("providerId", providerId);
  await saveRecord(app, link);
  return link;
}

/** Where an OAuth2 login lands before hooks run. */
export interface OAuth2Resolution {
  /** The record to authenticate, or null for a sign-up (or a dangling link). */
  record: AuthRecord | null;
  /** The existing link of this identity, if any. */
  externalAuth: Record | null;
}

/**
 * Resolves the record of an OAuth2 login, in PocketBase's order: the identity's existing link,
 * else the record already authenticated in this collection (linking a new provider to it),
 * else the record with the provider's (verified) email, else none.
 */
export async function resolveOAuth2Record(
  app: App,
  collection: Collection,
  provider: string,
  identity: Pick<OAuth2Identity, "id" | "email">,
  currentAuth: AuthRecord | null,
): Promise<OAuth2Resolution> {
  const externalAuth = await findExternalAuth(app, collection, provider, identity.id);
  if (externalAuth) {
    // A link whose record is gone (deletes cascade, so only after manual edits) resolves to
    // no record: the caller answers 404 like PocketBase.
    return {
      record: await findRecordById(app, collection, externalAuth.getString("recordRef")),
      externalAuth,
    };
  }
  if (currentAuth && currentAuth.collection.id === collection.id) {
    return { record: currentAuth, externalAuth: null };
  }
  if (identity.email) {
    return { record: await findAuthRecordByEmail(app, collection, identity.email), externalAuth: null };
  }
  return { record: null, externalAuth: null };
}

/** Whether the OAuth2 username may go into the mapped username field (valid and unused). */
async function canAssignUsername(app: App, collection: Collection, fieldName: string, username: string) {
  const field = collection.fields.find((f) => f.name === fieldName);
  if (!field || field.type !== "text") return false;
  const index = findSingleColumnUniqueIndex(collection.indexes, fieldName);
  if (index) {
    const nocase = index.collate.toLowerCase() === "nocase" ? " COLLATE NOCASE" : "";
    const taken = await app.db.get(
      `SELECT 1 FROM ${quoteIdent(collection.name)} WHERE ${quoteIdent(fieldName)} = ?${nocase} LIMIT 1`,
      [username],
    );
    if (taken) return false;
  }
  return validatePlainText(field, username) === null;
}

/**
 * The body of an OAuth2 sign-up: the client's `createData`, the provider's email when the
 * client sent none, and the collection's mapped fields (id, name, username when valid and
 * unused, avatar URL) unless the client set them. The email the client sends is kept, but a
 * record only becomes verified when its email equals the provider's (see `finishOAuth2SignUp`).
 */
export async function oauth2SignUpBody(
  app: App,
  collection: Collection & { auth: NonNullable<Collection["auth"]> },
  identity: OAuth2Identity,
  createData: { [key: string]: unknown },
): Promise<{ [key: string]: unknown }> {
  const body: { [key: string]: unknown } = { ...createData };
  if (typeof body.email !== "string" || body.email === "") body.email = identity.email;
  const mapped = collection.auth.oauth2.mappedFields;
  if (mapped.id && !(mapped.id in body)) body[mapped.id] = identity.id;
  if (mapped.name && !(mapped.name in body)) body[mapped.name] = identity.name;
  if (
    mapped.username &&
    !(mapped.username in body) &&
    (await canAssignUsername(app, collection, mapped.username, identity.username))
  ) {
    body[mapped.username] = identity.username;
  }
  if (mapped.avatarURL && !(mapped.avatarURL in body) && identity.avatarURL) {
    const field = collection.fields.find((f) => f.name === mapped.avatarURL);
    if (field?.type === "file") {
      // Downloaded as an upload (public addresses only, ≤32 MiB); a failure leaves it empty.
      const avatar = await downloadAvatar(identity.avatarURL);
      if (avatar) body[mapped.avatarURL] = avatar;
    } else if (field) {
      body[mapped.avatarURL] = identity.avatarURL;
    }
  }
  return body;
}

/** The password an OAuth2 sign-up gets when the client sent none (30 random characters). */
export function randomOAuth2Password(): string {
  return randomString(30, ALPHANUMERIC);
}

/**
 * After an OAuth2 sign-up: the new record is verified when its email is the provider's (also
 * when both are empty, as PocketBase). A different, client-chosen email stays unverified.
 */
export async function finishOAuth2SignUp(
  app: App,
  record: AuthRecord,
  identity: OAuth2Identity,
): Promise<void> {
  if (record.verified || record.email !== identity.email) return;
  record.set("verified", true);
  await saveRecord(app, record);
}

/**
 * Applies an OAuth2 login to an existing record and tells whether its link must be (re)created:
 * - an unverified record that is not the requester's own gets a random password (anti
 *   pre-hijack: whoever registered it with this email loses the password and every token);
 * - an unverified record loses every link it had (they were made before anyone proved the
 *   email, so the one being used now is recreated);
 * - an empty email is filled with the provider's;
 * - the record becomes verified when its email is empty or equals the provider's.
 */
export async function applyOAuth2Login(
  app: App,
  record: AuthRecord,
  identity: OAuth2Identity,
  isRequesterRecord: boolean,
): Promise<{ linksCleared: boolean }> {
  let changed = false;
  let linksCleared = false;
  if (!record.verified) {
    if (!isRequesterRecord) {
      await record.setPassword(randomOAuth2Password());
      changed = true;
    }
    await deleteExternalAuthsByRecord(app, record);
    linksCleared = true;
  }
  if (record.email === "" && identity.email !== "") {
    record.set("email", identity.email);
    changed = true;
  }
  if (!record.verified && (record.email === "" || record.email === identity.email)) {
    record.set("verified", true);
    changed = true;
  }
  if (changed) await saveRecord(app, record);
  return { linksCleared };
}

const VERIFIED_UPGRADE_HOOK_ID = "__satchelExternalAuthsVerifiedUpgrade__";

/**
 * Binds the system rule behind the CVE-2026-44166 fix: when an auth record goes from
 * unverified to verified (by whatever means), every OAuth2 link it had is deleted and its
 * tokenKey rotated. Those links were made while nobody had proved the email. Idempotent.
 */
export function bindExternalAuthSystemHooks(app: App): void {
  app.hooks.onRecordUpdateExecute.bind({
    id: VERIFIED_UPGRADE_HOOK_ID,
    priority: 99,
    func: async (e: RecordEvent) => {
      const record = e.record;
      const upgraded =
        record.collection.type === "auth" &&
        !record.isNew &&
        record.original("verified") === false &&
        record.verified;
      if (upgraded && e.app.findCollectionByNameOrId(EXTERNAL_AUTHS)) {
        if ((await deleteExternalAuthsByRecord(e.app, record)) > 0) record.refreshTokenKey();
      }
      await e.next();
    },
  });
}
