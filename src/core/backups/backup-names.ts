/** Backup file names: PocketBase's pattern, length and default names (§12.7). */
import type { App } from "../app.ts";
import { snakeCase } from "../../files/file-names.ts";
import { ValidationError, errors } from "../../tools/validation.ts";

/** What a backup name must look like. */
export const BACKUP_NAME_PATTERN = /^[a-z0-9_-]+\.zip$/;

/** The longest backup name. */
export const MAX_BACKUP_NAME_LENGTH = 150;

/** The prefix of automatic (cron) backups; only these are pruned by `cronMaxKeep`. */
export const AUTO_BACKUP_PREFIX = "@auto_pb_backup_";

function timestamp(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d+Z$/, "")
    .replace(/[-:T]/g, "");
}

function appPart(app: App): string {
  return snakeCase(app.settings().meta.appName).slice(0, 50);
}

/** `pb_backup_<app>_<YYYYMMDDhhmmss>.zip` (UTC). */
export function defaultBackupName(app: App, date = new Date()): string {
  return `pb_backup_${appPart(app)}_${timestamp(date)}.zip`;
}

/** `@auto_pb_backup_<app>_<YYYYMMDDhhmmss>.zip` (UTC). */
export function autoBackupName(app: App, date = new Date()): string {
  return `${AUTO_BACKUP_PREFIX}${appPart(app)}_${timestamp(date)}.zip`;
}

/** The problem with a name given to `POST /api/backups`, or null. */
export function checkBackupName(name: string): ValidationError | null {
  if (name.length > MAX_BACKUP_NAME_LENGTH) return errors.lengthOutOfRange(1, MAX_BACKUP_NAME_LENGTH);
  if (!BACKUP_NAME_PATTERN.test(name)) return errors.matchInvalid();
  return null;
}

/** A name that is taken (or not usable as a key). */
export function backupNameExists(): ValidationError {
  return new ValidationError(
    "validation_backup_name_exists",
    "The backup file name is invalid or already exists.",
  );
}

/**
 * Whether a key may name a stored backup (download, delete, restore): one path segment, no
 * control characters. Anything else is "missing".
 */
export function isBackupKey(key: string): boolean {
  return (
    key !== "" &&
    key.length <= 255 &&
    !key.includes("/") &&
    !key.includes("\\") &&
    key !== "." &&
    key !== ".." &&
    !/[\u0000-\u001f\u007f]/.test(key) &&
    !key.endsWith(".attrs")
  );
}
