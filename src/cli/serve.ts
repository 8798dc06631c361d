/**
 * `satchel serve`: bootstraps the app, starts the HTTP server, prints the banner (and the
 * installer link while no superuser exists), and stops gracefully on SIGINT/SIGTERM.
 */
import { dirname, join, resolve } from "node:path";
import type { App } from "../core/app.ts";
import { installerToken } from "../core/records/superusers.ts";
import { parseAddress, startServer } from "../api/server.ts";
import type { ParsedArgs } from "./args.ts";
import { recoverInterruptedRestore } from "../core/backups/backup-restore.ts";

/** `--publicDir` (default `pb_public` beside the data folder) and `--indexFallback` (default on). */
function publicFolder(app: App, args: ParsedArgs): { publicDir: string; indexFallback: boolean } {
  const dir = args.flags.publicDir;
  return {
    publicDir: typeof dir === "string" ? resolve(dir) : join(dirname(app.dataDir), "pb_public"),
    indexFallback: args.flags.indexFallback !== false,
  };
}

/** Runs the server until a termination signal; resolves with the exit code. */
export async function runServe(app: App, args: ParsedArgs): Promise<number> {
  const address = typeof args.flags.http === "string" ? args.flags.http : "127.0.0.1:8090";
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
  await app.bootstrap();
  let server;
  try {
    server = await startServer(app, address, { origins, logErrors: app.isDev, ...publicFolder(app, args) });
  } catch (err) {
    await app.terminate();
    const code = (err as { code?: string }).code;
    if (code === "EADDRINUSE") throw new Error(`address ${address} is already in use`);
    if (code === "EACCES") throw new Error(`no permission to listen on ${address}`);
    throw err;
  }
  const base = server.url;
  const running = server;
  // Signal handlers go in before anything else is awaited, so a SIGTERM that comes early
  // (while the installer account is being hashed) still stops the server gracefully.
  let stopping = false;
  const stopped = new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      stopping = true;
      process.stdout.write(`\n${signal} received, shutting down…\n`);
      running
        .close()
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
    throw err;
  }
  return stopped;
}
