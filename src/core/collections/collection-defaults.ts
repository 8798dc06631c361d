/**
 * Defaults for new collections: the scaffolds of `/api/collections/meta/scaffolds`, the auth
 * options of a new auth collection, and the system collections a fresh data folder gets (§7.3).
 * Ids follow PocketBase (`pbc_<crc32(type+name)>`, field ids `<type><crc32(name)>`), so a
 * fresh Satchel folder and a fresh PocketBase folder name things alike.
 */
import { crc32 } from "node:zlib";
import { ALPHANUMERIC, randomString } from "../../tools/random.ts";
import { newFieldId, normalizeField, type Field } from "../fields/registry.ts";
import type { AuthOptions, Collection, CollectionType, EmailTemplate } from "./collection-model.ts";

/** PocketBase's auto collection id for a type and name. */
export function newCollectionId(type: string, name: string): string {
  return `pbc_${crc32(type + name)}`;
}

/** A field with PocketBase's auto id and every option defaulted. */
export function makeField(type: string, name: string, options: Record<string, unknown> = {}): Field {
  return normalizeField({ id: newFieldId(type, name), name, type, ...options });
}

/** The primary key field every collection has. */
export function idField(): Field {
  return makeField("text", "id", {
    system: true,
    primaryKey: true,
    required: true,
    min: 15,
    max: 15,
    pattern: "^[a-z0-9]+$",
    autogeneratePattern: "[a-z0-9]{15}",
  });
}

/** The `created`/`updated` autodate pair. */
export function autodateFields(system: boolean): Field[] {
  return [
    makeField("autodate", "created", { system, onCreate: true, onUpdate: false }),
    makeField("autodate", "updated", { system, onCreate: true, onUpdate: true }),
  ];
}

/** The system fields of every auth collection, in PocketBase's order. */
export function authSystemFields(): Field[] {
  return [
    makeField("password", "password", { system: true, hidden: true, required: true, min: 8 }),
    makeField("text", "tokenKey", {
      system: true,
      hidden: true,
      required: true,
      min: 30,
      max: 60,
      autogeneratePattern: "[a-zA-Z0-9]{50}",
    }),
    makeField("email", "email", { system: true, required: true }),
    makeField("bool", "emailVisibility", { system: true }),
    makeField("bool", "verified", { system: true }),
  ];
}

const layout = (lines: string[]): string =>
  [...lines, "<p>\n  Thanks,<br/>\n  {APP_NAME} team\n</p>"].join("\n");

function template(subject: string, lines: string[]): EmailTemplate {
  return { subject, body: layout(lines) };
}

function link(path: string, label: string): string {
  return `<p>\n  <a class="btn" href="{APP_URL}/_/#/auth/${path}/{TOKEN}" target="_blank" rel="noopener">${label}</a>\n</p>`;
}

/** Default auth options of a new auth collection (§4.1), with fresh random secrets. */
export function defaultAuthOptions(): AuthOptions {
  const secret = () => randomString(50, ALPHANUMERIC);
  return {
    authRule: "",
    manageRule: null,
    authAlert: {
      enabled: true,
      emailTemplate: template("Login from a new location", [
        "<p>Hello,</p>",
        "<p>Someone signed in to your {APP_NAME} account from a new location:</p>",
        "<p><em>{ALERT_INFO}</em></p>",
        "<p>If that was you, there is nothing to do.</p>",
        "<p><strong>If it wasn't you, change your {APP_NAME} password right away: that signs out every other location.</strong></p>",
      ]),
    },
    oauth2: {
      providers: [],
      mappedFields: { id: "", name: "", username: "", avatarURL: "" },
      enabled: false,
    },
    passwordAuth: { enabled: true, identityFields: ["email"] },
    mfa: { enabled: false, duration: 600, rule: "" },
    otp: {
      enabled: false,
      duration: 180,
      length: 8,
      emailTemplate: template("OTP for {APP_NAME}", [
        "<p>Hello,</p>",
        "<p>Your one-time password is: <strong>{OTP}</strong></p>",
        "<p><i>If you did not ask for it, you can ignore this email.</i></p>",
      ]),
    },
    authToken: { secret: secret(), duration: 432000 },
    passwordResetToken: { secret: secret(), duration: 1800 },
    emailChangeToken: { secret: secret(), duration: 1800 },
    verificationToken: { secret: secret(), duration: 86400 },
    fileToken: { secret: secret(), duration: 180 },
    verificationTemplate: template("Verify your {APP_NAME} email", [
      "<p>Hello,</p>",
      "<p>Welcome to {APP_NAME}.</p>",
      "<p>Use the button below to verify your email address.</p>",
      link("confirm-verification", "Verify"),
    ]),
    resetPasswordTemplate: template("Reset your {APP_NAME} password", [
      "<p>Hello,</p>",
      "<p>Use the button below to choose a new password.</p>",
      link("confirm-password-reset", "Reset password"),
      "<p><i>If you did not ask to reset your password, you can ignore this email.</i></p>",
    ]),
    confirmEmailChangeTemplate: template("Confirm your {APP_NAME} new email address", [
      "<p>Hello,</p>",
      "<p>Use the button below to confirm your new email address.</p>",
      link("confirm-email-change", "Confirm new email"),
      "<p><i>If you did not ask to change your email address, you can ignore this email.</i></p>",
    ]),
  };
}

/** Index names are cut to 64 characters, as PocketBase does. */
function indexName(name: string): string {
  return name.slice(0, 64);
}

/** The unique indexes every auth collection keeps on tokenKey and email. */
export function authSystemIndexes(collectionId: string, tableName: string): string[] {
  return [
    `CREATE UNIQUE INDEX \`${indexName(`idx_tokenKey_${collectionId}`)}\` ON \`${tableName}\` (\`tokenKey\`)`,
    `CREATE UNIQUE INDEX \`${indexName(`idx_email_${collectionId}`)}\` ON \`${tableName}\` (\`email\`) WHERE \`email\` != ''`,
  ];
}

/** A new, unsaved collection of a type with PocketBase's defaults (the scaffolds). */
export function newCollection(type: CollectionType, name = ""): Collection {
  const base: Collection = {
    id: "",
    name,
    type,
    system: false,
    listRule: null,
    viewRule: null,
    createRule: null,
    updateRule: null,
    deleteRule: null,
    fields: [idField()],
    indexes: [],
    created: "",
    updated: "",
  };
  if (type === "auth") {
    base.fields.push(...authSystemFields());
    base.auth = defaultAuthOptions();
  } else if (type === "view") {
    base.fields = [];
    base.viewQuery = "";
  }
  return base;
}

const OWNER_RULE =
  "@request.auth.id != '' && recordRef = @request.auth.id && collectionRef = @request.auth.collectionId";

function systemBase(name: string, fields: Field[], indexes: (table: string) => string[]): Collection {
  const c = newCollection("base", name);
  c.id = newCollectionId("base", name);
  c.system = true;
  c.fields = [idField(), ...fields, ...autodateFields(true)];
  c.indexes = indexes(name);
  return c;
}

const refFields = (): Field[] => [
  makeField("text", "collectionRef", { system: true, required: true }),
  makeField("text", "recordRef", { system: true, required: true }),
];

/** The system collections and the default `users` collection of a fresh data folder (§7.3). */
export function systemCollections(): Collection[] {
  const superusers = newCollection("auth", "_superusers");
  superusers.id = newCollectionId("auth", "_superusers");
  superusers.system = true;
  superusers.fields.push(...autodateFields(true));
  superusers.indexes = authSystemIndexes(superusers.id, superusers.name);
  superusers.auth!.authToken.duration = 86400;

  const externalAuths = systemBase(
    "_externalAuths",
    [
      ...refFields(),
      makeField("text", "provider", { system: true, required: true }),
      makeField("text", "providerId", { system: true, required: true }),
    ],
    (t) => [
      `CREATE UNIQUE INDEX \`idx_externalAuths_record_provider\` ON \`${t}\` (\`collectionRef\`, \`recordRef\`, \`provider\`)`,
      `CREATE UNIQUE INDEX \`idx_externalAuths_collection_provider\` ON \`${t}\` (\`collectionRef\`, \`provider\`, \`providerId\`)`,
    ],
  );
  externalAuths.listRule = externalAuths.viewRule = externalAuths.deleteRule = OWNER_RULE;

  const mfas = systemBase(
    "_mfas",
    [...refFields(), makeField("text", "method", { system: true, required: true })],
    (t) => [
      `CREATE INDEX \`idx_mfas_collectionRef_recordRef\` ON \`${t}\` (\`collectionRef\`, \`recordRef\`)`,
    ],
  );
  mfas.listRule = mfas.viewRule = OWNER_RULE;

  const otps = systemBase(
    "_otps",
    [
      ...refFields(),
      makeField("password", "password", { system: true, hidden: true, required: true, cost: 8 }),
      makeField("text", "sentTo", { system: true, hidden: true }),
    ],
    (t) => [
      `CREATE INDEX \`idx_otps_collectionRef_recordRef\` ON \`${t}\` (\`collectionRef\`, \`recordRef\`)`,
    ],
  );
  otps.listRule = otps.viewRule = OWNER_RULE;

  const authOrigins = systemBase(
    "_authOrigins",
    [...refFields(), makeField("text", "fingerprint", { system: true, required: true })],
    (t) => [
      `CREATE UNIQUE INDEX \`idx_authOrigins_unique_pairs\` ON \`${t}\` (\`collectionRef\`, \`recordRef\`, \`fingerprint\`)`,
    ],
  );
  authOrigins.listRule = authOrigins.viewRule = authOrigins.deleteRule = OWNER_RULE;

  const users = newCollection("auth", "users");
  users.id = "_pb_users_auth_";
  users.fields.push(
    makeField("text", "name", { max: 255 }),
    makeField("file", "avatar", {
      maxSelect: 1,
      mimeTypes: ["image/jpeg", "image/png", "image/svg+xml", "image/gif", "image/webp"],
    }),
    ...autodateFields(false),
  );
  users.indexes = authSystemIndexes(users.id, users.name);
  users.listRule = users.viewRule = users.updateRule = users.deleteRule = "id = @request.auth.id";
  users.createRule = "";
  users.auth!.oauth2.mappedFields.name = "name";
  users.auth!.oauth2.mappedFields.avatarURL = "avatar";

  return [superusers, externalAuths, mfas, otps, authOrigins, users];
}
