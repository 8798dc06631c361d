/**
 * The `satchel` command line: `serve`, `superuser …`, `--help`, `--version`. The only code that
 * reads argv and the environment; everything it does goes through the App.
 */
import { join, resolve } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import type { App } from "../core/app.ts";
import { parseArgs, type FlagSpec } from "./args.ts";
import { migrationsDir } from "./dirs.ts";
import { HOOKS_FLAGS, HOOKS_USAGE } from "./hooks-options.ts";
import { executableDir, runtimeName } from "../tools/runtime.ts";
import { checkFolderLayout } from "./folder-layout.ts";
import { customUsage, runCustomCommand, type CliOptions } from "./custom-commands.ts";

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

const USAGE_TEXT = `Satchel: a self-hosted backend that speaks PocketBase's API.

Usage:
  satchel serve [--http=127.0.0.1:8090] [--dir=./pb_data] [--dev] [--origins=*] [--encryptionEnv=VAR] [--queryTimeout=30]
                [--publicDir=DIR] [--indexFallback=true]
                [--hooksDir=./pb_hooks] [--hooksWatch=true] [--hooksPool=N] [--hooksTimeout=30]
                [--memoryLimit=MB]
  satchel serve example.com [www.example.com] [--http=0.0.0.0:80] [--https=0.0.0.0:443] [--acmeDirectory=URL]
  satchel superuser upsert|create|update EMAIL PASSWORD [--dir=DIR]
  satchel superuser delete EMAIL [--dir=DIR]
  satchel superuser otp EMAIL [--dir=DIR]   (prints a one-time password; needs OTP on _superusers)
  satchel migrate [up | down [N] | create NAME | collections | history-sync] [--migrationsDir=DIR]
  satchel typegen [--out=pocketbase-types.ts] [--dir=DIR]   (TypeScript types of every collection)
  satchel --help | --version

Flags:
  --dir            the data folder (default ./pb_data; next to the executable for the single executable)
  --dev            log errors and details to stderr
  --encryptionEnv  name of an env variable holding a 32-character key to encrypt the stored settings
  --queryTimeout   default SELECT timeout in seconds (default 30)
  --http           address to listen on (serve; default 127.0.0.1:8090)
  --origins        comma-separated CORS origins (serve; default *)
  --publicDir      the folder of static files served at / (serve; default pb_public beside the data folder)
  --indexFallback  serve publicDir's index.html for missing paths, for single-page apps (serve; default true)
  --migrationsDir  the migrations folder (default pb_migrations next to the data folder)
  --automigrate    write a migration for every collection change made through the API (serve; default true)
  --https          HTTPS address when domains are given (serve; default 0.0.0.0:443, certificates via ACME)
  --acmeDirectory  ACME directory URL of the CA (serve with domains; default Let's Encrypt)
  --memoryLimit    memory budget in MB; above it new realtime connections and uploads get a 503
                   (serve; default 90% of the JS heap limit, see docs/operations.md)
${HOOKS_USAGE}`;

/** `satchel version 0.1.0 (node v24.21.0, linux-x64)`: what it is, on what, for where. */
function version(): string {
  return `satchel version ${pkg.version} (${runtimeName()}, ${process.platform}-${process.arch})`;
}

/**
 * The default data folder: `pb_data` next to the single executable (as PocketBase's binary),
 * `./pb_data` in the working folder otherwise (npm start, npx).
 */
export function defaultDataDir(): string {
  const home = executableDir();
  return home ? join(home, "pb_data") : resolve("pb_data");
}

/**
 * Builds the App from the global flags. The App, each command and what only some starts need
 * are imported when used, so `--version` loads none of them and `serve` none of the other
 * commands (docs/performance.md, "Cold start").
 */
export async function appFromFlags(flags: { [name: string]: string | boolean }): Promise<App> {
  // PocketBase's env knob for the clock skew allowed when validating OAuth2 id_tokens.
  const leeway = Number(process.env.PB_ID_TOKEN_LEEWAY);
  if (process.env.PB_ID_TOKEN_LEEWAY && Number.isFinite(leeway) && leeway >= 0)
    (await import("../auth/oauth2/id-token.ts")).setIdTokenLeeway(leeway);
  const timeout = typeof flags.queryTimeout === "string" ? Number(flags.queryTimeout) : 30;
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new Error(`invalid --queryTimeout: ${String(flags.queryTimeout)}`);
  const dataDir = typeof flags.dir === "string" ? resolve(flags.dir) : defaultDataDir();
  // A file where the data folder or a database must be stops here, untouched (folder-layout.ts).
  checkFolderLayout({ dataDir });
  const { App } = await import("../core/app.ts");
  return new App({
    dataDir,
    isDev: flags.dev === true,
    encryptionEnv: typeof flags.encryptionEnv === "string" ? flags.encryptionEnv : "",
    queryTimeout: timeout,
  });
}

/**
 * Runs the CLI; resolves with the process exit code (serve resolves when stopped). A program
 * embedding Satchel passes `options`: a setup for every App built, and commands of its own.
 */
export async function runCli(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const [command, ...rest] = argv;
  const USAGE = USAGE_TEXT + customUsage(options);
  const buildApp = async (flags: { [name: string]: string | boolean }): Promise<App> => {
    const app = await appFromFlags(flags);
    await options.setup?.(app);
    return app;
  };
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  if (command === "--version" || command === "-v") {
    process.stdout.write(`${version()}\n`);
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
        migrationsDir: "string",
        automigrate: "boolean",
        ...HOOKS_FLAGS,
        https: "string",
        acmeDirectory: "string",
        memoryLimit: "string",
      });
      if (args.flags.help || args.flags.h) return (process.stdout.write(USAGE), 0);
      const { runServe } = await import("./serve.ts");
      return runServe(await buildApp(args.flags), args);
    }
    case "superuser": {
      const args = parseArgs(rest, GLOBAL_FLAGS);
      if (args.flags.help || args.flags.h) return (process.stdout.write(USAGE), 0);
      const { runSuperuser } = await import("./superuser.ts");
      return runSuperuser(await buildApp(args.flags), args.positionals);
    }
    case "migrate": {
      const args = parseArgs(rest, { ...GLOBAL_FLAGS, migrationsDir: "string", ...HOOKS_FLAGS });
      if (args.flags.help || args.flags.h) return (process.stdout.write(USAGE), 0);
      const [{ runMigrate }, { migrationLoader }, { startCommandHooks }] = await Promise.all([
        import("./migrate.ts"),
        import("../hooks/migration-loader.ts"),
        import("./script-commands.ts"),
      ]);
      const app = await buildApp(args.flags);
      checkFolderLayout({ dataDir: app.dataDir, migrationsDir: migrationsDir(app, args.flags) });
      // as PocketBase: the pb_hooks load for every command, so their hooks see migrations' saves
      const hooks = await startCommandHooks(app, args.flags);
      const load = migrationLoader(app, hooks ? { hooksDir: hooks.options.hooksDir } : {});
      try {
        await app.bootstrap();
        return await runMigrate(app, args.positionals, { dir: migrationsDir(app, args.flags), load });
      } finally {
        await load.close();
        await hooks?.close();
        await app.terminate();
      }
    }
    case "typegen": {
      const args = parseArgs(rest, { ...GLOBAL_FLAGS, out: "string" });
      if (args.flags.help || args.flags.h) return (process.stdout.write(USAGE), 0);
      if (args.positionals.length > 0) throw new Error(`unexpected argument "${args.positionals[0]}"`);
      const out = typeof args.flags.out === "string" ? args.flags.out : undefined;
      const { runTypegen } = await import("./typegen.ts");
      return runTypegen(await buildApp(args.flags), out);
    }
    default: {
      const custom = options.commands?.[command];
      if (custom) return runCustomCommand(custom, rest, GLOBAL_FLAGS, buildApp);
      // a console command added by a pb_hooks file ($app.rootCmd.addCommand)
      const { runScriptCommand } = await import("./script-commands.ts");
      const code = await runScriptCommand(argv, GLOBAL_FLAGS, buildApp);
      if (code !== null) return code;
      throw new Error(`unknown command "${command}" (see satchel --help)`);
    }
  }
}
