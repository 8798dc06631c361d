/** The folders beside the data folder that flags can move (PocketBase's defaults). */
import { dirname, join, resolve } from "node:path";
import type { App } from "../core/app.ts";

type Flags = { [name: string]: string | boolean };

/** `--migrationsDir`, or `pb_migrations` next to the data folder. */
export function migrationsDir(app: App, flags: Flags): string {
  const flag = flags.migrationsDir;
  return typeof flag === "string" && flag !== ""
    ? resolve(flag)
    : join(dirname(app.dataDir), "pb_migrations");
}
