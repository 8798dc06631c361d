/**
 * `satchel serve DOMAIN` end to end against pebble (a real ACME server, test/helpers/pebble.ts):
 * certificates obtained over HTTP-01, HTTPS served with them, HTTP redirected to HTTPS, `www.`
 * redirected to the bare domain, the certificates kept in pb_data/.autocert_cache; and bad
 * input (an invalid domain, a CA that can't be reached, a busy port) stops the start with one
 * line and exit 1, leaving nothing listening.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { pebbleMissing, startPebble, type Pebble } from "./helpers/pebble.ts";
import { freePort } from "./helpers/s3-server.ts";
import { suiteCleanup, tempDir } from "./helpers/server.ts";
import { startServing, stopGracefully } from "./helpers/smoke.ts";

const BIN = fileURLToPath(new URL("../bin/satchel.js", import.meta.url));

interface Answer {
  status: number;
  headers: { [name: string]: string | string[] | undefined };
  body: string;
}

function httpsGet(port: number, host: string, path: string, ca: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: "127.0.0.1", port, path, servername: host, headers: { host: `${host}:${port}` }, ca },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => (body += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

function httpAsk(port: number, host: string, path: string, method = "GET"): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method, headers: { host } }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Runs `satchel serve …` expecting it to fail; resolves with its exit code and output. */
function serveFails(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "serve", ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("close", (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

describe("serve DOMAIN: HTTPS with certificates from ACME (pebble)", { skip: pebbleMissing() }, () => {
  const cleanup = suiteCleanup();
  let pebble: Pebble;
  let httpPort: number;
  let tlsPort: number;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    httpPort = await freePort();
    tlsPort = await freePort();
    pebble = await startPebble(tempDir(cleanup, "satchel-pebble-"), httpPort, tlsPort);
    // Pebble's own HTTPS certificate is trusted by the server under test only.
    env = { NODE_EXTRA_CA_CERTS: pebble.serverCaFile };
  });
  after(async () => pebble?.stop());

  test("obtains certificates, serves HTTPS, redirects HTTP and www", async (t) => {
    const dir = join(tempDir(t), "pb_data");
    const started = await startServing(
      process.execPath,
      [
        BIN,
        "serve",
        "example.com",
        `--http=127.0.0.1:${httpPort}`,
        `--https=127.0.0.1:${tlsPort}`,
        `--acmeDirectory=${pebble.directoryUrl}`,
        `--dir=${dir}`,
      ],
      process.cwd(),
      { ...process.env, ...env },
      120_000,
    );
    try {
      assert.equal(started.url, `https://example.com:${tlsPort}`);
      const root = await pebble.issuingRoot();
      const health = await httpsGet(tlsPort, "example.com", "/api/health", root);
      assert.equal(health.status, 200);
      assert.equal((JSON.parse(health.body) as { message: string }).message, "API is healthy.");
      assert.ok(existsSync(join(dir, ".autocert_cache", "example.com")));
      assert.ok(existsSync(join(dir, ".autocert_cache", "acme_account+key")));

      const redirect = await httpAsk(httpPort, "example.com", "/api/health?x=1");
      assert.equal(redirect.status, 302);
      assert.equal(redirect.headers.location, `https://example.com:${tlsPort}/api/health?x=1`);
      assert.equal((await httpAsk(httpPort, "example.com", "/api/health", "POST")).status, 400);

      // www.example.com: its certificate comes on the first handshake, then it redirects.
      const www = await httpsGet(tlsPort, "www.example.com", "/api/health?y=2", root);
      assert.equal(www.status, 307);
      assert.equal(www.headers.location, `https://example.com:${tlsPort}/api/health?y=2`);
      assert.ok(existsSync(join(dir, ".autocert_cache", "www.example.com")));
      // A name that is not served gets no certificate.
      await assert.rejects(httpsGet(tlsPort, "other.example.org", "/api/health", root));
    } finally {
      await stopGracefully(started);
    }
    // The next start uses the stored certificate, even with the CA gone.
    const again = await startServing(
      process.execPath,
      [
        BIN,
        "serve",
        "example.com",
        `--http=127.0.0.1:${httpPort}`,
        `--https=127.0.0.1:${tlsPort}`,
        "--acmeDirectory=https://127.0.0.1:9/dir",
        `--dir=${dir}`,
      ],
      process.cwd(),
      { ...process.env, ...env },
    );
    try {
      const health = await httpsGet(tlsPort, "example.com", "/api/health", await pebble.issuingRoot());
      assert.equal(health.status, 200);
    } finally {
      await stopGracefully(again);
    }
  });

  test("an invalid domain: one line, exit 1", async (t) => {
    const r = await serveFails(["bad_name.com", `--dir=${join(tempDir(t), "pb_data")}`], env);
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr,
      'Error: invalid domain "bad_name.com" (expected a host name such as example.com)\n',
    );
  });

  test("an unreachable CA: one line, exit 1, nothing left listening", async (t) => {
    const closed = await freePort();
    const r = await serveFails(
      [
        "example.com",
        `--http=127.0.0.1:${httpPort}`,
        `--https=127.0.0.1:${tlsPort}`,
        `--acmeDirectory=https://127.0.0.1:${closed}/dir`,
        `--dir=${join(tempDir(t), "pb_data")}`,
      ],
      env,
    );
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      /^Error: the ACME directory https:\/\/127\.0\.0\.1:\d+\/dir can't be reached: .*ECONNREFUSED.*\n$/,
    );
    assert.doesNotMatch(r.stdout, /Server started/);
    assert.ok(await canListen(httpPort));
    assert.ok(await canListen(tlsPort));
  });

  test("a busy port: one line, exit 1", async (t) => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(tlsPort, "127.0.0.1", resolve));
    try {
      const r = await serveFails(
        [
          "example.com",
          `--http=127.0.0.1:${httpPort}`,
          `--https=127.0.0.1:${tlsPort}`,
          `--acmeDirectory=${pebble.directoryUrl}`,
          `--dir=${join(tempDir(t), "pb_data")}`,
        ],
        env,
      );
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `Error: address 127.0.0.1:${tlsPort} is already in use\n`);
      assert.ok(await canListen(httpPort), "the HTTP listener was closed");
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });
});

test("plain serve without a domain keeps HTTP", async (t) => {
  const started = await startServing(
    process.execPath,
    [BIN, "serve", "--http=127.0.0.1:0", `--dir=${join(tempDir(t), "pb_data")}`],
    process.cwd(),
    process.env,
  );
  try {
    assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal((await fetch(`${started.url}/api/health`)).status, 200);
  } finally {
    await stopGracefully(started);
  }
});
