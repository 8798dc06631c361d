/**
 * `satchel serve example.com [www.example.com]`: the API over HTTPS with certificates from ACME
 * (src/api/autocert.ts), as PocketBase does it:
 * - the HTTPS listener (default 0.0.0.0:443) serves the router; each bare domain's `www.`
 *   variant gets a certificate too and is redirected to the bare domain;
 * - the HTTP listener (default 0.0.0.0:80) answers ACME HTTP-01 challenges and otherwise only
 *   redirects GET/HEAD to HTTPS (other methods get 400 "Use HTTPS", as Go's autocert);
 * - certificates of the named domains are obtained before the server counts as started, so a
 *   domain the CA refuses or a CA that can't be reached stops the start, with nothing left
 *   listening.
 */
import { listenBacklog } from "./listen-backlog.ts";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { join } from "node:path";
import type { SecureContext } from "node:tls";
import type { App } from "../core/app.ts";
import { Autocert } from "./autocert.ts";

export { checkDomain } from "./autocert.ts";
import type { RouterOptions } from "./router.ts";
import { parseAddress, startServer, type RunningServer } from "./server.ts";

export interface DomainServeOptions {
  /** The domains named on the command line (already checked by checkDomain). */
  domains: string[];
  httpAddress: string;
  httpsAddress: string;
  /** Another CA's ACME directory (--acmeDirectory); Let's Encrypt by default. */
  directoryUrl?: string;
  challengePriority?: ("http-01" | "tls-alpn-01")[];
}

// Not an ES import of node:http: see src/api/server.ts.
const { createServer } = process.getBuiltinModule("node:http");

/** The bare domain a `www.` host redirects to, for each www variant we add. */
function wwwRedirects(domains: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (const d of domains) if (!d.startsWith("www.") && !domains.includes(`www.${d}`)) map.set(`www.${d}`, d);
  return map;
}

/** `host` plus `:port` unless the port is HTTPS's default. */
const withPort = (host: string, port: number) => (port === 443 ? host : `${host}:${port}`);

const hostOf = (header: string | null | undefined) =>
  (header ?? "")
    .replace(/:\d+$/, "")
    .replace(/^\[|\]$/g, "")
    .toLowerCase();

/** Starts both listeners and obtains the certificates; rejects (with nothing listening) on failure. */
export async function startDomainServer(
  app: App,
  options: DomainServeOptions,
  routerOptions: RouterOptions = {},
): Promise<RunningServer> {
  const redirects = wwwRedirects(options.domains);
  const httpsPort = parseAddress(options.httpsAddress).port;
  const autocert = new Autocert({
    hosts: [...options.domains, ...redirects.keys()],
    cacheDir: join(app.dataDir, ".autocert_cache"),
    directoryUrl: options.directoryUrl,
    challengePriority: options.challengePriority,
    log: (message) => process.stderr.write(`${message}\n`),
  });

  const http = await listenRedirects(autocert, options.httpAddress, httpsPort);
  let https: RunningServer | undefined;
  try {
    https = await startServer(app, options.httpsAddress, routerOptions, {
      tls: {
        minVersion: "TLSv1.2",
        SNICallback: (servername: string, done: (err: Error | null, ctx?: SecureContext) => void) => {
          const challenge = autocert.alpnChallenge(servername);
          if (challenge) return done(null, challenge);
          autocert.context(servername).then(
            (ctx) => done(null, ctx),
            (err: Error) => done(err),
          );
        },
        ALPNCallback: ({ servername, protocols }: { servername: string; protocols: string[] }) => {
          if (protocols.includes("acme-tls/1") && autocert.alpnChallenge(servername)) return "acme-tls/1";
          return protocols.includes("http/1.1") ? "http/1.1" : undefined;
        },
      },
      wrapFetch: (fetch) => (request: Request, env?: unknown) => {
        const target = redirects.get(hostOf(request.headers.get("host")));
        if (!target) return fetch(request, env);
        const url = new URL(request.url);
        const location = `https://${withPort(target, httpsPort)}${url.pathname}${url.search}`;
        return Promise.resolve(new Response(null, { status: 307, headers: { location } }));
      },
    });
    await autocert.start(options.domains);
  } catch (err) {
    autocert.stop();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    if (https) await https.close();
    throw err;
  }
  const running = https;
  let closing: Promise<void> | undefined;
  return {
    url: `https://${withPort(options.domains[0]!, httpsPort)}`,
    close() {
      closing ??= (async () => {
        autocert.stop();
        await new Promise<void>((resolve) => {
          http.close(() => resolve());
          http.closeAllConnections();
        });
        await running.close();
      })();
      return closing;
    },
  };
}

/** The plain-HTTP listener: ACME HTTP-01 answers, and redirects to HTTPS. */
async function listenRedirects(autocert: Autocert, address: string, httpsPort: number): Promise<Server> {
  const { host, port } = parseAddress(address);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const answer = autocert.httpChallenge(path);
    if (answer !== undefined) {
      res.writeHead(200, { "content-type": "text/plain" }).end(answer);
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("Use HTTPS\n");
      return;
    }
    const target = hostOf(req.headers.host);
    if (!target) {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" }).end("Use HTTPS\n");
      return;
    }
    res.writeHead(302, { location: `https://${withPort(target, httpsPort)}${req.url ?? "/"}` }).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, listenBacklog(), () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}
