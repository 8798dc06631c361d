/**
 * The `satchel` command line: `serve`, `superuser …`, `--help`, `--version`. The only code that
 * reads argv and the environment; everything it does goes through the App.
 */
import { resolve } from "node:path";
import { readFileSync } from "node:fs";
import { App } from "../core/app.ts";
import { setIdTokenLeeway } from "../auth/oauth2/id-token.ts";
import { parseArgs, type FlagSpec } from "./args.ts";
import { runServe } from "./serve.ts";
import { runSuperuser } from "./superuser.ts";

const GLOBAL_FLAGS: FlagSpec = {
  dir: "string",
  dev: "boolean",
  encryptionEnv: "string",
  queryTimeout: "string",
  help: "boolean",
  h: "boolean",
  version: "boolean",
  v: "boolean",
};

const USAGE = `Satchel: a self-hosted backend that speaks PocketBase's API.

Usage:
  satchel serve [--http=127.0.0.1:8090] [--dir=./pb_data] [--dev] [--origins=*] [--publicDir=DIR] [--indexFallback=true] [--encryptionEnv=VAR] [--queryTimeout=30]
  satchel superuser upsert|create|update EMAIL PASSWORD [--dir=DIR]
  satchel superuser delete EMAIL [--dir=DIR]
  satchel superuser otp EMAIL [--dir=DIR]   (prints a one-time password; needs OTP on _superusers)
  satchel --help | --version

Flags:
  --dir            the data folder (default ./pb_data)
  --dev            log errors and details to stderr
  --encryptionEnv  name of an env variable holding a 32-character key to encrypt the stored settings
  --queryTimeout   default SELECT timeout in seconds (default 30)
  --http           address to listen on (serve; default 127.0.0.1:8090)
  --origins        comma-separated CORS origins (serve; default *)
  --publicDir      the folder of static files served at / (serve; default pb_public beside the data folder)
  --indexFallback  serve publicDir's index.html for missing paths, for single-page apps (serve; default true)
`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** Builds the App from the global flags. */
export function appFromFlags(flags: { [name: string]: string | boolean }): App {
  // PocketBase's env knob for the clock skew allowed when validating OAuth2 id_tokens.
  const leeway = Number(process.env.PB_ID_TOKEN_LEEWAY);
  if (process.env.PB_ID_TOKEN_LEEWAY && Number.isFinite(leeway) && leeway >= 0) setIdTokenLeeway(leeway);
  const timeout = typeof flags.queryTimeout === "string" ? Number(flags.queryTimeout) : 30;
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new Error(`invalid --queryTimeout: ${String(flags.queryTimeout)}`);
  return new App({
    dataDir: resolve(typeof flags.dir === "string" ? flags.dir : "pb_data"),
    isDev: flags.dev === true,
    encryptionEnv: typeof flags.encryptionEnv === "string" ? flags.encryptionEnv : "",
    queryTimeout: timeout,
  });
}

/** Runs the CLI; resolves with the process exit code (serve resolves when stopped). */
export async function runCli(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`satchel version ${version()}\n`);
    return 0;
  }
  switch (command) {
    case "serve": {
      const args = parseArgs(rest, {
        ...GLOBAL_FLAGS,
        http: "string",
        origins: "string",
        publicDir: "string",
        indexFallback: "boolean",
      });
      if (args.flags.help || args.flags.h) return (process.stdout.write(USAGE), 0);
      return runServe(appFromFlags(args.flags), args);
    }
    case "superuser": {
      const args = parseArgs(rest, GLOBAL_FLAGS);
      if (args.flags.help || args.flags.h) return (process.stdout.write(USAGE), 0);
      return runSuperuser(appFromFlags(args.flags), args.positionals);
    }
    default:
      throw new Error(`unknown command "${command}" (see satchel --help)`);
  }
}
