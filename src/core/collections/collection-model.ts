/**
 * The collection model: plain data as stored in `_collections`, with the auth and view options
 * flattened in as PocketBase's API shows them. Conversion from a stored row and to the API or
 * DB shape lives here; validation and schema sync live in their own files.
 */
import type { Field } from "../fields/registry.ts";

/** The three collection types. */
export type CollectionType = "base" | "auth" | "view";

/** One token type's signing secret and lifetime. */
export interface TokenConfig {
  secret: string;
  duration: number;
}

/** An email's subject and HTML body with `{PLACEHOLDER}`s. */
export interface EmailTemplate {
  subject: string;
  body: string;
}

/** An OAuth2 provider configured on an auth collection. */
export interface OAuth2ProviderConfig {
  pkce: boolean | null;
  name: string;
  clientId: string;
  clientSecret: string;
  authURL: string;
  tokenURL: string;
  userInfoURL: string;
  displayName: string;
  extra: Record<string, unknown> | null;
}

/** Options of auth collections (§4.1), in PocketBase's key order. */
export interface AuthOptions {
  authRule: string | null;
  manageRule: string | null;
  authAlert: { enabled: boolean; emailTemplate: EmailTemplate };
  oauth2: {
    providers: OAuth2ProviderConfig[];
    mappedFields: { id: string; name: string; username: string; avatarURL: string };
    enabled: boolean;
  };
  passwordAuth: { enabled: boolean; identityFields: string[] };
  mfa: { enabled: boolean; duration: number; rule: string };
  otp: { enabled: boolean; duration: number; length: number; emailTemplate: EmailTemplate };
  authToken: TokenConfig;
  passwordResetToken: TokenConfig;
  emailChangeToken: TokenConfig;
  verificationToken: TokenConfig;
  fileToken: TokenConfig;
  verificationTemplate: EmailTemplate;
  resetPasswordTemplate: EmailTemplate;
  confirmEmailChangeTemplate: EmailTemplate;
}

/** The token types that have a config on auth collections. */
export const TOKEN_CONFIG_KEYS = [
  "authToken",
  "passwordResetToken",
  "emailChangeToken",
  "verificationToken",
  "fileToken",
] as const;

/** A token config key. */
export type TokenConfigKey = (typeof TOKEN_CONFIG_KEYS)[number];

/** The auth option keys, as they stand flattened in an auth collection's JSON (§4.1 order). */
export const AUTH_KEYS = [
  "authRule",
  "manageRule",
  "authAlert",
  "oauth2",
  "passwordAuth",
  "mfa",
  "otp",
  "authToken",
  "passwordResetToken",
  "emailChangeToken",
  "verificationToken",
  "fileToken",
  "verificationTemplate",
  "resetPasswordTemplate",
  "confirmEmailChangeTemplate",
] as const;

/** The keys of every API rule. */
export const RULE_KEYS = ["listRule", "viewRule", "createRule", "updateRule", "deleteRule"] as const;

/** A collection: base, auth (with `auth` options) or view (with `viewQuery`). */
export interface Collection {
  id: string;
  name: string;
  type: CollectionType;
  system: boolean;
  listRule: string | null;
  viewRule: string | null;
  createRule: string | null;
  updateRule: string | null;
  deleteRule: string | null;
  fields: Field[];
  indexes: string[];
  created: string;
  updated: string;
  /** Options of auth collections (present iff type is auth). */
  auth?: AuthOptions;
  /** The SELECT of view collections (present iff type is view). */
  viewQuery?: string;
}

/** Whether the collection is an auth collection (and so has `auth` options). */
export function isAuthCollection(c: Collection): c is Collection & { auth: AuthOptions } {
  return c.type === "auth" && c.auth !== undefined;
}

/** Finds a field by name (case-sensitive, as PocketBase's GetByName). */
export function findField(c: Pick<Collection, "fields">, name: string): Field | undefined {
  return c.fields.find((f) => f.name === name);
}

/** Deep copy, so hooks and validation can change a collection without touching the cache. */
export function cloneCollection(c: Collection): Collection {
  return structuredClone(c);
}

/** The superusers collection's fixed name. */
export const SUPERUSERS = "_superusers";
