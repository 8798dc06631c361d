/**
 * Pebble, Let's Encrypt's ACME test server (Debian package `pebble`), on loopback: pebble
 * itself plus pebble-challtestsrv as its DNS server, which answers 127.0.0.1 for every name,
 * so any domain validates against the Satchel the test starts. Pebble's HTTP-01 and
 * TLS-ALPN-01 checks go to the ports given as `httpPort`/`tlsPort`. Its own HTTPS certificate
 * is made here with openssl; trust it (and the root it issues from) inside the test only.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { connect } from "node:net";
import { join } from "node:path";
import { freePort } from "./s3-server.ts";
import { waitFor } from "./wait.ts";

export interface Pebble {
  directoryUrl: string;
  /** PEM of the certificate pebble's own HTTPS listeners use (give it to NODE_EXTRA_CA_CERTS). */
  serverCaFile: string;
  /** PEM of the root that issued the certificates. */
  issuingRoot(): Promise<string>;
  /** Makes pebble's DNS answer `address` for `host` (every other name resolves to 127.0.0.1). */
  pointHost(host: string, address: string): Promise<void>;
  stop(): Promise<void>;
}

/** Why pebble can't run here, or false when it can. */
export function pebbleMissing(): string | false {
  for (const bin of ["pebble", "pebble-challtestsrv", "openssl"]) {
    if (spawnSync("sh", ["-c", `command -v ${bin}`]).status !== 0) {
      return `${bin} is not installed (Debian packages pebble, openssl: .ci/install-services.sh)`;
    }
  }
  return false;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(true)));
    s.once("error", () => resolve(false));
  });
}

async function waitForPort(port: number, what: string, child: ChildProcess): Promise<void> {
  let open = false;
  await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`${what} exited (${child.exitCode})`);
      void portOpen(port).then((o) => (open = o));
      return open;
    },
    what,
    20_000,
    50,
  );
}

/** Starts pebble validating against `httpPort`/`tlsPort` on 127.0.0.1; state in `dir`. */
export async function startPebble(dir: string, httpPort: number, tlsPort: number): Promise<Pebble> {
  const key = join(dir, "pebble-key.pem");
  const cert = join(dir, "pebble-cert.pem");
  const made = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=pebble",
      "-addext",
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { encoding: "utf8" },
  );
  if (made.status !== 0) throw new Error(`openssl failed: ${made.stderr}`);
  const [acmePort, mgmtPort, dnsPort, dnsMgmtPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const config = join(dir, "pebble-config.json");
  writeFileSync(
    config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: cert,
        privateKey: key,
        httpPort,
        tlsPort,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    }),
  );
  const children: ChildProcess[] = [];
  const quiet = { stdio: ["ignore", "ignore", "pipe"] as ("ignore" | "pipe")[] };
  const dns = spawn(
    "pebble-challtestsrv",
    [
      "-dns01",
      `127.0.0.1:${dnsPort}`,
      "-http01",
      "",
      "-https01",
      "",
      "-tlsalpn01",
      "",
      "-management",
      `127.0.0.1:${dnsMgmtPort}`,
      "-defaultIPv4",
      "127.0.0.1",
      "-defaultIPv6",
      "",
    ],
    quiet,
  );
  children.push(dns);
  const stop = async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGTERM");
    await Promise.all(
      children.map((c) =>
        c.exitCode !== null || c.signalCode !== null
          ? Promise.resolve()
          : new Promise<void>((r) => c.once("close", () => r())),
      ),
    );
  };
  try {
    await waitForPort(dnsMgmtPort, "pebble-challtestsrv", dns);
    const pebble = spawn("pebble", ["-config", config, "-dnsserver", `127.0.0.1:${dnsPort}`], {
      ...quiet,
      env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" },
    });
    children.push(pebble);
    await waitForPort(acmePort, "pebble", pebble);
  } catch (err) {
    await stop();
    throw err;
  }
  const serverCa = cert;
  return {
    directoryUrl: `https://127.0.0.1:${acmePort}/dir`,
    serverCaFile: serverCa,
    issuingRoot: () =>
      new Promise((resolve, reject) => {
        const req = request(
          { host: "127.0.0.1", port: mgmtPort, path: "/roots/0", ca: readFileSync(serverCa, "utf8") },
          (res) => {
            let body = "";
            res.on("data", (d: Buffer) => (body += d.toString()));
            res.on("end", () => resolve(body));
          },
        );
        req.on("error", reject);
        req.end();
      }),
    pointHost: async (host, address) => {
      const res = await fetch(`http://127.0.0.1:${dnsMgmtPort}/add-a`, {
        method: "POST",
        body: JSON.stringify({ host: `${host}.`, addresses: [address] }),
      });
      if (!res.ok) throw new Error(`pebble-challtestsrv add-a: HTTP ${res.status}`);
    },
    stop,
  };
}
