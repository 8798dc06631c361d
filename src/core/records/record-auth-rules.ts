/**
 * The extra rules of auth-record bodies (§4.6): passwords on create, `oldPassword` for
 * non-managers changing their password, and `email`/`verified` that only managers (superusers
 * or requesters matching the collection's manageRule) may change.
 */
import { ValidationError, ValidationErrors, errors as v, isEmptyErrorTree, type ErrorTree } from "../../tools/validation.ts";
import { validatePlain, type PasswordField } from "../fields/password.ts";
import type { Record } from "./record.ts";

type Body = { [key: string]: unknown };

const mismatch = () => new ValidationError("validation_values_mismatch", "Values don't match.");

/**
 * Applies `password`/`passwordConfirm`/`oldPassword` of an auth body and checks the manager-only
 * fields. `original` holds the stored values (update) or is null (create). Throws
 * ValidationErrors keyed by field.
 */
export async function applyAuthBody(
  record: Record,
  body: Body,
  options: { isManager: boolean; isSuperuser: boolean },
): Promise<void> {
  const tree: ErrorTree = {};
  const field = record.field("password") as PasswordField | undefined;
  const hasPassword = "password" in body;
  const password = typeof body.password === "string" ? body.password : body.password === undefined ? "" : String(body.password as string);
  const confirm = typeof body.passwordConfirm === "string" ? body.passwordConfirm : "";

  if (record.isNew) {
    if (!password) tree.password = v.required();
    else if (field) {
      const err = validatePlain(field, password);
      if (err) tree.password = err;
    }
    if (password && !confirm) tree.passwordConfirm = v.required();
    else if (password && confirm !== password) tree.passwordConfirm = mismatch();
    if (!options.isManager && record.getBool("verified")) tree.verified = mismatch();
  } else {
    if (hasPassword && password) {
      if (field) {
        const err = validatePlain(field, password);
        if (err) tree.password = err;
      }
      if (confirm !== password) tree.passwordConfirm = confirm ? mismatch() : v.required();
      if (!options.isManager) {
        const old = typeof body.oldPassword === "string" ? body.oldPassword : "";
        if (!old || !(await record.validatePassword(old))) {
          tree.oldPassword = new ValidationError("validation_invalid_old_password", "Missing or invalid old password.");
        }
      }
    }
    if (!options.isManager) {
      if (record.get("email") !== record.original("email")) tree.email = mismatch();
      if (record.get("verified") !== record.original("verified")) tree.verified = mismatch();
    }
  }
  if (!isEmptyErrorTree(tree)) throw new ValidationErrors(tree);
  if (password && (record.isNew || hasPassword)) await record.setPassword(password);
  // A changed email invalidates every token issued for the old one.
  if (!record.isNew && record.get("email") !== record.original("email")) record.refreshTokenKey();
}
