/**
 * Superuser management: the CLI's upsert/create/update/delete, and the first-run installer
 * account (`__pbinstaller@example.com`) whose short-lived token lets the dashboard create the
 * real first superuser; it is deleted as soon as a real superuser exists.
 */
import { ValidationError } from "../../tools/validation.ts";
import type { App } from "../app.ts";
import { SUPERUSERS, type Collection } from "../collections/collection-model.ts";
import { Record } from "./record.ts";
import { countRecords, findAuthRecordByEmail } from "./record-query.ts";
import { deleteRecord, saveRecord } from "./record-save.ts";
import { newStaticAuthToken } from "./record-tokens.ts";
import { randomString, ALPHANUMERIC } from "../../tools/random.ts";

/** The placeholder superuser of a fresh install. */
export const INSTALLER_EMAIL = "__pbinstaller@example.com";

function superusers(app: App): Collection {
  const c = app.findCollectionByNameOrId(SUPERUSERS);
  if (!c) throw new Error("The _superusers collection is missing.");
  return c;
}

/** Finds a superuser by email. */
export function findSuperuser(app: App, email: string): Promise<Record | null> {
  return findAuthRecordByEmail(app, superusers(app), email);
}

async function removeInstaller(app: App): Promise<void> {
  const installer = await findSuperuser(app, INSTALLER_EMAIL);
  if (installer) await deleteRecord(app, installer);
}

/** Creates a superuser (fails if the email exists). */
export async function createSuperuser(app: App, email: string, password: string): Promise<Record> {
  const record = new Record(superusers(app));
  record.set("email", email);
  record.set("verified", true);
  await record.setPassword(password);
  if (password.length < 8) {
    throw new ValidationError(
      "validation_length_out_of_range",
      "The password must be between 8 and 71 characters.",
    );
  }
  await saveRecord(app, record);
  if (email !== INSTALLER_EMAIL) await removeInstaller(app);
  return record;
}

/** Changes a superuser's password. */
export async function updateSuperuserPassword(app: App, email: string, password: string): Promise<Record> {
  const record = await findSuperuser(app, email);
  if (!record) throw new Error(`Superuser with email "${email}" doesn't exist.`);
  if (password.length < 8) {
    throw new ValidationError(
      "validation_length_out_of_range",
      "The password must be between 8 and 71 characters.",
    );
  }
  await record.setPassword(password);
  await saveRecord(app, record);
  return record;
}

/** Creates or updates a superuser. */
export async function upsertSuperuser(app: App, email: string, password: string): Promise<Record> {
  return (await findSuperuser(app, email))
    ? updateSuperuserPassword(app, email, password)
    : createSuperuser(app, email, password);
}

/** Deletes a superuser; returns false when it did not exist. The last one cannot be deleted. */
export async function deleteSuperuser(app: App, email: string): Promise<boolean> {
  const record = await findSuperuser(app, email);
  if (!record) return false;
  if ((await countRecords(app, superusers(app))) <= 1) {
    throw new Error("You can't delete the only existing superuser.");
  }
  await deleteRecord(app, record);
  return true;
}

/**
 * With no real superuser yet, ensures the installer account exists and returns a 30-minute
 * token for it (for `/_/#/pbinstall/<token>`); null when a superuser exists already.
 */
export async function installerToken(app: App): Promise<string | null> {
  const collection = superusers(app);
  const total = await countRecords(app, collection);
  let installer = await findSuperuser(app, INSTALLER_EMAIL);
  if (total - (installer ? 1 : 0) > 0) return null;
  installer ??= await createSuperuser(app, INSTALLER_EMAIL, randomString(30, ALPHANUMERIC));
  return newStaticAuthToken(installer, 30 * 60);
}
