/**
 * `satchel serve`: bootstraps the app, starts the HTTP server, prints the banner (and the
 * installer link while no superuser exists), and stops gracefully on SIGINT/SIGTERM.
 */
import { dirname, join, resolve } from "node:path";
import type { App } from "../core/app.ts";
import { installerToken } from "../core/records/superusers.ts";
import { parseAddress, startServer } from "../api/server.ts";
import { releasePooledParsers } from "../api/http/parser-pool.ts";
import { exitPastStuckReads } from "../core/db/read-pool.ts";
import { bindAutomigrate } from "../core/migrations/automigrate.ts";
import { applyPendingMigrations } from "../core/migrations/app-migrations.ts";
import type { MigrationLoader } from "../core/migrations/app-migrations.ts";
import type { migrationLoader as MigrationLoaderFactory } from "../hooks/migration-loader.ts";
import type { startDomainServer as StartDomainServer } from "../api/https-serve.ts";
import type { ParsedArgs } from "./args.ts";
import { migrationsDir } from "./dirs.ts";
import { HooksRuntime } from "../hooks/runtime.ts";
import { hooksOptionsFromFlags } from "./hooks-options.ts";
import { recoverInterruptedRestore } from "../core/backups/backup-restore.ts";
import { checkFolderLayout } from "./folder-layout.ts";
import { startIdleReclaim } from "../tools/idle-reclaim.ts";
import { restoreJit, serveWithV8Tuned } from "../tools/v8-serving.ts";

/** The young generation's cap per semi-space, once serving (tools/v8-serving.ts). */
const SEMI_SPACE_MB = 4;

/** How long after the start `types.d.ts` is checked (see below). */
const TYPES_REFRESH_DELAY_MS = 2000;
/** When the start's garbage is collected (tools/idle-reclaim.ts, `afterStartMs`). */
const START_RECLAIM_MS = 500;

/** `--publicDir` (default `pb_public` beside the data folder) and `--indexFallback` (default on). */
function publicFolder(app: App, args: ParsedArgs): { publicDir: string; indexFallback: boolean } {
  const dir = args.flags.publicDir;
  return {
    publicDir: typeof dir === "string" ? resolve(dir) : join(dirname(app.dataDir), "pb_public"),
    indexFallback: args.flags.indexFallback !== false,
  };
}

/** `--memoryLimit` in MB, as bytes (0: the default budget, see tools/memory-budget.ts). */
function memoryLimitFlag(args: ParsedArgs): number {
  const raw = args.flags.memoryLimit;
  if (raw === undefined) return 0;
  const mb = typeof raw === "string" ? Number(raw) : NaN;
  if (!Number.isFinite(mb) || mb <= 0) throw new Error(`invalid --memoryLimit: ${String(raw)} (megabytes)`);
  return Math.floor(mb * 1024 * 1024);
}

/** Runs the server until a termination signal; resolves with the exit code. */
export async function runServe(app: App, args: ParsedArgs): Promise<number> {
  // `serve example.com [www.example.com]`: HTTPS with ACME certificates (src/api/https-serve.ts).
  // The ACME client (and what it pulls in) is loaded only when domains are given.
  let startDomainServer: typeof StartDomainServer | undefined;
  let domains: string[] = [];
  if (args.positionals.length > 0) {
    const https = await import("../api/https-serve.ts");
    domains = args.positionals.map(https.checkDomain);
    startDomainServer = https.startDomainServer;
  }
  const httpsAddress =
    typeof args.flags.https === "string" ? args.flags.https : domains.length ? "0.0.0.0:443" : "";
  if (httpsAddress && domains.length === 0)
    throw new Error("--https needs a domain: satchel serve example.com");
  if (httpsAddress) parseAddress(httpsAddress);
  const address =
    typeof args.flags.http === "string" ? args.flags.http : domains.length ? "0.0.0.0:80" : "127.0.0.1:8090";
  const origins =
    typeof args.flags.origins === "string"
      ? args.flags.origins
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean)
      : ["*"];
  // A bad address is a usage error: report it before the data folder is created or opened.
  parseAddress(address);
  await recoverInterruptedRestore(app.dataDir);
  const hooksOptions = hooksOptionsFromFlags(args.flags, app.dataDir);
  checkFolderLayout({
    dataDir: app.dataDir,
    hooksDir: hooksOptions.hooksDir,
    migrationsDir: migrationsDir(app, args.flags),
    publicDir: publicFolder(app, args).publicDir,
  });
  // pb_hooks load before bootstrap (their onBootstrap handlers run in it); a file that fails to
  // load stops the start with its file and line
  const hooks = new HooksRuntime(app, hooksOptions);
  await hooks.start();
  try {
    await app.bootstrap();
  } catch (err) {
    await hooks.close();
    throw err;
  }
  // Pending pb_migrations apply before the server listens; a failing one stops the start.
  const migrations = migrationsDir(app, args.flags);
  // The script loader (a worker pool and the JSVM bindings) loads only when a migration is pending.
  let loader: ReturnType<typeof MigrationLoaderFactory> | undefined;
  const load: MigrationLoader = async (dir, files) => {
    // a migration may loop over many records: not in the interpreter alone (tools/v8-serving.ts)
    restoreJit();
    loader ??= (await import("../hooks/migration-loader.ts")).migrationLoader(app, {
      hooksDir: hooks.options.hooksDir,
    });
    return loader(dir, files);
  };
  try {
    await applyPendingMigrations(app, migrations, load);
  } catch (err) {
    await hooks.close();
    await app.terminate();
    throw err;
  } finally {
    await loader?.close();
  }
  if (args.flags.automigrate !== false) bindAutomigrate(app, migrations);
  let server;
  try {
    const routerOptions = {
      origins,
      logErrors: app.isDev,
      ...publicFolder(app, args),
      memoryLimit: memoryLimitFlag(args),
    };
    server = startDomainServer
      ? await startDomainServer(
          app,
          {
            domains,
            httpAddress: address,
            httpsAddress,
            directoryUrl: typeof args.flags.acmeDirectory === "string" ? args.flags.acmeDirectory : undefined,
          },
          routerOptions,
        )
      : await startServer(app, address, routerOptions);
  } catch (err) {
    await app.terminate();
    await hooks.close();
    const e = err as { code?: string; address?: string; port?: number };
    const where = e.address !== undefined && e.port !== undefined ? `${e.address}:${e.port}` : address;
    if (e.code === "EADDRINUSE") throw new Error(`address ${where} is already in use`);
    if (e.code === "EACCES") throw new Error(`no permission to listen on ${where}`);
    throw err;
  }
  const base = server.url;
  const running = server;
  // The optimizing compiler and the young generation's growth, held back by bin/satchel.js for
  // the start, are set for serving.
  const v8Tuning = serveWithV8Tuned({ maxSemiSpaceMB: SEMI_SPACE_MB });
  // The scheduler runs while serving (the app's terminate stops it).
  app.cron().start();
  // Memory a burst made V8 keep is given back once the server is idle (tools/idle-reclaim.ts).
  // So are SQLite's page caches (up to 32 MB per connection, kept until released) and the HTTP
  // parsers node:http pooled (up to 1,000). So is the start's garbage, half a second after the
  // start if no request came meanwhile.
  const reclaim = startIdleReclaim({
    release: () => {
      app.releaseMemory();
      releasePooledParsers();
    },
    afterStartMs: START_RECLAIM_MS,
  });
  // pb_data/types.d.ts for pb_hooks editors (PocketBase writes it on serve), a few seconds after
  // the start: its check walks the sources and a stale file is written by a child process, work
  // that would otherwise compete with the first requests for the CPU.
  const typesRefresh = setTimeout(() => {
    void import("../hooks/types-file-refresh.ts").then(({ refreshTypesFile }) =>
      refreshTypesFile(app.dataDir, (m) => process.stderr.write(`${m}\n`)),
    );
  }, TYPES_REFRESH_DELAY_MS);
  typesRefresh.unref();
  // Signal handlers go in before anything else is awaited, so a SIGTERM that comes early
  // (while the installer account is being hashed) still stops the server gracefully.
  let stopping = false;
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      stopping = true;
      reclaim.stop();
      v8Tuning.stop();
      clearTimeout(typesRefresh);
      process.stdout.write(`\n${signal} received, shutting down…\n`);
      running
        .close()
        .then(() => hooks.close())
        .then(() => exitPastStuckReads())
        .then(() => resolve(0))
        .catch((err: unknown) => {
          console.error(err);
          resolve(1);
        });
    };
    process.once("SIGINT", () => stop("SIGINT"));
    process.once("SIGTERM", () => stop("SIGTERM"));
  });
  process.stdout.write(`Server started at ${base}\n├─ REST API:  ${base}/api/\n└─ Dashboard: ${base}/_/\n`);
  try {
    const token = await installerToken(app);
    if (token && !stopping) {
      process.stdout.write(
        `\n(!) Launch the URL below in the browser if it hasn't been open already to create your first superuser account:\n${base}/_/#/pbinstall/${token}\n(you can also create your first superuser by running: satchel superuser upsert EMAIL PASS)\n\n`,
      );
    }
  } catch (err) {
    // Shutting down while the installer account was being created is not an error.
    if (stopping) return stopped;
    await running.close();
    await hooks.close();
    throw err;
  }
  return stopped;
}
