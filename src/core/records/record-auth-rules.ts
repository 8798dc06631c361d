/**
 * The extra rules of auth-record bodies (§4.6, PocketBase's record upsert form): `password`
 * and `passwordConfirm` on create, `oldPassword` for non-managers changing their password, and
 * `email`/`verified` that only managers (superusers or requesters matching the collection's
 * manageRule) may change. These run before the record is saved; the plain password's
 * length/pattern is checked later with the other field validators.
 */
import {
  ValidationError,
  ValidationErrors,
  errors as v,
  isEmptyErrorTree,
  type ErrorTree,
} from "../../tools/validation.ts";
import type { Record } from "./record.ts";

type Body = { [key: string]: unknown };

const asString = (value: unknown): string =>
  typeof value === "string"
    ? value
    : typeof value === "number" || typeof value === "boolean"
      ? String(value)
      : "";

/** The first failing check of a key (ozzo stops at the first error of each key). */
function first(...checks: (() => ValidationError | null | Promise<ValidationError | null>)[]) {
  return async (): Promise<ValidationError | null> => {
    for (const check of checks) {
      const err = await check();
      if (err) return err;
    }
    return null;
  };
}

/**
 * Checks `password`/`passwordConfirm`/`oldPassword` of an auth body and the manager-only
 * fields, then sets the new password (hashing it and rotating the token key). Throws
 * ValidationErrors keyed by field. A no-op for other collection types.
 */
export async function applyAuthBody(
  record: Record,
  body: Body,
  options: { isManager: boolean; isSuperuser: boolean },
): Promise<void> {
  if (record.collection.type !== "auth") return;
  const isManager = options.isManager || options.isSuperuser;
  const isNew = record.isNew;
  const password = asString(body.password);
  const confirm = asString(body.passwordConfirm);
  const oldPassword = asString(body.oldPassword);
  const originalVerified = isNew ? false : record.original("verified") === true;

  const checks: { [key: string]: () => Promise<ValidationError | null> } = {
    email: first(() =>
      !isNew && !isManager && record.get("email") !== record.original("email") ? v.valuesMismatch() : null,
    ),
    verified: first(() =>
      !isManager && record.getBool("verified") !== originalVerified ? v.valuesMismatch() : null,
    ),
    password: first(() =>
      (isNew || confirm !== "" || oldPassword !== "") && password === "" ? v.required() : null,
    ),
    passwordConfirm: first(
      () => ((isNew || password !== "" || oldPassword !== "") && confirm === "" ? v.required() : null),
      () => (confirm !== password ? v.valuesMismatch() : null),
    ),
    oldPassword: first(
      () =>
        !isNew && !isManager && (password !== "" || confirm !== "") && oldPassword === ""
          ? v.required()
          : null,
      async () =>
        !isNew &&
        !isManager &&
        (password !== "" || confirm !== "") &&
        !(await record.validatePassword(oldPassword))
          ? new ValidationError("validation_invalid_old_password", "Missing or invalid old password.")
          : null,
    ),
  };
  const tree: ErrorTree = {};
  for (const [key, check] of Object.entries(checks)) {
    const err = await check();
    if (err) tree[key] = err;
  }
  if (!isEmptyErrorTree(tree)) throw new ValidationErrors(tree);
  if (password !== "") await record.setPassword(password);
  // A changed email invalidates every token issued for the old one.
  if (
    !isNew &&
    record.get("email") !== record.original("email") &&
    record.tokenKey === record.original("tokenKey")
  ) {
    record.refreshTokenKey();
  }
}
