/**
 * Reading the small forms of the auth endpoints like PocketBase's body binding: string fields
 * only (a form value the binder typed as a number or boolean is turned back into its text; a
 * JSON value of another type cannot be bound and is a 400 "loading" error), and validation
 * errors gathered per field under PocketBase's messages.
 */
import type { Context } from "./http/context.ts";
import { isEmailFormat } from "../core/fields/formats.ts";
import { ValidationErrors, errors as v, type ErrorTree, type ValidationError } from "../tools/validation.ts";
import type { App } from "../core/app.ts";
import type { Record } from "../core/records/record.ts";
import { ApiError, badRequest } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { readBody } from "./request-body.ts";

/** The 400 of a body that cannot be bound to the form. */
export const loadError = () => badRequest("An error occurred while loading the submitted data.");

/** The 400 of a form with invalid fields. */
export const validationError = (tree: ErrorTree) =>
  badRequest("An error occurred while validating the submitted data.", new ValidationErrors(tree));

/** Reads the body and returns a getter of string fields. */
export async function readForm(c: Context<ApiEnv>): Promise<(key: string) => string> {
  const body = await readBody(c);
  const isJson = (c.req.header("content-type") ?? "").toLowerCase().startsWith("application/json");
  return (key: string) => {
    const value = body[key];
    if (value === undefined || value === null) return "";
    if (typeof value === "string") return value;
    if (!isJson && (typeof value === "number" || typeof value === "boolean")) return String(value);
    if (!isJson && Array.isArray(value) && typeof value[0] === "string") return value[0];
    throw loadError();
  };
}

/** `Required` + `Length(min, max)` (in characters), PocketBase's ozzo rules. */
export function checkLength(value: string, min: number, max: number): ValidationError | null {
  if (value === "") return v.required();
  const n = [...value].length;
  if (n < min || n > max) return v.lengthOutOfRange(min, max);
  return null;
}

/** `Required` + `Length(1, 255)` + `is.EmailFormat`. */
export function checkEmail(value: string): ValidationError | null {
  return checkLength(value, 1, 255) ?? (isEmailFormat(value) ? null : v.isEmail());
}

/** Throws the validation 400 when any entry of the tree is set. */
export function throwIfInvalid(tree: { [key: string]: ValidationError | null }): void {
  const out: ErrorTree = {};
  for (const [key, err] of Object.entries(tree)) if (err) out[key] = err;
  if (Object.keys(out).length > 0) throw validationError(out);
}

/**
 * Saves a record, turning a failure into a 400 with `message` (validation errors keep their
 * per-field data; other causes are logged by the error handler, never shown).
 */
export async function saveOrBadRequest(app: App, record: Record, message: string): Promise<void> {
  try {
    await app.save(record);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    if (err instanceof ValidationErrors) throw badRequest(message, err);
    throw new ApiError(400, message, {}, err);
  }
}
