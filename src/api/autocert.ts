/**
 * Automatic certificates over ACME (Let's Encrypt by default), for `satchel serve DOMAIN…`:
 * what PocketBase does with Go's autocert. The account and one certificate per host name live
 * in `<dataDir>/.autocert_cache/` (private key + chain in one PEM file per host, as autocert).
 * Challenges: HTTP-01 (answered by the HTTP listener) first, then TLS-ALPN-01 (answered by the
 * TLS listener's SNI and ALPN callbacks). Certificates are renewed 30 days before they expire.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { createSecureContext, type SecureContext } from "node:tls";
import { X509Certificate } from "node:crypto";
import * as acme from "acme-client";

/** Let's Encrypt's production directory, PocketBase's CA. */
export const LETS_ENCRYPT_DIRECTORY = "https://acme-v02.api.letsencrypt.org/directory";

const RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
const RENEW_CHECK_MS = 12 * 3600 * 1000;
const CHALLENGE_PATH = "/.well-known/acme-challenge/";

export interface AutocertOptions {
  /** Host names served (the certificates' names). */
  hosts: string[];
  /** Folder of the account key and the certificates. */
  cacheDir: string;
  /** The ACME directory URL. */
  directoryUrl?: string;
  /** Challenge types in order of preference. */
  challengePriority?: ("http-01" | "tls-alpn-01")[];
  /** Where renewal failures are reported. */
  log?: (message: string) => void;
}

interface Held {
  context: SecureContext;
  notAfter: number;
}

/** Host name syntax (RFC 1123 labels, at least two, no IP address), lowercased; or an error. */
export function checkDomain(domain: string): string {
  const host = domain.trim().toLowerCase().replace(/\.$/, "");
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  const labels = host.split(".");
  if (
    host.length > 253 ||
    labels.length < 2 ||
    !labels.every((l) => label.test(l)) ||
    /^\d+$/.test(labels.at(-1)!)
  ) {
    throw new Error(`invalid domain "${domain}" (expected a host name such as example.com)`);
  }
  return host;
}

/** A message for an ACME or network failure, on one line. */
function reason(err: unknown): string {
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code;
  const text = (e.message ?? String(err)).split("\n")[0]!;
  return code && !text.includes(code) ? `${text} (${code})` : text;
}

export class Autocert {
  readonly #options: AutocertOptions;
  readonly #directoryUrl: string;
  readonly #held = new Map<string, Held>();
  readonly #pending = new Map<string, Promise<Held>>();
  readonly #httpTokens = new Map<string, string>();
  readonly #alpnContexts = new Map<string, SecureContext>();
  #client: acme.Client | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: AutocertOptions) {
    this.#options = options;
    this.#directoryUrl = options.directoryUrl ?? LETS_ENCRYPT_DIRECTORY;
  }

  /** The key authorization answering an HTTP-01 challenge at `path`, if it is one of ours. */
  httpChallenge(path: string): string | undefined {
    return path.startsWith(CHALLENGE_PATH)
      ? this.#httpTokens.get(path.slice(CHALLENGE_PATH.length))
      : undefined;
  }

  /** Whether a TLS-ALPN-01 challenge is pending for `host` (the handshake must select `acme-tls/1`). */
  alpnChallenge(host: string): SecureContext | undefined {
    return this.#alpnContexts.get(host);
  }

  /** The TLS context of `host`: cached, or obtained now (and cached) when it is an allowed host. */
  async context(host: string): Promise<SecureContext> {
    const name = host.toLowerCase();
    if (!this.#options.hosts.includes(name)) throw new Error(`host ${host} is not served`);
    const held = this.#held.get(name);
    if (held) return held.context;
    return (await this.#obtain(name)).context;
  }

  /**
   * Loads or obtains a certificate for each host in `hosts` (a subset of the served ones),
   * then keeps them renewed. Throws a one-line error when one can't be had.
   */
  async start(hosts: string[]): Promise<void> {
    for (const host of hosts) await this.#obtain(host);
    this.#timer = setInterval(() => void this.#renewDue(), RENEW_CHECK_MS);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  #obtain(host: string): Promise<Held> {
    let pending = this.#pending.get(host);
    if (!pending) {
      pending = this.#loadOrOrder(host).finally(() => this.#pending.delete(host));
      this.#pending.set(host, pending);
    }
    return pending;
  }

  async #loadOrOrder(host: string): Promise<Held> {
    const cached = this.#readCached(host);
    if (cached && cached.notAfter - Date.now() > RENEW_BEFORE_MS) {
      this.#held.set(host, cached);
      return cached;
    }
    try {
      const held = await this.#order(host);
      this.#held.set(host, held);
      return held;
    } catch (err) {
      // A certificate that is still valid serves until the next attempt.
      if (cached && cached.notAfter > Date.now()) {
        this.#held.set(host, cached);
        return cached;
      }
      throw err;
    }
  }

  async #renewDue(): Promise<void> {
    for (const [host, held] of this.#held) {
      if (held.notAfter - Date.now() > RENEW_BEFORE_MS) continue;
      try {
        this.#held.set(host, await this.#order(host));
      } catch (err) {
        this.#options.log?.(`renewing the certificate of ${host} failed: ${reason(err)}`);
      }
    }
  }

  /** A cached key + chain, or null when there is none; a file we can't read is an error. */
  #readCached(host: string): Held | null {
    const file = join(this.#options.cacheDir, host);
    if (!existsSync(file)) return null;
    try {
      const pem = readFileSync(file, "utf8");
      const key = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----/.exec(pem)?.[0];
      const certs = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
      if (!key || !certs) throw new Error("no private key and certificate in it");
      const leaf = new X509Certificate(certs[0]);
      if (!leaf.checkHost(host)) throw new Error(`its certificate is not for ${host}`);
      return {
        context: createSecureContext({ key, cert: certs.join("\n") }),
        notAfter: Date.parse(leaf.validTo),
      };
    } catch (err) {
      throw new Error(
        `${file} is not a certificate of ${host} (${reason(err)}); move it away to get a new one`,
      );
    }
  }

  async #account(): Promise<acme.Client> {
    if (this.#client) return this.#client;
    mkdirSync(this.#options.cacheDir, { recursive: true, mode: 0o700 });
    const keyFile = join(this.#options.cacheDir, "acme_account+key");
    let accountKey: string;
    if (existsSync(keyFile)) {
      accountKey = readFileSync(keyFile, "utf8");
      if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(accountKey)) {
        throw new Error(`${keyFile} is not an ACME account key; move it away to create a new account`);
      }
    } else {
      accountKey = (await acme.crypto.createPrivateEcdsaKey()).toString();
      writeAtomic(keyFile, accountKey);
    }
    // A CA that does not answer must fail the start within seconds, not retry for minutes.
    acme.axios.defaults.timeout = 30_000;
    const defaults = acme.axios.defaults as {
      acmeSettings?: { retryMaxAttempts: number; retryDefaultDelay: number };
    };
    if (defaults.acmeSettings)
      Object.assign(defaults.acmeSettings, { retryMaxAttempts: 2, retryDefaultDelay: 1 });
    await this.#probeDirectory();
    const client = new acme.Client({
      directoryUrl: this.#directoryUrl,
      accountKey,
      backoffAttempts: 3,
      backoffMin: 1000,
      backoffMax: 5000,
    });
    try {
      await client.createAccount({ termsOfServiceAgreed: true });
    } catch (err) {
      throw new Error(`the ACME directory ${this.#directoryUrl} can't be used: ${reason(err)}`);
    }
    this.#client = client;
    return client;
  }

  /** Fails fast, with the network's reason, when the directory can't be read. */
  async #probeDirectory(): Promise<void> {
    try {
      const res = await fetch(this.#directoryUrl, { signal: AbortSignal.timeout(30_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const directory = (await res.json()) as { newAccount?: unknown };
      if (typeof directory.newAccount !== "string") throw new Error("not an ACME directory");
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      throw new Error(`the ACME directory ${this.#directoryUrl} can't be reached: ${reason(cause ?? err)}`);
    }
  }

  async #order(host: string): Promise<Held> {
    const client = await this.#account();
    const [key, csr] = await acme.crypto.createCsr(
      { altNames: [host] },
      await acme.crypto.createPrivateEcdsaKey(),
    );
    let chain: string;
    try {
      chain = await client.auto({
        csr,
        termsOfServiceAgreed: true,
        // The CA checks; a check of our own would need the public DNS the CA sees.
        skipChallengeVerification: true,
        challengePriority: this.#options.challengePriority ?? ["http-01", "tls-alpn-01"],
        challengeCreateFn: async (authz, challenge, keyAuthorization) => {
          if (challenge.type === "http-01") this.#httpTokens.set(challenge.token, keyAuthorization);
          else if ((challenge.type as string) === "tls-alpn-01") {
            const [alpnKey, alpnCert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization);
            this.#alpnContexts.set(
              authz.identifier.value,
              createSecureContext({ key: alpnKey, cert: alpnCert }),
            );
          }
        },
        challengeRemoveFn: async (authz, challenge) => {
          this.#httpTokens.delete(challenge.token);
          this.#alpnContexts.delete(authz.identifier.value);
        },
      });
    } catch (err) {
      throw new Error(`no certificate for ${host} from ${this.#directoryUrl}: ${reason(err)}`);
    }
    writeAtomic(join(this.#options.cacheDir, host), `${key.toString().trim()}\n${chain.trim()}\n`);
    const leaf = new X509Certificate(chain);
    return { context: createSecureContext({ key, cert: chain }), notAfter: Date.parse(leaf.validTo) };
  }
}

function writeAtomic(file: string, content: string): void {
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, content, { mode: 0o600 });
  renameSync(partial, file);
}
