/**
 * Console commands added by pb_hooks files (`$app.rootCmd.addCommand(new Command({use, run}))`,
 * PocketBase's "Console commands"): `satchel <name> [args]` loads the hooks folder, bootstraps
 * the app and runs the command's `run(cmd, args)`. Also the hooks runtime that commands other
 * than `serve` load, so JS model hooks fire for what `migrate` saves, as in PocketBase.
 */
import type { App } from "../core/app.ts";
import { parseArgs, type FlagSpec } from "./args.ts";
import { HOOKS_FLAGS, hooksOptionsFromFlags } from "./hooks-options.ts";

type Flags = { [name: string]: string | boolean };

/** The hooks folder's files, loaded for a one-shot command (no watching). */
export async function startCommandHooks(app: App, flags: Flags) {
  const { HooksRuntime, hookFiles } = await import("../hooks/runtime.ts");
  const options = { ...hooksOptionsFromFlags(flags, app.dataDir), watch: false };
  if (hookFiles(options.hooksDir).length === 0) return null;
  const runtime = new HooksRuntime(app, options);
  await runtime.start();
  return runtime;
}

/**
 * Runs `argv` as a hook-defined command; resolves with the exit code, or null when no hook file
 * added a command of that name (the caller reports the unknown command).
 */
export async function runScriptCommand(
  argv: readonly string[],
  globalFlags: FlagSpec,
  buildApp: (flags: Flags) => Promise<App>,
): Promise<number | null> {
  // the flags every PocketBase command takes (the hooks and migrations folders)
  const args = parseArgs(argv, { ...globalFlags, ...HOOKS_FLAGS, migrationsDir: "string" });
  const app = await buildApp(args.flags);
  const runtime = await startCommandHooks(app, args.flags);
  const found = runtime?.findCommand(args.positionals);
  if (!runtime || !found) {
    await runtime?.close();
    return null;
  }
  try {
    await app.bootstrap();
    await runtime.runCommand(found.command, found.args);
    return 0;
  } finally {
    await runtime.close();
    await app.terminate();
  }
}
