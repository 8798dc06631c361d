/**
 * Collection validation (§3.1–3.3, §4.1): names, ids, type and system flags, rules, fields
 * (names, ids, types, each type's own options), indexes and auth/view options. Errors mirror
 * the submitted JSON (`{"fields":{"2":{"name":{…}}}}`) with PocketBase's codes.
 */
import { ValidationError, errors as v, isEmptyErrorTree, type ErrorTree } from "../../tools/validation.ts";
import type { App } from "../app.ts";
import { isKnownProvider } from "../../auth/oauth2/provider-names.ts";
import { getFieldType, hasFieldType, type Field } from "../fields/registry.ts";
import type { CollectionInfo } from "../fields/field.ts";
import { indexNameOf } from "./collection-schema-sync.ts";
import { RULE_KEYS, TOKEN_CONFIG_KEYS, type Collection } from "./collection-model.ts";
import { validateRule, validateRuleSyntax } from "./collection-rules.ts";

const NAME_RE = /^\w+$/;
const RESERVED_FIELD_NAMES = ["null", "true", "false", "_rowid_", "collectionid", "collectionname", "expand"];
const AUTH_SYSTEM_FIELDS = ["password", "tokenKey", "email", "emailVisibility", "verified"] as const;

const err = (code: string, message: string, params: Record<string, unknown> = {}) =>
  new ValidationError(code, message, params);

/** `_via_` is the back-relation separator of expands, so names cannot contain it. */
const foundVia = () => err("validation_found_via", 'The value cannot contain "_via_".');

function validateName(app: App, c: Collection, old: Collection | null): ValidationError | null {
  const name = c.name;
  if (!name) return v.required();
  if (name.length > 255) return v.lengthOutOfRange(1, 255);
  // PocketBase checks `_via_` before the pattern, with the same error as for field names.
  if (name.toLowerCase().includes("_via_")) return foundVia();
  if (!NAME_RE.test(name)) return v.matchInvalid();
  if (old?.system && old.name !== name) {
    return err("validation_collection_system_name_change", "System collection name cannot be changed.");
  }
  const lower = name.toLowerCase();
  for (const other of app.findAllCollections()) {
    if (other.id === c.id && old) continue;
    if (other.name.toLowerCase() === lower) {
      return err("validation_collection_name_exists", "Collection name must be unique (case insensitive).");
    }
    if (other.id === name) {
      return err(
        "validation_collection_name_id_duplicate",
        "The name must not match an existing collection id.",
      );
    }
  }
  return null;
}

function validateFields(c: Collection, old: Collection | null, app: App): ErrorTree | ValidationError | null {
  const tree: ErrorTree = {};
  const fieldsInfo = (col: Collection): CollectionInfo => col;
  const oldById = new Map((old?.fields ?? []).map((f) => [f.id, f]));
  const seenNames = new Map<string, number>();
  const seenIds = new Map<string, number>();

  c.fields.forEach((field, index) => {
    const fieldTree: ErrorTree = {};
    if (!hasFieldType(field.type)) {
      fieldTree.type = v.inInvalid();
      tree[String(index)] = fieldTree;
      return;
    }
    const name = field.name;
    if (!name) fieldTree.name = v.required();
    else if (name.length > 100) fieldTree.name = v.lengthOutOfRange(1, 100);
    else if (!NAME_RE.test(name)) fieldTree.name = v.matchInvalid();
    else if (RESERVED_FIELD_NAMES.includes(name.toLowerCase())) {
      fieldTree.name = err("validation_not_in_invalid", "Must not be one of the reserved values.");
    } else if (name.toLowerCase().includes("_via_")) {
      fieldTree.name = foundVia();
    } else if (c.type === "auth" && (name === "passwordConfirm" || name === "oldPassword")) {
      fieldTree.name = err(
        "validation_reserved_field_name",
        "The field name is reserved and cannot be used.",
      );
    } else if (seenNames.has(name.toLowerCase())) {
      fieldTree.name = err(
        "validation_duplicated_field_name",
        "Duplicated or invalid field name {fieldName}.",
        {
          fieldName: name,
        },
      );
    }
    seenNames.set(name.toLowerCase(), index);

    if (!field.id) fieldTree.id = v.required();
    else if (field.id.length > 100) fieldTree.id = v.lengthOutOfRange(1, 100);
    else if (seenIds.has(field.id)) {
      fieldTree.id = err("validation_duplicated_field_id", "Duplicated or invalid field id {fieldId}.", {
        fieldId: field.id,
      });
    }
    seenIds.set(field.id, index);

    const previous = oldById.get(field.id) ?? null;
    if (previous && previous.type !== field.type) {
      fieldTree.type = err("validation_field_type_change", "Field type cannot be changed.");
    }
    if (previous?.system && (previous.name !== field.name || !field.system)) {
      fieldTree.name ??= err("validation_system_field_change", "System fields cannot be deleted or renamed.");
    }

    if (!fieldTree.type) {
      const settingsErrors = getFieldType(field.type).validateSettings(field, {
        collection: fieldsInfo(c),
        oldCollection: old ? fieldsInfo(old) : null,
        oldField: previous,
        findCollectionById: (id: string) => {
          if (id === c.id) return fieldsInfo(c);
          return app.findAllCollections().find((x) => x.id === id) ?? null;
        },
      });
      Object.assign(fieldTree, settingsErrors);
    }
    if (!isEmptyErrorTree(fieldTree)) tree[String(index)] = fieldTree;
  });

  if (old) {
    const nextIds = new Set(c.fields.map((f) => f.id));
    for (const f of old.fields) {
      if (f.system && !nextIds.has(f.id)) {
        return err("validation_system_field_change", "System fields cannot be deleted or renamed.");
      }
    }
  }

  const pk = c.fields.find((f) => f.name === "id");
  if (
    c.type !== "view" &&
    (!pk || pk.type !== "text" || !(pk as Field & { primaryKey?: boolean }).primaryKey)
  ) {
    return err("validation_missing_primary_key", 'Missing or invalid "id" PK field.');
  }
  if (c.type === "auth") {
    for (const name of AUTH_SYSTEM_FIELDS) {
      if (!c.fields.some((f) => f.name === name)) {
        return err(`validation_missing_${name}_field`, `System "${name}" field is required.`);
      }
    }
  }
  return isEmptyErrorTree(tree) ? null : tree;
}

function validateIndexes(c: Collection, app: App): ErrorTree | ValidationError | null {
  if (c.type === "view" && c.indexes.length > 0) {
    return err("validation_indexes_not_supported", "The collection doesn't support indexes.");
  }
  const tree: ErrorTree = {};
  const names = new Set<string>();
  // Index names share one namespace per database: lower-cased name → the collection using it.
  const otherIndexNames = new Map(
    app
      .findAllCollections()
      .filter((o) => o.id !== c.id)
      .flatMap((o) => o.indexes.map((i): [string, string] => [(indexNameOf(i) ?? "").toLowerCase(), o.name])),
  );
  c.indexes.forEach((sql, i) => {
    const name = indexNameOf(sql);
    if (!name || !/\bon\s+\S+\s*\(/i.test(sql) || /;\s*\S/.test(sql)) {
      tree[String(i)] = err("validation_invalid_index_expression", "Invalid CREATE INDEX expression.");
      return;
    }
    const lower = name.toLowerCase();
    if (names.has(lower)) {
      tree[String(i)] = err("validation_duplicated_index_name", "The index name already exists.");
    } else if (otherIndexNames.has(lower)) {
      tree[String(i)] = err(
        "validation_existing_index_name",
        "The index name is already used in {usedTableName} collection.",
        { usedTableName: otherIndexNames.get(lower) },
      );
    }
    names.add(lower);
  });
  return isEmptyErrorTree(tree) ? null : tree;
}

/** OAuth2 providers must be known, unique by name and have their client credentials (§4.1). */
function validateOAuth2Providers(c: Collection, tree: ErrorTree): void {
  const providers = c.auth?.oauth2.providers ?? [];
  const errors: ErrorTree = {};
  const seen = new Set<string>();
  providers.forEach((p, i) => {
    const sub: ErrorTree = {};
    if (!p.name) sub.name = v.required();
    else if (!isKnownProvider(p.name) || seen.has(p.name)) sub.name = v.invalidValue();
    seen.add(p.name);
    if (!p.clientId) sub.clientId = v.required();
    if (!p.clientSecret) sub.clientSecret = v.required();
    if (!isEmptyErrorTree(sub)) errors[String(i)] = sub;
  });
  if (!isEmptyErrorTree(errors)) tree.oauth2 = { providers: errors };
}

function validateAuthOptions(c: Collection, tree: ErrorTree): void {
  const o = c.auth;
  if (!o) return;
  validateOAuth2Providers(c, tree);
  for (const key of TOKEN_CONFIG_KEYS) {
    const t = o[key];
    const sub: ErrorTree = {};
    if (t.secret.length < 30 || t.secret.length > 255) sub.secret = v.lengthOutOfRange(30, 255);
    if (!Number.isInteger(t.duration) || t.duration < 10 || t.duration > 94670856) {
      sub.duration = err("validation_invalid_value", "Must be between 10 and 94670856.");
    }
    if (!isEmptyErrorTree(sub)) tree[key] = sub;
  }
  // PocketBase reports the first bad identity field as one leaf on `identityFields` (not per
  // index), and only while password auth is enabled.
  const identityError = o.passwordAuth.enabled
    ? o.passwordAuth.identityFields
        .map((name) => {
          const hasUnique = c.indexes.some((sql) => {
            const m =
              /^\s*create\s+unique\s+index\b[^(]*\(\s*[`"[]?(\w+)[`"\]]?\s*(?:collate\s+nocase\s*)?\)/i.exec(
                sql,
              );
            return m?.[1] === name;
          });
          if (!c.fields.some((f) => f.name === name)) {
            return err("validation_missing_field", "Invalid or missing field {fieldName}.", {
              fieldName: name,
            });
          }
          if (!hasUnique) {
            return err(
              "validation_missing_unique_constraint",
              "The field {fieldName} doesn't have a UNIQUE constraint.",
              {
                fieldName: name,
              },
            );
          }
          return null;
        })
        .find((e) => e !== null)
    : undefined;
  if (identityError) tree.passwordAuth = { identityFields: identityError };
  const range = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;
  if (!range(o.mfa.duration, 10, 86400))
    tree.mfa = { duration: err("validation_invalid_value", "Must be between 10 and 86400.") };
  if (o.mfa.enabled) {
    const methods = [o.passwordAuth.enabled, o.oauth2.enabled, o.otp.enabled].filter(Boolean).length;
    if (methods < 2) {
      tree.mfa = {
        enabled: err(
          "validation_mfa_not_enough_auths",
          "MFA requires at least 2 auth methods to be enabled.",
        ),
      };
    }
  }
  const otp: ErrorTree = {};
  if (!range(o.otp.duration, 10, 86400))
    otp.duration = err("validation_invalid_value", "Must be between 10 and 86400.");
  if (!Number.isInteger(o.otp.length) || o.otp.length < 4)
    otp.length = err("validation_min_greater_equal_than_required", "Must be no less than 4.");
  if (!isEmptyErrorTree(otp)) tree.otp = otp;
  for (const key of [
    "verificationTemplate",
    "resetPasswordTemplate",
    "confirmEmailChangeTemplate",
  ] as const) {
    const t = o[key];
    const sub: ErrorTree = {};
    if (!t.subject) sub.subject = v.required();
    if (!t.body) sub.body = v.required();
    if (!isEmptyErrorTree(sub)) tree[key] = sub;
  }
}

/**
 * Validates a collection about to be saved (`old` = stored version, null for creates);
 * returns the error tree (empty = valid).
 */
export function validateCollection(app: App, c: Collection, old: Collection | null): ErrorTree {
  const tree: ErrorTree = {};
  if (!old) {
    if (c.id && (!NAME_RE.test(c.id) || c.id.length > 100)) tree.id = v.matchInvalid();
    else if (c.id && app.findAllCollections().some((o) => o.id === c.id)) {
      tree.id = err("validation_invalid_or_existing_id", "The model id is invalid or already exists.");
    }
  } else {
    if (old.type !== c.type)
      tree.type = err("validation_collection_type_change", "Collection type cannot be changed.");
    if (old.system !== c.system) {
      tree.system = err(
        "validation_collection_system_flag_change",
        "System collection state cannot be changed.",
      );
    }
  }
  const nameErr = validateName(app, c, old);
  if (nameErr) tree.name = nameErr;

  const fieldsErr = validateFields(c, old, app);
  // Rules are resolved against the fields (a view's are only known once its query ran, and
  // broken fields would fail every rule): otherwise only their syntax is checked.
  const checkRule = (rule: string): ValidationError | null =>
    c.type !== "view" && !fieldsErr
      ? validateRule(rule, c, (nameOrId) => app.findCollectionByNameOrId(nameOrId) ?? null)
      : validateRuleSyntax(rule);
  for (const key of RULE_KEYS) {
    const rule = c[key];
    if (old?.system && old[key] !== rule) {
      tree[key] = err(
        "validation_collection_system_rule_change",
        "System collection API rule cannot be changed.",
      );
      continue;
    }
    if (
      c.type === "view" &&
      (key === "createRule" || key === "updateRule" || key === "deleteRule") &&
      rule !== null
    ) {
      tree[key] = err("validation_nil_invalid", "Must be blank.");
      continue;
    }
    const ruleErr = rule ? checkRule(rule) : null;
    if (ruleErr) tree[key] = ruleErr;
  }
  if (c.type === "auth" && c.auth) {
    for (const key of ["authRule", "manageRule"] as const) {
      const rule = c.auth[key];
      if (key === "manageRule" && rule === "") continue;
      const ruleErr = rule ? checkRule(rule) : null;
      if (ruleErr) tree[key] = ruleErr;
    }
    if (c.auth.mfa.rule) {
      const ruleErr = checkRule(c.auth.mfa.rule);
      if (ruleErr) tree.mfa = { rule: ruleErr };
    }
  }

  if (fieldsErr) tree.fields = fieldsErr;
  const indexesErr = validateIndexes(c, app);
  if (indexesErr) tree.indexes = indexesErr;
  if (c.type === "auth") validateAuthOptions(c, tree);
  if (c.type === "view" && !c.viewQuery?.trim()) tree.viewQuery = v.required();
  return tree;
}
