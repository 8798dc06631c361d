/**
 * `satchel serve`: bootstraps the app, starts the HTTP server, prints the banner (and the
 * installer link while no superuser exists), and stops gracefully on SIGINT/SIGTERM.
 */
import type { App } from "../core/app.ts";
import { installerToken } from "../core/records/superusers.ts";
import { parseAddress, startServer } from "../api/server.ts";
import type { startDomainServer as StartDomainServer } from "../api/https-serve.ts";
import type { ParsedArgs } from "./args.ts";

/** Runs the server until a termination signal; resolves with the exit code. */
export async function runServe(app: App, args: ParsedArgs): Promise<number> {
  // `serve example.com [www.example.com]`: HTTPS with ACME certificates (src/api/https-serve.ts).
  // The ACME client (and what it pulls in) is loaded only when domains are given.
  let startDomainServer: typeof StartDomainServer | undefined;
  let domains: string[] = [];
  if (args.positionals.length > 0) {
    const https = await import("../api/https-serve.ts");
    domains = args.positionals.map(https.checkDomain);
    https.checkDomainServeSupported();
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
  await app.bootstrap();
  let server;
  try {
    const routerOptions = { origins, logErrors: app.isDev };
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
    const e = err as { code?: string; address?: string; port?: number };
    const where = e.address !== undefined && e.port !== undefined ? `${e.address}:${e.port}` : address;
    if (e.code === "EADDRINUSE") throw new Error(`address ${where} is already in use`);
    if (e.code === "EACCES") throw new Error(`no permission to listen on ${where}`);
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
