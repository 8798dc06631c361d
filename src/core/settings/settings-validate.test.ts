import { test } from "node:test";
import assert from "node:assert/strict";
import { ValidationError } from "../../tools/validation.ts";
import type { ErrorTree } from "../../tools/validation.ts";
import { defaultSettings, mergeSettings } from "./settings-model.ts";
import { validateSettings } from "./settings-validate.ts";

/** Flattens an error tree to `{"meta.appName": "validation_required"}`. */
function codes(tree: ErrorTree, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, node] of Object.entries(tree)) {
    if (node instanceof ValidationError) out[prefix + key] = node.code;
    else Object.assign(out, codes(node, `${prefix}${key}.`));
  }
  return out;
}

const check = (patch: unknown) => codes(validateSettings(mergeSettings(defaultSettings(), patch)));

const ENABLED_S3 = {
  enabled: true,
  bucket: "b",
  region: "r",
  endpoint: "https://s3.test",
  accessKey: "k",
  secret: "s",
};
const SMTP_ON = { enabled: true, host: "smtp.test", port: 587 };

// [name, patch, expected errors (empty = valid)]
const rows: [string, unknown, Record<string, string>][] = [
  ["the defaults", {}, {}],

  [
    "superuserIPs with IPs and ranges",
    { superuserIPs: ["127.0.0.1", "10.0.0.0/8", "::1", "2001:db8::/32"] },
    {},
  ],
  [
    "superuserIPs with bad entries",
    { superuserIPs: ["1.2.3.4", "localhost", "", "10.0.0.0/33", "fe80::1%eth0", "1.2.3.4:80"] },
    {
      "superuserIPs.1": "validation_invalid_ip",
      "superuserIPs.2": "validation_required",
      "superuserIPs.3": "validation_invalid_ip",
      "superuserIPs.4": "validation_invalid_ip",
      "superuserIPs.5": "validation_invalid_ip",
    },
  ],

  ["smtp enabled with a host", { smtp: SMTP_ON }, {}],
  ["smtp enabled with an IP host", { smtp: { ...SMTP_ON, host: "192.168.1.10" } }, {}],
  ["smtp enabled without host", { smtp: { ...SMTP_ON, host: "" } }, { "smtp.host": "validation_required" }],
  ["smtp disabled without host", { smtp: { host: "" } }, {}],
  ["smtp host with a port", { smtp: { host: "smtp.test:25" } }, { "smtp.host": "validation_is_host" }],
  ["smtp host with a space", { smtp: { host: "smtp test" } }, { "smtp.host": "validation_is_host" }],
  ["smtp enabled with port 0", { smtp: { ...SMTP_ON, port: 0 } }, { "smtp.port": "validation_required" }],
  ["smtp disabled with port 0", { smtp: { port: 0 } }, {}],
  [
    "smtp negative port",
    { smtp: { port: -1 } },
    { "smtp.port": "validation_min_greater_equal_than_required" },
  ],
  ["smtp authMethod PLAIN", { smtp: { authMethod: "PLAIN" } }, {}],
  ["smtp authMethod LOGIN", { smtp: { authMethod: "LOGIN" } }, {}],
  [
    "smtp authMethod lowercase",
    { smtp: { authMethod: "login" } },
    { "smtp.authMethod": "validation_in_invalid" },
  ],
  [
    "smtp authMethod CRAM-MD5",
    { smtp: { authMethod: "CRAM-MD5" } },
    { "smtp.authMethod": "validation_in_invalid" },
  ],
  ["smtp localName host", { smtp: { localName: "mail.example.org" } }, {}],
  [
    "smtp localName invalid",
    { smtp: { localName: "not a host" } },
    { "smtp.localName": "validation_is_host" },
  ],

  ["s3 enabled and complete", { s3: ENABLED_S3 }, {}],
  [
    "s3 enabled and empty",
    { s3: { enabled: true } },
    {
      "s3.endpoint": "validation_required",
      "s3.bucket": "validation_required",
      "s3.region": "validation_required",
      "s3.accessKey": "validation_required",
      "s3.secret": "validation_required",
    },
  ],
  [
    "s3 endpoint not a URL",
    { s3: { ...ENABLED_S3, endpoint: "not a url" } },
    { "s3.endpoint": "validation_is_url" },
  ],
  [
    "s3 disabled with a bad endpoint",
    { s3: { endpoint: "::bad::" } },
    { "s3.endpoint": "validation_is_url" },
  ],
  ["s3 endpoint without scheme", { s3: { ...ENABLED_S3, endpoint: "s3.eu.example.com" } }, {}],
  [
    "backups s3 checked on its own",
    { s3: ENABLED_S3, backups: { s3: { enabled: true, bucket: "b" } } },
    {
      "backups.s3.endpoint": "validation_required",
      "backups.s3.region": "validation_required",
      "backups.s3.accessKey": "validation_required",
      "backups.s3.secret": "validation_required",
    },
  ],

  ["backups cron expression", { backups: { cron: "0 0 * * *", cronMaxKeep: 1 } }, {}],
  ["backups cron macro", { backups: { cron: "@daily" } }, {}],
  ["backups invalid cron", { backups: { cron: "* * *" } }, { "backups.cron": "validation_invalid_cron" }],
  [
    "backups cron out of range",
    { backups: { cron: "0 25 * * *" } },
    { "backups.cron": "validation_invalid_cron" },
  ],
  [
    "backups cron without cronMaxKeep",
    { backups: { cron: "@daily", cronMaxKeep: 0 } },
    { "backups.cronMaxKeep": "validation_required" },
  ],
  ["backups no cron and cronMaxKeep 0", { backups: { cronMaxKeep: 0 } }, {}],
  [
    "backups negative cronMaxKeep",
    { backups: { cronMaxKeep: -1 } },
    { "backups.cronMaxKeep": "validation_min_greater_equal_than_required" },
  ],

  ["meta accent colour", { meta: { accentColor: "#ABCdef" } }, {}],
  ["meta empty accent colour", { meta: { accentColor: "" } }, {}],
  [
    "meta short accent colour",
    { meta: { accentColor: "#fff" } },
    { "meta.accentColor": "validation_match_invalid" },
  ],
  [
    "meta named accent colour",
    { meta: { accentColor: "red" } },
    { "meta.accentColor": "validation_match_invalid" },
  ],
  ["meta empty appName", { meta: { appName: "" } }, { "meta.appName": "validation_required" }],
  ["meta appName of 255 characters", { meta: { appName: "é".repeat(255) } }, {}],
  [
    "meta appName too long",
    { meta: { appName: "a".repeat(256) } },
    { "meta.appName": "validation_length_out_of_range" },
  ],
  ["meta empty appURL", { meta: { appURL: "" } }, { "meta.appURL": "validation_required" }],
  ["meta appURL not a URL", { meta: { appURL: "not a url" } }, { "meta.appURL": "validation_is_url" }],
  ["meta https appURL", { meta: { appURL: "https://example.com/app" } }, {}],
  ["meta empty senderName", { meta: { senderName: "" } }, { "meta.senderName": "validation_required" }],
  [
    "meta senderName too long",
    { meta: { senderName: "x".repeat(256) } },
    { "meta.senderName": "validation_length_out_of_range" },
  ],
  [
    "meta empty senderAddress",
    { meta: { senderAddress: "" } },
    { "meta.senderAddress": "validation_required" },
  ],
  [
    "meta senderAddress invalid",
    { meta: { senderAddress: "support" } },
    { "meta.senderAddress": "validation_is_email" },
  ],

  ["rate limits enabled with the default rules", { rateLimits: { enabled: true } }, {}],
  [
    "rate limits enabled without rules",
    { rateLimits: { enabled: true, rules: [] } },
    { "rateLimits.rules": "validation_required" },
  ],
  ["rate limits disabled without rules", { rateLimits: { rules: [] } }, {}],
  [
    "rate limit labels of every accepted form",
    {
      rateLimits: {
        rules: [
          { label: "POST /api/collections/", duration: 1, maxRequests: 1 },
          { label: "/", duration: 1, maxRequests: 1 },
          { label: "/api/files", duration: 1, maxRequests: 1 },
          { label: "users:create", duration: 1, maxRequests: 1 },
          { label: "*:list", duration: 1, maxRequests: 1 },
          { label: "test_a", duration: 1, maxRequests: 1 },
        ],
      },
    },
    {},
  ],
  [
    "rate limit rule with invalid fields",
    {
      rateLimits: {
        rules: [
          { label: "", duration: 0, maxRequests: 0 },
          { label: "GET  /x", audience: "@admin", duration: -1, maxRequests: -5 },
          { label: "api/x", duration: 1, maxRequests: 1 },
          { label: "*:a:b", duration: 1, maxRequests: 1 },
        ],
      },
    },
    {
      "rateLimits.rules.0.label": "validation_required",
      "rateLimits.rules.0.duration": "validation_required",
      "rateLimits.rules.0.maxRequests": "validation_required",
      "rateLimits.rules.1.label": "validation_match_invalid",
      "rateLimits.rules.1.audience": "validation_in_invalid",
      "rateLimits.rules.1.duration": "validation_min_greater_equal_than_required",
      "rateLimits.rules.1.maxRequests": "validation_min_greater_equal_than_required",
      "rateLimits.rules.2.label": "validation_match_invalid",
      "rateLimits.rules.3.label": "validation_match_invalid",
    },
  ],
  [
    "rate limit rules for guests and for users with the same label",
    {
      rateLimits: {
        rules: [
          { label: "/api/", audience: "@guest", duration: 1, maxRequests: 1 },
          { label: "/api/", audience: "@auth", duration: 1, maxRequests: 1 },
        ],
      },
    },
    {},
  ],
  [
    "rate limit rules with the same label and audience",
    {
      rateLimits: {
        rules: [
          { label: "a", audience: "@auth", duration: 1, maxRequests: 1 },
          { label: "b", duration: 1, maxRequests: 1 },
          { label: "a", audience: "@auth", duration: 2, maxRequests: 2 },
        ],
      },
    },
    { "rateLimits.rules.2.label": "validation_conflicting_rate_limit_rule" },
  ],
  [
    "a rate limit rule for everyone conflicts with one for a single audience",
    {
      rateLimits: {
        rules: [
          { label: "a", audience: "@guest", duration: 1, maxRequests: 1 },
          { label: "a", audience: "", duration: 1, maxRequests: 1 },
        ],
      },
    },
    { "rateLimits.rules.1.label": "validation_conflicting_rate_limit_rule" },
  ],
  [
    "a conflict hides the per-rule errors",
    {
      rateLimits: {
        rules: [
          { label: "a", duration: 0, maxRequests: 1 },
          { label: "a", duration: 1, maxRequests: 1 },
        ],
      },
    },
    { "rateLimits.rules.1.label": "validation_conflicting_rate_limit_rule" },
  ],
  ["excluded IPs", { rateLimits: { excludedIPs: ["192.168.0.0/16", "::1"] } }, {}],
  [
    "excluded IPs with a bad entry",
    { rateLimits: { excludedIPs: ["192.168.0.0/16", "192.168.0.300"] } },
    { "rateLimits.excludedIPs.1": "validation_invalid_ip" },
  ],

  ["trusted proxy headers", { trustedProxy: { headers: ["X-Forwarded-For", "CF-Connecting-IP"] } }, {}],
  [
    "trusted proxy empty header",
    { trustedProxy: { headers: ["X-Real-IP", " "] } },
    { "trustedProxy.headers.1": "validation_required" },
  ],

  ["batch enabled", { batch: { enabled: true } }, {}],
  [
    "batch enabled without maxRequests and timeout",
    { batch: { enabled: true, maxRequests: 0, timeout: 0 } },
    { "batch.maxRequests": "validation_required", "batch.timeout": "validation_required" },
  ],
  ["batch disabled with zeros", { batch: { maxRequests: 0, timeout: 0 } }, {}],
  [
    "batch negative values",
    { batch: { maxRequests: -1, timeout: -1, maxBodySize: -1 } },
    {
      "batch.maxRequests": "validation_min_greater_equal_than_required",
      "batch.timeout": "validation_min_greater_equal_than_required",
      "batch.maxBodySize": "validation_min_greater_equal_than_required",
    },
  ],

  ["logs disabled", { logs: { maxDays: 0, minLevel: 8 } }, {}],
  ["logs debug level", { logs: { minLevel: -4 } }, {}],
  [
    "logs negative maxDays",
    { logs: { maxDays: -1 } },
    { "logs.maxDays": "validation_min_greater_equal_than_required" },
  ],
  [
    "logs level too low",
    { logs: { minLevel: -5 } },
    { "logs.minLevel": "validation_min_greater_equal_than_required" },
  ],
  [
    "logs level too high",
    { logs: { minLevel: 9 } },
    { "logs.minLevel": "validation_max_less_equal_than_required" },
  ],
];

for (const [name, patch, expected] of rows) {
  test(`validation: ${name}`, () => {
    assert.deepEqual(check(patch), expected);
  });
}

test("error leaves carry PocketBase's messages and params", () => {
  const tree = validateSettings(
    mergeSettings(defaultSettings(), {
      meta: { appName: "" },
      backups: { cron: "@every" },
      logs: { maxDays: -3 },
      rateLimits: {
        rules: [
          { label: "x", duration: 1, maxRequests: 1 },
          { label: "x", duration: 1, maxRequests: 1 },
        ],
      },
    }),
  );
  const leaf = (node: unknown): ValidationError => {
    assert.ok(node instanceof ValidationError);
    return node;
  };
  const meta = tree.meta as ErrorTree;
  const backups = tree.backups as ErrorTree;
  const logs = tree.logs as ErrorTree;
  const rules = (tree.rateLimits as ErrorTree).rules as ErrorTree;
  assert.equal(leaf(meta.appName).message, "Cannot be blank.");
  assert.match(leaf(backups.cron).message, /^Invalid cron expression "@every": expected a macro/);
  assert.equal(leaf(logs.maxDays).message, "Must be no less than 0.");
  assert.deepEqual(leaf(logs.maxDays).params, { threshold: 0 });
  const conflict = leaf((rules["1"] as ErrorTree).label);
  assert.equal(
    conflict.message,
    "Rate limit rule configuration with label x already exists or conflicts with another rule.",
  );
  assert.deepEqual(conflict.params, { label: "x" });
});

test("error tree keys are sorted like Go renders its error maps", () => {
  const tree = validateSettings(
    mergeSettings(defaultSettings(), { meta: { senderName: "", appURL: "", appName: "" } }),
  );
  assert.deepEqual(Object.keys(tree.meta as ErrorTree), ["appName", "appURL", "senderName"]);
});
