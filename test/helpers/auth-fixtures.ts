/** Shared setup of the auth flow tests: users created directly, collection option changes. */
import type { App } from "../../src/core/app.ts";
import type { AuthOptions } from "../../src/core/collections/collection-model.ts";
import { Record } from "../../src/core/records/record.ts";
import { saveRecord } from "../../src/core/records/record-save.ts";
import { findAuthRecordByEmail } from "../../src/core/records/record-query.ts";
import type { TestServer } from "./server.ts";

/** Creates a `users` record with a password (verified unless told otherwise). */
export async function createUser(
  app: App,
  email: string,
  password: string,
  extra: { verified?: boolean; [field: string]: unknown } = {},
): Promise<Record> {
  const users = app.findCollectionByNameOrId("users");
  if (!users) throw new Error("the users collection is missing");
  const record = new Record(users);
  record.set("email", email);
  for (const [k, v] of Object.entries(extra)) record.set(k, v);
  await record.setPassword(password);
  await saveRecord(app, record);
  return record;
}

/** The stored `users` record with an email. */
export async function loadUser(app: App, email: string): Promise<Record> {
  const users = app.findCollectionByNameOrId("users")!;
  const r = await findAuthRecordByEmail(app, users, email);
  if (!r) throw new Error(`no user ${email}`);
  return r;
}

/** Changes auth options of a collection through the collections API (as a superuser would). */
export async function updateAuthOptions(
  s: TestServer,
  collection: string,
  options: Partial<AuthOptions>,
): Promise<void> {
  await s.pb.collections.update(collection, options);
}
