/**
 * The application settings, as PocketBase stores them in `_params` (row `settings`) and
 * serves them from `/api/settings`. Key order everywhere is PocketBase's struct order, so
 * stored values and API responses are byte-compatible.
 *
 * Secrets: `smtp.password` is always stored (even when empty) and never returned by the API;
 * `s3.secret` and `backups.s3.secret` are stored only when non-empty and never returned.
 */

import { encodeJson } from "../../tools/json.ts";
import { ListSlot, decodeWithTable, encodeWithTable } from "./settings-shape.ts";
import type { Table } from "./settings-shape.ts";

export { SettingsDecodeError } from "./settings-shape.ts";

/** SMTP mailer options; disabled means mail goes through the local `sendmail` binary. */
export interface SmtpConfig {
  enabled: boolean;
  port: number;
  host: string;
  username: string;
  /** Stored, never returned by the API. */
  password: string;
  /** "", "PLAIN" or "LOGIN" ("" falls back to PLAIN). */
  authMethod: string;
  tls: boolean;
  /** Optional EHLO/HELO name. */
  localName: string;
}

/** An S3-compatible storage (files or backups). */
export interface S3Config {
  enabled: boolean;
  bucket: string;
  region: string;
  endpoint: string;
  accessKey: string;
  /** Stored only when non-empty, never returned by the API. */
  secret: string;
  forcePathStyle: boolean;
}

/** Automatic backups. */
export interface BackupsConfig {
  /** Cron expression or macro; "" disables automatic backups. */
  cron: string;
  /** How many automatic backups to keep. */
  cronMaxKeep: number;
  /** Where backups go when enabled (independent of the files storage S3). */
  s3: S3Config;
}

/** Application identity, used in mails and the dashboard. */
export interface MetaConfig {
  /** Dashboard accent colour, `#rrggbb`. */
  accentColor: string;
  appName: string;
  appURL: string;
  senderName: string;
  senderAddress: string;
  hideControls: boolean;
}

/** One rate limit rule: at most `maxRequests` per `duration` seconds per client IP. */
export interface RateLimitRule {
  /** `METHOD /path`, `/path` (a prefix when it ends with `/`), `collection:tag`, `*:tag` or a bare tag. */
  label: string;
  /** "" (everyone), "@guest" or "@auth". */
  audience: string;
  duration: number;
  maxRequests: number;
}

/** Rate limiting. */
export interface RateLimitsConfig {
  rules: RateLimitRule[];
  /** IPs or CIDR ranges never rate limited. */
  excludedIPs: string[];
  enabled: boolean;
}

/** Headers trusted to carry the client IP when behind a proxy. */
export interface TrustedProxyConfig {
  headers: string[];
  useLeftmostIP: boolean;
}

/** The batch API. */
export interface BatchConfig {
  enabled: boolean;
  maxRequests: number;
  /** Seconds; ≤ 0 means 3. */
  timeout: number;
  /** Bytes; 0 means 128 MiB. */
  maxBodySize: number;
}

/** Request and app logs. */
export interface LogsConfig {
  /** 0 disables database logging. */
  maxDays: number;
  /** slog level: -4 debug, 0 info, 4 warn, 8 error. */
  minLevel: number;
  logIP: boolean;
  logAuthId: boolean;
}

/** The whole settings object, keys in PocketBase's order. */
export interface Settings {
  /** When non-empty, superuser requests are only accepted from these IPs or CIDR ranges. */
  superuserIPs: string[];
  smtp: SmtpConfig;
  backups: BackupsConfig;
  s3: S3Config;
  meta: MetaConfig;
  rateLimits: RateLimitsConfig;
  trustedProxy: TrustedProxyConfig;
  batch: BatchConfig;
  logs: LogsConfig;
}

/** An S3 config as the API shows it. */
export type RedactedS3Config = Omit<S3Config, "secret">;

/** The settings as `/api/settings` returns them: no `smtp.password`, no S3 `secret`s. */
export interface RedactedSettings extends Omit<Settings, "smtp" | "s3" | "backups"> {
  smtp: Omit<SmtpConfig, "password">;
  backups: Omit<BackupsConfig, "s3"> & { s3: RedactedS3Config };
  s3: RedactedS3Config;
}

const S3_TABLE = {
  enabled: "bool",
  bucket: "string",
  region: "string",
  endpoint: "string",
  accessKey: "string",
  secret: "secret,omitempty",
  forcePathStyle: "bool",
} as const satisfies Table<S3Config>;

// The key order of these tables is the JSON key order.
const SETTINGS_TABLE = {
  superuserIPs: new ListSlot("string"),
  smtp: {
    enabled: "bool",
    port: "int",
    host: "string",
    username: "string",
    password: "secret",
    authMethod: "string",
    tls: "bool",
    localName: "string",
  },
  backups: { cron: "string", cronMaxKeep: "int", s3: S3_TABLE },
  s3: S3_TABLE,
  meta: {
    accentColor: "string",
    appName: "string",
    appURL: "string",
    senderName: "string",
    senderAddress: "string",
    hideControls: "bool",
  },
  rateLimits: {
    rules: new ListSlot({ label: "string", audience: "string", duration: "int", maxRequests: "int" }),
    excludedIPs: new ListSlot("string"),
    enabled: "bool",
  },
  trustedProxy: { headers: new ListSlot("string"), useLeftmostIP: "bool" },
  batch: { enabled: "bool", maxRequests: "int", timeout: "int", maxBodySize: "int" },
  logs: { maxDays: "int", minLevel: "int", logIP: "bool", logAuthId: "bool" },
} as const satisfies Table<Settings>;

function defaultS3(): S3Config {
  return {
    enabled: false,
    bucket: "",
    region: "",
    endpoint: "",
    accessKey: "",
    secret: "",
    forcePathStyle: false,
  };
}

/** PocketBase's defaults for a fresh install (a new object on every call). */
export function defaultSettings(): Settings {
  return {
    superuserIPs: [],
    smtp: {
      enabled: false,
      port: 587,
      host: "smtp.example.com",
      username: "",
      password: "",
      authMethod: "",
      tls: false,
      localName: "",
    },
    backups: { cron: "", cronMaxKeep: 3, s3: defaultS3() },
    s3: defaultS3(),
    meta: {
      accentColor: "#1055c9",
      appName: "Acme",
      appURL: "http://localhost:8090",
      senderName: "Support",
      senderAddress: "support@example.com",
      hideControls: false,
    },
    rateLimits: {
      rules: [
        { label: "*:auth", audience: "", duration: 3, maxRequests: 2 },
        { label: "*:create", audience: "", duration: 5, maxRequests: 20 },
        { label: "/api/batch", audience: "", duration: 1, maxRequests: 3 },
        { label: "/api/", audience: "", duration: 10, maxRequests: 300 },
      ],
      excludedIPs: [],
      enabled: false,
    },
    trustedProxy: { headers: [], useLeftmostIP: false },
    batch: { enabled: false, maxRequests: 50, timeout: 3, maxBodySize: 0 },
    logs: { maxDays: 5, minLevel: 0, logIP: true, logAuthId: false },
  };
}

/**
 * Reads any JSON value (a parsed `_params.value`, a hook's object) as complete settings:
 * values decode over the defaults, like PocketBase loading its stored row into fresh
 * settings. Missing keys and values of the wrong type keep the default, unknown keys are
 * dropped, and a non-object gives the defaults. Never throws.
 */
export function normalizeSettings(raw: unknown): Settings {
  return decodeWithTable(SETTINGS_TABLE, defaultSettings(), raw, "lenient");
}

/**
 * Applies a PATCH body to the current settings, as PocketBase binds the request body into a
 * copy of them (Go json.Unmarshal into the existing struct); `current` is not modified.
 *
 * - Omitted keys keep their value, including omitted secrets (the API never returns them,
 *   so clients cannot echo them back).
 * - Nested objects merge key by key.
 * - Arrays replace the old array's contents and length. Like Go, element i of an array of
 *   objects is decoded over the old element i, so a rule that omits a key keeps the value of
 *   the rule previously at that index (the dashboard always sends whole rules).
 * - `null` keeps the current value for objects, strings, numbers and booleans, and empties
 *   an array.
 * - Keys match case-insensitively when there is no exact match; unknown keys are ignored.
 *
 * Throws `SettingsDecodeError` when a value has the wrong JSON type (a string for a number,
 * a fraction for an integer, …) or the patch is not an object: PocketBase rejects such a body
 * with 400 "An error occurred while loading the submitted data.".
 */
export function mergeSettings(current: Settings, patch: unknown): Settings {
  return decodeWithTable(SETTINGS_TABLE, current, patch, "strict");
}

/** A deep copy in canonical key order (missing or malformed parts become zero values). */
export function cloneSettings(s: Settings): Settings {
  return decodeWithTable(SETTINGS_TABLE, s, undefined, "lenient");
}

/** The object `/api/settings` returns: canonical order, no `smtp.password`, no S3 `secret`s. */
export function redactSettings(s: Settings): RedactedSettings {
  return encodeWithTable(SETTINGS_TABLE, cloneSettings(s), "api") as RedactedSettings;
}

/**
 * The JSON text PocketBase stores in `_params.value` (before optional encryption): compact,
 * canonical key order, Go's HTML escaping, `smtp.password` always present and empty S3
 * secrets left out.
 */
export function settingsToStoredJson(s: Settings): string {
  return encodeJson(encodeWithTable(SETTINGS_TABLE, cloneSettings(s), "stored"));
}

/**
 * Rewrites `<oldName>:…` rate limit labels after a collection rename, as PocketBase does.
 * Returns the updated settings, or `undefined` when no label changed (nothing to save).
 */
export function renameRateLimitCollection(
  s: Settings,
  oldName: string,
  newName: string,
): Settings | undefined {
  const prefix = `${oldName}:`;
  if (!s.rateLimits.rules.some((rule) => rule.label.startsWith(prefix))) return undefined;
  const next = cloneSettings(s);
  for (const rule of next.rateLimits.rules) {
    if (rule.label.startsWith(prefix)) rule.label = `${newName}:${rule.label.slice(prefix.length)}`;
  }
  return next;
}
