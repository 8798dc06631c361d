/**
 * Where backups are kept: `<dataDir>/backups` (local driver, with PocketBase's `.attrs` side
 * files) or the bucket of `settings.backups.s3` when it is enabled. A new store per operation:
 * backups are rare and the settings may have changed in between.
 */
import { join } from "node:path";
import type { App } from "../app.ts";
import { LocalStorage } from "../../files/local-storage.ts";
import { S3Storage } from "../../files/s3-storage.ts";
import type { Storage } from "../../files/storage.ts";

/** The backups store of an app's current settings; close it when done. */
export function backupsStorage(app: App): Storage {
  const s3 = app.settings().backups.s3;
  if (!s3.enabled) return new LocalStorage(join(app.dataDir, "backups"));
  return new S3Storage({
    bucket: s3.bucket,
    region: s3.region,
    endpoint: s3.endpoint,
    accessKey: s3.accessKey,
    secret: s3.secret,
    forcePathStyle: s3.forcePathStyle,
  });
}

/** Runs `fn` with the backups store and closes it afterwards. */
export async function withBackupsStorage<T>(app: App, fn: (storage: Storage) => Promise<T>): Promise<T> {
  const storage = backupsStorage(app);
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}
