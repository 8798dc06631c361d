/**
 * A small argv parser: positionals plus `--flag value`, `--flag=value` and boolean flags,
 * checked against the flags each command declares (unknown flags are an error).
 */

/** Declared flags: name → whether it takes a value. */
export type FlagSpec = { [name: string]: "string" | "boolean" };

/** Parsed arguments. */
export interface ParsedArgs {
  positionals: string[];
  flags: { [name: string]: string | boolean };
}

/** Parses argv against a flag spec; throws an Error with a one-line message on bad input. */
export function parseArgs(argv: readonly string[], spec: FlagSpec): ParsedArgs {
  const positionals: string[] = [];
  const flags: { [name: string]: string | boolean } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      positionals.push(arg);
      continue;
    }
    const body = arg.replace(/^--?/, "");
    const eq = body.indexOf("=");
    const name = eq >= 0 ? body.slice(0, eq) : body;
    const kind = spec[name];
    if (!kind) throw new Error(`unknown flag: --${name}`);
    if (kind === "boolean") {
      const raw = eq >= 0 ? body.slice(eq + 1) : "true";
      if (!["true", "false", "1", "0"].includes(raw)) throw new Error(`invalid value for --${name}: ${raw}`);
      flags[name] = raw === "true" || raw === "1";
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = body.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw new Error(`flag needs an argument: --${name}`);
    flags[name] = value;
  }
  return { positionals, flags };
}
