/**
 * TLS-ALPN-01 (the challenge answered on the HTTPS port itself, through the TLS server's SNI and
 * ALPN callbacks, src/api/tls-listener.ts) against pebble, in process: the CLI prefers HTTP-01
 * and has no flag for the order, so startDomainServer is given TLS-ALPN-01 only, and the HTTP
 * listener is moved off the port pebble's HTTP-01 check would use, so no other challenge can
 * have succeeded.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { request } from "node:https";
import { test } from "node:test";
import { getCACertificates, setDefaultCACertificates } from "node:tls";
import { startDomainServer } from "../src/api/https-serve.ts";
import { App } from "../src/core/app.ts";
import { pebbleMissing, startPebble } from "./helpers/pebble.ts";
import { freePort } from "./helpers/s3-server.ts";
import { tempDir } from "./helpers/server.ts";

function httpsGet(
  port: number,
  host: string,
  path: string,
  ca: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, servername: host, headers: { host }, ca }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("a certificate obtained over TLS-ALPN-01", { skip: pebbleMissing() }, async (t) => {
  const pebbleHttpPort = await freePort();
  const tlsPort = await freePort();
  const pebble = await startPebble(tempDir(t, "satchel-pebble-"), pebbleHttpPort, tlsPort);
  t.after(() => pebble.stop());
  // This process talks to pebble's own HTTPS listener (the ACME directory).
  setDefaultCACertificates([...getCACertificates("default"), readFileSync(pebble.serverCaFile, "utf8")]);

  const app = new App({ dataDir: tempDir(t) });
  await app.bootstrap();
  const server = await startDomainServer(app, {
    domains: ["alpn.example.com"],
    httpAddress: `127.0.0.1:${await freePort()}`,
    httpsAddress: `127.0.0.1:${tlsPort}`,
    directoryUrl: pebble.directoryUrl,
    challengePriority: ["tls-alpn-01"],
  });
  try {
    const health = await httpsGet(tlsPort, "alpn.example.com", "/api/health", await pebble.issuingRoot());
    assert.equal(health.status, 200);
    assert.match(health.body, /API is healthy/);
  } finally {
    await server.close();
  }
});
