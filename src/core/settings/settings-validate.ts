/**
 * Settings validation with PocketBase's rules, codes and messages. The result is an error
 * tree mirroring the settings JSON (`{"meta":{"appName":{code,…}}}`, array indexes as string
 * keys); an empty tree means valid.
 *
 * As in PocketBase's validator library, each value reports only its first failing check, and
 * format/min checks skip empty values (`""`, `0`): emptiness is only an error where a value is
 * required. So `cronMaxKeep: 0` is fine while `cron` is empty, but `-1` never is.
 */

import { ValidationError, errors } from "../../tools/validation.ts";
import type { ErrorTree } from "../../tools/validation.ts";
import { CronExpressionError, parseCron } from "../../tools/cron-expression.ts";
import { isEmail, isHexColor, isHost, isIpOrCidr, isUrl } from "./settings-format-checks.ts";
import type {
  BackupsConfig,
  BatchConfig,
  LogsConfig,
  MetaConfig,
  RateLimitRule,
  RateLimitsConfig,
  S3Config,
  Settings,
  SmtpConfig,
  TrustedProxyConfig,
} from "./settings-model.ts";

type Node = ValidationError | ErrorTree | undefined;

/** The accepted `smtp.authMethod` values besides "" (which means PLAIN). */
export const SMTP_AUTH_METHODS: readonly string[] = ["PLAIN", "LOGIN"];

/** The accepted rate limit rule audiences: everyone, guests only, authenticated only. */
export const RATE_LIMIT_AUDIENCES: readonly string[] = ["", "@guest", "@auth"];

/** Rate limit labels: `METHOD /path`, `/path`, `collection:tag`, `*:tag` or a bare tag. */
export const RATE_LIMIT_LABEL = /^(?:\w+ \/[\w/-]*|\/[\w/-]*|\w+:\w+|\*:\w+|\w+)$/;

/** The slog levels the dashboard offers: debug (-4) to error (8). */
const MIN_LOG_LEVEL = -4;
const MAX_LOG_LEVEL = 8;

/** Validates complete settings; returns an empty tree when they are valid. */
export function validateSettings(s: Settings): ErrorTree {
  return tree({
    superuserIPs: eachIpOrCidr(s.superuserIPs),
    smtp: validateSmtp(s.smtp),
    backups: validateBackups(s.backups),
    s3: validateS3(s.s3),
    meta: validateMeta(s.meta),
    rateLimits: validateRateLimits(s.rateLimits),
    trustedProxy: validateTrustedProxy(s.trustedProxy),
    batch: validateBatch(s.batch),
    logs: validateLogs(s.logs),
  });
}

function validateSmtp(c: SmtpConfig): ErrorTree {
  return tree({
    host: first(
      c.enabled && c.host === "" && errors.required(),
      c.host !== "" && !isHost(c.host) && errors.isHost(),
    ),
    port: first(c.enabled && c.port === 0 && errors.required(), min(c.port, 0)),
    authMethod: first(c.authMethod !== "" && !SMTP_AUTH_METHODS.includes(c.authMethod) && errors.inInvalid()),
    localName: first(c.localName !== "" && !isHost(c.localName) && errors.isHost()),
  });
}

function validateS3(c: S3Config): ErrorTree {
  const required = (value: string) => first(c.enabled && value === "" && errors.required());
  return tree({
    endpoint: first(c.endpoint !== "" && !isUrl(c.endpoint) && errors.isUrl(), required(c.endpoint)),
    bucket: required(c.bucket),
    region: required(c.region),
    accessKey: required(c.accessKey),
    secret: required(c.secret),
  });
}

function validateBackups(c: BackupsConfig): ErrorTree {
  return tree({
    s3: validateS3(c.s3),
    cron: cronError(c.cron),
    cronMaxKeep: first(c.cron !== "" && c.cronMaxKeep === 0 && errors.required(), min(c.cronMaxKeep, 1)),
  });
}

function cronError(cron: string): Node {
  if (cron === "") return undefined;
  try {
    parseCron(cron);
    return undefined;
  } catch (err) {
    if (err instanceof CronExpressionError) return errors.invalidCron(err.message);
    throw err;
  }
}

function validateMeta(c: MetaConfig): ErrorTree {
  return tree({
    accentColor: first(c.accentColor !== "" && !isHexColor(c.accentColor) && errors.matchInvalid()),
    appName: requiredLength(c.appName, 1, 255),
    appURL: first(c.appURL === "" && errors.required(), !isUrl(c.appURL) && errors.isUrl()),
    senderName: requiredLength(c.senderName, 1, 255),
    senderAddress: first(
      c.senderAddress === "" && errors.required(),
      !isEmail(c.senderAddress) && errors.isEmail(),
    ),
  });
}

function validateRateLimits(c: RateLimitsConfig): ErrorTree {
  return tree({
    rules:
      first(c.enabled && c.rules.length === 0 && errors.required()) ??
      conflictingRule(c.rules) ??
      eachRule(c.rules),
    excludedIPs: eachIpOrCidr(c.excludedIPs),
  });
}

// A rule conflicts with an earlier one when their "label@@audience" keys are prefixes of one
// another: the same label with the same audience, or with "" (everyone) on either side. Only
// the first conflict is reported, and it hides the per-rule errors.
function conflictingRule(rules: readonly RateLimitRule[]): ErrorTree | undefined {
  const seen: string[] = [];
  for (const [i, rule] of rules.entries()) {
    const key = `${rule.label}@@${rule.audience}`;
    if (seen.some((other) => other.startsWith(key) || key.startsWith(other))) {
      return { [i]: { label: errors.conflictingRateLimitRule(rule.label) } };
    }
    seen.push(key);
  }
  return undefined;
}

function eachRule(rules: readonly RateLimitRule[]): ErrorTree {
  const out: ErrorTree = {};
  for (const [i, rule] of rules.entries()) {
    const node = tree({
      label: first(
        rule.label === "" && errors.required(),
        !RATE_LIMIT_LABEL.test(rule.label) && errors.matchInvalid(),
      ),
      audience: first(
        rule.audience !== "" && !RATE_LIMIT_AUDIENCES.includes(rule.audience) && errors.inInvalid(),
      ),
      duration: first(rule.duration === 0 && errors.required(), min(rule.duration, 1)),
      maxRequests: first(rule.maxRequests === 0 && errors.required(), min(rule.maxRequests, 1)),
    });
    if (Object.keys(node).length > 0) out[i] = node;
  }
  return out;
}

// PocketBase does not check these header names; an empty one can only be a mistake.
function validateTrustedProxy(c: TrustedProxyConfig): ErrorTree {
  const headers: ErrorTree = {};
  for (const [i, header] of c.headers.entries()) {
    if (header.trim() === "") headers[i] = errors.required();
  }
  return tree({ headers });
}

function validateBatch(c: BatchConfig): ErrorTree {
  return tree({
    maxRequests: first(c.enabled && c.maxRequests === 0 && errors.required(), min(c.maxRequests, 0)),
    timeout: first(c.enabled && c.timeout === 0 && errors.required(), min(c.timeout, 0)),
    maxBodySize: min(c.maxBodySize, 0),
  });
}

function validateLogs(c: LogsConfig): ErrorTree {
  return tree({
    maxDays: min(c.maxDays, 0),
    minLevel: first(
      c.minLevel < MIN_LOG_LEVEL && errors.minThreshold(MIN_LOG_LEVEL),
      c.minLevel > MAX_LOG_LEVEL && errors.maxThreshold(MAX_LOG_LEVEL),
    ),
  });
}

function eachIpOrCidr(values: readonly string[]): ErrorTree {
  const out: ErrorTree = {};
  for (const [i, value] of values.entries()) {
    if (value === "") out[i] = errors.required();
    else if (!isIpOrCidr(value)) out[i] = errors.invalidIp();
  }
  return out;
}

function requiredLength(value: string, minLength: number, maxLength: number): Node {
  // Lengths count code points, as Go counts runes.
  const length = [...value].length;
  return first(
    value === "" && errors.required(),
    (length < minLength || length > maxLength) && errors.lengthOutOfRange(minLength, maxLength),
  );
}

// Like the validator library's Min: zero counts as empty and is left to a required check.
function min(value: number, threshold: number): ValidationError | undefined {
  return value !== 0 && value < threshold ? errors.minThreshold(threshold) : undefined;
}

/** The first actual error among candidates written as `condition && error`. */
function first(...candidates: (ValidationError | false | undefined)[]): ValidationError | undefined {
  for (const candidate of candidates) if (candidate) return candidate;
  return undefined;
}

/** Builds a tree from entries, dropping the ones without errors; keys sorted as Go renders maps. */
function tree(entries: Record<string, Node>): ErrorTree {
  const out: ErrorTree = {};
  for (const [key, node] of Object.entries(entries).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (node instanceof ValidationError || (node !== undefined && Object.keys(node).length > 0))
      out[key] = node;
  }
  return out;
}
