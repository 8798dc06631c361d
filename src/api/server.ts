/**
 * The HTTP server: serves the router on node:http (src/api/http/node-adapter.ts), triggers `onServe`, and shuts
 * down gracefully (stop accepting, let in-flight requests finish, then close the databases).
 */
import type { Server } from "node:http";
import type { TlsOptions } from "node:tls";
import type { AddressInfo } from "node:net";
import type { App } from "../core/app.ts";
import { ServeEvent } from "../core/hook-events.ts";
import { createRouter, type RouterOptions } from "./router.ts";
import { shutdownRealtime } from "./realtime.ts";
import { tlsFrontedServer } from "./tls-listener.ts";
import { listenBacklog } from "./listen-backlog.ts";
import { createRealtimeWebSocketServer } from "./realtime-ws.ts";
import { routeWebSocketUpgrades } from "./websocket-upgrade.ts";
import { setServeEvent } from "./dashboard-extensions.ts";
import { nodeRequestListener } from "./http/node-adapter.ts";

// node:http through process.getBuiltinModule, not an ES import: the ES facade of a built-in reads
// every export, and node:http's lazy `WebSocket`/`CloseEvent`/`MessageEvent` getters then load
// undici (~35 ms of a cold start and its heap; docs/performance.md, "Cold start").
const { createServer } = process.getBuiltinModule("node:http");

/**
 * The most bytes of request line and headers accepted: Go's default (and so PocketBase's), 1 MB,
 * rather than Node's 16 KB, which long `filter`/`fields` query strings and big tokens exceed.
 */
const MAX_HEADER_BYTES = 1 << 20;

/** A running server. */
export interface RunningServer {
  /** The base URL, e.g. `http://127.0.0.1:8090`. */
  url: string;
  /** Stops accepting connections, waits for in-flight requests, terminates the app. */
  close(): Promise<void>;
}

/** Parses `host:port` (IPv6 in brackets allowed). */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m) throw new Error(`Invalid --http address "${address}" (expected host:port).`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`Invalid port in --http address "${address}".`);
  return { host: m[1] ?? (m[2] || "0.0.0.0"), port };
}

/** How the router is served: over TLS (serve DOMAIN, src/api/https-serve.ts), behind a fetch wrapper. */
export interface TransportOptions {
  tls?: TlsOptions;
  wrapFetch?: (fetch: (request: Request, env: unknown) => Response | Promise<Response>) => typeof fetch;
}

/** Starts serving an already bootstrapped app on `address`. Rejects when the port is busy. */
export async function startServer(
  app: App,
  address: string,
  options: RouterOptions = {},
  transport: TransportOptions = {},
): Promise<RunningServer> {
  const { host, port } = parseAddress(address);
  const router = createRouter(app, options);
  const fetchHandler = transport.wrapFetch ? transport.wrapFetch(router.fetch) : router.fetch;
  const event = new ServeEvent(app, router, address);
  setServeEvent(app, event);
  let server: Server | undefined;
  await app.hooks.onServe.trigger(event, async () => {
    server = await new Promise<Server>((resolve, reject) => {
      const serverOptions = { maxHeaderSize: MAX_HEADER_BYTES };
      // TLS in front of node:http rather than node:https: the same on Node and Bun (tls-listener.ts).
      const create = transport.tls ? tlsFrontedServer(transport.tls) : createServer;
      const listener = nodeRequestListener(router, transport.wrapFetch ? fetchHandler : undefined);
      const s = create(serverOptions, listener);
      s.once("error", reject);
      s.listen(port, host, listenBacklog(), () => resolve(s));
      // WebSocket upgrades go through the router too (GET /api/realtime/ws).
      routeWebSocketUpgrades(s, createRealtimeWebSocketServer(), fetchHandler);
    });
  });
  if (!server) throw new Error("The server was not started (an onServe handler did not call e.next()).");
  const running = server;
  const bound = running.address() as AddressInfo;
  const shownHost = bound.family === "IPv6" ? `[${bound.address}]` : bound.address;
  let closing: Promise<void> | undefined;
  return {
    url: `${transport.tls ? "https" : "http"}://${shownHost}:${bound.port}`,
    close() {
      closing ??= (async () => {
        // Realtime streams never end on their own: disconnect their clients first.
        shutdownRealtime(app);
        await new Promise<void>((resolve) => {
          // Idle keep-alive sockets would hold close() open until their timeout; sockets whose
          // in-flight request finishes become idle later, so they are swept until close ends.
          const idle = () => (running as { closeIdleConnections?: () => void }).closeIdleConnections?.();
          const sweep = setInterval(idle, 25);
          running.close(() => {
            clearInterval(sweep);
            resolve();
          });
          idle();
        });
        await app.terminate();
      })();
      return closing;
    },
  };
}
