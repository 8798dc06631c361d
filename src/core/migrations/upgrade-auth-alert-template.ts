/**
 * System upgrade `…_update_default_auth_alert_templates` (PocketBase v0.31/v0.32): auth
 * collections still carrying the login-alert e-mail body PocketBase shipped before then get
 * the current default body (which also shows `{ALERT_INFO}`). Customised bodies are left alone.
 */
import { createHash } from "node:crypto";
import type { App } from "../app.ts";
import { cloneCollection } from "../collections/collection-model.ts";
import { defaultAuthOptions } from "../collections/collection-defaults.ts";
import { saveCollection } from "../collections/collection-save.ts";

/**
 * SHA-256 of that former default body: a body is replaced only when it is byte for byte the
 * untouched old default (the text itself is PocketBase's and isn't needed, only recognised).
 */
export const OLD_AUTH_ALERT_BODY_SHA256 = "ba5c60f52c2370c3c8cbbf54cbca348bde1dfd6ccdca01b06d32524139312d28";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Replaces the old default login-alert body of every auth collection. */
export async function updateDefaultAuthAlertTemplates(app: App): Promise<void> {
  const body = defaultAuthOptions().authAlert.emailTemplate.body;
  for (const stored of app.findAllCollections("auth")) {
    if (!stored.auth || sha256(stored.auth.authAlert.emailTemplate.body) !== OLD_AUTH_ALERT_BODY_SHA256)
      continue;
    const c = cloneCollection(stored);
    c.auth!.authAlert.emailTemplate.body = body;
    await saveCollection(app, c, stored);
  }
}
