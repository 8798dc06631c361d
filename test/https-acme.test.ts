/**
 * `satchel serve DOMAIN` end to end against pebble (a real ACME server, test/helpers/pebble.ts),
 * run twice: with `node bin/satchel.js`, and with the single executable started with an empty
 * environment from another folder (skipped, saying so, when it isn't built). Certificates are
 * obtained over HTTP-01, HTTPS served with them (realtime included), HTTP redirected to HTTPS,
 * `www.` redirected to the bare domain, the certificates kept in pb_data/.autocert_cache; and
 * bad input (an invalid domain, a domain the CA can't validate, a CA that can't be reached, a
 * busy port 80 or 443) stops the start with one line and exit 1, leaving nothing listening.
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
import { WebSocket, type ClientOptions } from "ws";
import { EXECUTABLE, executableMissing } from "./helpers/executable.ts";
import { pebbleMissing, startPebble, type Pebble } from "./helpers/pebble.ts";
import { freePort } from "./helpers/s3-server.ts";
import { suiteCleanup, tempDir } from "./helpers/server.ts";
import { startServing, stopGracefully } from "./helpers/smoke.ts";

const BIN = fileURLToPath(new URL("../bin/satchel.js", import.meta.url));

/** How the command under test is started. */
interface Runner {
  name: string;
  command: string;
  prefix: string[];
  /** The child's environment, given what the test adds. */
  env(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  skip: string | false;
}

const RUNNERS: Runner[] = [
  {
    name: "node bin/satchel.js",
    command: process.execPath,
    prefix: [BIN],
    env: (extra) => ({ ...process.env, ...extra }),
    skip: false,
  },
  {
    name: "the single executable, empty environment",
    command: EXECUTABLE,
    prefix: [],
    env: (extra) => ({ ...extra }),
    skip: executableMissing(),
  },
];

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

/** The first event of the realtime SSE stream, over HTTPS. */
function firstSseEvent(port: number, host: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: "127.0.0.1", port, path: "/api/realtime", servername: host, headers: { host }, ca },
      (res) => {
        let body = "";
        res.on("data", (d: Buffer) => {
          body += d.toString();
          if (body.includes("\n\n")) {
            res.destroy();
            resolve(body);
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** The first frame of the realtime WebSocket, over TLS. */
function firstWsFrame(port: number, host: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // ws hands its options to tls.connect, servername included (its types omit it).
    const options: ClientOptions & { servername: string } = { servername: host, headers: { host }, ca };
    const ws = new WebSocket(`wss://127.0.0.1:${port}/api/realtime/ws`, options);
    ws.once("message", (data: Buffer) => {
      ws.close();
      resolve(data.toString());
    });
    ws.once("error", reject);
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
  // Pebble's own HTTPS certificate is trusted by the server under test only.
  let trustPebble: NodeJS.ProcessEnv;
  before(async () => {
    httpPort = await freePort();
    tlsPort = await freePort();
    pebble = await startPebble(tempDir(cleanup, "satchel-pebble-"), httpPort, tlsPort);
    trustPebble = { NODE_EXTRA_CA_CERTS: pebble.serverCaFile };
  });
  after(async () => pebble?.stop());

  for (const runner of RUNNERS) {
    describe(runner.name, { skip: runner.skip }, () => {
      /** The serve arguments on the test's ports, with a fresh data folder unless `dir` is given. */
      const serveArgs = (t: { after(fn: () => unknown): void }, extra: string[], dir?: string) => [
        ...runner.prefix,
        "serve",
        `--http=127.0.0.1:${httpPort}`,
        `--https=127.0.0.1:${tlsPort}`,
        `--dir=${dir ?? join(tempDir(t), "pb_data")}`,
        ...extra,
      ];

      /** Runs `satchel serve …` expecting it to fail; resolves with its exit code and output. */
      const serveFails = (args: string[], cwd: string) =>
        new Promise<{ code: number | null; stderr: string; stdout: string }>((resolve, reject) => {
          const child = spawn(runner.command, args, { cwd, env: runner.env(trustPebble) });
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
          child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
          child.on("error", reject);
          const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
          child.on("close", (code) => (clearTimeout(timer), resolve({ code, stdout, stderr })));
        });

      /** Asserts a failed start left neither port bound. */
      const nothingListening = async () => {
        assert.ok(await canListen(httpPort), `port ${httpPort} (HTTP) was left bound`);
        assert.ok(await canListen(tlsPort), `port ${tlsPort} (HTTPS) was left bound`);
      };

      test("obtains certificates, serves HTTPS and realtime, redirects HTTP and www", async (t) => {
        const dir = join(tempDir(t), "pb_data");
        const cwd = tempDir(t);
        const started = await startServing(
          runner.command,
          serveArgs(t, ["example.com", `--acmeDirectory=${pebble.directoryUrl}`], dir),
          cwd,
          runner.env(trustPebble),
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

          assert.match(await firstSseEvent(tlsPort, "example.com", root), /event: ?PB_CONNECT\n/);
          assert.match(await firstWsFrame(tlsPort, "example.com", root), /"event":"PB_CONNECT"/);

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
          runner.command,
          serveArgs(t, ["example.com", "--acmeDirectory=https://127.0.0.1:9/dir"], dir),
          cwd,
          runner.env(trustPebble),
        );
        try {
          const health = await httpsGet(tlsPort, "example.com", "/api/health", await pebble.issuingRoot());
          assert.equal(health.status, 200);
        } finally {
          await stopGracefully(again);
        }
      });

      test("an invalid domain: one line, exit 1", async (t) => {
        const r = await serveFails(serveArgs(t, ["bad_name.com"]), tempDir(t));
        assert.equal(r.code, 1);
        assert.equal(
          r.stderr,
          'Error: invalid domain "bad_name.com" (expected a host name such as example.com)\n',
        );
      });

      test("a domain the CA can't validate: one line, exit 1, nothing left listening", async (t) => {
        // Its DNS points at another machine, so the CA's HTTP-01 check never reaches us.
        await pebble.pointHost("elsewhere.example.net", "127.0.0.2");
        const r = await serveFails(
          serveArgs(t, ["elsewhere.example.net", `--acmeDirectory=${pebble.directoryUrl}`]),
          tempDir(t),
        );
        assert.equal(r.code, 1, r.stderr);
        assert.match(
          r.stderr,
          /^Error: no certificate for elsewhere\.example\.net from https:\/\/127\.0\.0\.1:\d+\/dir: .+\n$/,
        );
        assert.doesNotMatch(r.stdout, /Server started/);
        await nothingListening();
      });

      test("an unreachable CA: one line, exit 1, nothing left listening", async (t) => {
        const closed = await freePort();
        const r = await serveFails(
          serveArgs(t, ["example.com", `--acmeDirectory=https://127.0.0.1:${closed}/dir`]),
          tempDir(t),
        );
        assert.equal(r.code, 1);
        assert.match(
          r.stderr,
          /^Error: the ACME directory https:\/\/127\.0\.0\.1:\d+\/dir can't be reached: .*ECONNREFUSED.*\n$/,
        );
        assert.doesNotMatch(r.stdout, /Server started/);
        await nothingListening();
      });

      for (const which of ["HTTPS", "HTTP"] as const) {
        test(`a busy ${which} port: one line, exit 1, nothing left listening`, async (t) => {
          const port = which === "HTTPS" ? tlsPort : httpPort;
          const blocker = createServer();
          await new Promise<void>((resolve) => blocker.listen(port, "127.0.0.1", resolve));
          try {
            const r = await serveFails(
              serveArgs(t, ["example.com", `--acmeDirectory=${pebble.directoryUrl}`]),
              tempDir(t),
            );
            assert.equal(r.code, 1);
            assert.equal(r.stderr, `Error: address 127.0.0.1:${port} is already in use\n`);
            assert.doesNotMatch(r.stdout, /Server started/);
          } finally {
            await new Promise((resolve) => blocker.close(resolve));
          }
          await nothingListening();
        });
      }
    });
  }
});

for (const runner of RUNNERS) {
  test(`plain serve without a domain keeps HTTP (${runner.name})`, { skip: runner.skip }, async (t) => {
    const started = await startServing(
      runner.command,
      [...runner.prefix, "serve", "--http=127.0.0.1:0", `--dir=${join(tempDir(t), "pb_data")}`],
      tempDir(t),
      runner.env({}),
    );
    try {
      assert.match(started.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal((await fetch(`${started.url}/api/health`)).status, 200);
    } finally {
      await stopGracefully(started);
    }
  });
}
