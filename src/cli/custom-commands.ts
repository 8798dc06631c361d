/**
 * What a Node program embedding Satchel adds to its command line (`runCli(argv, options)`, the
 * counterpart of PocketBase's `app.RootCmd.AddCommand`): a setup run on every App the CLI
 * builds (to register hooks and routes before it bootstraps), and commands of its own.
 */
import type { App } from "../core/app.ts";
import { parseArgs, type FlagSpec, type ParsedArgs } from "./args.ts";

/** A command of the program (`myapp NAME [args] [--flags]`). */
export interface CliCommand {
  /** One line for `--help`, e.g. `"seed [COUNT]   adds COUNT sample posts"`. */
  usage: string;
  /** Its flags besides the global ones (`--dir`, `--dev`, …). */
  flags?: FlagSpec;
  /** Runs with the bootstrapped app (terminated afterwards); resolves with the exit code. */
  run(app: App, args: ParsedArgs): number | Promise<number>;
}

/** The second argument of `runCli`. */
export interface CliOptions {
  /** Called with every App the CLI builds, before it bootstraps: register hooks and routes here. */
  setup?: (app: App) => void | Promise<void>;
  /** The program's own commands, by name (the built-in ones keep their names). */
  commands?: { [name: string]: CliCommand };
}

/** The `--help` lines of the program's commands. */
export function customUsage(options: CliOptions): string {
  const lines = Object.entries(options.commands ?? {}).map(([name, c]) => `  ${name} ${c.usage}`);
  return lines.length ? `\nCommands of this program:\n${lines.join("\n")}\n` : "";
}

/** Runs a program command: its app built from the flags, set up, bootstrapped, then terminated. */
export async function runCustomCommand(
  command: CliCommand,
  argv: readonly string[],
  globalFlags: FlagSpec,
  buildApp: (flags: ParsedArgs["flags"]) => Promise<App>,
): Promise<number> {
  const args = parseArgs(argv, { ...globalFlags, ...command.flags });
  const app = await buildApp(args.flags);
  await app.bootstrap();
  try {
    return await command.run(app, args);
  } finally {
    await app.terminate();
  }
}
