/**
 * `POST /api/settings/test/s3` (superusers; pocketbase forms/test_s3_filesystem.go): checks the
 * S3 settings of the files storage (`{"filesystem":"storage"}`) or of the backups
 * (`"backups"`) by uploading `pb_settings_test_<random>/test.txt` and deleting that prefix,
 * which exercises writes, listing and deletes. 204 on success; otherwise a 400 carrying the
 * store's reason, which only superusers see and need to fix their settings.
 */
import type { Router } from "./http/router.ts";
import type { S3Config } from "../core/settings/settings-model.ts";
import { S3Storage } from "../files/s3-storage.ts";
import { ALPHANUMERIC, randomString } from "../tools/random.ts";
import { errors as v } from "../tools/validation.ts";
import { ApiError, badRequest } from "./errors.ts";
import type { ApiEnv } from "./env.ts";
import { requireSuperuser } from "./guards.ts";
import { readBody } from "./request-body.ts";

/** The filesystems that can be tested. */
export const TEST_FILESYSTEMS = ["storage", "backups"] as const;

const FAILED = "Failed to test the S3 filesystem.";

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Uploads and deletes a test object with an S3 configuration; throws the reason on failure. */
export async function testS3Filesystem(config: S3Config): Promise<void> {
  if (!config.enabled) throw new Error("S3 storage filesystem is not enabled");
  let storage: S3Storage;
  try {
    storage = new S3Storage(config);
  } catch (err) {
    throw new Error(`failed to initialize the S3 filesystem: ${reasonOf(err)}`, { cause: err });
  }
  const prefix = `pb_settings_test_${randomString(5, ALPHANUMERIC)}/`;
  try {
    try {
      await storage.write(`${prefix}test.txt`, new TextEncoder().encode("test"), {
        contentType: "text/plain; charset=utf-8",
      });
    } catch (err) {
      throw new Error(`failed to upload a test file: ${reasonOf(err)}`, { cause: err });
    }
    const failures = await storage.deletePrefix(prefix);
    if (failures[0])
      throw new Error(`failed to delete a test file: ${reasonOf(failures[0])}`, { cause: failures[0] });
  } finally {
    await storage.close();
  }
}

/** Registers the S3 test route. */
export function bindSettingsTestS3Api(router: Router<ApiEnv>): void {
  router.post("/api/settings/test/s3", async (c) => {
    requireSuperuser(c);
    const app = c.get("app");
    let body: { [key: string]: unknown };
    try {
      body = await readBody(c);
    } catch (err) {
      throw new ApiError(400, "An error occurred while loading the submitted data.", {}, err);
    }
    const filesystem = body.filesystem ?? "";
    if (typeof filesystem !== "string") {
      throw badRequest("An error occurred while loading the submitted data.");
    }
    if (filesystem === "") throw badRequest(FAILED, { filesystem: v.required() });
    if (!(TEST_FILESYSTEMS as readonly string[]).includes(filesystem)) {
      throw badRequest(FAILED, { filesystem: v.inInvalid() });
    }
    const settings = app.settings();
    const config = filesystem === "backups" ? settings.backups.s3 : settings.s3;
    try {
      await testS3Filesystem(config);
    } catch (err) {
      throw new ApiError(400, `${FAILED} Raw error: \n${reasonOf(err)}`, {}, err);
    }
    return c.body(null, 204);
  });
}
