/**
 * The pb_hooks flags of `serve`: `--hooksDir` (default `pb_hooks` beside the data folder, as
 * PocketBase), `--hooksWatch` (default on), `--hooksPool` and `--hooksTimeout` (seconds per
 * handler run, 0 = no limit).
 */
import { dirname, join, resolve } from "node:path";
import type { FlagSpec } from "./args.ts";
import { defaultPoolSize, type HooksOptions } from "../hooks/runtime.ts";

/** The flags, for the serve command's spec. */
export const HOOKS_FLAGS: FlagSpec = {
  hooksDir: "string",
  hooksWatch: "boolean",
  hooksPool: "string",
  hooksTimeout: "string",
};

/** The help lines of the flags. */
export const HOOKS_USAGE = `  --hooksDir       the pb_hooks folder (every command; default pb_hooks beside the data folder)
  --hooksWatch     reload the hooks when a file under --hooksDir changes (serve; default true)
  --hooksPool      most worker threads running hook handlers (serve; default min(4, CPUs))
  --hooksTimeout   seconds a hook handler may run before its worker is stopped (serve; default 30, 0 = none)
`;

/** Resolves the hooks options from parsed flags. */
export function hooksOptionsFromFlags(
  flags: { [name: string]: string | boolean },
  dataDir: string,
): HooksOptions {
  const pool = typeof flags.hooksPool === "string" ? Number(flags.hooksPool) : defaultPoolSize();
  if (!Number.isInteger(pool) || pool < 1) throw new Error(`invalid --hooksPool: ${String(flags.hooksPool)}`);
  const timeout = typeof flags.hooksTimeout === "string" ? Number(flags.hooksTimeout) : 30;
  if (!Number.isFinite(timeout) || timeout < 0)
    throw new Error(`invalid --hooksTimeout: ${String(flags.hooksTimeout)}`);
  return {
    hooksDir:
      typeof flags.hooksDir === "string"
        ? resolve(flags.hooksDir)
        : join(dirname(resolve(dataDir)), "pb_hooks"),
    watch: flags.hooksWatch !== false,
    poolSize: pool,
    timeoutMs: Math.round(timeout * 1000),
  };
}
