/**
 * An HTTP server whose connections arrive over TLS, built from a `node:tls` server in front of a
 * plain `node:http` server: the TLS server listens and terminates TLS, and each secure
 * connection is handed to the HTTP server as if it had accepted it. This is what node:https does
 * inside Node; doing it here makes HTTPS behave the same on both runtimes Satchel runs on. Bun's
 * node:https (the single executable) ignores `SNICallback` and `ALPNCallback`, which per-host
 * certificates and TLS-ALPN-01 challenges need, while its node:tls server honours both
 * (docs/deploy.md).
 */
import type { RequestListener, Server, ServerOptions } from "node:http";
import type { AddressInfo } from "node:net";
import type { TLSSocket, TlsOptions } from "node:tls";

// Built-ins taken with process.getBuiltinModule, not ES imports (see src/api/server.ts); node:tls
// only when a TLS server is made, so a plain HTTP server never loads it (~12 ms of a start).
const { createServer: createHttpServer } = process.getBuiltinModule("node:http");

/**
 * A `createServer` for the server (src/api/server.ts): the returned http.Server's `listen`,
 * `address` and `close` act on the TLS server in front of it.
 */
export function tlsFrontedServer(tls: TlsOptions): typeof createHttpServer {
  const { createServer: createTlsServer } = process.getBuiltinModule("node:tls");
  const create = (options: ServerOptions, listener: RequestListener): Server => {
    const http = createHttpServer(options, listener);
    const front = createTlsServer(tls, (socket: TLSSocket) => http.emit("connection", socket));
    // A failed handshake (a scanner, a name we don't serve) concerns that connection only.
    front.on("tlsClientError", (_err: Error, socket: TLSSocket) => socket.destroy());
    front.on("error", (err: Error) => http.emit("error", err));
    const closeHttp = http.close.bind(http);
    // Node's http.Server emits its own "close" when closed unlistened, Bun's doesn't: once.
    let closed = false;
    http.once("close", () => (closed = true));
    Object.assign(http, {
      listen(port: number, host: string, backlog: number, onListening?: () => void) {
        front.listen(port, host, backlog, () => {
          http.emit("listening");
          onListening?.();
        });
        return http;
      },
      address: (): AddressInfo | string | null => front.address(),
      /**
       * Stops accepting and calls back once every connection has ended (the TLS server counts
       * them: the HTTP server never accepted any itself), as http.Server's close.
       */
      close(done?: (err?: Error) => void) {
        front.close(() => {
          if (!closed) http.emit("close");
          done?.();
        });
        // The HTTP server never listened: its close only stops its timers and idle sockets.
        closeHttp(() => {});
        return http;
      },
    });
    return http;
  };
  return create as typeof createHttpServer;
}
