/**
 * Collections to and from JSON: the `_collections` row format (§7.4) and the API shape (§1.3),
 * plus the loose casting of stored or submitted auth options into a complete `AuthOptions`.
 */
import type { SQLOutputValue } from "node:sqlite";
import { parseJsonOr } from "../../tools/json.ts";
import { fieldToJson, normalizeField, type Field } from "../fields/registry.ts";
import { defaultAuthOptions } from "./collection-defaults.ts";
import {
  TOKEN_CONFIG_KEYS,
  type AuthOptions,
  type Collection,
  type CollectionType,
  type EmailTemplate,
  type OAuth2ProviderConfig,
} from "./collection-model.ts";

type Obj = { [key: string]: unknown };

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown, fallback = ""): string => (typeof v === "string" ? v : fallback);
const num = (v: unknown, fallback: number): number =>
  typeof v === "number" && Number.isFinite(v) ? v : fallback;
const bool = (v: unknown, fallback: boolean): boolean => (typeof v === "boolean" ? v : fallback);
const nullableStr = (v: unknown, fallback: string | null): string | null =>
  v === null ? null : typeof v === "string" ? v : fallback;

function emailTemplate(v: unknown, fallback: EmailTemplate): EmailTemplate {
  if (!isObj(v)) return { ...fallback };
  return { subject: str(v.subject, fallback.subject), body: str(v.body, fallback.body) };
}

function provider(v: unknown): OAuth2ProviderConfig {
  const p = isObj(v) ? v : {};
  return {
    pkce: typeof p.pkce === "boolean" ? p.pkce : null,
    name: str(p.name),
    clientId: str(p.clientId),
    clientSecret: str(p.clientSecret),
    authURL: str(p.authURL),
    tokenURL: str(p.tokenURL),
    userInfoURL: str(p.userInfoURL),
    displayName: str(p.displayName),
    extra: isObj(p.extra) ? p.extra : null,
  };
}

/**
 * Casts stored or submitted auth options onto `base` (defaults for a new collection, the stored
 * options on update): present keys override, missing keys keep `base`'s values, so omitted
 * secrets survive a PATCH like Go's json.Unmarshal into an existing struct.
 */
export function mergeAuthOptions(base: AuthOptions, raw: unknown): AuthOptions {
  const o = isObj(raw) ? raw : {};
  const sub = (key: string): Obj => (isObj(o[key]) ? o[key] : {});
  const oauth2 = sub("oauth2");
  const mapped = isObj(oauth2.mappedFields) ? oauth2.mappedFields : {};
  const out: AuthOptions = {
    authRule: "authRule" in o ? nullableStr(o.authRule, base.authRule) : base.authRule,
    manageRule: "manageRule" in o ? nullableStr(o.manageRule, base.manageRule) : base.manageRule,
    authAlert: {
      enabled: bool(sub("authAlert").enabled, base.authAlert.enabled),
      emailTemplate: emailTemplate(sub("authAlert").emailTemplate, base.authAlert.emailTemplate),
    },
    oauth2: {
      providers: Array.isArray(oauth2.providers)
        ? oauth2.providers.map((p: unknown, i) => {
            // Decoding into the existing slice element keeps an omitted clientSecret.
            const merged = provider(p);
            const previous = base.oauth2.providers[i];
            if (previous && isObj(p) && !("clientSecret" in p) && previous.name === merged.name) {
              merged.clientSecret = previous.clientSecret;
            }
            return merged;
          })
        : base.oauth2.providers.map((p) => ({ ...p })),
      mappedFields: {
        id: str(mapped.id, base.oauth2.mappedFields.id),
        name: str(mapped.name, base.oauth2.mappedFields.name),
        username: str(mapped.username, base.oauth2.mappedFields.username),
        avatarURL: str(mapped.avatarURL, base.oauth2.mappedFields.avatarURL),
      },
      enabled: bool(oauth2.enabled, base.oauth2.enabled),
    },
    passwordAuth: {
      enabled: bool(sub("passwordAuth").enabled, base.passwordAuth.enabled),
      identityFields: Array.isArray(sub("passwordAuth").identityFields)
        ? (sub("passwordAuth").identityFields as unknown[]).filter((f): f is string => typeof f === "string")
        : [...base.passwordAuth.identityFields],
    },
    mfa: {
      enabled: bool(sub("mfa").enabled, base.mfa.enabled),
      duration: num(sub("mfa").duration, base.mfa.duration),
      rule: str(sub("mfa").rule, base.mfa.rule),
    },
    otp: {
      enabled: bool(sub("otp").enabled, base.otp.enabled),
      duration: num(sub("otp").duration, base.otp.duration),
      length: num(sub("otp").length, base.otp.length),
      emailTemplate: emailTemplate(sub("otp").emailTemplate, base.otp.emailTemplate),
    },
    authToken: { ...base.authToken },
    passwordResetToken: { ...base.passwordResetToken },
    emailChangeToken: { ...base.emailChangeToken },
    verificationToken: { ...base.verificationToken },
    fileToken: { ...base.fileToken },
    verificationTemplate: emailTemplate(o.verificationTemplate, base.verificationTemplate),
    resetPasswordTemplate: emailTemplate(o.resetPasswordTemplate, base.resetPasswordTemplate),
    confirmEmailChangeTemplate: emailTemplate(o.confirmEmailChangeTemplate, base.confirmEmailChangeTemplate),
  };
  for (const key of TOKEN_CONFIG_KEYS) {
    const t = sub(key);
    out[key] = { secret: str(t.secret, base[key].secret), duration: num(t.duration, base[key].duration) };
  }
  return out;
}

function parseFields(raw: unknown): Field[] {
  const list = typeof raw === "string" ? parseJsonOr(raw, []) : raw;
  return Array.isArray(list) ? list.filter(isObj).map((f) => normalizeField(f)) : [];
}

function parseStringList(raw: unknown): string[] {
  const list = typeof raw === "string" ? parseJsonOr(raw, []) : raw;
  return Array.isArray(list) ? list.filter((v): v is string => typeof v === "string") : [];
}

const asText = (v: SQLOutputValue | undefined): string =>
  typeof v === "string" ? v : v instanceof Uint8Array ? Buffer.from(v).toString("utf8") : "";

/** Builds a collection from a `_collections` row (legacy rows included). */
export function collectionFromRow(row: { [key: string]: SQLOutputValue }): Collection {
  const type = asText(row.type) as CollectionType;
  const rule = (v: SQLOutputValue | undefined): string | null =>
    v === null || v === undefined ? null : asText(v);
  const c: Collection = {
    id: asText(row.id),
    name: asText(row.name),
    type: type === "auth" || type === "view" ? type : "base",
    system: row.system === 1 || row.system === "1" || row.system === "true",
    listRule: rule(row.listRule),
    viewRule: rule(row.viewRule),
    createRule: rule(row.createRule),
    updateRule: rule(row.updateRule),
    deleteRule: rule(row.deleteRule),
    fields: parseFields(asText(row.fields)),
    indexes: parseStringList(asText(row.indexes)),
    created: asText(row.created),
    updated: asText(row.updated),
  };
  const options = parseJsonOr(asText(row.options), {});
  if (c.type === "auth") c.auth = mergeAuthOptions(defaultAuthOptions(), options);
  if (c.type === "view") c.viewQuery = isObj(options) ? str(options.viewQuery) : "";
  return c;
}

function authOptionsJson(o: AuthOptions, withSecrets: boolean): Obj {
  const token = (t: { secret: string; duration: number }) =>
    withSecrets ? { secret: t.secret, duration: t.duration } : { duration: t.duration };
  return {
    authRule: o.authRule,
    manageRule: o.manageRule,
    authAlert: o.authAlert,
    oauth2: {
      providers: o.oauth2.providers.map((p) => {
        const { clientSecret, ...rest } = p;
        return withSecrets ? { ...rest, clientSecret, ...pickAfterSecret(p) } : rest;
      }),
      mappedFields: o.oauth2.mappedFields,
      enabled: o.oauth2.enabled,
    },
    passwordAuth: o.passwordAuth,
    mfa: o.mfa,
    otp: o.otp,
    authToken: token(o.authToken),
    passwordResetToken: token(o.passwordResetToken),
    emailChangeToken: token(o.emailChangeToken),
    verificationToken: token(o.verificationToken),
    fileToken: token(o.fileToken),
    verificationTemplate: o.verificationTemplate,
    resetPasswordTemplate: o.resetPasswordTemplate,
    confirmEmailChangeTemplate: o.confirmEmailChangeTemplate,
  };
}

// Stored provider objects keep PocketBase's key order: clientSecret sits after clientId.
function pickAfterSecret(p: OAuth2ProviderConfig): Obj {
  return {
    authURL: p.authURL,
    tokenURL: p.tokenURL,
    userInfoURL: p.userInfoURL,
    displayName: p.displayName,
    extra: p.extra,
  };
}

/** The `options` column value of a collection. */
export function collectionOptionsJson(c: Collection): Obj {
  if (c.type === "auth" && c.auth) {
    const o = authOptionsJson(c.auth, true);
    // Stored rows order each provider as PocketBase's struct: pkce, name, clientId, clientSecret, …
    (o.oauth2 as Obj).providers = c.auth.oauth2.providers.map((p) => ({
      pkce: p.pkce,
      name: p.name,
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      ...pickAfterSecret(p),
    }));
    return o;
  }
  if (c.type === "view") return { viewQuery: c.viewQuery ?? "" };
  return {};
}

/** The collection as API JSON (§1.3 key order; secrets stripped). */
export function collectionToApiJson(c: Collection): Obj {
  const out: Obj = {
    id: c.id,
    listRule: c.listRule,
    viewRule: c.viewRule,
    createRule: c.createRule,
    updateRule: c.updateRule,
    deleteRule: c.deleteRule,
    name: c.name,
    type: c.type,
    fields: c.fields.map((f) => fieldToJson(f)),
    indexes: c.indexes,
    created: c.created,
    updated: c.updated,
    system: c.system,
  };
  if (c.type === "auth" && c.auth) Object.assign(out, authOptionsJson(c.auth, false));
  if (c.type === "view") out.viewQuery = c.viewQuery ?? "";
  return out;
}

/** The collection as stored JSON in exports/imports (API shape with secrets kept). */
export function collectionToExportJson(c: Collection): Obj {
  const out = collectionToApiJson(c);
  if (c.type === "auth" && c.auth) Object.assign(out, collectionOptionsJson(c));
  return out;
}
